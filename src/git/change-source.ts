// Change sets from a local repository: commits of base..head, the combined diff, each changed
// file's head contents and, for every added line, the range commit that introduced it.
// Only revisions are read, never the working tree.

import { DiffError, GitError, printable } from '../core/errors.js';
import type { ChangeSource } from '../core/ports.js';
import type { ChangeSet, Commit, FileChange, Omission } from '../core/types.js';
import { DEFAULT_MAX_DIFF_BYTES, parseUnifiedDiffDetailed, type ParsedFile } from '../diff/parse.js';
import { blameAddedLines, type BlameRequest } from './attribution.js';
import { originsAt, trackRange, type TrackedRange } from './line-tracking.js';
import { parseCommitObject } from './commit-object.js';
import { Git } from './git.js';
import { readObjects, readObjectsWithin, type GitObject } from './objects.js';
import { defaultBase, isObjectId, mergeBase, resolveCommit } from './revision.js';

/** Head blobs larger than this are not read (`headTextMissing: 'too-large'`). */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
const SUBMODULE_MODE = '160000';
/** Git's buffer_is_binary() looks for a NUL byte in this many leading bytes. */
const BINARY_PROBE_BYTES = 8000;
/** Commit objects larger than this are refused (a message may be large, not unbounded). */
export const MAX_COMMIT_OBJECT_BYTES = 16 * 1024 * 1024;

export interface GitChangeSourceOptions {
  readonly repo: string;
  /** Default: merge-base of head with the default branch, else head's first parent, else the empty tree. */
  readonly base?: string;
  /** Default `HEAD`. */
  readonly head?: string;
  readonly maxFileBytes?: number;
  readonly maxDiffBytes?: number;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LENIENT_UTF8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * Pinned diff options: output must not depend on user configuration (context size, algorithm,
 * prefixes, external drivers, textconv, submodule format) because hunks feed content digests.
 */
const DIFF_ARGS: readonly string[] = [
  'diff', '--no-color', '--no-ext-diff', '--no-textconv', '--full-index', '--find-renames',
  '--src-prefix=a/', '--dst-prefix=b/', '-U3', '--inter-hunk-context=0', '--diff-algorithm=myers',
  '--indent-heuristic', '--submodule=short', '--ignore-submodules=none', '--no-relative',
];

/** The same pinning for per-commit diffs (diff-tree takes no --submodule/--relative). */
const TRACKING_DIFF_ARGS: readonly string[] = [
  '--no-color', '--no-ext-diff', '--no-textconv', '--full-index', '--find-renames', '--src-prefix=a/', '--dst-prefix=b/',
  '--diff-algorithm=myers', '--indent-heuristic',
];

/** Ids of changed files, for reading head blobs while the patch is produced (see prefetchHeads). */
const RAW_DIFF_ARGS: readonly string[] = ['diff', '--raw', '-z', '--no-abbrev', '--no-renames', '--no-color', '--no-ext-diff', '--no-textconv', '--ignore-submodules=none', '--no-relative'];
/** Head contents read ahead of the patch, in total; over it, heads are read after the diff. */
export const PREFETCH_MAX_BYTES = 64 * 1024 * 1024;

export class GitChangeSource implements ChangeSource {
  private readonly git: Git;
  private readonly options: GitChangeSourceOptions;

  constructor(options: GitChangeSourceOptions) {
    this.options = options;
    this.git = new Git(options.repo);
  }

