// Commit-message trailers with `git interpret-trailers` semantics (default configuration:
// separator ":", comment character "#", divider on, no configured trailer keys).
//
// Followed: git's trailer.c (v2.47) — find_end_of_log_message (patch divider "---" + space or
// end of line, then ignored_log_message_bytes: trailing comment/blank lines and the scissors
// line), find_trailer_block_start (the title paragraph is never trailers; scanning up from the
// end, the last paragraph is a trailer block when all its lines are trailers, or when at least
// 25% are and one starts with a git-generated prefix), find_separator (token of letters, digits
// and "-", optional blanks, then ":"), continuation lines (leading whitespace) appended to the
// previous trailer, unfold_value (newline + whitespace collapse to one space).
// One deliberate difference: the "\r" of every CRLF terminator is dropped before parsing, so a
// continued value never holds a "\r" (git keeps it inside unfolded values: "a\r b").
//
// The message is attacker-controlled: it is split once into lines and every step below is a
// single pass, so time is linear in its length. Values are kept raw (control characters and
// all); escaping is the job of whoever prints them.

export interface Trailer {
  /** The key as written (case preserved); compare case-insensitively. */
  readonly key: string;
  /** The value with surrounding whitespace trimmed and continuation lines unfolded. */
  readonly value: string;
}

/** Prefixes git itself writes; one of them lets a mixed paragraph count as trailers. */
const GIT_GENERATED_PREFIXES = ['Signed-off-by: ', '(cherry picked from commit '] as const;
const COMMENT = '#';
// wt-status.c cut_line: everything from this line on is ignored by `git commit --cleanup=scissors`.
const SCISSORS = '# ------------------------ >8 ------------------------';

/** Trailers of a full commit message, in message order (duplicates kept). */
export function parseTrailers(message: string): Trailer[] {
  const lines = splitLines(message);
  const end = endOfMessage(lines);
  const start = trailerBlockStart(lines, end);
  if (start >= end) return [];
  return parseTrailerLines(lines.slice(start, end));
}

/**
 * Parses lines that are already known to be a trailer block (e.g. a pull-request remediation
 * `Assisted-by: Claude:claude-opus-4-5`): comment lines skipped, continuation lines folded,
 * lines that are not `key: value` dropped.
 */
export function parseTrailerBlock(text: string): Trailer[] {
  return parseTrailerLines(splitLines(text));
}

function parseTrailerLines(lines: readonly string[]): Trailer[] {
  const out: { key: string; value: string }[] = [];
  let last: { key: string; value: string } | undefined;
  for (const line of lines) {
    // trailer_info_get keeps a comment line as a non-trailer item, so it ends the previous
    // trailer: a following indented line does not continue it.
    if (line.startsWith(COMMENT)) {
      last = undefined;
      continue;
    }
    if (last !== undefined && line.length > 0 && isSpace(line.charCodeAt(0))) {
      const more = trimSpace(line);
      if (more.length > 0) last.value = last.value.length > 0 ? `${last.value} ${more}` : more;
      continue;
    }
    const sep = findSeparator(line);
    if (sep >= 1) {
      last = { key: trimSpace(line.slice(0, sep)), value: trimSpace(line.slice(sep + 1)) };
      out.push(last);
    } else {
      last = undefined;
    }
  }
  return out;
}

/** Lines without terminators; a "\r" before "\n" is dropped (CRLF tolerated). */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
  }
  // A final "\n" terminates the last line rather than starting an empty one.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Index one past the last line of the log message proper. */
function endOfMessage(lines: readonly string[]): number {
  let end = lines.length;
  // find_patch_start: the first line starting with "---" followed by whitespace or its end.
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith('---') && (l.length === 3 || isSpace(l.charCodeAt(3)))) {
      end = i;
      break;
    }
  }
  // ignored_log_message_bytes: the scissors line and all after it, then trailing comment and
  // blank lines.
  let boundary = -1;
  for (let i = 0; i < end; i++) {
    const l = lines[i]!;
    if (l === SCISSORS) {
      if (boundary < 0) boundary = i;
      break;
    }
    if (l.startsWith(COMMENT) || isBlank(l)) {
      if (boundary < 0) boundary = i;
    } else {
      boundary = -1;
    }
  }
  return boundary < 0 ? end : boundary;
}

/** find_trailer_block_start: index of the first trailer line, or `end` when there is none. */
function trailerBlockStart(lines: readonly string[], end: number): number {
  // The first paragraph is the title and cannot be trailers.
  let endOfTitle = 0;
  while (endOfTitle < end && (lines[endOfTitle]!.startsWith(COMMENT) || !isBlank(lines[endOfTitle]!))) endOfTitle++;

  let onlySpaces = true;
  let recognizedPrefix = false;
  let trailerLines = 0;
  let nonTrailerLines = 0;
  let possibleContinuationLines = 0;
  for (let i = end - 1; i >= endOfTitle; i--) {
    const l = lines[i]!;
    if (l.startsWith(COMMENT)) {
      nonTrailerLines += possibleContinuationLines;
      possibleContinuationLines = 0;
      continue;
    }
    if (isBlank(l)) {
      if (onlySpaces) continue;
      nonTrailerLines += possibleContinuationLines;
      if (recognizedPrefix && trailerLines * 3 >= nonTrailerLines) return i + 1;
      if (trailerLines > 0 && nonTrailerLines === 0) return i + 1;
      return end;
    }
    onlySpaces = false;
    if (GIT_GENERATED_PREFIXES.some((p) => l.startsWith(p))) {
      trailerLines++;
      possibleContinuationLines = 0;
      recognizedPrefix = true;
      continue;
    }
    if (findSeparator(l) >= 1 && !isSpace(l.charCodeAt(0))) {
      trailerLines++;
      possibleContinuationLines = 0;
    } else if (l.length > 0 && isSpace(l.charCodeAt(0))) {
      possibleContinuationLines++;
    } else {
      nonTrailerLines += 1 + possibleContinuationLines;
      possibleContinuationLines = 0;
    }
  }
  return end;
}

/** find_separator: position of ":" after a token of [A-Za-z0-9-] and optional blanks, else -1. */
function findSeparator(line: string): number {
  let whitespaceFound = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x3a /* : */) return i;
    if (!whitespaceFound && (isAlnum(c) || c === 0x2d /* - */)) continue;
    if (i !== 0 && (c === 0x20 || c === 0x09)) {
      whitespaceFound = true;
      continue;
    }
    break;
  }
  return -1;
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** C isspace in the "C" locale. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) if (!isSpace(line.charCodeAt(i))) return false;
  return true;
}

function trimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}
