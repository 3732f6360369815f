// Unified diff parser: git diffs (extended headers, renames, copies, modes, binaries, quoted
// names, --no-prefix) and plain `---`/`+++` diffs.
//
// ATTACKER-CONTROLLED INPUT: the whole text (pasted patches, API payloads, git output of
// attacker-written files). Contract:
// - never throws anything but DiffError; never builds a RegExp from input; linear time;
// - hunk line counts are authoritative: they delimit a hunk's body (a body line "--- x" is a
//   deleted "-- x"). A body shorter than its counts, or `+`/`-` lines right after a body that
//   is complete, is MALFORMED_DIFF: git apply rejects both ("corrupt patch"), and tolerating
//   them would let lines that no tool applies reach the scorer;
// - text outside file blocks (mail headers, commit messages, `git log -p` preambles, diffstat,
//   `-- ` signatures) is ignored, like git apply does; a non-blank input with no file header is
//   MALFORMED_DIFF;
// - lines end at "\n"; one "\r" before it is a CRLF terminator, stripped and noted on the file
//   (`crlf`); any other "\r" is content;
// - files come back in input order; a path can appear twice (a type change is a deletion plus
//   an addition; concatenated patch series repeat paths).

import { DiffError, printable } from '../core/errors.js';
import type { DiffHunk, DiffLine, FileChange, FileStatus } from '../core/types.js';
import { gitHeaderPrefixed, readGitHeaderNames, readNameField, stripFirstComponent } from './path-token.js';

/** Default cap on diff size (UTF-8 bytes); `trailmark scan --patch` and the git source use it. */
export const DEFAULT_MAX_DIFF_BYTES = 64 * 1024 * 1024;

const DEV_NULL = '/dev/null';
/** Longest `Binary files A and B differ` line read (two PATH_MAX paths and slack). */
const MAX_BINARY_LINE_CHARS = 16 * 1024;
const REGENERATE_HINT = 'regenerate the patch with `git diff` (without hand edits) and try again';

export interface ParseDiffOptions {
  /** Reject inputs larger than this many UTF-8 bytes (DIFF_TOO_LARGE). */
  readonly maxBytes?: number;
}

/** A parsed file plus what only the git headers carry. */
export interface ParsedFile {
  readonly change: FileChange;
  /** Blob ids from the `index <old>..<new>` line (abbreviated unless `--full-index`). */
  readonly oldBlob?: string;
  readonly newBlob?: string;
  /** 1-based input line of the file's first header line. */
  readonly line: number;
}

export function parseUnifiedDiff(text: string, options: ParseDiffOptions = {}): FileChange[] {
  return parseUnifiedDiffDetailed(text, options).map((f) => f.change);
}

