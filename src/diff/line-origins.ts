// Which commit of a range introduced each line of each file: forward tracking over per-commit
// diffs, with no I/O. Both change sources feed it: the local-git source from one
// `git diff-tree -U0` over the range, the REST source from each commit's `patch` (3 lines of
// context, reduced to change blocks by zeroContextHunks first).
//
// Each file's lines are kept as runs of "introduced by commit X" (or by nobody in the range:
// content that was already there at the range's boundary). Commits are applied parents first;
// renames carry runs to the new path. This mirrors what `git blame` computes backwards:
// - a line unchanged against the first parent keeps that parent's origin;
// - in a merge, a file identical to some parent takes that parent's origins wholesale (blame's
//   same-blob rule), and lines changed against the first parent but unchanged against a later
//   one take that parent's origin, in parent order;
// - what remains was introduced by the commit itself.
// A file whose diff in some commit is binary (or otherwise unreadable: the source marks it
// binary) becomes untracked from then on, until a commit replaces it with a readable version.

import type { DiffHunk, FileChange } from '../core/types.js';

export interface Run {
  /** Commit that introduced these lines; null: present at the boundary. */
  readonly origin: string | null;
  readonly length: number;
}

/** A file version as runs; the last run of a boundary file is open-ended. */
export type Runs = readonly Run[];

export interface RangeCommit {
  readonly sha: string;
  readonly parents: readonly string[];
}

export interface TrackedRange {
  /** Line origins of every file some range commit touched, by path. */
  readonly files: ReadonlyMap<string, Runs>;
  /** Paths whose history could not be followed. */
  readonly untracked: ReadonlySet<string>;
}

interface State {
  readonly files: Map<string, Runs>;
  readonly untracked: Set<string>;
}

const BOUNDARY_FILE: Runs = [{ origin: null, length: Number.POSITIVE_INFINITY }];
/** Marks lines a merge changed against its first parent, until later parents are consulted. */
const PENDING = '\0pending';

/**
 * Applies the commits of a range one at a time, parents before children. Parents outside the
 * range are at or behind its boundary: their files have no origin in the range. Keeps only the
 * states a later commit still needs, and the state of every commit without a child in the range.
 */
export class LineOriginTracker {
  readonly #inRange: ReadonlySet<string>;
  readonly #children = new Map<string, number>();
  readonly #states = new Map<string, State>();
  readonly #outside: State = { files: new Map(), untracked: new Set() };

  constructor(commits: readonly RangeCommit[]) {
    this.#inRange = new Set(commits.map((c) => c.sha));
    for (const c of commits) for (const p of c.parents) this.#children.set(p, (this.#children.get(p) ?? 0) + 1);
  }

