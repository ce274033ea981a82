/** Writing generated text between a pair of HTML-comment markers of a markdown document. */

export interface Markers {
  start: string;
  end: string;
}

/**
 * `doc` with the text between `marks` replaced by `body`; when the markers are missing, the block
 * is appended at the end under `heading`.
 */
export function replaceBetween(doc: string, marks: Markers, body: string, heading: string): string {
  const block = `${marks.start}\n${body}\n${marks.end}`;
  const a = doc.indexOf(marks.start);
  const b = doc.indexOf(marks.end);
  if (a >= 0 && b > a) return doc.slice(0, a) + block + doc.slice(b + marks.end.length);
  return `${doc.trimEnd()}\n\n${heading}\n\n${block}\n`;
}
