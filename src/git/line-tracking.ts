// Forward line tracking over a range: one `git diff-tree --stdin -p -U0` process for the whole
// range instead of one `git blame` per file.
//
// Each file's lines are kept as runs of "introduced by commit X" (or by nobody in the range:
// content that was already there at the range's boundary). Commits are applied parents first;
// renames carry runs to the new path. This mirrors what blame computes backwards:
// - a line unchanged against the first parent keeps that parent's origin;
// - in a merge, a file identical to some parent takes that parent's origins wholesale (blame's
//   same-blob rule), and lines changed against the first parent but unchanged against a later
//   one take that parent's origin, in parent order;
// - what remains was introduced by the commit itself.
// Paths the tracker cannot follow (binary in some commit) are reported so the caller can blame
// them; an unreadable range diff makes the whole tracker give up (undefined).

import { parseUnifiedDiff } from '../diff/parse.js';
import type { DiffHunk, FileChange } from '../core/types.js';
import type { Git } from './git.js';

interface Run {
  /** Commit that introduced these lines; null: present at the boundary. */
  readonly origin: string | null;
  readonly length: number;
}

/** A file version as runs; the last run of a boundary file is open-ended. */
type Runs = Run[];

const BOUNDARY_FILE: Runs = [{ origin: null, length: Number.POSITIVE_INFINITY }];
/** Marks lines a merge changed against its first parent, until later parents are consulted. */
const PENDING = '\0pending';

export interface TrackedRange {
  /** Line origins of every file some range commit touched, by head path. */
  readonly files: ReadonlyMap<string, Runs>;
  /** Head paths whose history could not be followed (use blame). */
  readonly untracked: ReadonlySet<string>;
}

interface State {
  readonly files: Map<string, Runs>;
  readonly untracked: Set<string>;
}

export interface RangeCommit {
  readonly sha: string;
  readonly parents: readonly string[];
}

/**
 * Tracks `commits` (parents before children, head last; parents outside the list are at or
 * behind the boundary). Returns undefined when the range's diff cannot be read as a whole;
 * the caller falls back to blame.
 */
export async function trackRange(git: Git, commits: readonly RangeCommit[], diffOptions: readonly string[], maxBytes: number): Promise<TrackedRange | undefined> {
  if (commits.length === 0) return { files: new Map(), untracked: new Set() };
  // One line per (commit, parent) pair: "<commit> <parent>" diffs the commit against that
  // parent alone; a root commit is diffed against the empty tree (--root).
  const pairs = commits.flatMap((c) => (c.parents.length === 0 ? [{ sha: c.sha, line: c.sha }] : c.parents.map((p) => ({ sha: c.sha, line: `${c.sha} ${p}` }))));
  let text: string;
  try {
    const { stdout } = await git.run(['--literal-pathspecs', 'diff-tree', '--stdin', '--always', '-r', '-p', '-U0', '--root', ...diffOptions], {
      input: pairs.map((p) => `${p.line}\n`).join(''),
      maxBuffer: maxBytes,
    });
    text = stdout.toString('utf8');
  } catch {
    return undefined;
  }
  const chunks = splitByCommit(text, pairs.map((p) => p.sha));
  if (chunks === undefined) return undefined;

  const inRange = new Set(commits.map((c) => c.sha));
  const children = new Map<string, number>();
  for (const c of commits) for (const p of c.parents) children.set(p, (children.get(p) ?? 0) + 1);
  const states = new Map<string, State>();
  const outside: State = { files: new Map(), untracked: new Set() };
  let chunk = 0;
  let last: State = outside;
  for (const commit of commits) {
    const parentStates = commit.parents.length === 0 ? [outside] : commit.parents.map((p) => (inRange.has(p) ? states.get(p) ?? outside : outside));
    const diffs: FileChange[][] = [];
    for (let k = 0; k < parentStates.length; k++) {
      try {
        diffs.push(parseUnifiedDiff(chunks[chunk++] ?? '', { maxBytes }));
      } catch {
        return undefined;
      }
    }
    const state = applyCommit(commit.sha, parentStates, diffs);
    states.set(commit.sha, state);
    last = state;
    // Free parent states no remaining child needs.
    for (const p of commit.parents) {
      const left = (children.get(p) ?? 0) - 1;
      children.set(p, left);
      if (left <= 0) states.delete(p);
    }
  }
  return { files: last.files, untracked: last.untracked };
}

function applyCommit(sha: string, parents: readonly State[], diffs: readonly (readonly FileChange[])[]): State {
  const first = parents[0]!;
  const changes = diffs[0]!;
  // Per parent: the surviving file entries by new path.
  const byPath = diffs.map((d) => new Map(d.filter((c) => c.status !== 'deleted').map((c) => [c.path, c])));
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
  const out: Runs = [];
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

/**
 * With --always, diff-tree prints every commit id alone on a line before its diff. Diff lines
 * start with a marker or a keyword, and no path can name a commit that follows, so only the
 * next expected id is taken as a separator.
 */
function splitByCommit(text: string, commits: readonly string[]): string[] | undefined {
  const chunks: string[] = [];
  let next = 0;
  let start = -1;
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 ? text.length : nl;
    const id = commits[next];
    if (id !== undefined && end - pos === id.length && text.startsWith(id, pos)) {
      if (start !== -1) chunks.push(text.slice(start, pos));
      start = Math.min(end + 1, text.length);
      next++;
    }
    if (nl === -1) break;
    pos = nl + 1;
  }
  if (start !== -1) chunks.push(text.slice(start));
  return next === commits.length ? chunks : undefined;
}

/** Applies -U0 hunks (old-file coordinates, ascending) to runs; inserted lines get `origin`. */
function applyHunks(old: Runs, hunks: readonly DiffHunk[], origin: string): Runs {
  const out: Runs = [];
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
