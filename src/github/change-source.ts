// ChangeSource over the REST API, for when no local checkout has the history: the pull request's
// files (with patches) and commits, or a compare of two commits, and the head contents of the
// files the analysis parses. Everything GitHub caps or withholds becomes an omission.
import type { ChangeSource } from '../core/ports.js';
import type { ChangeContext, ChangeSet, Commit, FileChange, FileStatus, Omission } from '../core/types.js';
import { DiffError } from '../core/errors.js';
import { parseUnifiedDiff } from '../diff/parse.js';
import type { GitHubClient } from './client.js';
import { httpStatusOf } from './errors.js';
import { COMPARE_FILES_LIMIT, HEAD_TEXT_MAX_BYTES, PULL_REQUEST_COMMITS_REST_LIMIT, PULL_REQUEST_FILES_LIMIT, REST_PER_PAGE_MAX } from './limits.js';

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
  /** Which paths the analysis parses: only those have their head contents fetched. */
  readonly needsHeadText: (path: string) => boolean;
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

/** Hunks of one file's `patch` (hunks only, no headers: GitHub's format). Throws DiffError when malformed. */
function hunksOf(patch: string): FileChange['hunks'] {
  const [file] = parseUnifiedDiff(`--- a/f\n+++ b/f\n${patch}\n`);
  return file?.hunks ?? [];
}

export class GitHubChangeSource implements ChangeSource {
  readonly #o: GitHubChangeSourceOptions;

  constructor(options: GitHubChangeSourceOptions) {
    this.#o = options;
  }

  async load(): Promise<ChangeSet> {
    const { target } = this.#o;
    const omissions: Omission[] = [];
    const { files, commits } = target.kind === 'pull-request' ? await this.#pullRequest(target, omissions) : await this.#compare(target, omissions);
    const changes: FileChange[] = [];
    for (const f of [...files].sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0))) {
      const change = await this.#fileChange(f, target.head, omissions);
      if (change !== undefined) changes.push(change);
    }
    return {
      base: target.base,
      head: target.head,
      commits: commits.map(toCommit),
      files: changes,
      omissions,
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
    if (target.commitCount !== undefined && target.commitCount > commits.length) {
      omissions.push({ reason: `GitHub's REST API lists at most ${PULL_REQUEST_COMMITS_REST_LIMIT} commits of a pull request; trailers of ${target.commitCount - commits.length} later commits were not read` });
    }
    return { files: files.slice(0, PULL_REQUEST_FILES_LIMIT), commits };
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
    if (res.data.total_commits > commits.length) {
      omissions.push({ reason: `the compare API returned ${commits.length} of ${res.data.total_commits} commits; trailers of the others were not read` });
    }
    return { files, commits };
  }

  async #fileChange(f: RestFile, head: string, omissions: Omission[]): Promise<FileChange | undefined> {
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
    let hunks: FileChange['hunks'];
    try {
      hunks = hunksOf(f.patch);
    } catch (err) {
      if (!(err instanceof DiffError)) throw err;
      omissions.push({ path: f.filename, reason: `the diff GitHub returned could not be parsed (${err.message}); not analyzed` });
      return undefined;
    }
    const change: FileChange = { ...base, binary: false, hunks };
    if (status === 'deleted') return { ...change, headTextMissing: 'deleted' };
    if (!this.#o.needsHeadText(f.filename)) return change;
    return { ...change, ...(await this.#headText(f.filename, head)) };
  }

  async #headText(path: string, ref: string): Promise<Pick<FileChange, 'headText' | 'headTextMissing' | 'invalidUtf8' | 'headSize'>> {
    const { client, owner, repo } = this.#o;
    const max = this.#o.maxHeadTextBytes ?? HEAD_TEXT_MAX_BYTES;
    let data;
    try {
      data = (await client.rest.repos.getContent({ owner, repo, path, ref })).data;
    } catch (err) {
      if (httpStatusOf(err) === 404) return { headTextMissing: 'unavailable' };
      throw err;
    }
    if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return { headTextMissing: 'unavailable' };
    // Files over 1 MB come back with encoding "none" and no content.
    if (data.size > max || data.encoding !== 'base64') return { headTextMissing: 'too-large', headSize: data.size };
    const bytes = Buffer.from(data.content, 'base64');
    try {
      return { headText: new TextDecoder('utf-8', { fatal: true }).decode(bytes), headSize: bytes.byteLength };
    } catch {
      return { headText: new TextDecoder('utf-8').decode(bytes), invalidUtf8: true, headSize: bytes.byteLength };
    }
  }
}
