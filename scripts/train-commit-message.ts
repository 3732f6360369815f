// Fits the commit-message model (detectors/commit-message.ts) on mirrored public repositories
// and writes detectors/commit-message-weights.json with its provenance and held-out figures.
//
//   node --experimental-strip-types scripts/train-commit-message.ts [--mirrors DIR] [--out FILE] [--dry-run]
//
// Labels: a commit is `agent` when commitEvidence() finds stamped or declared evidence saying AI
// (trailers, footers, AI identities and bot authors of the marker registry); `human` when it
// finds none, no `[bot]` is involved, and it was authored on 2024-01-01 or later (current-era
// people, so thorough human writers are the comparison). Merge commits are left out. Messages
// are scored after stripStamps, so the stamps that made the label are never a feature.
//
// Split by repository with src/eval/split.ts (never by commit). The model is fitted on train;
// the operating point is chosen on train (≤1% of human commits at or above it); the figures on
// the test repositories are reported and never tuned on. Deterministic: same mirrors, same file.
// Only references (repository, commit) go into the digest; no message text is written.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitEvidence } from '../src/attest/commit-evidence.js';
import { normalizeAgent, REGISTRY } from '../src/attest/registry.js';
import { splitOf, type Split } from '../src/eval/split.js';
import { auroc as aurocOf } from '../src/eval/metrics.js';
import {
  MESSAGE_FEATURE_IDS,
  messageFeatures,
  stampMarkersFrom,
  stripStamps,
  type MessageFeatureId,
  type MessageFeatures,
} from '../detectors/commit-message.js';

const RESERVED = new Set([
  'tanstack/router', 'anthropics/claude-code-action', 'badlogic/pi-mono', 'cline/cline', 'colinhacks/zod',
  'excalidraw/excalidraw', 'gcanti/fp-ts', 'honojs/hono', 'immerjs/immer', 'inversify/inversifyjs',
  'microsoft/playwright-mcp', 'mobxjs/mobx', 'openai/openai-agents-js', 'pmndrs/zustand',
  'react-hook-form/react-hook-form', 'reactivex/rxjs', 'sigstore/sigstore-js', 'statelyai/xstate', 'trpc/trpc',
  'typestack/class-validator', 'unjs/h3', 'vercel/ai', 'vitejs/vite', 'vuejs/core', 'reduxjs/redux-toolkit', 'lit/lit',
]);
const HUMAN_SINCE = '2024-01-01';
/** Commits kept per repository and class (a deterministic sample by sha digest). */
const CAP_PER_CLASS = 2500;
const L2 = 1e-5;

interface Sample {
  readonly repo: string;
  readonly sha: string;
  readonly label: 0 | 1;
  readonly agent: string;
  readonly split: Split;
  readonly x: MessageFeatures;
}

function args(): { mirrors: string; out: string; dryRun: boolean } {
  const a = process.argv.slice(2);
  const get = (k: string, d: string): string => {
    const i = a.indexOf(k);
    return i >= 0 && a[i + 1] !== undefined ? a[i + 1]! : d;
  };
  return { mirrors: get('--mirrors', '/work/.mirror'), out: get('--out', 'detectors/commit-message-weights.json'), dryRun: a.includes('--dry-run') };
}

const markers = stampMarkersFrom(REGISTRY);
const AGENT_IDS: ReadonlySet<string> = new Set(REGISTRY.agents.map((a) => a.id));

function readRepo(dir: string, repo: string): Sample[] {
  const raw = execFileSync('git', ['-C', dir, 'log', '--no-merges', '--since=2023-12-01', '-z',
    '--format=%H%x1f%P%x1f%an%x1f%ae%x1f%cn%x1f%ce%x1f%aI%x1f%B', '--all'], { maxBuffer: 2 * 1024 * 1024 * 1024, encoding: 'utf8' });
  const split = splitOf(repo);
  const agents: { sha: string; agent: string; message: string }[] = [];
  const humans: { sha: string; message: string }[] = [];
  for (const rec of raw.split('\0')) {
    const f = rec.split('\x1f');
    if (f.length < 8) continue;
    const [sha, parents, an, ae, cn, ce, date] = f as [string, string, string, string, string, string, string];
    const message = f.slice(7).join('\x1f');
    const commit = { sha, parents: parents.split(' ').filter(Boolean), author: { name: an, email: ae }, committer: { name: cn, email: ce }, authorDate: date, message };
    const ai = commitEvidence(commit).filter((e) => e.says === 'ai' && (e.class === 'stamped' || e.class === 'declared') && e.weak !== true);
    if (ai.length > 0) {
      // Per-agent figures by registry id; free-text declarations (`Generated-by: Claude Opus 5`) are normalised or `other`.
      const named = ai.map((e) => (e.agent === undefined ? undefined : AGENT_IDS.has(e.agent) ? e.agent : normalizeAgent(e.agent) ?? normalizeAgent(e.agent.split(/\s+/)[0] ?? ''))).find((a) => a !== undefined);
      agents.push({ sha, agent: named ?? 'other', message });
    } else if (date >= HUMAN_SINCE && !/\[bot\]|bot@|noreply@github\.com$/i.test(`${an} ${ae}`) && !/\[bot\]/i.test(message.split('\n')[0] ?? '')) {
      humans.push({ sha, message });
    }
  }
  const byDigest = <T extends { sha: string }>(xs: T[]): T[] =>
    xs.map((x) => ({ x, k: createHash('sha256').update(`${repo}\0${x.sha}`).digest('hex') })).sort((p, q) => (p.k < q.k ? -1 : 1)).slice(0, CAP_PER_CLASS).map((p) => p.x);
  const out: Sample[] = [];
  for (const a of byDigest(agents)) out.push({ repo, sha: a.sha, label: 1, agent: a.agent, split, x: messageFeatures(stripStamps(a.message, markers)) });
  for (const h of byDigest(humans)) out.push({ repo, sha: h.sha, label: 0, agent: 'human', split, x: messageFeatures(stripStamps(h.message, markers)) });
  return out;
}

