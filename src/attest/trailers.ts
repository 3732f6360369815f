// Commit-message trailers with git's semantics (default configuration: separator ":", comment
// character "#", no configured trailer keys, so only git's own prefixes are "recognized").
//
// Followed, from git's trailer.c and commit.c (v2.47):
// - find_end_of_log_message: with the divider on, the first line starting with "---" and a
//   whitespace character ends the message (a patch follows); then ignored_log_message_bytes
//   drops the scissors line (wt_status_locate_end) and everything after it, and the trailing run
//   of comment lines, empty lines and an old-style "Conflicts:" block (tab-indented paths).
// - find_trailer_block_start: the first paragraph is the title and is never trailers; scanning
//   up from the end, the last paragraph is the trailer block when all its lines are trailers, or
//   when at least 25% are and one starts with a git-generated prefix ("Signed-off-by: ",
//   "(cherry picked from commit "); lines starting with whitespace count with the trailer they
//   continue.
// - find_separator: a token of [A-Za-z0-9-], optional blanks (not at the start), then ":".
// - trailer_info_get / parse_trailers / unfold_value: a line starting with whitespace continues
//   the previous trailer (a comment or non-trailer line in between ends it); key and value are
//   trimmed; "\n" plus the following whitespace collapse to one space.
//
// The divider: `git interpret-trailers` honours "---" by default (its input may be a
// format-patch e-mail), but git reads the trailers of commit objects with `no_divider` set
// (pretty.c `%(trailers)`, ref-filter.c, sequencer.c, trailer_iterator_init), because a commit
// message may hold a "---" line (a Markdown rule, a pasted diffstat) and still end in trailers.
// parseTrailers therefore reads commit messages like `git log --format=%(trailers)`, and
// `{ divider: true }` gives `git interpret-trailers --parse`.
//
// Deliberate differences: CRLF line terminators are read as LF (git keeps the "\r" inside values
// and does not see a "\r"-terminated scissors, "Conflicts:" or empty line), so a message behaves
// as git treats its LF form; a NUL is ordinary content (git stops at it: C strings).
//
// The message is attacker-controlled: it is split once into lines and every step is a single
// pass, so time is linear in its length; no regular expression is used. Values are kept raw
// (control characters, markup, NULs); escaping is the job of whoever prints them.

export interface Trailer {
  /** The key as written (case preserved); compare case-insensitively. */
  readonly key: string;
  /** The value, trimmed, continuation lines unfolded. Raw: may hold any character. */
  readonly value: string;
}

export interface TrailerOptions {
  /**
   * True: a line starting with "---" and whitespace ends the message, as
   * `git interpret-trailers` does by default (for e-mailed patches). Default false, as git
   * reads commit objects.
   */
  readonly divider?: boolean;
}

/** Prefixes git itself writes; one of them lets a mixed paragraph count as trailers. */
const GIT_GENERATED_PREFIXES = ['Signed-off-by: ', '(cherry picked from commit '] as const;
const COMMENT = '#';
// wt-status.c cut_line, after the comment character and a space.
const SCISSORS = '# ------------------------ >8 ------------------------';
// commit.c ignored_log_message_bytes: the block `git merge` wrote before git 1.8.x.
const CONFLICTS = 'Conflicts:';

interface Lines {
  /** Lines without terminators ("\n" or "\r\n"). */
  readonly lines: readonly string[];
  /** Whether the last line had a terminator (git tests "---" and the scissors with it). */
  readonly lastTerminated: boolean;
}

/** Trailers of a full commit message, in message order (duplicates kept). */
export function parseTrailers(message: string, options: TrailerOptions = {}): Trailer[] {
  const split = splitLines(message);
  const end = endOfMessage(split, options.divider === true);
  const start = trailerBlockStart(split.lines, end);
  if (start >= end) return [];
  return parseTrailerLines(split.lines.slice(start, end));
}

/**
 * Parses text already known to be a trailer block (a pull-request remediation such as
 * `Assisted-by: Claude:claude-opus-4-5`): continuation lines unfolded, comment lines and lines
 * that are not `key: value` dropped.
 */