  async load(): Promise<ChangeSet> {
    const git = this.git;
    const headName = this.options.head ?? 'HEAD';
    // Head and an explicit base resolve concurrently; a bad head is reported before a bad base.
    const [headRead, givenRead] = await Promise.allSettled([
      resolveCommit(git, headName),
      this.options.base === undefined ? Promise.resolve(undefined) : resolveCommit(git, this.options.base),
    ]);
    const head = settledValue(headRead);
    const { baseCommit, diffBase } = await this.base(head, settledValue(givenRead));
    const omissions: Omission[] = [];

    // Independent reads run concurrently; the first failure in this order is the one reported.
    // Line tracking needs only the commits, so its diff-tree runs beside the range diff and the
    // head reads rather than after them (it is the longest git command of a multi-commit range).
    const commitsRead = rangeCommits(git, head, baseCommit).then((ids) => readCommits(git, ids));
    const maxBytes = this.options.maxDiffBytes ?? DEFAULT_MAX_DIFF_BYTES;
    const tracking = commitsRead.then((commits) =>
      // Versions over the file cap are not read as text: such a head is not attributed anyway
      // (an omission), and a path that was big only in between is blamed.
      singleCommitOrigin(commits, baseCommit, diffBase) === undefined
        ? trackRange(git, commits, TRACKING_DIFF_ARGS, maxBytes, this.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES)
        : undefined);
    const [commitsDone, diffRead, branchRead, headsRead, trackingDone] = await Promise.allSettled([
      commitsRead,
      this.diff(diffBase, head),
      currentBranch(git, headName),
      this.prefetchHeads(diffBase, head),
      tracking,
    ]);
    const commits = settledValue(commitsDone);
    const diffed = settledValue(diffRead);
    const branch = settledValue(branchRead);
    // A failed prefetch only means the heads are read after the diff, as without it.
    const prefetched = headsRead.status === 'fulfilled' ? headsRead.value : undefined;
    // trackRange turns its own failures into undefined (blame instead); only a failed commit read rejects, reported above.
    const tracked = settledValue(trackingDone);
    const rediffed = new Set<string>();
    const parsed = await this.textDiffOfFalseBinaries(diffBase, head, diffed, rediffed);
    const files = await this.readHeads(head, parsed, prefetched);
    await this.attribute(head, baseCommit, diffBase, commits, files, omissions, rediffed, tracked);

    const result: ChangeSet = {
      base: diffBase,
      head,
      commits,
      files: files.map((f) => f.change).sort((a, b) => compare(a.path, b.path) || compare(a.status, b.status)),
      omissions: omissions.sort((a, b) => compare(a.path ?? '', b.path ?? '') || compare(a.reason, b.reason)),
    };
    return branch === undefined ? result : { ...result, context: { headBranch: branch } };
  }

  /** baseCommit bounds the commit range (undefined: from the root); diffBase is what the diff starts from. */
  private async base(head: string, given: string | undefined): Promise<{ baseCommit: string | undefined; diffBase: string }> {
    if (this.options.base !== undefined && given !== undefined) {
      const base = await mergeBase(this.git, given, head);
      if (base === undefined) {
        throw new GitError('BAD_REVISION', `'${printable(this.options.base)}' and '${printable(this.options.head ?? 'HEAD')}' have no common history`, {
          hint: 'pass a base that head was branched from',
        });
      }
      return { baseCommit: base, diffBase: base };
    }
    const choice = await defaultBase(this.git, head);
    return choice.kind === 'commit' ? { baseCommit: choice.id, diffBase: choice.id } : { baseCommit: undefined, diffBase: choice.id };
  }

  private async diff(base: string, head: string, extra: { text?: boolean; paths?: readonly string[] } = {}): Promise<ParsedFile[]> {
    const maxBytes = this.options.maxDiffBytes ?? DEFAULT_MAX_DIFF_BYTES;
    const args = ['--literal-pathspecs', ...DIFF_ARGS, ...(extra.text === true ? ['--text'] : []), base, head];
    if (extra.paths !== undefined) args.push('--', ...extra.paths);
    let stdout: Buffer;
    try {
      ({ stdout } = await this.git.run(args, { maxBuffer: maxBytes }));
    } catch (err) {
      if (err instanceof GitError && err.code === 'OUTPUT_TOO_LARGE') {
        throw new DiffError('DIFF_TOO_LARGE', `diff ${base.slice(0, 12)}..${head.slice(0, 12)} is larger than ${maxBytes} bytes`, {
          cause: err,
          hint: 'scan a smaller range, or raise the diff size limit',
        });
      }
      throw err;
    }
    return parseUnifiedDiffDetailed(stdout.toString('utf8'), { maxBytes });
  }

