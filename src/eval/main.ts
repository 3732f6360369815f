// `npm run eval`: scores the development set with the shipped detectors and model and prints
// AUROC, flag rates at the policy thresholds, recall per AI style and per-detector contributions
// for each split. `--json` prints `trailmark.eval/v1` instead. Progress goes to stderr on a TTY.

import { parseArgs } from 'node:util';
import { DEFAULT_POLICY } from '../core/policy.js';
import { TrailmarkError } from '../core/errors.js';
import { DEFAULT_DETECTORS, DEFAULT_MODEL, DETECTORS_VERSION } from '../../detectors/index.js';
import { loadCorpus } from './corpus.js';
import { renderText, type EvalReport } from './eval-report.js';
import { featureDirections, HUMAN_FLAG_BUDGET, scoreSamples, splitReport, trainOperatingThreshold } from './evaluate.js';

const USAGE = 'usage: node dist/lib/src/eval/main.js [--json] [--split train|test] [--cache-dir DIR]';

async function main(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      options: { json: { type: 'boolean' }, split: { type: 'string' }, 'cache-dir': { type: 'string' }, help: { type: 'boolean' } },
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
  const only = args.split;
  if (only !== undefined && only !== 'train' && only !== 'test') {
    process.stderr.write(`unknown split ${JSON.stringify(only)}\nhint: use --split train or --split test\n`);
    return 2;
  }
  const tty = process.stderr.isTTY;
  if (tty) process.stderr.write('loading development set…\n');
  const samples = await loadCorpus(args['cache-dir'] !== undefined ? { cacheDir: args['cache-dir'] } : {});
  const scored = scoreSamples(samples, DEFAULT_DETECTORS, DEFAULT_MODEL, tty
    ? (done, total) => {
        if (done % 100 === 0 || done === total) process.stderr.write(`\rscoring ${done}/${total}`);
        if (done === total) process.stderr.write('\n');
      }
    : undefined);
  const thresholds = DEFAULT_MODEL.thresholds !== undefined
    ? { ...DEFAULT_MODEL.thresholds, source: 'model' as const }
    : { ...DEFAULT_POLICY.thresholds, source: 'default-policy' as const };
  const directions = featureDirections(DEFAULT_DETECTORS);
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
