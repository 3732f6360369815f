// Forward line tracking over a range: one `git diff-tree --stdin -p -U0` process for the whole
// range, read commit by commit as it streams, instead of one `git blame` per file. The tracking
// itself (runs, renames, merges, blame's rules) is pure and shared with the REST source:
// diff/line-origins.ts. Paths the tracker cannot follow (binary or over the file cap in some
// commit) are reported so the caller can blame them; a commit's diff that cannot be read, or is
// over the diff cap, makes the whole tracker give up (undefined).

import { parseUnifiedDiff } from '../diff/parse.js';
import { LineOriginTracker, type RangeCommit, type TrackedRange } from '../diff/line-origins.js';
import type { FileChange } from '../core/types.js';
import type { Git } from './git.js';

export { originAt, originsAt, type RangeCommit, type TrackedRange } from '../diff/line-origins.js';

/**
 * Tracks `commits` (parents before children, head last; parents outside the list are at or
 * behind the boundary). Returns undefined when the range's diff cannot be read; the caller
 * falls back to blame.
 *
 * The per-commit diff is read as it streams out of git, one commit at a time: memory holds the
 * tracker and one commit's diff, so `maxBytes` bounds each commit's diff (against one parent),
 * not the whole range. Before, the range's diff was read whole under `maxBytes`, and a long
 * range past it sent every changed file to blame, one process each.
 *
 * `bigFileBytes`: a file version larger than this is diffed as binary
 * (`core.bigFileThreshold`), so the tracker reports its path as untracked instead of reading
 * its text. A data file or a bundle rewritten in many commits otherwise fills the range diff
 * (78 MB over 300 commits of this repository, 48 MB of it versions over the scan's 1 MiB cap).
 */
export async function trackRange(git: Git, commits: readonly RangeCommit[], diffOptions: readonly string[], maxBytes: number, bigFileBytes?: number): Promise<TrackedRange | undefined> {
  if (commits.length === 0) return { files: new Map(), untracked: new Set() };
  // One line per (commit, parent) pair: "<commit> <parent>" diffs the commit against that
  // parent alone; a root commit is diffed against the empty tree (--root).
  const pairs = commits.flatMap((c) => (c.parents.length === 0 ? [{ sha: c.sha, line: c.sha }] : c.parents.map((p) => ({ sha: c.sha, line: `${c.sha} ${p}` }))));
  const tracker = new LineOriginTracker(commits);
  const feed = new PairFeed(commits, pairs.map((p) => p.sha), maxBytes, tracker);
  const big = bigFileBytes === undefined ? [] : ['-c', `core.bigFileThreshold=${Math.max(1, Math.floor(bigFileBytes))}`];
  try {
    await git.run([...big, '--literal-pathspecs', 'diff-tree', '--stdin', '--always', '-r', '-p', '-U0', '--root', ...diffOptions], {
      input: pairs.map((p) => `${p.line}\n`).join(''),
      onStdout: (chunk) => feed.push(chunk),
    });
    feed.end();
  } catch {
    return undefined;
  }
  return tracker.at(commits[commits.length - 1]!.sha);
}

/** The diff-tree output does not fit the tracker: the caller blames instead. */
class UnreadableRange extends Error {}

/**
 * Splits diff-tree's stream into one diff per (commit, parent) pair and applies each commit to
 * the tracker once its pairs are in. With --always, diff-tree prints every commit id alone on a
 * line before its diff. Diff lines start with a marker or a keyword, and no path can name a
 * commit that follows, so only the next expected id is taken as a separator.
 */
class PairFeed {
  readonly #decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  /** The current pair's diff so far, and the start of a line not yet complete. */
  #parts: string[] = [];
  #size = 0;
  #carry = '';
  /** Index of the next separator expected; -1 before the first. */
  #next = 0;
  #pair = -1;
  #commit = 0;
  #diffs: FileChange[][] = [];

  constructor(
    private readonly commits: readonly RangeCommit[],
    private readonly separators: readonly string[],
    private readonly maxBytes: number,
    private readonly tracker: LineOriginTracker,
  ) {}

  push(chunk: Buffer): void {
    const text = this.#carry + this.#decoder.decode(chunk, { stream: true });
    const lastNl = text.lastIndexOf('\n');
    if (lastNl === -1) {
      this.#carry = text;
      this.#grow(0);
      return;
    }
    this.#carry = text.slice(lastNl + 1);
    this.#lines(text, lastNl + 1);
  }

  end(): void {
    const rest = this.#carry + this.#decoder.decode();
    this.#carry = '';
    if (rest !== '') this.#lines(`${rest}\n`, rest.length + 1);
    if (this.#next !== this.separators.length) throw new UnreadableRange('diff-tree did not print every commit');
    this.#closePair();
  }

  /** Complete lines of `text` up to `end`: separators close a pair, the rest is its diff. */
  #lines(text: string, end: number): void {
    let pos = 0;
    let from = 0;
    while (pos < end) {
      const nl = text.indexOf('\n', pos);
      const lineEnd = nl === -1 || nl >= end ? end : nl;
      const id = this.separators[this.#next];
      if (id !== undefined && lineEnd - pos === id.length && text.startsWith(id, pos)) {
        this.#append(text.slice(from, pos));
        this.#closePair();
        this.#next++;
        this.#pair++;
        from = Math.min(lineEnd + 1, end);
      }
      pos = lineEnd + 1;
    }
    this.#append(text.slice(from, end));
  }

  #append(piece: string): void {
    if (piece === '') return;
    // Text before the first separator belongs to no pair (diff-tree prints none).
    if (this.#pair < 0) return;
    this.#parts.push(piece);
    this.#grow(piece.length);
  }

  #grow(n: number): void {
    this.#size += n;
    if (this.#size + this.#carry.length > this.maxBytes) throw new UnreadableRange(`one commit's diff is over ${this.maxBytes} bytes`);
  }

  #closePair(): void {
    if (this.#pair < 0) return;
    const text = this.#parts.join('');
    this.#parts = [];
    this.#size = 0;
    this.#diffs.push(parseUnifiedDiff(text, { maxBytes: this.maxBytes }));
    const commit = this.commits[this.#commit]!;
    if (this.#diffs.length === Math.max(1, commit.parents.length)) {
      this.tracker.apply(commit, this.#diffs);
      this.#diffs = [];
      this.#commit++;
    }
  }
}