  /**
   * A `-diff` or `binary` attribute in the head's .gitattributes makes git print "Binary files
   * differ" for text, which would hide code from scoring. Files git calls binary whose head blob
   * has no NUL byte in its first 8000 bytes (git's own binary test) are diffed again with --text.
   */
  private async textDiffOfFalseBinaries(base: string, head: string, parsed: ParsedFile[], rediffed: Set<string>): Promise<ParsedFile[]> {
    const candidates = parsed.filter((f) => f.change.binary && f.change.status !== 'deleted');
    if (candidates.length === 0) return parsed;
    const nameOf = (f: ParsedFile): string => (f.newBlob !== undefined && isObjectId(f.newBlob) ? f.newBlob : `${head}:${f.change.path}`);
    const objects = await readObjects(this.git, candidates.map(nameOf), { maxObjectBytes: this.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES });
    const textual = candidates.filter((f) => {
      const content = objects.get(nameOf(f))?.content;
      return content !== undefined && !content.subarray(0, BINARY_PROBE_BYTES).includes(0);
    });
    if (textual.length === 0) return parsed;
    const paths = [...new Set(textual.flatMap((f) => (f.change.oldPath === undefined ? [f.change.path] : [f.change.path, f.change.oldPath])))];
    const redone = new Map((await this.diff(base, head, { text: true, paths })).filter((f) => f.change.status !== 'deleted').map((f) => [f.change.path, f]));
    for (const path of paths) rediffed.add(path);
    return parsed.map((f) => (textual.includes(f) ? redone.get(f.change.path) ?? f : f));
  }

  /**
   * The head blobs of base..head read while the patch is still being produced: ids from a
   * `diff --raw` without rename detection (a rename's new blob id is the same either way).
   * Undefined when they would exceed PREFETCH_MAX_BYTES in total (binaries are read too, as the
   * raw diff cannot tell them apart; the cap bounds that waste).
   */
  private async prefetchHeads(base: string, head: string): Promise<Map<string, GitObject> | undefined> {
    const { stdout } = await this.git.run(['--literal-pathspecs', ...RAW_DIFF_ARGS, base, head], { maxBuffer: this.options.maxDiffBytes ?? DEFAULT_MAX_DIFF_BYTES });
    const ids: string[] = [];
    // -z records: ":<old mode> <new mode> <old id> <new id> <status>" NUL <path> NUL (paths are
    // attacker-controlled; headers and paths strictly alternate, so a path is never read as one).
    const fields = stdout.toString('latin1').split('\0');
    for (let k = 0; k + 1 < fields.length; k += 2) {
      const header = fields[k]!.split(' ');
      const [mode, id] = [header[1], header[3]];
      if (header.length !== 5 || !header[0]!.startsWith(':') || id === undefined || !isObjectId(id) || /^0+$/.test(id)) continue;
      if (mode === '100644' || mode === '100755' || mode === '120000') ids.push(id);
    }
    return readObjectsWithin(this.git, ids, { maxObjectBytes: this.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, maxTotalBytes: PREFETCH_MAX_BYTES });
  }

