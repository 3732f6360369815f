// Appends a scan to a ledger directory for `trailmark scan --ledger DIR`: loads the signing key
// (refusing to write without one), opens the directory store, records, and reports repairs.

import { randomBytes } from 'node:crypto';
import type { Policy } from '../core/policy.js';
import { systemClock } from '../core/ports.js';
import type { LedgerRef, ScanResult } from '../core/types.js';
import { UsageError } from '../core/errors.js';
import { recordScan } from '../engine/record.js';
import { openLedger } from '../ledger/log.js';
import { openDirStore } from '../ledger/store/dir.js';
import { loadSigner } from '../ledger/store/key-source.js';

export interface LedgerSinkOptions {
  readonly dir: string;
  readonly keyFile?: string | undefined;
  readonly origin?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly repository?: string;
  readonly policy: Policy;
  /** Receives repair notices (a torn tail truncated after a crash): never silent. */
  readonly warn: (message: string) => void;
}

export async function appendScanToLedger(result: ScanResult, options: LedgerSinkOptions): Promise<LedgerRef> {
  const signer = loadSigner({ env: options.env, cwd: options.cwd, ...(options.keyFile !== undefined ? { keyFile: options.keyFile } : {}) });
  const origin = options.origin ?? signer.name;
  if (origin !== signer.name) {
    throw new UsageError('BAD_INPUT', `--origin ${JSON.stringify(origin)} does not match the signing key name ${JSON.stringify(signer.name)}`, {
      hint: 'the checkpoint origin is the key name: create a key with `trailmark keygen --name ORIGIN`',
    });
  }
  const ledger = await openLedger({
    store: openDirStore(options.dir, { create: true }),
    signer,
    origin,
    clock: systemClock,
    random: { bytes: (n) => randomBytes(n) },
  });
  for (const r of ledger.repairedOnOpen) options.warn(`ledger repaired on open: ${r.message}`);
  const ref = await recordScan(result, ledger, {
    ...(options.repository !== undefined ? { repository: options.repository } : {}),
    policy: options.policy.version,
  });
  return { ...ref, dir: options.dir };
}
