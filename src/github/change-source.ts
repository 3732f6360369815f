// ChangeSource over the REST API, for when no local checkout has the history: the pull request's
// files (with patches) and commits, or a compare of two commits; the head contents of the text
// files (GraphQL, 100 per request; a whole added file's contents are read off its patch); and,
// for every added line, the commit that introduced it, tracked forward through each commit's
// own diff (diff/line-origins.ts, the same tracking the local-git source uses). Everything
// GitHub caps or withholds becomes an omission; a line whose origin cannot be followed is left
// unattributed, never guessed.
import type { ChangeSource } from '../core/ports.js';
import type { ChangeContext, ChangeSet, Commit, FileChange, FileStatus, Omission } from '../core/types.js';
import { DiffError } from '../core/errors.js';
import { LineOriginTracker, originsAt, parentsFirst, zeroContextHunks } from '../diff/line-origins.js';
import { parseUnifiedDiff } from '../diff/parse.js';
import { readBlobs, type BlobContent } from './blobs.js';
import type { GitHubClient } from './client.js';
import {
  COMMIT_FILES_LIMIT, COMMIT_READ_CONCURRENCY, COMPARE_FILES_LIMIT, HEAD_TEXT_MAX_BYTES, PULL_REQUEST_COMMITS_REST_LIMIT, PULL_REQUEST_FILES_LIMIT, REST_PER_PAGE_MAX,
} from './limits.js';

export type ChangeTarget =
  | {
      readonly kind: 'pull-request';
      readonly number: number;
      readonly base: string;
      readonly head: string;
      /** From the event payload; used to say how much the REST caps left out. */
      readonly commitCount?: number;
      readonly changedFiles?: number;
    }
  | { readonly kind: 'compare'; readonly base: string; readonly head: string };

export interface GitHubChangeSourceOptions {
  readonly client: GitHubClient;
  readonly owner: string;
  readonly repo: string;
  readonly target: ChangeTarget;
  /**
   * Which files need their head contents; default: every text file, as the local-git source
   * reads them. Classification (generated markers, minified code, size) and scoring use head
   * contents for every language, so a narrower predicate trades requests for results that can
   * differ from local git on the files it leaves out.
   */
  readonly needsHeadText?: (path: string) => boolean;
  readonly maxHeadTextBytes?: number;
  readonly context?: ChangeContext;
}

/** A file entry as the pulls and compare endpoints return it. Every string is attacker-controlled. */
interface RestFile {
  readonly filename: string;
  readonly previous_filename?: string;
  readonly status: string;
  readonly additions: number;
  readonly deletions: number;
  readonly changes: number;
  readonly patch?: string;
}

interface RestCommit {
  readonly sha: string;
  readonly parents: readonly { readonly sha: string }[];
  readonly commit: {
    readonly message: string;
    readonly author: { readonly name?: string; readonly email?: string; readonly date?: string } | null;
    readonly committer: { readonly name?: string; readonly email?: string; readonly date?: string } | null;
  };
}

const STATUS: Readonly<Record<string, FileStatus>> = {
  added: 'added',
  removed: 'deleted',
  modified: 'modified',
  renamed: 'renamed',
  copied: 'copied',
  changed: 'mode-changed',
  unchanged: 'modified',
};

function toCommit(c: RestCommit): Commit {
  return {
    sha: c.sha,
    parents: c.parents.map((p) => p.sha),
    author: { name: c.commit.author?.name ?? '', email: c.commit.author?.email ?? '' },
    committer: { name: c.commit.committer?.name ?? '', email: c.commit.committer?.email ?? '' },
    authorDate: c.commit.author?.date ?? '',
    message: c.commit.message,
  };
}

/** One file's `patch` (hunks only, no headers: GitHub's format). Throws DiffError when malformed. */
function parsePatch(patch: string): Pick<FileChange, 'hunks' | 'crlf'> {
  const [file] = parseUnifiedDiff(`--- a/f\n+++ b/f\n${patch}\n`);
  return { hunks: file?.hunks ?? [], ...(file?.crlf === true ? { crlf: true } : {}) };
}

export class GitHubChangeSource implements ChangeSource {
  readonly #o: GitHubChangeSourceOptions;

  constructor(options: GitHubChangeSourceOptions) {
    this.#o = options;
  }