  /** Reads every changed file's head blob with two cat-file processes in total (none for those prefetched). */
  private async readHeads(head: string, parsed: readonly ParsedFile[], prefetched: ReadonlyMap<string, GitObject> | undefined): Promise<ParsedFile[]> {
    const maxFileBytes = this.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    const nameOf = (f: ParsedFile): string | undefined => {
      if (f.change.status === 'deleted' || f.change.binary) return undefined;
      if (f.newBlob !== undefined && isObjectId(f.newBlob)) return f.newBlob;
      return `${head}:${f.change.path}`;
    };
    const names = parsed.map(nameOf).filter((n): n is string => n !== undefined);
    const objects = new Map(prefetched);
    const missing = names.filter((n) => !objects.has(n));
    if (missing.length > 0) for (const [name, object] of await readObjects(this.git, missing, { maxObjectBytes: maxFileBytes })) objects.set(name, object);
    return parsed.map((f) => {
      const change: FileChange = f.change;
      if (change.status === 'deleted') return { ...f, change: { ...change, headTextMissing: 'deleted' } };
      if (change.binary) return { ...f, change: { ...change, headTextMissing: 'binary' } };
      const object = objects.get(nameOf(f) ?? '');
      if (object === undefined || object.type !== 'blob') return { ...f, change: { ...change, headTextMissing: 'unavailable' } };
      if (object.content === undefined) return { ...f, change: { ...change, headSize: object.size, headTextMissing: 'too-large' } };
      let headText: string;
      let invalidUtf8 = false;
      try {
        headText = STRICT_UTF8.decode(object.content);
      } catch {
        headText = LENIENT_UTF8.decode(object.content);
        invalidUtf8 = true;
      }
      const withText: FileChange = { ...change, headText, headSize: object.size };
      return { ...f, change: invalidUtf8 ? { ...withText, invalidUtf8: true } : withText };
    });
  }

