// Forward line tracking over a range: one `git diff-tree --stdin -p -U0` process for the whole
// range instead of one `git blame` per file. The tracking itself (runs, renames, merges, blame's
// rules) is pure and shared with the REST source: diff/line-origins.ts. Paths the tracker cannot
// follow (binary in some commit) are reported so the caller can blame them; an unreadable range
// diff makes the whole tracker give up (undefined).

import { parseUnifiedDiff } from '../diff/parse.js';
import { LineOriginTracker, type RangeCommit, type TrackedRange } from '../diff/line-origins.js';
import type { FileChange } from '../core/types.js';
import type { Git } from './git.js';

export { originAt, originsAt, type RangeCommit, type TrackedRange } from '../diff/line-origins.js';

/**
 * Tracks `commits` (parents before children, head last; parents outside the list are at or
 * behind the boundary). Returns undefined when the range's diff cannot be read as a whole;
 * the caller falls back to blame.
 *
 * `bigFileBytes`: a file version larger than this is diffed as binary
 * (`core.bigFileThreshold`), so the tracker reports its path as untracked instead of reading
 * its text. A data file or a bundle rewritten in many commits otherwise fills the range diff
 * (78 MB over 300 commits of this repository, 48 MB of it versions over the scan's 1 MiB cap),
 * and one diff past `maxBytes` sent every file of the range to blame: a process per file.
 */
export async function trackRange(git: Git, commits: readonly RangeCommit[], diffOptions: readonly string[], maxBytes: number, bigFileBytes?: number): Promise<TrackedRange | undefined> {
  if (commits.length === 0) return { files: new Map(), untracked: new Set() };
  // One line per (commit, parent) pair: "<commit> <parent>" diffs the commit against that
  // parent alone; a root commit is diffed against the empty tree (--root).
  const pairs = commits.flatMap((c) => (c.parents.length === 0 ? [{ sha: c.sha, line: c.sha }] : c.parents.map((p) => ({ sha: c.sha, line: `${c.sha} ${p}` }))));
  let text: string;
  try {
    const big = bigFileBytes === undefined ? [] : ['-c', `core.bigFileThreshold=${Math.max(1, Math.floor(bigFileBytes))}`];
    const { stdout } = await git.run([...big, '--literal-pathspecs', 'diff-tree', '--stdin', '--always', '-r', '-p', '-U0', '--root', ...diffOptions], {
      input: pairs.map((p) => `${p.line}\n`).join(''),
      maxBuffer: maxBytes,
    });
    text = stdout.toString('utf8');
  } catch {
    return undefined;
  }
  const chunks = splitByCommit(text, pairs.map((p) => p.sha));
  if (chunks === undefined) return undefined;

  const tracker = new LineOriginTracker(commits);
  let chunk = 0;
  for (const commit of commits) {
    const diffs: FileChange[][] = [];
    for (let k = 0; k < Math.max(1, commit.parents.length); k++) {
      try {
        diffs.push(parseUnifiedDiff(chunks[chunk++] ?? '', { maxBytes }));
      } catch {
        return undefined;
      }
    }
    tracker.apply(commit, diffs);
  }
  return tracker.at(commits[commits.length - 1]!.sha);
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
