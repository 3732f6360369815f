// Scans real histories the way a user does and reports what a PR author would see: the built
// `trailmark scan` process over the last N first-parent commits of each corpus mirror
// (eval/real/repos.json), default policy. Per repository: exit status, wall time, hunks, verdicts,
// and which files the `unattested` flags fall on (by extension, and how many rest on a commit
// message alone). It has no labels: a flag here is not known to be wrong. What it finds is the
// kind of problem no labelled corpus shows: a file type scored that should not be (it found
// Markdown flagged at 32% on 2026-12-05), a crash, a range that takes far longer than its size.
//
//   npm run build && npx tsx scripts/sweep-real.ts [--mirrors DIR] [--commits 30] [--repos a/b,c/d] [--json]
//
// Needs the mirrors (`fetch` each repository of eval/real/repos.json). A mirror that lacks an
// object the range needs fails with git's "unable to read" message and is counted as an error.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codeSignalFired } from '../src/engine/analyze.js';
import { defaultMirrors, mirrorOf } from '../src/eval/real/load.js';
import { ARGS, PROJECT_ROOT, option } from './options.js';

interface RepoSweep {
  readonly repo: string;
  readonly status: 'ok' | 'error' | 'no-mirror' | 'short-history';
  readonly seconds?: number;
  readonly error?: string;
  readonly hunks?: number;
  readonly verdicts?: Record<string, number>;
  /** Unattested hunks by file extension, and those on which no code signal beyond size fired. */
  readonly unattestedByExtension?: Record<string, number>;
  readonly unattestedOnMessageAlone?: number;
}

interface ScanJson {
  readonly summary: { readonly hunks: number; readonly verdicts: Record<string, number> };
  readonly hunks: readonly { readonly path: string; readonly verdict: string; readonly signals: readonly { readonly id: string; readonly weight: number }[] }[];
}

const mirrors = option('--mirrors', defaultMirrors());
const commits = Number(option('--commits', '30'));
if (!Number.isSafeInteger(commits) || commits < 1) throw new Error('--commits takes a positive integer');
const only = option('--repos', '');
const json = ARGS.includes('--json');
const bin = join(PROJECT_ROOT, 'bin', 'trailmark.js');
const repos = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'eval', 'real', 'repos.json'), 'utf8')) as { repos: { repo: string }[] }).repos
  .map((r) => r.repo)
  .filter((r) => only === '' || only.split(',').includes(r));

const git = (gitDir: string, args: readonly string[]): string => spawnSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }).stdout ?? '';
const extension = (path: string): string => {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '(none)' : base.slice(dot + 1).toLowerCase();
};

function sweep(repo: string): RepoSweep {
  const gitDir = mirrorOf(mirrors, repo);
  if (gitDir === undefined) return { repo, status: 'no-mirror' };
  const base = git(gitDir, ['rev-list', '--first-parent', `--max-count=${commits + 1}`, 'HEAD']).trim().split('\n')[commits];
  if (base === undefined || base === '') return { repo, status: 'short-history' };
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, 'scan', '--repo', gitDir, '--base', base, '--head', 'HEAD', '--format', 'json'], {
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1', TRAILMARK_NO_PROGRESS: '1' },
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) return { repo, status: 'error', seconds, error: (r.stderr ?? String(r.error)).split('\n').find((l) => l.trim() !== '') ?? `exit ${String(r.status)}` };
  const result = JSON.parse(r.stdout) as ScanJson;
  const unattested = result.hunks.filter((h) => h.verdict === 'unattested');
  const unattestedByExtension: Record<string, number> = {};
  for (const h of unattested) unattestedByExtension[extension(h.path)] = (unattestedByExtension[extension(h.path)] ?? 0) + 1;
  // What the engine's reason calls "beyond its size, no code signal fired".
  const onMessageAlone = unattested.filter((h) => !codeSignalFired(h)).length;
  return { repo, status: 'ok', seconds, hunks: result.summary.hunks, verdicts: result.summary.verdicts, unattestedByExtension, unattestedOnMessageAlone: onMessageAlone };
}

const results: RepoSweep[] = [];
for (const repo of repos) {
  const s = sweep(repo);
  results.push(s);
  if (!json) {
    const v = s.verdicts;
    const line = s.status === 'ok'
      ? `${s.seconds!.toFixed(1)} s, ${s.hunks} hunks: ${v!.unattested ?? 0} unattested (${s.unattestedOnMessageAlone} on the message alone; ${Object.entries(s.unattestedByExtension!).map(([e, n]) => `.${e} ${n}`).join(', ') || 'none'}), ${v!.uncertain ?? 0} uncertain, ${v!.attested ?? 0} attested, ${v!.skipped ?? 0} skipped`
      : `${s.status}${s.error !== undefined ? `: ${s.error}` : ''}`;
    process.stderr.write(`${repo}: ${line}\n`);
  }
}

const ok = results.filter((r) => r.status === 'ok');
const totals = {
  repositories: results.length,
  ok: ok.length,
  errors: results.filter((r) => r.status === 'error').map((r) => ({ repo: r.repo, error: r.error })),
  seconds: Math.round(ok.reduce((n, r) => n + r.seconds!, 0) * 10) / 10,
  hunks: ok.reduce((n, r) => n + r.hunks!, 0),
  unattested: ok.reduce((n, r) => n + (r.verdicts!.unattested ?? 0), 0),
  unattestedOnMessageAlone: ok.reduce((n, r) => n + r.unattestedOnMessageAlone!, 0),
  unattestedByExtension: ok.reduce<Record<string, number>>((acc, r) => {
    for (const [e, n] of Object.entries(r.unattestedByExtension!)) acc[e] = (acc[e] ?? 0) + n;
    return acc;
  }, {}),
};
if (json) process.stdout.write(`${JSON.stringify({ schema: 'trailmark.sweep-real/v1', commits, totals, repositories: results }, null, 2)}\n`);
else process.stdout.write(`${JSON.stringify(totals, null, 2)}\n`);
