// Real directory ledgers whose appends happen at different times (a clock that ticks a minute
// per append), with helpers to damage them the way an operator or an attacker would.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EntryDraft, Ledger } from '../../src/ledger/log.js';
import { openLedger } from '../../src/ledger/log.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { changeBody, findingBody, fixedClock, ORIGIN, seededRandom, testKey, type TestKey } from '../ledger/fixtures.js';

export interface TimedLedger {
  readonly root: string;
  readonly dir: string;
  readonly key: TestKey;
  readonly pubFile: string;
  readonly ledger: Ledger;
  readonly clock: ReturnType<typeof fixedClock>;
  /** Appends one change with `findings` findings (1 + findings entries), a minute after the last append. */
  append(i: number, findings?: number): Promise<void>;
}

/** A change entry and `findings` findings referencing it: one append of 1 + findings entries. */
export function changeDrafts(i: number, findings: number): EntryDraft[] {
  const drafts: EntryDraft[] = [{ kind: 'change.analyzed', policy: 'default-1', body: changeBody(i) }];
  for (let f = 0; f < findings; f++) {
    drafts.push({ kind: 'finding', policy: 'default-1', body: ({ previous }) => findingBody({ seq: previous[0]!.seq, hash: previous[0]!.hash }, i * 100 + f) });
  }
  return drafts;
}

/** A ledger in a temp directory with one append per entry of `sizes` (each 1 change + size-1 findings), each at its own time. */
export async function timedLedger(sizes: readonly number[], keyLabel = 'key-1'): Promise<TimedLedger> {
  const root = mkdtempSync(join(tmpdir(), 'trailmark-trust-'));
  const dir = join(root, 'ledger');
  const key = testKey(keyLabel);
  const pubFile = join(root, 'key.pub');
  writeFileSync(pubFile, `${key.verifierKey}\n`);
  const clock = fixedClock();
  const ledger = await openLedger({ store: openDirStore(dir, { create: true }), signer: key.signer, origin: ORIGIN, clock, random: seededRandom() });
  let n = 0;
  const append = async (i: number, findings = 1) => {
    clock.tick(60_000);
    await ledger.append(changeDrafts(i, findings));
  };
  for (const size of sizes) await append(n++, size - 1);
  return { root, dir, key, pubFile, ledger, clock, append };
}

export function entriesBytes(dir: string): Buffer {
  return readFileSync(join(dir, 'entries.jsonl'));
}

export function checkpointSizes(dir: string): number[] {
  return readdirSync(join(dir, 'checkpoints')).map(Number).sort((a, b) => a - b);
}

/**
 * A consistent rollback: cut entries.jsonl back to `size` lines, delete the later checkpoints,
 * point `checkpoint` at checkpoints/<size>, drop the caches. Every remaining signature is genuine.
 */
export function rollBack(dir: string, size: number): void {
  const lines = entriesBytes(dir).toString('utf8').split('\n').slice(0, size);
  writeFileSync(join(dir, 'entries.jsonl'), lines.map((l) => `${l}\n`).join(''));
  for (const s of checkpointSizes(dir)) if (s > size) rmSync(join(dir, 'checkpoints', String(s)));
  writeFileSync(join(dir, 'checkpoint'), readFileSync(join(dir, 'checkpoints', String(size))));
  rmSync(join(dir, 'tree-state.json'), { force: true });
  rmSync(join(dir, 'tail-hint.json'), { force: true });
}
