// Working per-line attribution of uncommitted files (one repository: repoPaths(...).attribution).
//
// Per file the state keeps the file's content after the last capture (the snapshot, stored in
// full: it is local and never leaves the machine), its digest, and per snapshot line its owner:
// an agent edit (edit record id, agent, model, session) or nobody (0: human or unknown).
//
// Tracking: every later version of the file (the next agent edit, the staged blob at
// prepare-commit-msg, the committed blob at post-commit) is diffed line by line against the
// snapshot (diff/line-diff.ts). Unchanged lines keep their owner; changed lines belong to
// whoever changed them: the current agent edit for the lines it produced, else nobody (a human,
// or a tool trailmark did not see). What is lost when tracking gives up (docs/capture.md):
// - a rewrite of more than MAX_DIFF_EDITS lines between two versions (a formatter run over the
//   whole file): every line becomes human/unknown;
// - a file renamed or moved outside an agent edit: the state stays under the old path and the
//   new path starts with no agent lines;
// - a file over MAX_TRACKED_FILE_BYTES or binary: not tracked at all (edits are recorded with
//   `untracked`), its state dropped;
// - a state file that cannot be read back (corrupt, newer format): treated as absent.
//
// Crash consistency: each file's state is one JSON document replaced atomically (temporary file,
// fsync, rename: ledger/store/json-file.ts); a crash leaves the old or the new state. Concurrent
// hooks (two agents, or an agent and a commit) serialize on one lock file per repository
// (ledger/store/lock-file.ts); the read-diff-write of a file happens under it.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { diffLines } from '../diff/line-diff.js';
import { writeJsonAtomic } from '../ledger/store/json-file.js';
import { LockFile } from '../ledger/store/lock-file.js';
import { nodeFileOps } from '../ledger/store/file-ops.js';
import type { CaptureEdit, LineRange } from './types.js';

/** Format of one state file; a state of another version is ignored (treated as absent). */
export const ATTRIBUTION_STATE_VERSION = 1;
/** Above this many changed lines between two versions, the diff gives up (all lines human/unknown). */
export const MAX_DIFF_EDITS = 2000;
/** Occurrences of one replacement's text examined when locating it in the new content. */
const MAX_OCCURRENCES = 1000;

/** Who wrote a line: an agent edit. Human or unknown lines have no owner (0 in `lines`). */
export interface LineOwner {
  /** Id of the edit record (the Agent Trace id of the stage "edit" record). */
  readonly edit: string;
  readonly agent: string;
  readonly model?: string;
  readonly session?: string;
}

export interface FileState {
  readonly version: typeof ATTRIBUTION_STATE_VERSION;
  /** Repository-relative, "/"-separated. */
  readonly path: string;
  /** `sha256:<hex>` of `text` (UTF-8). */
  readonly digest: string;
  /** The file after the last capture. */
  readonly text: string;
  readonly owners: readonly LineOwner[];
  /** Per snapshot line: 0 for nobody, k for owners[k - 1]. */
  readonly lines: readonly number[];
}