function auroc(pos: readonly number[], neg: readonly number[]): number {
  return aurocOf([...pos.map((score) => ({ score, positive: true })), ...neg.map((score) => ({ score, positive: false }))]) ?? Number.NaN;
}

function vec(x: MessageFeatures): number[] {
  return MESSAGE_FEATURE_IDS.map((id) => x[id]);
}

/** L2-regularised logistic regression by Newton's method; each class weighs half in total. */
function fit(samples: readonly Sample[]): { bias: number; w: number[] } {
  const d = MESSAGE_FEATURE_IDS.length;
  const X = samples.map((s) => [1, ...vec(s.x)]);
  const y = samples.map((s) => s.label);
  const pos = y.filter((v) => v === 1).length;
  const neg = y.length - pos;
  const sw = y.map((v) => (v === 1 ? 0.5 / pos : 0.5 / neg));
  let beta = new Array<number>(d + 1).fill(0);
  for (let iter = 0; iter < 50; iter++) {
    const g = new Array<number>(d + 1).fill(0);
    const H = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    X.forEach((xi, i) => {
      const z = xi.reduce((acc, v, j) => acc + v * beta[j]!, 0);
      const p = 1 / (1 + Math.exp(-z));
      const r = sw[i]! * (p - y[i]!);
      const c = sw[i]! * p * (1 - p);
      for (let j = 0; j <= d; j++) {
        g[j]! += r * xi[j]!;
        const cj = c * xi[j]!;
        if (cj === 0) continue;
        for (let k = j; k <= d; k++) H[j]![k]! += cj * xi[k]!;
      }
    });
    for (let j = 0; j <= d; j++) for (let k = 0; k < j; k++) H[j]![k] = H[k]![j]!;
    for (let j = 1; j <= d; j++) {
      g[j]! += L2 * beta[j]!;
      H[j]![j]! += L2;
    }
    H[0]![0]! += 1e-9;
    const step = solve(H, g);
    beta = beta.map((b, j) => b - step[j]!);
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  return { bias: beta[0]!, w: beta.slice(1) };
}

function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    const piv = M[c]![c]!;
    if (Math.abs(piv) < 1e-15) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / piv;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  return M.map((row, i) => (Math.abs(row[i]!) < 1e-15 ? 0 : row[n]! / row[i]!));
}

const round = (v: number, p = 1e4): number => Math.round(v * p) / p;

/** TPR at the score where at most `fpr` of the humans are at or above it. */
function tprAtFpr(pos: readonly number[], neg: readonly number[], fpr: number): number {
  const t = quantileThreshold(neg, fpr);
  return pos.filter((v) => v >= t).length / Math.max(1, pos.length);
}

/** The smallest threshold with at most `fpr` of `neg` at or above it. */
function quantileThreshold(neg: readonly number[], fpr: number): number {
  const s = [...neg].sort((a, b) => b - a);
  const allowed = Math.floor(fpr * s.length);
  // Scores strictly above the (allowed)-th highest: ties must not push past the budget.
  const t = s[allowed];
  return t === undefined ? -Infinity : t + 1e-9;
}