export function parseTrailerBlock(text: string): Trailer[] {
  return parseTrailerLines(splitLines(text).lines);
}

function parseTrailerLines(lines: readonly string[]): Trailer[] {
  // trailer_info_get: items of one line each, continuation lines joined to a preceding trailer.
  const items: { first: string; more: string[] | undefined; isTrailer: boolean }[] = [];
  let last: { first: string; more: string[] | undefined; isTrailer: boolean } | undefined;
  for (const line of lines) {
    if (last !== undefined && line.length > 0 && isSpace(line.charCodeAt(0))) {
      (last.more ??= []).push(line);
      continue;
    }
    const item = { first: line, more: undefined, isTrailer: findSeparator(line) >= 1 };
    items.push(item);
    last = item.isTrailer ? item : undefined;
  }
  // parse_trailers: comment lines and non-trailers skipped; key and value trimmed, unfolded.
  const out: Trailer[] = [];
  for (const item of items) {
    if (!item.isTrailer || item.first.startsWith(COMMENT)) continue;
    const sep = findSeparator(item.first);
    const rest = item.first.slice(sep + 1);
    const raw = item.more === undefined ? rest : `${rest}\n${item.more.join('\n')}`;
    out.push({ key: trimSpace(item.first.slice(0, sep)), value: unfold(trimSpace(raw)) });
  }
  return out;
}

/** unfold_value: each "\n" and the whitespace after it become one space; then trimmed. */
function unfold(value: string): string {
  if (!value.includes('\n')) return value;
  let out = '';
  let i = 0;
  while (i < value.length) {
    const nl = value.indexOf('\n', i);
    if (nl < 0) {
      out += value.slice(i);
      break;
    }
    out += `${value.slice(i, nl)} `;
    i = nl + 1;
    while (i < value.length && isSpace(value.charCodeAt(i))) i++;
  }
  return trimSpace(out);
}

function splitLines(text: string): Lines {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
  }
  // A final "\n" terminates the last line rather than starting an empty one.
  const lastTerminated = lines.length > 1 && lines[lines.length - 1] === '';
  if (lastTerminated) lines.pop();
  if (lines.length === 1 && lines[0] === '') lines.pop();
  return { lines, lastTerminated };
}

/** Index one past the last line of the log message proper (find_end_of_log_message). */
function endOfMessage({ lines, lastTerminated }: Lines, divider: boolean): number {
  const terminated = (i: number): boolean => i < lines.length - 1 || lastTerminated;
  let end = lines.length;
  if (divider) {
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      // skip_prefix(s, "---") && isspace(*v): the terminator counts, the end of input does not.
      if (l.startsWith('---') && (l.length > 3 ? isSpace(l.charCodeAt(3)) : terminated(i))) {
        end = i;
        break;
      }
    }
  }
  // wt_status_locate_end: the first scissors line (terminated) before `end` cuts the message.
  let cutoff = end;
  for (let i = 0; i < end; i++) {
    if (lines[i] === SCISSORS && terminated(i)) {
      cutoff = i;
      break;
    }
  }
  // ignored_log_message_bytes: the trailing run of comment lines, empty lines and a
  // "Conflicts:" block. `boc` 0 means "no run", as in git, so a run cannot start at line 0.
  let boc = 0;
  let inConflicts = false;
  for (let i = 0; i < cutoff; i++) {
    const l = lines[i]!;
    if (l.startsWith(COMMENT) || (l.length === 0 && terminated(i))) {
      if (boc === 0) boc = i;
    } else if (l === CONFLICTS && terminated(i)) {
      inConflicts = true;
      if (boc === 0) boc = i;
    } else if (inConflicts && l.startsWith('\t')) {
      // a path of the conflicts block
    } else if (boc !== 0) {
      boc = 0;
      inConflicts = false;
    }
  }
  return boc !== 0 ? boc : cutoff;
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
    } else if (isSpace(l.charCodeAt(0))) {
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

/** C isspace in the "C" locale (NaN, past the end of a string, is not a space). */
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
