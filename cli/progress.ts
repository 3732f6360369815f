// Progress for long-running commands: a bar on an interactive terminal, nothing in CI or when
// output is piped (so `--format json` output and logs stay clean).

import { createRequire } from 'node:module';
import type * as CliProgress from 'cli-progress';
import type { CliIo } from './io.js';

// cli-progress (18 modules) is loaded when a bar is first drawn: a scan in CI, piped or in a
// hook never loads it.
const requireModule = createRequire(import.meta.url);

export interface ProgressReporter {
  readonly update: (done: number, total: number) => void;
  readonly done: () => void;
}

/** Progress only redraws for runs long enough to need it. */
const MIN_TOTAL_FOR_BAR = 20;

export function progressReporter(io: CliIo, label: string): ProgressReporter {
  const interactive = io.stderr.isTTY && io.env.CI === undefined && io.env.TRAILMARK_NO_PROGRESS === undefined;
  if (!interactive) return { update: () => undefined, done: () => undefined };
  let bar: CliProgress.SingleBar | undefined;
  return {
    update: (done, total) => {
      if (total < MIN_TOTAL_FOR_BAR) return;
      if (bar === undefined) {
        const cliProgress = requireModule('cli-progress') as typeof CliProgress;
        bar = new cliProgress.SingleBar({
          format: `${label} [{bar}] {value}/{total}`,
          stream: process.stderr,
          clearOnComplete: true,
          hideCursor: true,
        }, cliProgress.Presets.shades_classic);
        bar.start(total, 0);
      }
      bar.update(done);
    },
    done: () => bar?.stop(),
  };
}
