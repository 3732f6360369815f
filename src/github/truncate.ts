// Cutting text to a platform limit without splitting a UTF-16 surrogate pair, saying it was cut.

/** `text` if it fits in `max` UTF-16 code units; else a prefix cut at a line break when one is near, plus `note`. */
export function truncateText(text: string, max: number, note: string): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - note.length - 1);
  const lineBreak = text.lastIndexOf('\n', end);
  if (lineBreak > end - 2000 && lineBreak > 0) end = lineBreak;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}\n${note}`;
}
