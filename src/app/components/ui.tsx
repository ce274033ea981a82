/** Small shared pieces of the studio look. */
import type { ReactNode } from 'react';

export const inputClass =
  'w-full rounded-md border border-zinc-700 bg-zinc-900 px-3 py-2 text-sm text-zinc-100 placeholder:text-zinc-500 ' +
  'focus:border-violet-400 focus:outline-none focus:ring-2 focus:ring-violet-500/40 aria-[invalid=true]:border-rose-500';

export const buttonClass =
  'inline-flex items-center justify-center gap-2 rounded-md border border-zinc-700 bg-zinc-800 px-3 py-1.5 text-sm ' +
  'text-zinc-100 hover:bg-zinc-700 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-violet-400 ' +
  'disabled:cursor-not-allowed disabled:opacity-40';

export function SectionTitle({ children }: { children: ReactNode }) {
  return <h2 className="text-xs font-semibold uppercase tracking-wider text-zinc-400">{children}</h2>;
}

export function Kbd({ children }: { children: ReactNode }) {
  return (
    <kbd className="rounded border border-white/20 bg-black/20 px-1 font-mono text-[10px] leading-4 text-current">
      {children}
    </kbd>
  );
}

export function InlineError({ id, children }: { id?: string; children: ReactNode }) {
  return (
    <p id={id} role="alert" className="text-xs text-rose-400">
      {children}
    </p>
  );
}

/** Platform name of the Mod key for shortcut hints. */
export const modKey = /Mac|iPhone|iPad/.test(globalThis.navigator?.platform ?? '') ? '⌘' : 'Ctrl';