  async load(): Promise<ChangeSet> {
    const { target } = this.#o;
    const omissions: Omission[] = [];
    const listed = target.kind === 'pull-request' ? await this.#pullRequest(target, omissions) : await this.#compare(target, omissions);
    const sorted = [...listed.files].sort((a, b) => compare(a.filename, b.filename));
    const changes: FileChange[] = [];
    const texts = new Map<string, string>();
    for (const f of sorted) {
      const change = this.#fileChange(f, omissions);
      if (change === undefined) continue;
      changes.push(change);
      const text = addedFileText(f);
      if (text !== undefined) texts.set(f.filename, text);
    }
    const needs = this.#o.needsHeadText ?? (() => true);
    const toRead = changes.filter((c) => wantsText(c, needs) && !texts.has(c.path)).map((c) => c.path);
    const max = this.#o.maxHeadTextBytes ?? HEAD_TEXT_MAX_BYTES;
    const blobs = toRead.length === 0 ? new Map<string, BlobContent>() : await readBlobs(toRead, { client: this.#o.client, owner: this.#o.owner, repo: this.#o.repo, rev: target.head, maxBytes: max });
    const files = changes.map((c) => (wantsText(c, needs) ? withHeadText(c, texts.get(c.path), blobs.get(c.path), max) : c));
    const commits = listed.commits.map(toCommit);
    const attributed = await this.#attribute(commits, files, listed.complete, omissions);
    return {
      base: target.base,
      head: target.head,
      commits,
      files: attributed,
      omissions: omissions.sort((a, b) => compare(a.path ?? '', b.path ?? '') || compare(a.reason, b.reason)),
      ...(this.#o.context === undefined ? {} : { context: this.#o.context }),
    };
  }

  async #pullRequest(target: Extract<ChangeTarget, { kind: 'pull-request' }>, omissions: Omission[]) {
    const { client, owner, repo } = this.#o;
    const files: RestFile[] = [];
    for await (const page of client.paginate.iterator(client.rest.pulls.listFiles, { owner, repo, pull_number: target.number, per_page: REST_PER_PAGE_MAX })) {
      files.push(...page.data);
      if (files.length >= PULL_REQUEST_FILES_LIMIT) break;
    }
    if (files.length >= PULL_REQUEST_FILES_LIMIT && (target.changedFiles ?? PULL_REQUEST_FILES_LIMIT + 1) > PULL_REQUEST_FILES_LIMIT) {
      omissions.push({ reason: `GitHub lists at most ${PULL_REQUEST_FILES_LIMIT} files of a pull request${target.changedFiles === undefined ? '' : ` (this one changes ${target.changedFiles})`}; the rest were not analyzed` });
    }
    const commits: RestCommit[] = [];
    for await (const page of client.paginate.iterator(client.rest.pulls.listCommits, { owner, repo, pull_number: target.number, per_page: REST_PER_PAGE_MAX })) {
      commits.push(...(page.data as RestCommit[]));
      if (commits.length >= PULL_REQUEST_COMMITS_REST_LIMIT) break;
    }
    const missing = target.commitCount !== undefined && target.commitCount > commits.length;
    if (missing) {
      omissions.push({ reason: `GitHub's REST API lists at most ${PULL_REQUEST_COMMITS_REST_LIMIT} commits of a pull request; trailers of ${target.commitCount - commits.length} later commits were not read` });
    }
    // Without the count from the event, a full last page may have been cut at the cap.
    const complete = target.commitCount === undefined ? commits.length < PULL_REQUEST_COMMITS_REST_LIMIT : !missing;
    return { files: files.slice(0, PULL_REQUEST_FILES_LIMIT), commits, complete };
  }

  async #compare(target: Extract<ChangeTarget, { kind: 'compare' }>, omissions: Omission[]) {
    const { client, owner, repo } = this.#o;
    // Unpaginated, the first page carries up to 250 commits and all (at most 300) files.
    const res = await client.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${target.base}...${target.head}` });
    const files = (res.data.files ?? []) as RestFile[];
    if (files.length >= COMPARE_FILES_LIMIT) {
      omissions.push({ reason: `GitHub's compare API lists at most ${COMPARE_FILES_LIMIT} files; the rest were not analyzed (check out the repository with full history to analyze everything)` });
    }
    const commits = res.data.commits as RestCommit[];
    const complete = res.data.total_commits <= commits.length;
    if (!complete) {
      omissions.push({ reason: `the compare API returned ${commits.length} of ${res.data.total_commits} commits; trailers of the others were not read` });
    }
    return { files, commits, complete };
  }