  /**
   * Sets lineCommits on every file with added lines (mutates the list in place). `rediffed`:
   * paths whose range diff was redone with --text (the per-commit diff sees them as binary).
   * `tracked`: forward tracking of the range (undefined for a single commit, or when it failed).
   */
  private async attribute(
    head: string,
    base: string | undefined,
    diffBase: string,
    commits: readonly Commit[],
    files: ParsedFile[],
    omissions: Omission[],
    rediffed: ReadonlySet<string>,
    tracked: TrackedRange | undefined,
  ): Promise<void> {
    const inRange = new Set(commits.map((c) => c.sha));
    const single = singleCommitOrigin(commits, base, diffBase);
    const toBlame: BlameRequest[] = [];
    const attributed = new Map<string, Map<number, string>>();
    for (const f of files) {
      const added = addedLines(f.change);
      // A submodule's "Subproject commit" line is a pointer, not code: nothing to attribute.
      if (added.length === 0 || f.change.binary || f.change.status === 'deleted' || f.change.newMode === SUBMODULE_MODE) continue;
      if (f.change.headTextMissing === 'too-large') {
        omissions.push({ path: f.change.path, reason: 'lines not attributed to commits: file over the size cap' });
        continue;
      }
      const lines = single !== undefined && !rediffed.has(f.change.path)
        ? new Map(added.map((line) => [line, single]))
        : tracked === undefined ? undefined : trackedLines(tracked, f.change.path, added, inRange);
      if (lines !== undefined) attributed.set(f.change.path, lines);
      else toBlame.push({ path: f.change.path, lines: added });
    }
    const blamed = await blameAddedLines(this.git, head, base, inRange, toBlame, (path, err) => {
      const why = err instanceof Error ? err.message : String(err);
      omissions.push({ path, reason: `lines not attributed to commits: ${why.slice(0, 200)}` });
    });
    for (const [path, lines] of blamed) attributed.set(path, lines);
    for (let k = 0; k < files.length; k++) {
      const f = files[k]!;
      const lineCommits = attributed.get(f.change.path);
      if (lineCommits !== undefined && hasAddedLine(f.change)) {
        files[k] = { ...f, change: { ...f.change, lineCommits } };
      }
    }
  }
}

/**
 * The one commit every added line comes from, when the range is a single non-merge commit whose
 * parent is the diff base (or a root commit with no base: diffed from the empty tree). Then the range diff and
 * that commit's own diff compare the same two trees with the same pinned algorithm, so forward
 * tracking would give every added line to that commit: diff-tree is not needed. Context size
 * (-U3 here, -U0 there) changes hunk grouping only, never which lines are added.
 */
function singleCommitOrigin(commits: readonly Commit[], base: string | undefined, diffBase: string): string | undefined {
  if (commits.length !== 1) return undefined;
  const commit = commits[0]!;
  if (commit.parents.length === 1 && commit.parents[0] === diffBase) return commit.sha;
  if (commit.parents.length === 0 && base === undefined) return commit.sha;
  return undefined;
}

/**
 * Added lines' origins from forward tracking, or undefined to blame the file instead (the
 * tracker lost the file: binary or over the file cap in some commit).
 *
 * An added line the tracker places in base content (the range diff aligned repeated lines
 * differently than the commits' own diffs did) gets no commit: blame follows the same per-commit
 * diffs, says "boundary" for it, and blameAddedLines drops boundary lines, so blaming the file
 * gave the same answer at a process per file. The REST source does the same
 * (github/change-source.ts). Checked: tracking with such lines left out equals blame on every
 * file that used to fall back, over 157 random histories (test/git/attribution.test.ts keeps
 * 68 of them) and 300 commits of this repository (49 files).
 */
function trackedLines(tracked: TrackedRange, path: string, added: readonly number[], inRange: ReadonlySet<string>): Map<number, string> | undefined {
  const runs = tracked.files.get(path);
  if (runs === undefined || tracked.untracked.has(path)) return undefined;
  const out = new Map<number, string>();
  const origins = originsAt(runs, added);
  for (let k = 0; k < added.length; k++) {
    const origin = origins[k];
    if (origin !== null && origin !== undefined && inRange.has(origin)) out.set(added[k]!, origin);
  }
  return out;
}

function hasAddedLine(change: FileChange): boolean {
  return change.hunks.some((h) => h.lines.some((l) => l.kind === 'add' && l.newLine !== undefined));
}

function addedLines(change: FileChange): number[] {
  const out: number[] = [];
  for (const h of change.hunks) for (const l of h.lines) if (l.kind === 'add' && l.newLine !== undefined) out.push(l.newLine);
  return out;
}

/** Commits of base..head (all ancestors of head when base is undefined), parents before children. */
async function rangeCommits(git: Git, head: string, base: string | undefined): Promise<string[]> {
  const args = ['rev-list', '--topo-order', '--reverse', head];
  if (base !== undefined) args.push(`^${base}`);
  const out = await git.text(args);
  return out.split('\n').filter(isObjectId);
}

async function readCommits(git: Git, ids: readonly string[]): Promise<Commit[]> {
  const objects = await readObjects(git, ids, { maxObjectBytes: MAX_COMMIT_OBJECT_BYTES });
  return ids.map((id) => {
    const object = objects.get(id);
    if (object?.content === undefined || object.type !== 'commit') {
      throw new GitError('GIT_FAILED', `cannot read commit ${id}${object === undefined ? '' : ` (${object.size} bytes)`}`, {
        hint: `commit objects over ${MAX_COMMIT_OBJECT_BYTES} bytes are refused; check the repository with git fsck`,
      });
    }
    return parseCommitObject(id, object.content);
  });
}

async function currentBranch(git: Git, headName: string): Promise<string | undefined> {
  if (headName !== 'HEAD') {
    const named = await git.run(['rev-parse', '--verify', '--quiet', `refs/heads/${headName}`], { allowExitCodes: [1] });
    return named.exitCode === 0 ? headName : undefined;
  }
  const out = await git.run(['symbolic-ref', '--quiet', '--short', 'HEAD'], { allowExitCodes: [1, 128] });
  const name = out.stdout.toString('utf8').trim();
  return out.exitCode === 0 && name.length > 0 ? name : undefined;
}

function settledValue<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
