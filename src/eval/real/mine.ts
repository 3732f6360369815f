// Mines one mirrored repository for labelled hunks: agent commits (stamped or declared evidence
// that says `ai`, or an agent bot as author/committer), human commits from before 2022 and
// current (2025+) unstamped human commits. Records references and digests only.

import { createHash } from 'node:crypto';
import type { Commit, DiffHunk, FileChange, Person } from '../../core/types.js';
import { commitEvidence } from '../../attest/commit-evidence.js';
import { botByLogin } from '../../attest/registry.js';
import { classifyFile } from '../../diff/classify.js';
import { parseUnifiedDiff } from '../../diff/parse.js';
import { digestLines } from '../../engine/analyze.js';
import { splitOf } from '../split.js';
import { GitReadError, SOURCE_EXTENSIONS, commitDiff, gitText, readBlobs } from './git.js';
import { REAL_LABELS, type RealLabel, type RealRepo, type RealSample } from './manifest.js';

/** Human code older than this is `human-old` (before common AI coding tools). */
export const HUMAN_OLD_BEFORE = Date.parse('2022-01-01T00:00:00Z');
/** Human commits from this date on are `human-current` (same era as the agent commits). */
export const HUMAN_CURRENT_FROM = Date.parse('2025-01-01T00:00:00Z');

export const DEFAULT_CAPS: Readonly<Record<RealLabel, number>> = { agent: 120, 'human-old': 120, 'human-current': 120 };
/** Most hunks taken from one commit, so a repository's sample spreads over its commits. */
export const DEFAULT_PER_COMMIT = 3;
/** Most commits of one label whose diffs are read per repository (bounds the mining time). */
export const DEFAULT_MAX_COMMITS_TRIED = 400;

export interface CommitLabel {
  readonly label: RealLabel;
  readonly agent?: string;
  readonly evidence?: string;
}

/** A login-like name for a bot check: the name, and the e-mail's local part without a `123+` prefix. */
function logins(p: Person): string[] {
  const local = p.email.split('@')[0] ?? '';
  return [p.name, local.replace(/^\d+\+/, '')].filter((s) => s.length > 0);
}

const GENERIC_BOT = /\[bot\]|\bbot@|^(dependabot|renovate|github-actions|greenkeeper|snyk-bot|semantic-release-bot|changeset-bot)\b/i;

function isAnyBot(p: Person): boolean {
  return GENERIC_BOT.test(p.name) || GENERIC_BOT.test(p.email);
}

/**
 * The label of a commit, or undefined when it belongs to no set (a non-agent bot, or a human
 * commit from 2022–2024, or a commit that says `ai` only by weaker means).
 */
export function labelCommit(commit: Commit): CommitLabel | undefined {
  const ai = commitEvidence(commit).filter((e) => e.says === 'ai' && (e.class === 'stamped' || e.class === 'declared'));
  if (ai.length > 0) {
    const named = ai.find((e) => e.agent !== undefined) ?? ai[0]!;
    return { label: 'agent', agent: named.agent ?? 'unknown', evidence: named.source };
  }
  for (const p of [commit.author, commit.committer]) {
    for (const login of logins(p)) {
      const bot = botByLogin(login);
      if (bot !== undefined) return { label: 'agent', agent: bot.agent, evidence: `bot:${bot.bot}` };
    }
  }
  if (isAnyBot(commit.author) || isAnyBot(commit.committer)) return undefined;
  const t = Date.parse(commit.authorDate);
  if (!Number.isFinite(t)) return undefined;
  if (t < HUMAN_OLD_BEFORE) return { label: 'human-old' };
  if (t >= HUMAN_CURRENT_FROM) return { label: 'human-current' };
  return undefined;
}

const FIELD = '\u001f';
const RECORD = '\u001e';

/** Every non-merge commit reachable from any ref, with its one parent (root commits are left out). */
export function listCommits(gitDir: string): Commit[] {
  const text = gitText(gitDir, ['log', '--all', '--no-merges', `--format=%H${FIELD}%P${FIELD}%an${FIELD}%ae${FIELD}%cn${FIELD}%ce${FIELD}%aI${FIELD}%B${RECORD}`]);
  const out: Commit[] = [];
  for (const rec of text.split(RECORD)) {
    const r = rec.replace(/^\n/, '');
    if (r === '') continue;
    const [sha, parents, an, ae, cn, ce, date, ...rest] = r.split(FIELD);
    if (sha === undefined || parents === undefined || date === undefined) continue;
    const ps = parents.split(' ').filter((p) => p.length > 0);
    if (ps.length !== 1) continue;
    out.push({
      sha,
      parents: ps,
      author: { name: an ?? '', email: ae ?? '' },
      committer: { name: cn ?? '', email: ce ?? '' },
      authorDate: date,
      message: rest.join(FIELD),
    });
  }
  return out;
}

/** True for a path the corpus samples: a TS/JS source that diff/classify would score by its path. */
export function isSourcePath(path: string): boolean {
  const lower = path.toLowerCase();
  if (!SOURCE_EXTENSIONS.some((e) => lower.endsWith(e))) return false;
  if (lower.endsWith('.d.ts') || lower.endsWith('.d.mts') || lower.endsWith('.d.cts')) return false;
  return !classifyFile({ path, binary: false, status: 'modified' }).skip;
}