  #fileChange(f: RestFile, omissions: Omission[]): FileChange | undefined {
    const status = STATUS[f.status] ?? 'modified';
    const base = {
      path: f.filename,
      ...(f.previous_filename === undefined ? {} : { oldPath: f.previous_filename }),
      status,
    };
    if (f.patch === undefined) {
      // GitHub omits `patch` for binary files and for diffs too large to show; a binary file
      // counts no changed lines, a large diff does.
      if (f.changes > 0) {
        omissions.push({ path: f.filename, reason: `GitHub did not return a diff for this file (${f.changes} changed lines, too large for the API); not analyzed` });
        return undefined;
      }
      const binary = status !== 'renamed' && status !== 'copied' && status !== 'mode-changed';
      return { ...base, binary, hunks: [], ...(binary ? { headTextMissing: 'binary' as const } : {}) };
    }
    let parsed: Pick<FileChange, 'hunks' | 'crlf'>;
    try {
      parsed = parsePatch(f.patch);
    } catch (err) {
      if (!(err instanceof DiffError)) throw err;
      omissions.push({ path: f.filename, reason: `the diff GitHub returned could not be parsed (${err.message}); not analyzed` });
      return undefined;
    }
    const change: FileChange = { ...base, binary: false, ...parsed };
    return status === 'deleted' ? { ...change, headTextMissing: 'deleted' } : change;
  }

  /**
   * Sets lineCommits on every file with added lines. `complete`: the commit list is the whole
   * range (not cut at a REST cap). Costs no request when no file has added lines or the range is
   * one non-merge commit; otherwise one request per commit, plus one compare per extra parent
   * of a merge.
   */
  async #attribute(commits: readonly Commit[], files: readonly FileChange[], complete: boolean, omissions: Omission[]): Promise<FileChange[]> {
    const wanted = new Set(files.filter((f) => !f.binary && f.status !== 'deleted' && addedLines(f).length > 0));
    if (wanted.size === 0) return [...files];
    const skip = (reason: string): FileChange[] => {
      omissions.push({ reason: `added lines of ${wanted.size} file${wanted.size === 1 ? '' : 's'} not attributed to commits: ${reason}` });
      return [...files];
    };
    const head = this.#o.target.head;
    if (!complete) return skip('GitHub did not list every commit of the range');
    if (!commits.some((c) => c.sha === head)) return skip('the head commit is not among the commits GitHub listed');
    const inRange = new Set(commits.map((c) => c.sha));
    const attribute = (lines: (f: FileChange, added: readonly number[]) => Map<number, string> | undefined): FileChange[] =>
      files.map((f) => {
        if (!wanted.has(f)) return f;
        if (f.headTextMissing === 'too-large') {
          omissions.push({ path: f.path, reason: 'lines not attributed to commits: file over the size cap' });
          return f;
        }
        const lineCommits = lines(f, addedLines(f));
        return lineCommits === undefined ? f : { ...f, lineCommits };
      });

    // One non-merge commit: its parent is the merge base the range is diffed from, so the range
    // diff is that commit's diff and every added line is its own (no request needed).
    const only = commits.length === 1 && commits[0]!.parents.length === 1 ? commits[0]!.sha : undefined;
    if (only !== undefined) return attribute((_f, added) => new Map(added.map((line) => [line, only])));

    const ordered = parentsFirst(commits);
    const diffs = await pool(ordered, COMMIT_READ_CONCURRENCY, (c) => this.#commitDiffs(c));
    const capped = ordered.find((_c, k) => diffs[k] === undefined);
    if (capped !== undefined) return skip(`commit ${capped.sha.slice(0, 12)} changes more files than GitHub lists (${COMMIT_FILES_LIMIT})`);
    const tracker = new LineOriginTracker(ordered);
    ordered.forEach((c, k) => tracker.apply(c, diffs[k]!));
    const tracked = tracker.at(head);
    if (tracked === undefined) return skip('the head commit could not be tracked');
    return attribute((f, added) => {
      const runs = tracked.files.get(f.path);
      if (runs === undefined || tracked.untracked.has(f.path)) {
        omissions.push({ path: f.path, reason: 'lines not attributed to commits: a commit changed this file in a way GitHub does not show as text (binary, or a diff too large for the API)' });
        return undefined;
      }
      // An added line without an origin in the range is one the commits' own diffs keep from
      // the base (the range diff aligned repeated lines differently): blame says the same and
      // attributes it to no commit, so this is an answer, not an omission.
      const origins = originsAt(runs, added);
      const out = new Map<number, string>();
      origins.forEach((origin, k) => {
        if (origin !== null && origin !== undefined && inRange.has(origin)) out.set(added[k]!, origin);
      });
      return out.size === 0 ? undefined : out;
    });
  }

  /**
   * The commit's diff against each parent, hunks without context, or undefined when GitHub's
   * list of its files is cut at the API's cap for the first parent. For later parents of a merge
   * (compare, capped at 300 files), paths missing from a capped list are marked unreadable.
   */
  async #commitDiffs(commit: Commit): Promise<FileChange[][] | undefined> {
    const { client, owner, repo } = this.#o;
    const first = ((await client.rest.repos.getCommit({ owner, repo, ref: commit.sha })).data.files ?? []) as RestFile[];
    if (first.length >= COMMIT_FILES_LIMIT) return undefined;
    const out = [first.map(trackedChange)];
    for (const parent of commit.parents.slice(1)) {
      // The REST commit diff is against the first parent only; base...merge diffs from the merge
      // base of the two, which for a parent is the parent itself.
      const res = await client.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${parent}...${commit.sha}` });
      const listed = ((res.data.files ?? []) as RestFile[]).map(trackedChange);
      if (listed.length >= COMPARE_FILES_LIMIT) {
        const seen = new Set(listed.map((c) => c.path));
        for (const c of out[0]!) if (c.status !== 'deleted' && !seen.has(c.path)) listed.push({ path: c.path, status: 'modified', binary: true, hunks: [] });
      }
      out.push(listed);
    }
    return out;
  }
}

/** One entry of a commit's own diff, for line tracking: unreadable diffs are marked binary. */
function trackedChange(f: RestFile): FileChange {
  const status = STATUS[f.status] ?? 'modified';
  const base = { path: f.filename, ...(f.previous_filename === undefined ? {} : { oldPath: f.previous_filename }), status };
  if (f.patch === undefined) {
    const same = f.changes === 0 && (status === 'renamed' || status === 'copied' || status === 'mode-changed' || f.status === 'unchanged');
    return { ...base, binary: !same, hunks: [] };
  }
  try {
    return { ...base, binary: false, hunks: zeroContextHunks(parsePatch(f.patch).hunks) };
  } catch (err) {
    if (!(err instanceof DiffError)) throw err;
    return { ...base, binary: true, hunks: [] };
  }
}

/**
 * The contents of an added file, read off its patch (every line is an added line), or
 * undefined when the patch is not provably the whole file: a hunk header other than
 * `-0,0 +1,N`, a line count that disagrees with `additions`, or a replacement character (GitHub
 * may have decoded invalid UTF-8).
 */
function addedFileText(f: RestFile): string | undefined {
  if (f.status !== 'added' || f.patch === undefined || f.patch.includes('\uFFFD')) return undefined;
  const lines = f.patch.split('\n');
  const header = /^@@ -0,0 \+1(?:,(\d+))? @@/.exec(lines[0] ?? '');
  if (header === null) return undefined;
  const count = header[1] === undefined ? 1 : Number(header[1]);
  if (count !== f.additions) return undefined;
  const parts: string[] = [];
  let noNewline = false;
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k]!;
    if (line.startsWith('+') && !noNewline) parts.push(line.slice(1));
    else if (line === '\\ No newline at end of file' && k === lines.length - 1 && parts.length > 0) noNewline = true;
    else return undefined;
  }
  if (parts.length !== count) return undefined;
  return parts.join('\n') + (noNewline ? '' : '\n');
}

function wantsText(change: FileChange, needs: (path: string) => boolean): boolean {
  return !change.binary && change.status !== 'deleted' && needs(change.path);
}

function withHeadText(change: FileChange, patchText: string | undefined, blob: BlobContent | undefined, max: number): FileChange {
  if (patchText !== undefined) {
    const size = Buffer.byteLength(patchText);
    return size > max ? { ...change, headTextMissing: 'too-large', headSize: size } : { ...change, headText: patchText, headSize: size };
  }
  if (blob === undefined || blob.kind === 'missing') return { ...change, headTextMissing: 'unavailable' };
  if (blob.kind === 'too-large') return { ...change, headTextMissing: 'too-large', headSize: blob.size };
  if (blob.kind === 'binary') return { ...change, headTextMissing: 'binary', headSize: blob.size };
  return { ...change, headText: blob.text, headSize: blob.size, ...(blob.invalidUtf8 ? { invalidUtf8: true } : {}) };
}

function addedLines(change: FileChange): number[] {
  const out: number[] = [];
  for (const h of change.hunks) for (const l of h.lines) if (l.kind === 'add' && l.newLine !== undefined) out.push(l.newLine);
  return out;
}

/** Maps `items` with at most `limit` calls in flight; results in input order. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const k = next++;
      out[k] = await fn(items[k]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
