// `trailmark demo`: builds a throwaway repository with a realistic mix of changes, scans it and
// prints the report; then writes a signed ledger, verifies it, proves one finding, and shows
// verification failing on a tampered copy; last, offline, an agent's edit captured by its hook,
// committed after a human change, and scanned as recorded evidence.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { buildDemoRepository } from '../demo/build.js';
import { runScan } from './scan.js';
import { runLedgerDemo } from '../demo/ledger.js';
import { runCaptureDemo } from '../demo/capture.js';
import { newLedgerKey } from '../../src/engine/ledger.js';
import { systemRandom } from '../../src/core/ports.js';

/** Origin of the demo ledger (the checkpoint's first line and the key name). */
const DEMO_ORIGIN = 'demo.trailmark.dev/ledger';

interface DemoOptions {
  dir?: string;
  keep?: boolean;
  format: 'text' | 'json' | 'sarif' | 'markdown';
  ledger: boolean;
  capture: boolean;
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('demo')
    .description('build a throwaway repository with human, stamped, declared, undeclared and recorded AI changes, scan it and demonstrate the ledger')
    .option('--dir <dir>', 'build the demo repository here (default: a temporary directory, removed afterwards)')
    .option('--keep', 'keep the temporary directory')
    .option('--format <format>', 'report format: text, json, sarif, markdown', 'text')
    .option('--no-ledger', 'skip the ledger part of the demo')
    .option('--no-capture', 'skip the capture part of the demo (agent hook → commit → scan, offline)')
    .action(async (opts: DemoOptions) => {
      const { io } = ctx;
      const dir = opts.dir !== undefined ? resolve(io.cwd, opts.dir) : await mkdtemp(join(tmpdir(), 'trailmark-demo-'));
      const cleanup = opts.dir === undefined && opts.keep !== true;
      try {
        const repo = await buildDemoRepository(join(dir, 'repo'));
        io.stderr.write(`demo repository: ${repo.dir} (scanning main..feature/pricing)\n\n`);
        // A fresh signing key for this demo only; real deployments keep theirs in a secret.
        const key = newLedgerKey(DEMO_ORIGIN, systemRandom);
        const verifierKeyFile = join(dir, 'demo.pub');
        await writeFile(verifierKeyFile, `${key.verifierKey}\n`);
        const ledgerDir = join(dir, 'ledger');
        const scanCtx: CommandContext = { io: { ...io, env: { ...io.env, TRAILMARK_SIGNING_KEY: key.signerKey } }, exitCode: 0 };
        ctx.exitCode = await runScan({
          repo: repo.dir,
          base: 'main',
          head: 'HEAD',
          format: opts.format,
          records: [],
          failOn: 'none',
          verbose: false,
          ...(opts.ledger ? { ledger: ledgerDir } : {}),
        }, scanCtx);
        if (opts.ledger) await runLedgerDemo({ ledgerDir, work: dir, verifierKeyFile }, ctx);
        if (opts.capture) await runCaptureDemo({ repoDir: repo.dir, work: dir }, ctx);
      } finally {
        if (cleanup) await rm(dir, { recursive: true, force: true });
        else io.stderr.write(`\nkept: ${dir}\n`);
      }
    });
}