export interface HunkRef {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly added: number;
  readonly deleted: number;
  readonly sha256: string;
}

/** The reference of one parsed hunk, or undefined when it adds nothing. */
export function hunkRef(path: string, hunk: DiffHunk): HunkRef | undefined {
  const added: string[] = [];
  let first = 0;
  let last = 0;
  let deleted = 0;
  for (const l of hunk.lines) {
    if (l.kind === 'add' && l.newLine !== undefined) {
      if (added.length === 0) first = l.newLine;
      last = l.newLine;
      added.push(l.text);
    } else if (l.kind === 'del') deleted++;
  }
  if (added.length === 0) return undefined;
  return { path, startLine: first, endLine: last, added: added.length, deleted, sha256: digestLines(added) };
}

export interface MineOptions {
  /** `owner/name`. */
  readonly repo: string;
  /** The bare git directory. */
  readonly gitDir: string;
  readonly caps?: Readonly<Record<RealLabel, number>>;
  readonly perCommit?: number;
  readonly maxCommitsTried?: number;
  readonly log?: (line: string) => void;
}

export interface MineResult {
  readonly samples: RealSample[];
  readonly repo: RealRepo;
  /** Commits skipped while reading diffs, by reason. */
  readonly skipped: Readonly<Record<string, number>>;
}

const rank = (text: string): string => createHash('sha256').update(text).digest('hex');

export function mineRepo(options: MineOptions): MineResult {
  const caps = options.caps ?? DEFAULT_CAPS;
  const perCommit = options.perCommit ?? DEFAULT_PER_COMMIT;
  const maxTried = options.maxCommitsTried ?? DEFAULT_MAX_COMMITS_TRIED;
  const split = splitOf(options.repo);
  const head = gitText(options.gitDir, ['rev-parse', 'HEAD']).trim();
  const commits = listCommits(options.gitDir);
  const byLabel = new Map<RealLabel, { commit: Commit; label: CommitLabel }[]>(REAL_LABELS.map((l) => [l, []]));
  for (const c of commits) {
    const label = labelCommit(c);
    if (label !== undefined) byLabel.get(label.label)!.push({ commit: c, label });
  }
  const samples: RealSample[] = [];
  const skipped: Record<string, number> = {};
  const counts = { agent: 0, 'human-old': 0, 'human-current': 0 };
  for (const label of REAL_LABELS) {
    // Deterministic spread: commits in the order of a hash of repo and sha.
    const order = byLabel.get(label)!.map((x) => ({ ...x, key: rank(`${options.repo}\0${x.commit.sha}`) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    let tried = 0;
    for (const { commit, label: l } of order) {
      if (counts[label] >= caps[label] || tried >= maxTried) break;
      tried++;
      let files: FileChange[];
      try {
        files = parseUnifiedDiff(commitDiff(options.gitDir, commit.parents[0]!, commit.sha));
      } catch (err) {
        const reason = err instanceof GitReadError ? 'git-error' : 'diff-unparsable';
        skipped[reason] = (skipped[reason] ?? 0) + 1;
        continue;
      }
      const candidates = files.filter((f) => f.status !== 'deleted' && !f.binary && isSourcePath(f.path));
      if (candidates.length === 0) continue;
      // Head-text checks of diff/classify (generated markers, minified, binary, size).
      const heads = readBlobs(options.gitDir, candidates.map((f) => `${commit.sha}:${f.path}`));
      const refs: HunkRef[] = [];
      candidates.forEach((f, i) => {
        const headText = heads[i];
        if (headText === undefined) return;
        if (classifyFile({ path: f.path, headText, binary: false, status: f.status, size: Buffer.byteLength(headText) }).skip) return;
        for (const h of f.hunks) {
          const ref = hunkRef(f.path, h);
          if (ref !== undefined) refs.push(ref);
        }
      });
      const chosen = refs.map((r) => ({ r, key: rank(`${commit.sha}\0${r.path}\0${r.startLine}`) }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        .slice(0, Math.min(perCommit, caps[label] - counts[label]));
      for (const { r } of chosen) {
        samples.push({
          repo: options.repo,
          commit: commit.sha,
          parent: commit.parents[0]!,
          ...r,
          label,
          ...(l.agent === undefined ? {} : { agent: l.agent }),
          ...(l.evidence === undefined ? {} : { evidence: l.evidence }),
          authorDate: commit.authorDate,
          split,
        });
        counts[label]++;
      }
    }
    options.log?.(`${options.repo}: ${label} ${counts[label]} hunks from ${tried} of ${byLabel.get(label)!.length} commits`);
  }
  const labelledCommits = { agent: byLabel.get('agent')!.length, 'human-old': byLabel.get('human-old')!.length, 'human-current': byLabel.get('human-current')!.length };
  const total = Number(gitText(options.gitDir, ['rev-list', '--all', '--count']).trim());
  return { samples, repo: { repo: options.repo, head, commits: total, split, counts, labelledCommits }, skipped };
}