export function parseUnifiedDiffDetailed(text: string, options: ParseDiffOptions = {}): ParsedFile[] {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DIFF_BYTES;
  if (text.length > maxBytes || (text.length * 3 > maxBytes && utf8Length(text) > maxBytes)) {
    throw new DiffError('DIFF_TOO_LARGE', `diff is larger than ${maxBytes} bytes`, {
      hint: 'scan a smaller range, or raise the diff size limit',
    });
  }
  return new Parser(text).parse();
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

interface HunkHeader {
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
  readonly header: string;
}

/** Decimal field of a hunk header; at most 9 digits keeps every value a safe small integer. */
function readNumber(s: string, at: number): { value: number; end: number } | undefined {
  let end = at;
  while (end < s.length && end - at <= 9 && s.charCodeAt(end) >= 48 && s.charCodeAt(end) <= 57) end++;
  if (end === at || end - at > 9) return undefined;
  return { value: Number(s.slice(at, end)), end };
}

/** `@@ -a[,b] +c[,d] @@[ context]`; an omitted count means 1. */
export function parseHunkHeader(line: string): HunkHeader | undefined {
  if (!line.startsWith('@@ -')) return undefined;
  const a = readNumber(line, 4);
  if (a === undefined) return undefined;
  let pos = a.end;
  let oldLines = 1;
  if (line[pos] === ',') {
    const b = readNumber(line, pos + 1);
    if (b === undefined) return undefined;
    oldLines = b.value;
    pos = b.end;
  }
  if (!line.startsWith(' +', pos)) return undefined;
  const c = readNumber(line, pos + 2);
  if (c === undefined) return undefined;
  pos = c.end;
  let newLines = 1;
  if (line[pos] === ',') {
    const d = readNumber(line, pos + 1);
    if (d === undefined) return undefined;
    newLines = d.value;
    pos = d.end;
  }
  if (!line.startsWith(' @@', pos)) return undefined;
  if ((a.value === 0 && oldLines !== 0) || (c.value === 0 && newLines !== 0)) return undefined;
  const tail = line.slice(pos + 3);
  return {
    oldStart: a.value,
    oldLines,
    newStart: c.value,
    newLines,
    header: tail.startsWith(' ') ? tail.slice(1) : tail,
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface FileDraft {
  line: number;
  /** Names from the `diff --git` line, when it could be split. */
  oldName?: string;
  newName?: string;
  /** Whether `---`/`+++` names carry a first component to strip; undefined: unknown. */
  prefixed?: boolean;
  gitRest?: string;
  renameFrom?: string;
  renameTo?: string;
  copyFrom?: string;
  copyTo?: string;
  isNew: boolean;
  isDeleted: boolean;
  oldMode?: string;
  newMode?: string;
  oldBlob?: string;
  newBlob?: string;
  binary: boolean;
  minusName?: string;
  plusName?: string;
  hunks: DiffHunk[];
  crlf: boolean;
}

class Parser {
  private readonly lines: string[];
  /** 1 where the line's terminator was CRLF. */
  private readonly crlf: Uint8Array;
  private readonly files: ParsedFile[] = [];

  constructor(text: string) {
    const lines = text.split('\n');
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    this.crlf = new Uint8Array(lines.length);
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (l.endsWith('\r')) {
        lines[i] = l.slice(0, -1);
        this.crlf[i] = 1;
      }
    }
    this.lines = lines;
  }

  parse(): ParsedFile[] {
    const { lines } = this;
    let i = 0;
    let blank = true;
    while (i < lines.length) {
      const l = lines[i]!;
      if (l.trim() !== '') blank = false;
      if (l.startsWith('diff --git ')) {
        i = this.gitBlock(i);
      } else if (l.startsWith('diff --cc ') || l.startsWith('diff --combined ') || l.startsWith('@@@ ')) {
        throw this.error(i, 'combined (merge) diffs are not supported', 'diff the merge against one parent: `git diff base..head`');
      } else if (l.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ') === true) {
        i = this.plainBlock(i);
      } else if (l.startsWith('Binary files ') && l.endsWith(' differ')) {
        this.plainBinary(i);
        i++;
      } else if (l.startsWith('@@ ')) {
        throw this.error(i, 'hunk header without a file header');
      } else {
        i++;
      }
    }
    if (this.files.length === 0 && !blank) {
      throw this.error(0, 'no file header found (expected "diff --git" or "---"/"+++" lines)');
    }
    return this.files;
  }

  private error(index: number, message: string, hint: string = REGENERATE_HINT): DiffError {
    return new DiffError('MALFORMED_DIFF', `line ${index + 1}: ${message}`, { hint });
  }

  private gitBlock(start: number): number {
    const { lines } = this;
    const rest = lines[start]!.slice('diff --git '.length);
    const draft = newDraft(start, this.crlf[start] === 1);
    draft.gitRest = rest;
    const names = readGitHeaderNames(rest);
    if (names !== undefined) {
      draft.oldName = names.oldName;
      draft.newName = names.newName;
      draft.prefixed = names.prefixed;
    }
    let i = start + 1;
    header: while (i < lines.length) {
      const l = lines[i]!;
      if (l.startsWith('diff --git ')) break;
      if (this.crlf[i] === 1) draft.crlf = true;
      if (l.startsWith('--- ')) {
        i = this.fileNames(i, draft);
        i = this.hunks(i, draft);
        break;
      }
      if (l.startsWith('@@')) throw this.error(i, 'hunk without "---"/"+++" lines in a git diff');
      if (l.startsWith('Binary files ')) {
        draft.binary = true;
        i++;
        break;
      }
      if (l === 'GIT binary patch') {
        draft.binary = true;
        i++;
        // Base85 literal/delta blocks run until the next file.
        while (i < lines.length && !lines[i]!.startsWith('diff --git ')) i++;
        break;
      }
      const field = this.extendedHeader(i, l, draft);
      if (!field) break header;
      i++;
    }
    this.finishGit(draft);
    return i;
  }

  /** Applies one extended header line; false when the line is not one. */
  private extendedHeader(i: number, l: string, draft: FileDraft): boolean {
    const value = (key: string): string | undefined => (l.startsWith(key) ? l.slice(key.length) : undefined);
    const path = (key: string): string | undefined => {
      const v = value(key);
      if (v === undefined) return undefined;
      const name = readNameField(v);
      if (name === undefined) throw this.error(i, `unreadable path in "${key.trim()}" line`);
      return name;
    };
    let v: string | undefined;
    if ((v = value('old mode ')) !== undefined) draft.oldMode = this.mode(i, v);
    else if ((v = value('new mode ')) !== undefined) draft.newMode = this.mode(i, v);
    else if ((v = value('deleted file mode ')) !== undefined) {
      draft.isDeleted = true;
      draft.oldMode = this.mode(i, v);
    } else if ((v = value('new file mode ')) !== undefined) {
      draft.isNew = true;
      draft.newMode = this.mode(i, v);
    } else if ((v = path('rename from ')) !== undefined || (v = path('rename old ')) !== undefined) draft.renameFrom = v;
    else if ((v = path('rename to ')) !== undefined || (v = path('rename new ')) !== undefined) draft.renameTo = v;
    else if ((v = path('copy from ')) !== undefined) draft.copyFrom = v;
    else if ((v = path('copy to ')) !== undefined) draft.copyTo = v;
    else if ((v = value('index ')) !== undefined) this.index(v, draft);
    else if (l.startsWith('similarity index ') || l.startsWith('dissimilarity index ')) return true;
    else return false;
    return true;
  }

  private mode(i: number, v: string): string {
    if (v.length < 5 || v.length > 7 || ![...v].every((c) => c >= '0' && c <= '7')) {
      throw this.error(i, `invalid file mode "${printable(v, 20)}"`);
    }
    return v;
  }

  /** `index <old>..<new>[ <mode>]`; unreadable values are ignored (informational only). */
  private index(v: string, draft: FileDraft): void {
    const space = v.indexOf(' ');
    const ids = space === -1 ? v : v.slice(0, space);
    const dots = ids.indexOf('..');
    if (dots <= 0) return;
    const oldId = ids.slice(0, dots);
    const newId = ids.slice(dots + 2);
    if (!isHex(oldId) || !isHex(newId)) return;
    draft.oldBlob = oldId;
    draft.newBlob = newId;
  }

  /** `---`/`+++` pair at i; returns the index after it. */
  private fileNames(i: number, draft: FileDraft): number {
    const plus = this.lines[i + 1];
    if (plus === undefined || !plus.startsWith('+++ ')) throw this.error(i, '"---" line not followed by "+++"');
    const minusName = readNameField(this.lines[i]!.slice(4));
    const plusName = readNameField(plus.slice(4));
    if (minusName === undefined) throw this.error(i, 'unreadable path in "---" line');
    if (plusName === undefined) throw this.error(i + 1, 'unreadable path in "+++" line');
    draft.minusName = minusName;
    draft.plusName = plusName;
    if (this.crlf[i] === 1 || this.crlf[i + 1] === 1) draft.crlf = true;
    return i + 2;
  }

  /** Hunks starting at i; returns the index after the last one. */
  private hunks(start: number, draft: FileDraft): number {
    const { lines } = this;
    let i = start;
    while (i < lines.length && lines[i]!.startsWith('@@')) {
      i = this.hunk(i, draft);
    }
    if (draft.hunks.length === 0 && !draft.binary && draft.gitRest === undefined) {
      throw this.error(start, 'file header without hunks');
    }
    const next = lines[i];
    if (next !== undefined && (next.startsWith('+') || next.startsWith('-')) && next !== '-- ' && next !== '--') {
      const isHeader = next.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ') === true;
      if (!isHeader) {
        const last = draft.hunks[draft.hunks.length - 1];
        const counts = last === undefined ? '' : ` (@@ -${last.oldStart},${last.oldLines} +${last.newStart},${last.newLines} @@)`;
        throw this.error(i, `hunk body is longer than its header says${counts}`);
      }
    }
    return i;
  }

  private hunk(start: number, draft: FileDraft): number {
    const { lines } = this;
    const headerLine = lines[start]!;
    if (headerLine.startsWith('@@@')) {
      throw this.error(start, 'combined (merge) diffs are not supported', 'diff the merge against one parent: `git diff base..head`');
    }
    const h = parseHunkHeader(headerLine);
    if (h === undefined) throw this.error(start, `invalid hunk header "${printable(headerLine, 80)}"`);
    const prev = draft.hunks[draft.hunks.length - 1];
    if (prev !== undefined && (h.oldStart < prev.oldStart + prev.oldLines || h.newStart < prev.newStart + prev.newLines)) {
      throw this.error(start, 'hunk overlaps or precedes the previous hunk of the same file');
    }
    if (this.crlf[start] === 1) draft.crlf = true;
    const body: Mutable<DiffLine>[] = [];
    let oldLeft = h.oldLines;
    let newLeft = h.newLines;
    let oldLine = h.oldStart;
    let newLine = h.newStart;
    let i = start + 1;
    while (i < lines.length) {
      const l = lines[i]!;
      const marker = l.charCodeAt(0);
      if (marker === 0x5c /* \ */) {
        const last = body[body.length - 1];
        if (last === undefined) throw this.error(i, '"\\ No newline at end of file" marker before any hunk line');
        last.noNewlineAtEof = true;
        i++;
        continue;
      }
      if (oldLeft === 0 && newLeft === 0) break;
      if (l === '' || marker === 0x20 /* space */) {
        // An empty line is a context line whose trailing space was stripped (git apply accepts it).
        if (oldLeft === 0 || newLeft === 0) break;
        body.push({ kind: 'context', text: l.slice(1), oldLine: oldLine++, newLine: newLine++ });
        oldLeft--;
        newLeft--;
      } else if (marker === 0x2d /* - */) {
        if (oldLeft === 0) break;
        body.push({ kind: 'del', text: l.slice(1), oldLine: oldLine++ });
        oldLeft--;
      } else if (marker === 0x2b /* + */) {
        if (newLeft === 0) break;
        body.push({ kind: 'add', text: l.slice(1), newLine: newLine++ });
        newLeft--;
      } else {
        break;
      }
      if (this.crlf[i] === 1) draft.crlf = true;
      i++;
    }
    if (oldLeft !== 0 || newLeft !== 0) {
      const where = i < lines.length ? `line ${i + 1}` : 'end of input';
      throw this.error(
        start,
        `hunk "${printable(headerLine, 80)}" ends early at ${where}: ${oldLeft} old and ${newLeft} new line(s) missing`,
      );
    }
    draft.hunks.push({ ...h, lines: body });
    return i;
  }

  private plainBlock(start: number): number {
    const draft = newDraft(start, this.crlf[start] === 1);
    const i = this.fileNames(start, draft);
    if (!(this.lines[i]?.startsWith('@@') ?? false)) throw this.error(i, 'file header without hunks');
    const end = this.hunks(i, draft);
    this.finishPlain(draft);
    return end;
  }

  /** GNU `diff -r` reports binary files as one line: `Binary files A and B differ`. */
  private plainBinary(i: number): void {
    const l = this.lines[i]!;
    const rest = l.slice('Binary files '.length, l.length - ' differ'.length);
    // Two paths fit in far less; the cap keeps the split search below linear-times-small.
    if (rest.length > MAX_BINARY_LINE_CHARS) throw this.error(i, 'unreadable "Binary files" line');
    // Names may contain " and ": accept the split whose names agree after prefix stripping.
    let chosen: [string, string] | undefined;
    for (let at = rest.indexOf(' and '); at !== -1; at = rest.indexOf(' and ', at + 1)) {
      const a = rest.slice(0, at);
      const b = rest.slice(at + 5);
      if (a === DEV_NULL || b === DEV_NULL || a === b || stripFirstComponent(a) === stripFirstComponent(b)) {
        chosen = [a, b];
        break;
      }
    }
    if (chosen === undefined) throw this.error(i, 'unreadable "Binary files" line');
    const draft = newDraft(i, this.crlf[i] === 1);
    draft.minusName = chosen[0];
    draft.plusName = chosen[1];
    draft.binary = true;
    this.finishPlain(draft);
  }

  private finishGit(draft: FileDraft): void {
    const at = draft.line;
    if ((draft.renameFrom === undefined) !== (draft.renameTo === undefined) || (draft.copyFrom === undefined) !== (draft.copyTo === undefined)) {
      throw this.error(at, 'incomplete rename or copy header');
    }
    const moveFrom = draft.renameFrom ?? draft.copyFrom;
    const moveTo = draft.renameTo ?? draft.copyTo;
    let oldPath = moveFrom ?? draft.oldName;
    let newPath = moveTo ?? draft.newName;
    let prefixed = draft.prefixed;
    if (moveFrom !== undefined && moveTo !== undefined) {
      // `rename`/`copy` lines carry unprefixed names; they tell how to read the header line.
      prefixed = gitHeaderPrefixed(draft.gitRest ?? '', moveFrom, moveTo);
      if (prefixed === undefined) throw this.error(at, '"diff --git" line does not name the renamed or copied paths');
    }
    if (draft.minusName !== undefined && draft.plusName !== undefined) {
      const minus = draft.minusName === DEV_NULL ? DEV_NULL : stripName(draft.minusName, prefixed, 'a/');
      const plus = draft.plusName === DEV_NULL ? DEV_NULL : stripName(draft.plusName, prefixed, 'b/');
      if (minus === undefined || plus === undefined) throw this.error(at, '"---"/"+++" names lack the diff prefix');
      if (minus === DEV_NULL && plus === DEV_NULL) throw this.error(at, '"---" and "+++" are both /dev/null');
      if (minus === DEV_NULL) draft.isNew = true;
      if (plus === DEV_NULL) draft.isDeleted = true;
      if (minus !== DEV_NULL) {
        if (oldPath !== undefined && minus !== oldPath) throw this.error(at, `"---" names "${printable(minus)}" but the git header names "${printable(oldPath)}"`);
        oldPath = minus;
      }
      if (plus !== DEV_NULL) {
        if (newPath !== undefined && plus !== newPath) throw this.error(at, `"+++" names "${printable(plus)}" but the git header names "${printable(newPath)}"`);
        newPath = plus;
      }
    }
    if (draft.isNew && draft.isDeleted) throw this.error(at, 'file is both new and deleted');
    const path = draft.isDeleted ? oldPath : newPath ?? oldPath;
    if (path === undefined) throw this.error(at, 'cannot tell the file name from the "diff --git" line');
    let status: FileStatus;
    if (draft.renameFrom !== undefined) status = 'renamed';
    else if (draft.copyFrom !== undefined) status = 'copied';
    else if (draft.isNew) status = 'added';
    else if (draft.isDeleted) status = 'deleted';
    else if (draft.oldMode !== undefined && draft.newMode !== undefined && draft.hunks.length === 0 && !draft.binary) status = 'mode-changed';
    else status = 'modified';
    this.push(draft, path, status === 'renamed' || status === 'copied' ? oldPath : undefined, status);
  }

  private finishPlain(draft: FileDraft): void {
    const at = draft.line;
    const rawMinus = draft.minusName!;
    const rawPlus = draft.plusName!;
    if (rawMinus === DEV_NULL && rawPlus === DEV_NULL) throw this.error(at, '"---" and "+++" are both /dev/null');
    let minus = rawMinus;
    let plus = rawPlus;
    if (rawMinus !== DEV_NULL && rawPlus !== DEV_NULL) {
      const a = stripFirstComponent(rawMinus);
      const b = stripFirstComponent(rawPlus);
      if (rawMinus !== rawPlus && a !== undefined && a === b) {
        minus = a;
        plus = b;
      } else if (rawMinus !== rawPlus) {
        minus = stripName(rawMinus, undefined, 'a/') ?? rawMinus;
        plus = stripName(rawPlus, undefined, 'b/') ?? rawPlus;
      }
    } else if (rawMinus === DEV_NULL) {
      plus = stripName(rawPlus, undefined, 'b/') ?? rawPlus;
    } else {
      minus = stripName(rawMinus, undefined, 'a/') ?? rawMinus;
    }
    const status: FileStatus = minus === DEV_NULL ? 'added' : plus === DEV_NULL ? 'deleted' : 'modified';
    this.push(draft, status === 'deleted' ? minus : plus, undefined, status);
  }

  private push(draft: FileDraft, path: string, oldPath: string | undefined, status: FileStatus): void {
    if (path.length === 0) throw this.error(draft.line, 'empty file name');
    const change: Mutable<FileChange> = { path, status, binary: draft.binary, hunks: draft.hunks };
    if (oldPath !== undefined && oldPath !== path) change.oldPath = oldPath;
    if (draft.oldMode !== undefined) change.oldMode = draft.oldMode;
    if (draft.newMode !== undefined) change.newMode = draft.newMode;
    if (draft.crlf) change.crlf = true;
    const parsed: Mutable<ParsedFile> = { change, line: draft.line + 1 };
    if (draft.oldBlob !== undefined) parsed.oldBlob = draft.oldBlob;
    if (draft.newBlob !== undefined) parsed.newBlob = draft.newBlob;
    this.files.push(parsed);
  }
}

function newDraft(line: number, crlf: boolean): FileDraft {
  return { line, isNew: false, isDeleted: false, binary: false, hunks: [], crlf };
}

/**
 * Strips the diff prefix from a `---`/`+++` name: the first component when the git header
 * says the names are prefixed, nothing when it says they are not, and `fallback` (a/ or b/)
 * when unknown. Undefined when a required prefix is missing.
 */
function stripName(name: string, prefixed: boolean | undefined, fallback: string): string | undefined {
  if (prefixed === false) return name;
  if (prefixed === true) return stripFirstComponent(name);
  return name.startsWith(fallback) ? name.slice(fallback.length) : name;
}

function isHex(s: string): boolean {
  if (s.length < 4 || s.length > 64) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}
