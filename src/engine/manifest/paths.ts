/**
 * Package-relative paths. A manifest must not be able to make a source read outside its package
 * (`../`, absolute paths, URLs), and the same path must mean the same file on every source
 * (no backslashes, no empty or `.` segments), so we accept only plain `dir/file.ext` paths.
 */

/** Why `path` is not a plain package-relative path, or null when it is fine. */
export function pathProblem(path: string): string | null {
  if (path.length === 0) return 'is empty';
  if (path.includes('\\')) return 'contains a backslash (use "/")';
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(path)) return 'is a URL or drive path, not a path inside the package';
  if (path.startsWith('/')) return 'is absolute, not a path inside the package';
  // URL sources resolve paths against the package URL, where "%2e%2e" means ".." and "?" or "#"
  // end the path; a file name has no need of any of them.
  if (path.includes('%')) return 'contains "%" (a percent-escape could hide "..")';
  if (/[?#]/.test(path)) return 'contains "?" or "#", which a URL would not keep in the path';
  for (const segment of path.split('/')) {
    if (segment === '..') return 'leaves the package ("..")';
    if (segment === '' || segment === '.') return 'has an empty or "." segment';
  }
  // Control characters are never legitimate and make messages unreadable.
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return 'contains control characters';
  }
  return null;
}

/** True when `path` is a plain package-relative path. */
export function isPackagePath(path: string): boolean {
  return pathProblem(path) === null;
}
