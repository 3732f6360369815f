// File-name tokens of diff headers, as git and GNU diff write them: either bare (up to the end
// of the line, or up to a TAB that starts a timestamp or git's trailing TAB after names with
// spaces) or C-quoted with backslash escapes and octal bytes ("a/t\303\251st.ts").
// Attacker-controlled: every function here returns undefined on malformed input, never throws.

/** Escapes git's quote_c_style writes (quote.c `cq_lookup`), besides three-digit octal. */
const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 0x07, b: 0x08, t: 0x09, n: 0x0a, v: 0x0b, f: 0x0c, r: 0x0d, '"': 0x22, '\\': 0x5c,
};

const UTF8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const ENCODER = new TextEncoder();

export interface QuotedToken {
  readonly value: string;
  /** Index just past the closing quote. */
  readonly end: number;
}

/**
 * Reads a C-quoted token starting at `start` (which must be a double quote). Octal escapes
 * are bytes; the byte string is decoded as UTF-8 (invalid sequences become U+FFFD). A NUL
 * byte, an unknown escape or a missing closing quote makes the token invalid.
 */
export function readQuoted(line: string, start: number): QuotedToken | undefined {
  if (line.charCodeAt(start) !== 0x22) return undefined;
  const bytes: number[] = [];
  let i = start + 1;
  while (i < line.length) {
    const ch = line[i]!;
    if (ch === '"') {
      return { value: UTF8.decode(Uint8Array.from(bytes)), end: i + 1 };
    }
    if (ch !== '\\') {
      const code = line.codePointAt(i)!;
      const width = code > 0xffff ? 2 : 1;
      for (const b of ENCODER.encode(line.slice(i, i + width))) bytes.push(b);
      i += width;
      continue;
    }
    const next = line[i + 1];
    if (next === undefined) return undefined;
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      bytes.push(simple);
      i += 2;
      continue;
    }
    if (next >= '0' && next <= '3') {
      const d2 = line[i + 2];
      const d3 = line[i + 3];
      if (d2 === undefined || d3 === undefined || d2 < '0' || d2 > '7' || d3 < '0' || d3 > '7') return undefined;
      const byte = (next.charCodeAt(0) - 48) * 64 + (d2.charCodeAt(0) - 48) * 8 + (d3.charCodeAt(0) - 48);
      if (byte === 0) return undefined;
      bytes.push(byte);
      i += 4;
      continue;
    }
    return undefined;
  }
  return undefined;
}

/**
 * The single file name of a `---`/`+++`/`rename from`/`copy to` style line, after the keyword.
 * Bare names end at the first TAB (timestamp or git's trailing TAB); quoted names must be
 * followed only by an optional TAB-separated suffix.
 */
export function readNameField(rest: string): string | undefined {
  if (rest.startsWith('"')) {
    const token = readQuoted(rest, 0);
    if (token === undefined) return undefined;
    const tail = rest.slice(token.end);
    if (tail !== '' && !tail.startsWith('\t')) return undefined;
    return token.value.length > 0 ? token.value : undefined;
  }
  const tab = rest.indexOf('\t');
  const name = tab === -1 ? rest : rest.slice(0, tab);
  return name.length > 0 ? name : undefined;
}

export interface HeaderNames {
  readonly oldName: string;
  readonly newName: string;
  /** True when both names carried a leading `<prefix>/` component (a/, b/, or mnemonic). */
  readonly prefixed: boolean;
}

/** Removes the first path component ("a/x/y" -> "x/y"); undefined when there is none. */
export function stripFirstComponent(name: string): string | undefined {
  const slash = name.indexOf('/');
  if (slash <= 0 || slash === name.length - 1) return undefined;
  return name.slice(slash + 1);
}

/**
 * Names of a `diff --git <old> <new>` line (text after `diff --git `). Unambiguous only when
 * the two names describe the same path (git writes distinct names only for renames and copies,
 * whose `rename from`/`copy from` lines then carry the names). Returns undefined when the split
 * cannot be determined from this line alone. Linear in the line length.
 */