function main(): void {
  const { mirrors, out, dryRun } = args();
  const samples: Sample[] = [];
  const repos: { repo: string; split: Split; agent: number; human: number }[] = [];
  for (const entry of readdirSync(mirrors).sort()) {
    const plus = entry.indexOf('+');
    const dir = join(mirrors, entry, 'repo');
    if (plus < 0 || !existsSync(dir)) continue;
    const repo = `${entry.slice(0, plus)}/${entry.slice(plus + 1)}`;
    if (RESERVED.has(repo.toLowerCase()) || repo.toLowerCase().startsWith('modelcontextprotocol/')) continue;
    let got: Sample[];
    try {
      got = readRepo(dir, repo);
    } catch (err) {
      console.error(`skipped ${repo}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      continue;
    }
    const agent = got.filter((s) => s.label === 1).length;
    const human = got.length - agent;
    console.error(`${repo} (${splitOf(repo)}): ${agent} agent, ${human} human`);
    // A repository counts only with both classes: within-repository comparison is the point.
    if (agent < 10 || human < 10) continue;
    repos.push({ repo, split: splitOf(repo), agent, human });
    samples.push(...got);
  }
  const train = samples.filter((s) => s.split === 'train');
  const test = samples.filter((s) => s.split === 'test');
  const { bias, w } = fit(train);
  const logit = (s: Sample): number => vec(s.x).reduce((acc, v, j) => acc + v * w[j]!, bias);
  const trainHuman = train.filter((s) => s.label === 0).map(logit);
  // Rounded up, so the stored operating point never lets more training humans through.
  const threshold = Math.ceil(quantileThreshold(trainHuman, 0.01) * 1e3) / 1e3;

  const pos = test.filter((s) => s.label === 1);
  const neg = test.filter((s) => s.label === 0);
  const posS = pos.map(logit);
  const negS = neg.map(logit);
  const metrics: Record<string, number> = {
    'train.repos': new Set(train.map((s) => s.repo)).size,
    'train.agent': train.filter((s) => s.label === 1).length,
    'train.human': trainHuman.length,
    'test.repos': new Set(test.map((s) => s.repo)).size,
    'test.agent': pos.length,
    'test.human': neg.length,
    'test.auroc': round(auroc(posS, negS)),
    'test.tprAt1pctFpr': round(tprAtFpr(posS, negS, 0.01)),
    'test.tprAt5pctFpr': round(tprAtFpr(posS, negS, 0.05)),
    'test.operatingPoint.tpr': round(posS.filter((v) => v >= threshold).length / Math.max(1, posS.length)),
    'test.operatingPoint.fpr': round(negS.filter((v) => v >= threshold).length / Math.max(1, negS.length)),
    'train.auroc': round(auroc(train.filter((s) => s.label === 1).map(logit), trainHuman)),
  };
  // Within repositories: each test repository's agents against its own humans, weighted by the
  // smaller class (pairs of a repository), for repositories with ≥20 of each.
  let within = 0;
  let withinWeight = 0;
  for (const r of new Set(test.map((s) => s.repo))) {
    const rp = pos.filter((s) => s.repo === r).map(logit);
    const rn = neg.filter((s) => s.repo === r).map(logit);
    if (rp.length < 20 || rn.length < 20) continue;
    const a = auroc(rp, rn);
    metrics[`test.within.${r}`] = round(a);
    within += a * Math.min(rp.length, rn.length);
    withinWeight += Math.min(rp.length, rn.length);
  }
  if (withinWeight > 0) metrics['test.withinRepoAuroc'] = round(within / withinWeight);
  for (const agent of [...new Set(pos.map((s) => s.agent))].sort()) {
    const ap = pos.filter((s) => s.agent === agent).map(logit);
    if (ap.length < 20) continue;
    metrics[`test.agent.${agent}.n`] = ap.length;
    metrics[`test.agent.${agent}.auroc`] = round(auroc(ap, negS));
    metrics[`test.agent.${agent}.tprAt1pctFpr`] = round(tprAtFpr(ap, negS, 0.01));
  }

  const refs = samples.map((s) => `${s.repo} ${s.sha} ${s.label === 1 ? s.agent : 'human'} ${s.split}`).sort();
  const digest = createHash('sha256').update(refs.join('\n')).digest('hex');
  const weights: Partial<Record<MessageFeatureId, number>> = {};
  MESSAGE_FEATURE_IDS.forEach((id, j) => {
    const v = round(w[j]!);
    if (v !== 0) weights[id] = v;
  });
  const model = {
    id: 'trailmark-commit-message',
    version: `1.1.0+${digest.slice(0, 12)}`,
    bias: round(bias),
    weights,
    threshold,
    trainedOn: `mirrored public repositories; split by repository (src/eval/split.ts); agent = stamped/declared AI evidence (commitEvidence), human = no evidence, no bot, authored ≥ ${HUMAN_SINCE}; merges left out; at most ${CAP_PER_CLASS} commits per repository and class; classes weighted equally; L2 ${L2}`,
    referencesDigest: `sha256:${digest}`,
    repos,
    metrics,
  };
  console.error(JSON.stringify(metrics, null, 2));
  if (!dryRun) writeFileSync(out, `${JSON.stringify(model, null, 2)}\n`);
}

main();
