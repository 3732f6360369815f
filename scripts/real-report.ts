// The `eval --real` report (trailmark.eval-real/v1) for the shipped model, computed from the
// features scripts/train-real.ts recorded while scanning the train and test commit subsamples
// with file context (engine/analyze with recording detectors: the same features a scan gives).
// Each hunk's code score is the shipped model on those features; the scan score adds its commit
// message's log-likelihood ratio as the engine does (src/engine/analyze.ts messageLogOdds: within
// [0, 3]); the commit-level section reads the ratio whatever its value. Thresholds of the
// operating points come from train.
// Rescoring a new model takes seconds instead of a full scan of the corpus.
//
//   npx tsx scripts/real-report.ts [--mirrors DIR] [--json]

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MESSAGE_MODEL, scoreMessage, stampMarkersFrom } from '../detectors/commit-message.js';
import { DEFAULT_MODEL, scoreFeatures } from '../detectors/model.js';
import { DETECTORS_VERSION } from '../detectors/registry.js';
import { REGISTRY } from '../src/attest/registry.js';
import { DEFAULT_POLICY } from '../src/core/policy.js';
import { messageLogOdds } from '../src/engine/analyze.js';
import { buildRealReport, type RealScored } from '../src/eval/real/evaluate.js';
import { gitText } from '../src/eval/real/git.js';
import { defaultMirrors, mirrorOf, readManifest } from '../src/eval/real/load.js';
import { ARGS, PROJECT_ROOT, option } from './options.js';
import { REAL_MANIFEST } from '../src/eval/real/run.js';
import type { RealLabel, RealSample } from '../src/eval/real/manifest.js';
import { renderRealText } from '../src/eval/real/report.js';
import type { FeatureRow } from './train-real.js';

const mirrors = option('--mirrors', defaultMirrors());
const trainFile = option('--cache', join(PROJECT_ROOT, '.cache', 'real-features.json'));
const testFile = option('--test-cache', join(PROJECT_ROOT, '.cache', 'real-features-test.json'));

function load(file: string): { maxCommits: number; rows: FeatureRow[] } {
  if (!existsSync(file)) throw new Error(`no ${file}: run scripts/train-real.ts (and --featurize-test) first`);
  const data = JSON.parse(readFileSync(file, 'utf8')) as { detectors: string; maxCommits: number; rows: FeatureRow[] };
  if (data.detectors !== DETECTORS_VERSION) throw new Error(`${file} holds detectors ${data.detectors}, not ${DETECTORS_VERSION}`);
  return data;
}

const markers = stampMarkersFrom(REGISTRY);
const llrs = new Map<string, number>();
function llrOf(repo: string, commit: string): number {
  const key = `${repo}\0${commit}`;
  let llr = llrs.get(key);
  if (llr === undefined) {
    const gitDir = mirrorOf(mirrors, repo);
    if (gitDir === undefined) throw new Error(`no mirror of ${repo}`);
    const raw = gitText(gitDir, ['cat-file', 'commit', commit]);
    const body = raw.indexOf('\n\n');
    llr = scoreMessage(body === -1 ? '' : raw.slice(body + 2), markers, DEFAULT_MESSAGE_MODEL).llr;
    llrs.set(key, llr);
  }
  return llr;
}

const logit = (p: number): number => Math.log(Math.min(1 - 1e-12, Math.max(1e-12, p)) / (1 - Math.min(1 - 1e-12, Math.max(1e-12, p))));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

function scored(rows: readonly FeatureRow[], split: 'train' | 'test'): RealScored[] {
  return rows.map((r) => {
    const features = Object.entries(r.features).map(([id, value]) => ({ id, value, detail: '' }));
    const code = scoreFeatures(features, DEFAULT_MODEL);
    const llr = llrOf(r.repo, r.commit);
    const added = messageLogOdds(llr);
    const score = added === 0 ? code.score : round4(sigmoid(logit(code.score) + added));
    const sample: RealSample = {
      repo: r.repo, commit: r.commit, parent: '', path: r.path ?? '', startLine: r.startLine ?? 0, endLine: r.endLine ?? 0,
      added: r.added, deleted: 0, sha256: '', label: r.label as RealLabel, ...(r.agent === undefined ? {} : { agent: r.agent }),
      evidence: '', authorDate: '', split,
    };
    return { sample, score, codeScore: code.score, signals: code.signals.length, messageLlr: llr };
  });
}

const train = load(trainFile);
const test = load(testFile);
const outcome = { scored: [...scored(train.rows, 'train'), ...scored(test.rows, 'test')], notScored: [] };
const thresholds = DEFAULT_MODEL.thresholds ?? DEFAULT_POLICY.thresholds;
const n = train.rows.length + test.rows.length;
const report = buildRealReport(outcome, { samples: n, loaded: n, skipped: {}, missingRepos: [] }, {
  model: { id: DEFAULT_MODEL.id, version: DEFAULT_MODEL.version },
  detectorsVersion: DETECTORS_VERSION,
  shipped: { low: thresholds.low, high: thresholds.high },
  maxCommits: train.maxCommits + test.maxCommits,
  manifestSamples: readManifest(join(PROJECT_ROOT, REAL_MANIFEST)).length,
});
process.stdout.write(ARGS.includes('--json') ? `${JSON.stringify(report, null, 2)}\n` : renderRealText(report));
