// Forward line tracking over a range without merge commits: one `git diff-tree --stdin -p -U0`
// process for the whole range instead of one `git blame` per file.
//
// Each file's lines are kept as runs of "introduced by commit X" (or by nobody in the range:
// base content). Every commit's hunks, applied oldest first, delete and insert runs; renames
// carry the runs to the new path. For a history without merges this is what blame computes
// backwards (unchanged lines pass to the parent, so lines surviving from the base stay
// unattributed). Paths the tracker cannot follow (binary in some commit, unparsable diff) are
// reported so the caller can blame them instead.

import { parseUnifiedDiff } from '../diff/parse.js';
import type { DiffHunk } from '../core/types.js';
import type { Git } from './git.js';

interface Run {
  /** Commit that introduced these lines; null: present at the base. */
  readonly origin: string | null;
  readonly length: number;
}

/** A file version as runs; the last run of a base file is open-ended. */
type Runs = Run[];

const BASE_FILE: Runs = [{ origin: null, length: Number.POSITIVE_INFINITY }];

export interface TrackedRange {
  /** Line origins of every file some range commit touched, by head path. */
  readonly files: ReadonlyMap<string, Runs>;
  /** Head paths whose history could not be followed (use blame). */
  readonly untracked: ReadonlySet<string>;
}

/**
 * Tracks `commits` (oldest first, each the parent of the next, the first one's parent being
 * the base). Returns undefined when the range's diff cannot be read as a whole; the caller
 * falls back to blame.
 */
export async function trackLinearRange(git: Git, commits: readonly string[], diffOptions: readonly string[], maxBytes: number): Promise<TrackedRange | undefined> {
  if (commits.length === 0) return { files: new Map(), untracked: new Set() };
  let text: string;
  try {
    const { stdout } = await git.run(['--literal-pathspecs', 'diff-tree', '--stdin', '--always', '-r', '-p', '-U0', '--root', ...diffOptions], {
      input: commits.map((c) => `${c}\n`).join(''),
      maxBuffer: maxBytes,
    });
    text = stdout.toString('utf8');
  } catch {
    return undefined;
  }
  const chunks = splitByCommit(text, commits);
  if (chunks === undefined) return undefined;
  const files = new Map<string, Runs>();
  const untracked = new Set<string>();
  for (let k = 0; k < commits.length; k++) {
    const commit = commits[k]!;
    let changes;
    try {
      changes = parseUnifiedDiff(chunks[k] ?? '', { maxBytes });
    } catch {
      return undefined;
    }
    // Read every old version before writing new ones: a commit may rename a -> b and b -> a.
    const before = new Map(files);
    const poisoned = new Set(untracked);
    for (const change of changes) {
      if (change.status === 'deleted') {
        files.delete(change.path);
        untracked.delete(change.path);
      } else if (change.status === 'renamed') {
        files.delete(change.oldPath!);
        untracked.delete(change.oldPath!);
      }
    }
    for (const change of changes) {
      if (change.status === 'deleted') continue;
      const from = change.status === 'renamed' || change.status === 'copied' ? change.oldPath! : change.path;
      if (change.binary || poisoned.has(from)) {
        untracked.add(change.path);
        files.delete(change.path);
        continue;
      }
      const old = change.status === 'added' ? [] : before.get(from) ?? BASE_FILE;
      files.set(change.path, applyHunks(old, change.hunks, commit));
      untracked.delete(change.path);
    }
  }
  return { files, untracked };
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
