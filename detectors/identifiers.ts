// Which words of code are names the author chose, and what those names look like.

// Reserved words and ubiquitous built-in names: not chosen by the author, so not style.
export const NOT_NAMES = new Set(
  ('abstract any as async await boolean break case catch class const constructor continue debugger declare default delete do else enum export ' +
    'extends false finally for from function get if implements import in infer instanceof interface is keyof let module namespace never new null ' +
    'number object of package private protected public readonly require return satisfies set static string super switch symbol this throw true try ' +
    'type typeof undefined unique unknown var void while with yield console log error warn info debug length push map filter reduce forEach then ' +
    'Promise Error Object Array String Number Boolean JSON Math Date Map Set RegExp Symbol bigint process exports module window document'
  ).split(' '),
);

/** Short names that are conventional rather than terse. */
export const LOOP_COUNTERS = new Set(['i', 'j', 'k', 'n', 'x', 'y', 'z', '_', 'e', 'el', 'id', 'ok', 'fn', 'cb', 'db', 'io', 'ui', 'op', 'to', 'ms']);

/** Number of words in an identifier: camelCase humps and snake_case parts. */
export function wordCount(name: string): number {
  let words = 0;
  let prevLower = false;
  let inWord = false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const upper = c >= 65 && c <= 90;
    const lower = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    if (c === 95 || c === 36) {
      inWord = false;
      prevLower = false;
      continue;
    }
    if (!inWord || (upper && prevLower)) words++;
    inWord = true;
    prevLower = lower;
  }
  return words;
}

/** Bit flags describing one identifier. */
export const NameShape = { Descriptive: 1, Terse: 2, Snake: 4, Camel: 8 } as const;

/** Shape flags of an identifier (a name the author chose). */
export function nameShape(name: string): number {
  const words = wordCount(name);
  let shape = 0;
  if (words >= 3) shape |= NameShape.Descriptive;
  if (name.length <= 2 && !LOOP_COUNTERS.has(name)) shape |= NameShape.Terse;
  if (words >= 2) {
    // Leading and trailing underscores mark privacy or unused values, not a naming convention.
    let from = 0;
    let to = name.length;
    while (from < to && name.charCodeAt(from) === 95) from++;
    while (to > from && name.charCodeAt(to - 1) === 95) to--;
    const core = from === 0 && to === name.length ? name : name.slice(from, to);
    if (!core.includes('_')) shape |= NameShape.Camel;
    else if (core !== core.toUpperCase()) shape |= NameShape.Snake;
  }
  return shape;
}