export function readGitHeaderNames(rest: string): HeaderNames | undefined {
  const quoted = quotedSplit(rest);
  if (quoted === null) return undefined;
  if (quoted !== undefined) return classifyPair(quoted[0], quoted[1]);
  let found: HeaderNames | undefined;
  // Same name twice without prefixes: the only candidate split is the middle space.
  if (rest.length % 2 === 1) {
    const mid = (rest.length - 1) / 2;
    if (rest[mid] === ' ' && rest.slice(0, mid) === rest.slice(mid + 1)) {
      found = { oldName: rest.slice(0, mid), newName: rest.slice(mid + 1), prefixed: false };
    }
  }
  const prefixed = prefixedSplit(rest);
  if (prefixed !== undefined) {
    if (found !== undefined) return undefined;
    found = prefixed;
  }
  return found;
}

/**
 * `P/X Q/X`: for a split at space i, the left remainder starts after the first slash of the
 * line and the right one after the first slash past i. Their lengths are equal for at most one
 * i, because i + nextSlash(i) grows strictly with i.
 */
function prefixedSplit(rest: string): HeaderNames | undefined {
  const firstSlash = rest.indexOf('/');
  if (firstSlash <= 0) return undefined;
  const n = rest.length;
  let nextSlash = -1;
  let scan = n - 1;
  for (let i = rest.lastIndexOf(' '); i > firstSlash; i = rest.lastIndexOf(' ', i - 1)) {
    // nextSlash: first '/' after i + 1, found by scanning down from the previous space.
    while (scan > i + 1) {
      if (rest[scan] === '/') nextSlash = scan;
      scan--;
    }
    if (nextSlash === -1) continue;
    if (i - firstSlash !== n - nextSlash) continue;
    const left = rest.slice(firstSlash + 1, i);
    const right = rest.slice(nextSlash + 1);
    if (left.length > 0 && left === right) return { oldName: left, newName: right, prefixed: true };
    return undefined;
  }
  return undefined;
}

/**
 * Whether a `diff --git` line whose paths are known from `rename`/`copy` lines carries
 * prefixes; undefined when the line names other paths.
 */
export function gitHeaderPrefixed(rest: string, oldPath: string, newPath: string): boolean | undefined {
  const quoted = quotedSplit(rest);
  if (quoted === null) return undefined;
  if (quoted !== undefined) {
    if (quoted[0] === oldPath && quoted[1] === newPath) return false;
    if (stripFirstComponent(quoted[0]) === oldPath && stripFirstComponent(quoted[1]) === newPath) return true;
    return undefined;
  }
  if (rest === `${oldPath} ${newPath}`) return false;
  const k = rest.length - newPath.length;
  if (k < 2 || !rest.endsWith(newPath) || rest[k - 1] !== '/') return undefined;
  const space = rest.lastIndexOf(' ', k - 2);
  if (space <= 0 || space === k - 2) return undefined;
  if (rest.slice(space + 1, k - 1).includes('/')) return undefined;
  return stripFirstComponent(rest.slice(0, space)) === oldPath ? true : undefined;
}

function classifyPair(oldName: string, newName: string): HeaderNames | undefined {
  if (oldName === newName) return { oldName, newName, prefixed: false };
  const a = stripFirstComponent(oldName);
  const b = stripFirstComponent(newName);
  if (a !== undefined && a === b) return { oldName: a, newName: b, prefixed: true };
  return undefined;
}

/**
 * The two names when at least one is quoted; undefined when both are bare; null when the
 * quoting is malformed.
 */
function quotedSplit(rest: string): [string, string] | undefined | null {
  if (rest.startsWith('"')) {
    const first = readQuoted(rest, 0);
    if (first === undefined || rest[first.end] !== ' ') return null;
    const second = rest.slice(first.end + 1);
    if (second.startsWith('"')) {
      const tok = readQuoted(second, 0);
      if (tok === undefined || tok.end !== second.length) return null;
      return [first.value, tok.value];
    }
    return second.length > 0 ? [first.value, second] : null;
  }
  if (!rest.endsWith('"')) return undefined;
  const quoteAt = rest.indexOf(' "');
  if (quoteAt <= 0) return undefined;
  const tok = readQuoted(rest, quoteAt + 1);
  if (tok === undefined || tok.end !== rest.length) return undefined;
  return [rest.slice(0, quoteAt), tok.value];
}
