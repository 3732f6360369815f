// Runs `main()` in-process with a fake io, and builds real ledgers in temp directories.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main.js';
import type { CliIo } from '../../cli/io.js';
import { openLedger, type Ledger } from '../../src/ledger/log.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { fixedClock, ORIGIN, scanDrafts, seededRandom, testKey, type TestKey } from '../ledger/fixtures.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runCli(args: readonly string[], options: { cwd: string; env?: Record<string, string>; stdin?: string }): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t) => void (stdout += t), isTTY: false },
    stderr: { write: (t) => void (stderr += t), isTTY: false },
    env: options.env ?? {},
    cwd: options.cwd,
    readStdin: () => Promise.resolve(Buffer.from(options.stdin ?? '')),
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

export interface LedgerFixture {
  readonly root: string;
  readonly dir: string;
  readonly key: TestKey;
  readonly pubFile: string;
  readonly ledger: Ledger;
}

/** A temp dir holding `ledger/` with `appends` scans (2 entries each) and `key.pub`. */
export async function ledgerFixture(appends: number, subjects: Record<string, string> = {}): Promise<LedgerFixture> {
  const root = mkdtempSync(join(tmpdir(), 'trailmark-cli-'));
  const dir = join(root, 'ledger');
  const key = testKey();
  const pubFile = join(root, 'key.pub');
  writeFileSync(pubFile, `${key.verifierKey}\n`);
  const ledger = await openLedger({ store: openDirStore(dir, { create: true }), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
  for (let i = 0; i < appends; i++) {
    const drafts = scanDrafts(i);
    if (Object.keys(subjects).length > 0) {
      const change = drafts[0]!;
      drafts[0] = { ...change, body: (ctx) => ({ ...(change.body as object), subjects: Object.fromEntries(Object.entries(subjects).map(([r, v]) => [r, ctx.commit(v)])) }) as never };
    }
    await ledger.append(drafts);
  }
  return { root, dir, key, pubFile, ledger };
}
