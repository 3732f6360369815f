// `npm run eval -- --real`: loads the real-commit corpus from the mirrors, scores it with the
// production analyzer and builds `trailmark.eval-real/v1`. Without mirrors it reports a skip.

import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CorpusError } from '../corpus-error.js';
import { DEFAULT_POLICY } from '../../core/policy.js';
import { DEFAULT_MODEL, DETECTORS_VERSION } from '../../../detectors/index.js';
import { buildRealReport, scoreRealCommits, type RealEvalReport } from './evaluate.js';
import { loadRealCommits, mirrorOf, readManifest, sampleCommits, type LoadSummary } from './load.js';

export const REAL_MANIFEST = 'eval/real/corpus.v1.jsonl';

export interface RealRunOptions {
  readonly mirrors: string;
  /** Default: eval/real/corpus.v1.jsonl above this module. */
  readonly manifest?: string;
  readonly onProgress?: (done: number) => void;
  /** Score only this many commits (a deterministic subsample, load.ts sampleCommits). */
  readonly maxCommits?: number;
}

export type RealRunResult =
  | { readonly skipped: true; readonly reason: string }
  | { readonly skipped: false; readonly report: RealEvalReport };

export function findManifest(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, REAL_MANIFEST))) return join(dir, REAL_MANIFEST);
    const parent = dirname(dir);
    if (parent === dir) throw new CorpusError('BAD_MANIFEST', `no ${REAL_MANIFEST} above ${fileURLToPath(import.meta.url)}`, { hint: 'run from a trailmark checkout, or pass --manifest' });
    dir = parent;
  }
}

export async function runRealEval(options: RealRunOptions): Promise<RealRunResult> {
  const all = readManifest(options.manifest ?? findManifest());
  const samples = options.maxCommits === undefined ? all : sampleCommits(all, options.maxCommits);
  const repos = [...new Set(samples.map((s) => s.repo))];
  const present = existsSync(options.mirrors) && readdirSync(options.mirrors).length > 0 && repos.some((r) => mirrorOf(options.mirrors, r) !== undefined);
  if (!present) return { skipped: true, reason: `no mirrors of the corpus repositories under ${options.mirrors}` };
  const summary: { value?: LoadSummary } = {};
  const thresholds = DEFAULT_MODEL.thresholds ?? DEFAULT_POLICY.thresholds;
  const outcome = await scoreRealCommits(loadRealCommits(samples, { mirrors: options.mirrors, heads: true }, summary), DEFAULT_POLICY, options.onProgress);
  if (summary.value === undefined) throw new Error('loader did not finish');
  return {
    skipped: false,
    report: buildRealReport(outcome, summary.value, {
      model: { id: DEFAULT_MODEL.id, version: DEFAULT_MODEL.version },
      detectorsVersion: DETECTORS_VERSION,
      shipped: { low: thresholds.low, high: thresholds.high },
      ...(options.maxCommits === undefined ? {} : { maxCommits: options.maxCommits, manifestSamples: all.length }),
    }),
  };
}
