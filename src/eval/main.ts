// `npm run eval`: scores the development set with the shipped detectors and model and prints
// AUROC, flag rates at the policy thresholds, recall per AI style and per-detector contributions
// for each split. `--json` prints `trailmark.eval/v1` instead. Progress goes to stderr on a TTY.

import { parseArgs } from 'node:util';
import { DEFAULT_POLICY } from '../core/policy.js';
import { TrailmarkError } from '../core/errors.js';
import { DEFAULT_MODEL, DETECTORS_VERSION, FEATURE_DETECTORS } from '../../detectors/index.js';
import { loadCorpus } from './corpus.js';
import { renderText, type EvalReport } from './eval-report.js';
import { REAL_SCHEMA } from './real/evaluate.js';
import { defaultMirrors } from './real/load.js';
import { renderRealText } from './real/report.js';
import { runRealEval } from './real/run.js';
import { featureDirections, HUMAN_FLAG_BUDGET, scoreSamples, splitReport, trainOperatingThreshold } from './evaluate.js';

const USAGE = 'usage: node dist/lib/src/eval/main.js [--json] [--split train|test] [--cache-dir DIR]\n' +
  '       node dist/lib/src/eval/main.js --real [--mirrors DIR] [--manifest FILE] [--require-mirrors] [--max-commits N] [--json]';

async function main(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      options: {
        json: { type: 'boolean' }, split: { type: 'string' }, 'cache-dir': { type: 'string' }, help: { type: 'boolean' },
        real: { type: 'boolean' }, mirrors: { type: 'string' }, manifest: { type: 'string' }, 'require-mirrors': { type: 'boolean' },
        'max-commits': { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    return 2;
  }
  if (args.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.real === true) return realEval(args);
  if (args.mirrors !== undefined || args.manifest !== undefined || args['require-mirrors'] === true || args['max-commits'] !== undefined) {
    process.stderr.write(`--mirrors, --manifest, --require-mirrors and --max-commits need --real\n${USAGE}\n`);
    return 2;
  }
  const only = args.split;
  if (only !== undefined && only !== 'train' && only !== 'test') {
    process.stderr.write(`unknown split ${JSON.stringify(only)}\nhint: use --split train or --split test\n`);
    return 2;
  }
  const tty = process.stderr.isTTY;
  if (tty) process.stderr.write('loading development set…\n');
  const samples = await loadCorpus(args['cache-dir'] !== undefined ? { cacheDir: args['cache-dir'] } : {});
  const scored = scoreSamples(samples, FEATURE_DETECTORS, DEFAULT_MODEL, tty
    ? (done, total) => {
        if (done % 100 === 0 || done === total) process.stderr.write(`\rscoring ${done}/${total}`);
        if (done === total) process.stderr.write('\n');
      }
    : undefined);
  const thresholds = DEFAULT_MODEL.thresholds !== undefined
    ? { ...DEFAULT_MODEL.thresholds, source: 'model' as const }
    : { ...DEFAULT_POLICY.thresholds, source: 'default-policy' as const };
  const directions = featureDirections(FEATURE_DETECTORS);
  const operating = trainOperatingThreshold(scored);
  const wanted: readonly ('train' | 'test')[] = only === undefined ? ['train', 'test'] : [only];
  const splits = wanted.map((split) =>
    splitReport(scored, split, thresholds, directions, operating));
  const report: EvalReport = {
    schema: 'trailmark.eval/v1',
    model: { id: DEFAULT_MODEL.id, version: DEFAULT_MODEL.version, trainedOn: DEFAULT_MODEL.trainedOn },
    detectorsVersion: DETECTORS_VERSION,
    thresholds,
    neverTuned: 'test',
    humanFlagBudget: HUMAN_FLAG_BUDGET,
    splits,
  };
  process.stdout.write(args.json === true ? `${JSON.stringify(report, null, 2)}\n` : renderText(report));
  return 0;
}

async function realEval(args: { json?: boolean; mirrors?: string; manifest?: string; 'require-mirrors'?: boolean; 'max-commits'?: string; split?: string; 'cache-dir'?: string }): Promise<number> {
  if (args.split !== undefined || args['cache-dir'] !== undefined) {
    process.stderr.write(`--split and --cache-dir do not apply to --real (it always reports the test split)\n${USAGE}\n`);
    return 2;
  }
  const maxCommits = args['max-commits'] === undefined ? undefined : Number(args['max-commits']);
  if (maxCommits !== undefined && !(Number.isSafeInteger(maxCommits) && maxCommits > 0)) {
    process.stderr.write(`--max-commits must be a positive integer, got ${JSON.stringify(args['max-commits'])}\n${USAGE}\n`);
    return 2;
  }
  const tty = process.stderr.isTTY;
  const result = await runRealEval({
    mirrors: args.mirrors ?? defaultMirrors(),
    ...(args.manifest === undefined ? {} : { manifest: args.manifest }),
    ...(maxCommits === undefined ? {} : { maxCommits }),
    ...(tty ? { onProgress: (done: number) => { if (done % 50 === 0) process.stderr.write(`\rscoring commit ${done}`); } } : {}),
  });
  if (tty) process.stderr.write('\n');
  if (result.skipped) {
    if (args['require-mirrors'] === true) {
      process.stderr.write(`eval --real: ${result.reason}\nhint: pass --mirrors DIR or set TRAILMARK_MIRRORS\n`);
      return 2;
    }
    process.stdout.write(args.json === true
      ? `${JSON.stringify({ schema: REAL_SCHEMA, skipped: true, reason: result.reason }, null, 2)}\n`
      : `skipped: no mirrors (${result.reason})\n`);
    return 0;
  }
  process.stdout.write(args.json === true ? `${JSON.stringify(result.report, null, 2)}\n` : renderRealText(result.report));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const hint = err instanceof TrailmarkError && err.hint !== undefined ? `\nhint: ${err.hint}` : '';
    process.stderr.write(`eval failed: ${err instanceof Error ? err.message : String(err)}${hint}\n`);
    process.exitCode = err instanceof TrailmarkError ? 2 : 1;
  },
);