export function digestOf(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** Lines of a text: split on "\n", a final newline ends the last line rather than opening one. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Carries owners from `oldLines` to `newLines`: unchanged lines keep theirs, changed (inserted)
 * lines get 0 and are marked in `changed` (0-based indexes of newLines).
 */
export function carryOwners(oldLines: readonly string[], oldOwners: readonly number[], newLines: readonly string[]): { owners: number[]; changed: boolean[] } {
  const owners = new Array<number>(newLines.length).fill(0);
  const changed = new Array<boolean>(newLines.length).fill(false);
  const changes = diffLines(oldLines, newLines, MAX_DIFF_EDITS);
  if (changes === undefined) {
    changed.fill(true);
    return { owners, changed };
  }
  let i = 0; // old index (0-based)
  let j = 0; // new index
  const copyUntil = (newEnd: number): void => {
    while (j < newEnd) owners[j++] = oldOwners[i++] ?? 0;
  };
  for (const c of changes) {
    // For a pure insertion newStart is 1-based and names the first added line; for a pure
    // deletion it names the line after which lines were removed (line-diff.ts).
    const newFirst = c.newCount === 0 ? c.newStart : c.newStart - 1;
    copyUntil(newFirst);
    i += c.oldCount;
    for (let k = 0; k < c.newCount; k++) changed[j++] = true;
  }
  copyUntil(newLines.length);
  return { owners, changed };
}

/**
 * The lines (0-based indexes of the new content) an agent's edit produced, before intersecting
 * with the changed lines: the payload's exact ranges; else each replacement's new text located
 * in the new content (the occurrence touching a changed line first); else every changed line
 * (write, unknown, or a replacement not found).
 */
export function producedLines(edit: CaptureEdit, newText: string, newLines: readonly string[], changed: readonly boolean[]): ReadonlySet<number> | 'all-changed' {
  if (edit.newRanges !== undefined && edit.newRanges.length > 0) return rangesToSet(edit.newRanges, newLines.length);
  const replacements = edit.replacements ?? [];
  if (replacements.length === 0 || edit.operation === 'write') return 'all-changed';
  const starts = lineStarts(newText);
  const out = new Set<number>();
  for (const r of replacements) {
    if (r.newText === '') continue;
    const found = locate(r.newText, newText, starts, changed);
    if (found === undefined) return 'all-changed';
    for (let l = found.first; l <= found.last; l++) out.add(l);
  }
  return out;
}

function rangesToSet(ranges: readonly LineRange[], count: number): Set<number> {
  const out = new Set<number>();
  for (const r of ranges) {
    if (!Number.isSafeInteger(r.start) || !Number.isSafeInteger(r.end)) continue;
    for (let l = Math.max(1, r.start); l <= Math.min(count, r.end); l++) out.add(l - 1);
  }
  return out;
}

/** Offsets where each line starts. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let p = text.indexOf('\n'); p >= 0 && p + 1 < text.length; p = text.indexOf('\n', p + 1)) starts.push(p + 1);
  return starts;
}

function lineAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Literal search (indexOf, never a RegExp): the 0-based line span of the best occurrence. */
function locate(needle: string, text: string, starts: readonly number[], changed: readonly boolean[]): { first: number; last: number } | undefined {
  let best: { first: number; last: number } | undefined;
  let seen = 0;
  for (let at = text.indexOf(needle); at >= 0 && seen < MAX_OCCURRENCES; at = text.indexOf(needle, at + 1), seen++) {
    const first = lineAt(starts, at);
    // A trailing newline closes the last line of the replacement; it does not open the next.
    const endOffset = needle.endsWith('\n') ? at + needle.length - 2 : at + needle.length - 1;
    const last = Math.max(first, lineAt(starts, Math.max(at, endOffset)));
    const span = { first, last };
    best ??= span;
    for (let l = first; l <= last; l++) if (changed[l] === true) return span;
  }
  return best;
}

/** Result of applying one agent edit to a file's attribution. */
export interface AppliedEdit {
  readonly state: FileState;
  /** 1-based lines of the new content the edit owns now (ascending). */
  readonly agentLines: readonly number[];
}

/**
 * Applies an agent edit: `base` is the last snapshot, or the file's HEAD/index text (no owners)
 * when there is none. Lines the edit produced and that changed get `owner`; other changed lines
 * get nobody; unchanged lines keep their owner.
 */
export function applyAgentEdit(path: string, base: { readonly text: string; readonly owners: readonly LineOwner[]; readonly lines: readonly number[] }, newText: string, edit: CaptureEdit, owner: LineOwner): AppliedEdit {
  const oldLines = splitLines(base.text);
  const newLines = splitLines(newText);
  const carried = carryOwners(oldLines, base.lines, newLines);
  const produced = producedLines(edit, newText, newLines, carried.changed);
  // Re-number the owner table: drop owners no line refers to any more.
  const table: LineOwner[] = [];
  const remap = new Map<number, number>();
  const ownerIndex = (k: number): number => {
    if (k === 0) return 0;
    let n = remap.get(k);
    if (n === undefined) {
      table.push(base.owners[k - 1]!);
      n = table.length;
      remap.set(k, n);
    }
    return n;
  };
  const lines = carried.owners.map(ownerIndex);
  const agentLines: number[] = [];
  let mine = 0;
  for (let j = 0; j < newLines.length; j++) {
    if (!carried.changed[j]) continue;
    if (produced === 'all-changed' || produced.has(j)) {
      if (mine === 0) {
        table.push(owner);
        mine = table.length;
      }
      lines[j] = mine;
      agentLines.push(j + 1);
    }
  }
  return { state: { version: ATTRIBUTION_STATE_VERSION, path, digest: digestOf(newText), text: newText, owners: table, lines }, agentLines };
}

/** A state carried to another version of the file (staged or committed blob, working file). */
export function trackTo(state: FileState, text: string): { lines: string[]; owners: (LineOwner | undefined)[] } {
  const newLines = splitLines(text);
  const carried = carryOwners(splitLines(state.text), state.lines, newLines);
  return { lines: newLines, owners: carried.owners.map((k) => (k === 0 ? undefined : state.owners[k - 1])) };
}

/** Whether any line of the state is owned by an agent. */
export function hasAgentLines(state: FileState): boolean {
  return state.lines.some((k) => k !== 0);
}

/** A state whose snapshot is `text` and whose owners are given per line (undefined: nobody). */
export function stateFrom(path: string, text: string, owners: readonly (LineOwner | undefined)[]): FileState {
  const table: LineOwner[] = [];
  const index = new Map<LineOwner, number>();
  const lines = owners.map((o) => {
    if (o === undefined) return 0;
    let k = index.get(o);
    if (k === undefined) {
      table.push(o);
      k = table.length;
      index.set(o, k);
    }
    return k;
  });
  return { version: ATTRIBUTION_STATE_VERSION, path, digest: digestOf(text), text, owners: table, lines };
}

/** Contiguous runs of 1-based line numbers (ascending input). */
export function toRanges(lines: readonly number[]): LineRange[] {
  const out: LineRange[] = [];
  for (const l of lines) {
    const last = out[out.length - 1];
    if (last !== undefined && last.end + 1 === l) out[out.length - 1] = { start: last.start, end: l };
    else out.push({ start: l, end: l });
  }
  return out;
}

/** The per-repository store of file states, one JSON file per path, under one lock. */
export class AttributionStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Runs `fn` holding the repository's attribution lock (waits for another hook). */
  async locked<T>(fn: () => Promise<T>): Promise<T> {
    await mkdir(this.dir, { recursive: true });
    const lock = new LockFile(nodeFileOps, join(this.dir, 'lock'), { waitMs: 30_000, staleMs: 60_000 });
    await lock.acquire();
    try {
      return await fn();
    } finally {
      lock.release();
    }
  }

  #file(path: string): string {
    return join(this.dir, `${createHash('sha256').update(path, 'utf8').digest('hex')}.json`);
  }

  /** The state of `path`, or undefined (none, unreadable, or another format version). */
  async read(path: string): Promise<FileState | undefined> {
    const state = await readState(this.#file(path));
    return state?.path === path ? state : undefined;
  }

  async write(state: FileState): Promise<void> {
    await writeJsonAtomic(this.#file(state.path), state);
  }

  async remove(path: string): Promise<void> {
    await unlink(this.#file(path)).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    });
  }

  /** Every readable state, sorted by path. */
  async list(): Promise<FileState[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: FileState[] = [];
    for (const n of names.filter((x) => x.endsWith('.json')).sort()) {
      const s = await readState(join(this.dir, n));
      if (s !== undefined) out.push(s);
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

/** Parses a state file defensively (it is local, but may be torn by another tool or a newer version). */
async function readState(file: string): Promise<FileState | undefined> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const s = doc as Partial<Record<keyof FileState, unknown>>;
  if (s.version !== ATTRIBUTION_STATE_VERSION || typeof s.path !== 'string' || typeof s.text !== 'string' || typeof s.digest !== 'string') return undefined;
  if (!Array.isArray(s.owners) || !Array.isArray(s.lines)) return undefined;
  const owners: LineOwner[] = [];
  for (const o of s.owners as unknown[]) {
    if (typeof o !== 'object' || o === null) return undefined;
    const r = o as Record<string, unknown>;
    if (typeof r['edit'] !== 'string' || typeof r['agent'] !== 'string') return undefined;
    owners.push({
      edit: r['edit'],
      agent: r['agent'],
      ...(typeof r['model'] === 'string' ? { model: r['model'] } : {}),
      ...(typeof r['session'] === 'string' ? { session: r['session'] } : {}),
    });
  }
  const lines = s.lines as unknown[];
  if (lines.length !== splitLines(s.text).length) return undefined;
  if (!lines.every((k) => typeof k === 'number' && Number.isSafeInteger(k) && k >= 0 && k <= owners.length)) return undefined;
  if (digestOf(s.text) !== s.digest) return undefined;
  return { version: ATTRIBUTION_STATE_VERSION, path: s.path, digest: s.digest, text: s.text, owners, lines: lines as number[] };
}
