// Loads the real-commit corpus: reads the manifest, re-extracts every hunk from the local
// mirrors and checks its digest. A missing mirror, a missing commit or a digest mismatch skips
// the sample with a counted reason, never silently. Per commit it also returns the raw commit
// message, the diff of the sampled files (the patch the eval scores) and, on request, the
// parent versions of those files.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileChange } from '../../core/types.js';
import { parseUnifiedDiff } from '../../diff/parse.js';
import { GitReadError, blobText, commitDiff, readObjects } from './git.js';
import { hunkRef } from './mine.js';
import { parseSamples, type RealSample } from './manifest.js';
import { isReserved } from './reserved.js';

export const DEFAULT_MIRRORS = '/work/.mirror';

export type SkipReason = 'no-mirror' | 'reserved-repo' | 'git-error' | 'hunk-missing' | 'digest-mismatch';

export interface LoadedCommit {
  readonly repo: string;
  readonly commit: string;
  readonly parent: string;
  /** Full raw commit message, stamps included (callers strip what they must). */
  readonly message: string;
  /** `git diff-tree -p --no-renames -U3 parent commit` limited to the sampled paths. */
  readonly patch: string;
  /** Samples of this commit whose hunk was found with the recorded digest. */
  readonly samples: readonly RealSample[];
  /** Parent version of each sampled path (undefined: the file is new). Only with `parents: true`. */
  readonly parentFiles?: ReadonlyMap<string, string | undefined>;
  /**
   * Head version of each sampled path, read from the mirror at the commit (what `trailmark scan`
   * on a repository gives the detectors). Only with `heads: true`; undefined for a missing blob.
   */
  readonly headFiles?: ReadonlyMap<string, string | undefined>;
}

export interface LoadOptions {
  /** Directory of mirrors laid out as `<owner>+<name>/repo`. */
  readonly mirrors: string;
  /** Read the parent file contents too (memory: keep it off when not needed). */
  readonly parents?: boolean;
  /** Read the head (commit) file contents, the detectors' file context. */
  readonly heads?: boolean;
}

export interface LoadSummary {
  readonly samples: number;
  readonly loaded: number;
  readonly skipped: Readonly<Partial<Record<SkipReason, number>>>;
  /** Repositories whose mirror is absent. */
  readonly missingRepos: readonly string[];
}

export function defaultMirrors(): string {
  const env = process.env.TRAILMARK_MIRRORS;
  return env !== undefined && env !== '' ? env : DEFAULT_MIRRORS;
}

/** The bare git directory of a repository's mirror, or undefined when it is absent. */
export function mirrorOf(mirrors: string, repo: string): string | undefined {
  const dir = join(mirrors, repo.replace('/', '+'), 'repo');
  return existsSync(dir) ? dir : undefined;
}

export function readManifest(path: string): RealSample[] {
  return parseSamples(readFileSync(path, 'utf8'));
}

/**
 * A deterministic subsample: the samples of at most `maxCommits` commits, the commits taken in
 * the order of a salted sha256 of (repo, commit), which interleaves repositories and labels. Scanning with
 * file context costs about a second per commit on a busy machine; this bounds a run. Order of
 * the returned samples is the manifest's.
 */
export function sampleCommits(samples: readonly RealSample[], maxCommits: number): RealSample[] {
  const keyOf = (s: RealSample): string => `${s.repo}\0${s.commit}`;
  const commits = [...new Set(samples.map(keyOf))];
  if (commits.length <= maxCommits) return [...samples];
  // Salted: the miner chose which commits of a repository to keep by the unsalted hash of the
  // same key, so the unsalted order would put the kept agent commits last.
  const rank = (k: string): string => createHash('sha256').update(`trailmark-subsample\0${k}`).digest('hex');
  const kept = new Set(commits.map((k) => ({ k, r: rank(k) })).sort((a, b) => (a.r < b.r ? -1 : a.r > b.r ? 1 : 0)).slice(0, Math.max(0, maxCommits)).map((x) => x.k));
  return samples.filter((s) => kept.has(keyOf(s)));
}

/**
 * Yields each commit's loaded samples, repository by repository, in manifest order; `summary`
 * is complete once the generator is exhausted.
 */
export function* loadRealCommits(samples: readonly RealSample[], options: LoadOptions, summary: { value?: LoadSummary } = {}): Generator<LoadedCommit> {
  const skipped: Partial<Record<SkipReason, number>> = {};
  const missing = new Set<string>();
  let loaded = 0;
  const skip = (reason: SkipReason, n: number): void => {
    skipped[reason] = (skipped[reason] ?? 0) + n;
  };
  const groups = new Map<string, RealSample[]>();
  for (const s of samples) {
    const key = `${s.repo}\0${s.commit}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [s]);
    else g.push(s);
  }
  for (const group of groups.values()) {
    const first = group[0]!;
    if (isReserved(first.repo)) {
      skip('reserved-repo', group.length);
      continue;
    }
    const gitDir = mirrorOf(options.mirrors, first.repo);
    if (gitDir === undefined) {
      missing.add(first.repo);
      skip('no-mirror', group.length);
      continue;
    }
    const paths = [...new Set(group.map((s) => s.path))].sort();
    let patch: string;
    let message: string;
    let files: FileChange[];
    // The commit object and, when asked for, its parent's and its own versions of the paths: one
    // cat-file process (a process per read made the real evaluation mostly fork time).
    const parentNames = options.parents === true ? paths.map((p) => `${first.parent}:${p}`) : [];
    const headNames = options.heads === true ? paths.map((p) => `${first.commit}:${p}`) : [];
    let objects: ReturnType<typeof readObjects>;
    try {
      objects = readObjects(gitDir, [first.commit, ...parentNames, ...headNames]);
      const commitObject = objects[0];
      if (commitObject?.type !== 'commit') throw new GitReadError(`${first.commit} is not a commit`);
      const raw = commitObject.bytes.toString('utf8');
      const body = raw.indexOf('\n\n');
      message = body === -1 ? '' : raw.slice(body + 2);
      patch = commitDiff(gitDir, first.parent, first.commit, paths);
      files = parseUnifiedDiff(patch);
    } catch (err) {
      if (!(err instanceof GitReadError)) throw err;
      skip('git-error', group.length);
      continue;
    }
    const refs = new Map<string, string>();
    for (const f of files) {
      for (const h of f.hunks) {
        const r = hunkRef(f.path, h);
        if (r !== undefined) refs.set(`${r.path}\0${r.startLine}\0${r.endLine}`, r.sha256);
      }
    }
    const ok: RealSample[] = [];
    for (const s of group) {
      const digest = refs.get(`${s.path}\0${s.startLine}\0${s.endLine}`);
      if (digest === undefined) skip('hunk-missing', 1);
      else if (digest !== s.sha256) skip('digest-mismatch', 1);
      else ok.push(s);
    }
    if (ok.length === 0) continue;
    loaded += ok.length;
    const parentFiles = options.parents === true ? new Map(paths.map((p, i) => [p, blobText(objects[1 + i])])) : undefined;
    const headFiles = options.heads === true ? new Map(paths.map((p, i) => [p, blobText(objects[1 + parentNames.length + i])])) : undefined;
    yield {
      repo: first.repo,
      commit: first.commit,
      parent: first.parent,
      message,
      patch,
      samples: ok,
      ...(parentFiles === undefined ? {} : { parentFiles }),
      ...(headFiles === undefined ? {} : { headFiles }),
    };
  }
  summary.value = { samples: samples.length, loaded, skipped, missingRepos: [...missing].sort() };
}