  /**
   * `diffs[k]`: the commit's diff against `commit.parents[k]` (for a root commit, one diff against
   * the empty tree), hunks without context lines (-U0), renames detected.
   */
  apply(commit: RangeCommit, diffs: readonly (readonly FileChange[])[]): void {
    const parents = commit.parents.length === 0 ? [this.#outside] : commit.parents.map((p) => (this.#inRange.has(p) ? this.#states.get(p) ?? this.#outside : this.#outside));
    this.#states.set(commit.sha, applyCommit(commit.sha, parents, diffs));
    for (const p of commit.parents) {
      const left = (this.#children.get(p) ?? 0) - 1;
      this.#children.set(p, left);
      if (left <= 0) this.#states.delete(p);
    }
  }

  /** The line origins at `sha` (applied, with no child applied since); undefined otherwise. */
  at(sha: string): TrackedRange | undefined {
    const state = this.#states.get(sha);
    return state === undefined ? undefined : { files: state.files, untracked: state.untracked };
  }
}

/**
 * The commits in an order that puts parents before children; among commits that are ready at the
 * same time, the given order is kept. Parents outside the list are ignored.
 */
export function parentsFirst<C extends RangeCommit>(commits: readonly C[]): C[] {
  const known = new Set(commits.map((c) => c.sha));
  const done = new Set<string>();
  const out: C[] = [];
  let pending = [...commits];
  while (pending.length > 0) {
    const next: C[] = [];
    for (const c of pending) {
      if (c.parents.every((p) => !known.has(p) || done.has(p))) {
        out.push(c);
        done.add(c.sha);
      } else next.push(c);
    }
    // A cycle cannot come from git; refuse to loop on one anyway.
    if (next.length === pending.length) return [...out, ...next];
    pending = next;
  }
  return out;
}

/**
 * Hunks with context lines (GitHub's `patch`, `git diff -U3`) as change blocks without context,
 * the hunks `git diff -U0` would print for the same edit: each maximal run of deleted and added
 * lines becomes one hunk; a side with no lines names the line before the change, as git does.
 */
export function zeroContextHunks(hunks: readonly DiffHunk[]): DiffHunk[] {
  const out: DiffHunk[] = [];
  for (const h of hunks) {
    let oldNext = h.oldLines === 0 ? h.oldStart + 1 : h.oldStart;
    let newNext = h.newLines === 0 ? h.newStart + 1 : h.newStart;
    let block: { oldStart: number; newStart: number; lines: DiffHunk['lines'][number][] } | undefined;
    const close = (): void => {
      if (block === undefined) return;
      const oldLines = block.lines.filter((l) => l.kind === 'del').length;
      const newLines = block.lines.length - oldLines;
      out.push({
        oldStart: oldLines === 0 ? block.oldStart - 1 : block.oldStart,
        oldLines,
        newStart: newLines === 0 ? block.newStart - 1 : block.newStart,
        newLines,
        header: h.header,
        lines: block.lines,
      });
      block = undefined;
    };
    for (const l of h.lines) {
      if (l.kind === 'context') {
        close();
        oldNext++;
        newNext++;
        continue;
      }
      block ??= { oldStart: oldNext, newStart: newNext, lines: [] };
      block.lines.push(l);
      if (l.kind === 'del') oldNext++;
      else newNext++;
    }
    close();
  }
  return out;
}

function applyCommit(sha: string, parents: readonly State[], diffs: readonly (readonly FileChange[])[]): State {
  const first = parents[0]!;
  const changes = diffs[0] ?? [];
  // Per parent: the surviving file entries by new path.
  const byPath = parents.map((_, k) => new Map((diffs[k] ?? []).filter((c) => c.status !== 'deleted').map((c) => [c.path, c])));
  const files = new Map(first.files);
  const untracked = new Set(first.untracked);
  for (const change of changes) {
    if (change.status === 'deleted' || change.status === 'renamed') {
      const gone = change.status === 'deleted' ? change.path : change.oldPath!;
      files.delete(gone);
      untracked.delete(gone);
    }
  }
  for (const change of changes) {
    if (change.status === 'deleted') continue;
    files.delete(change.path);
    untracked.delete(change.path);
    const result = fileAfter(sha, change, parents, byPath);
    if (result === undefined) untracked.add(change.path);
    else files.set(change.path, result);
  }
  return { files, untracked };
}

/** Runs of `change.path` after the commit, or undefined when it cannot be followed. */
function fileAfter(sha: string, change: FileChange, parents: readonly State[], byPath: readonly ReadonlyMap<string, FileChange>[]): Runs | undefined {
  // Blame's same-blob rule: the first parent with this exact file gives all its origins.
  for (let k = 0; k < parents.length; k++) {
    const other = k === 0 ? change : byPath[k]!.get(change.path);
    if (other === undefined) return runsIn(parents[k]!, change.path);
    if (sameContent(other)) return runsIn(parents[k]!, sourcePath(other));
  }
  const from = sourcePath(change);
  if (change.binary || parents[0]!.untracked.has(from)) return undefined;
  const start = change.status === 'added' ? [] : runsIn(parents[0]!, from);
  if (start === undefined) return undefined;
  let runs = applyHunks(start, change.hunks, parents.length > 1 ? PENDING : sha);
  for (let k = 1; k < parents.length && runs.some((r) => r.origin === PENDING); k++) {
    const other = byPath[k]!.get(change.path);
    if (other === undefined || other.status === 'added') continue;
    if (other.binary || parents[k]!.untracked.has(sourcePath(other))) return undefined;
    const theirs = runsIn(parents[k]!, sourcePath(other));
    if (theirs === undefined) return undefined;
    runs = resolvePending(runs, other.hunks, theirs);
  }
  return runs.map((r) => (r.origin === PENDING ? { origin: sha, length: r.length } : r));
}

function sourcePath(change: FileChange): string {
  return change.status === 'renamed' || change.status === 'copied' ? change.oldPath! : change.path;
}

/** A diff entry that changes no line (mode change, pure rename). */
function sameContent(change: FileChange): boolean {
  return change.hunks.length === 0 && !change.binary && change.status !== 'added';
}

function runsIn(state: State, path: string): Runs | undefined {
  if (state.untracked.has(path)) return undefined;
  return state.files.get(path) ?? BOUNDARY_FILE;
}

/**
 * Gives pending lines of `runs` the origin they have in another parent's version, where the
 * parent's diff (`hunks`, parent -> commit, ascending) leaves them unchanged. Linear: lines,
 * hunks and the parent's runs are each walked once, in order.
 */
function resolvePending(runs: Runs, hunks: readonly DiffHunk[], theirs: Runs): Runs {
  const out: Run[] = [];
  const push = (origin: string | null, length: number): void => {
    if (length <= 0) return;
    const last = out[out.length - 1];
    if (last !== undefined && last.origin === origin) out[out.length - 1] = { origin, length: last.length + length };
    else out.push({ origin, length });
  };
  let hunk = 0;
  let delta = 0; // new line - old line for lines after the hunks passed so far
  let run = 0; // cursor in theirs
  let runStart = 1; // first line of theirs[run]
  const origin = (n: number): string | null => {
    for (; hunk < hunks.length; hunk++) {
      const h = hunks[hunk]!;
      // A side with count 0 names the line before its (empty) range.
      const firstNew = h.newLines === 0 ? h.newStart + 1 : h.newStart;
      const firstOld = h.oldLines === 0 ? h.oldStart + 1 : h.oldStart;
      if (n < firstNew) break;
      if (n < firstNew + h.newLines) return PENDING;
      delta = firstNew + h.newLines - (firstOld + h.oldLines);
    }
    const old = n - delta;
    while (run < theirs.length && old >= runStart + theirs[run]!.length) {
      runStart += theirs[run]!.length;
      run++;
    }
    return run < theirs.length && old >= runStart ? theirs[run]!.origin : PENDING;
  };
  let line = 1;
  for (const r of runs) {
    if (r.origin !== PENDING) {
      push(r.origin, r.length);
    } else {
      for (let n = line; n < line + r.length; n++) push(origin(n), 1);
    }
    line += r.length;
  }
  return out;
}

/** Applies -U0 hunks (old-file coordinates, ascending) to runs; inserted lines get `origin`. */
function applyHunks(old: Runs, hunks: readonly DiffHunk[], origin: string): Runs {
  const out: Run[] = [];
  const push = (run: Run): void => {
    if (run.length <= 0) return;
    const last = out[out.length - 1];
    if (last !== undefined && last.origin === run.origin) out[out.length - 1] = { origin: run.origin, length: last.length + run.length };
    else out.push(run);
  };
  let index = 0; // run index in old
  let offset = 0; // lines consumed from old[index]
  const take = (count: number, keep: boolean): void => {
    let left = count;
    while (left > 0 && index < old.length) {
      const run = old[index]!;
      const available = run.length - offset;
      const n = Math.min(available, left);
      if (keep) push({ origin: run.origin, length: n });
      left -= n;
      offset += n;
      if (offset >= run.length) {
        index++;
        offset = 0;
      }
    }
  };
  let oldLine = 1; // next old line to handle
  for (const h of hunks) {
    // A hunk with old count 0 inserts after old line oldStart; otherwise it replaces from oldStart.
    const firstReplaced = h.oldLines === 0 ? h.oldStart + 1 : h.oldStart;
    take(firstReplaced - oldLine, true);
    take(h.oldLines, false);
    oldLine = firstReplaced + h.oldLines;
    push({ origin, length: h.newLines });
  }
  // The rest of the old file, including an open-ended base run.
  while (index < old.length) {
    const run = old[index]!;
    push({ origin: run.origin, length: run.length - offset });
    index++;
    offset = 0;
  }
  return out;
}

/** Origin of 1-based `line` in runs; undefined past the end. */
export function originAt(runs: Runs, line: number): string | null | undefined {
  let seen = 0;
  for (const run of runs) {
    if (line <= seen + run.length) return run.origin;
    seen += run.length;
  }
  return undefined;
}

/** Origins of ascending 1-based `lines` in one walk over the runs; undefined past the end. */
export function originsAt(runs: Runs, lines: readonly number[]): (string | null | undefined)[] {
  const out: (string | null | undefined)[] = [];
  let run = 0;
  let start = 1;
  for (const line of lines) {
    while (run < runs.length && line >= start + runs[run]!.length) {
      start += runs[run]!.length;
      run++;
    }
    out.push(run < runs.length && line >= start ? runs[run]!.origin : undefined);
  }
  return out;
}
