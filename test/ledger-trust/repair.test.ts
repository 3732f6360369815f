// Safe repair: recovery (at open, before every append, and `verify --repair`) removes only what
// ONE interrupted append leaves behind and refuses anything that may be committed.
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/core/errors.js';
import { verifyLedger } from '../../src/engine/ledger.js';
import { MAX_APPEND_ENTRIES, openLedger } from '../../src/ledger/log.js';
import { DirStore, openDirStore } from '../../src/ledger/store/dir.js';
import { runCli } from '../cli-ledger/harness.js';
import { fixedClock, ORIGIN, seededRandom } from '../ledger/fixtures.js';
import { changeDrafts, checkpointSizes, entriesBytes, timedLedger } from './helpers.js';

/** A directory store whose commit point fails: the append's lines are written, its checkpoint never. */
class CrashBeforeCommit extends DirStore {
  override writeCheckpoint(): Promise<void> {
    return Promise.reject(new Error('simulated crash before the commit point'));
  }

  // The appender's one-call commit: the lines are written, the checkpoint never is.
  override async commitAppend(lines: readonly Uint8Array[]): Promise<void> {
    await this.append(lines);
    throw new Error('simulated crash before the commit point');
  }
}

async function rejection(p: Promise<unknown>): Promise<LedgerError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(LedgerError);
    return err as LedgerError;
  }
  throw new Error('expected a rejection');
}

describe('repair refuses to remove committed entries', () => {
  it('the issue scenario: 9 entries written at four times, checkpoints deleted; verify --repair and the next append remove nothing', async () => {
    const t = await timedLedger([2, 2, 2, 3]);
    const bytes = entriesBytes(t.dir);
    expect(bytes.toString().split('\n').length - 1).toBe(9);
    for (const s of checkpointSizes(t.dir)) rmSync(join(t.dir, 'checkpoints', String(s)));
    rmSync(join(t.dir, 'checkpoint'));
    // Without the cache too: the refusal must not depend on it.
    rmSync(join(t.dir, 'tree-state.json'));

    const verify = await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile], { cwd: t.root });
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain('entries seq 0..8 are not covered by a checkpoint and cannot be one interrupted append');

    const repair = await runCli(['verify', '--repair', '--ledger', t.dir, '--key', t.pubFile], { cwd: t.root });
    expect(repair.code).toBe(1);
    expect(repair.stderr).toContain('refusing to repair');
    expect(repair.stderr).toContain('9 complete entries (seq 0..8) lie beyond the latest checkpoint (size 0), written at 4 different times');
    expect(repair.stderr).toContain('nothing was removed');
    expect(repair.stderr).toContain('hint: committed entries may have lost their checkpoints');
    expect(entriesBytes(t.dir).equals(bytes)).toBe(true);

    // The next append, by the already open ledger and by a fresh writer.
    const byOpen = await rejection(t.ledger.append(changeDrafts(50, 1)));
    expect(byOpen.code).toBe('BAD_CHECKPOINT');
    const fresh = await rejection(openLedger({ store: openDirStore(t.dir), signer: t.key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() }));
    expect(fresh.message).toContain('written at 4 different times');
    expect(entriesBytes(t.dir).equals(bytes)).toBe(true);
    expect(checkpointSizes(t.dir)).toEqual([]);
  });

  it('the whole history deleted but the pointer kept: verify fails (exit 1) instead of trusting the pointer alone', async () => {
    const t = await timedLedger([2, 2, 2, 3]);
    for (const s of checkpointSizes(t.dir)) rmSync(join(t.dir, 'checkpoints', String(s)));
    const verify = await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile], { cwd: t.root });
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain('BAD_CHECKPOINT at checkpoints/9: checkpoints/9 is missing');
  });

  it('a pointer whose history file was deleted: verify reports it, recovery refuses', async () => {
    const t = await timedLedger([2, 3]);
    const bytes = entriesBytes(t.dir);
    rmSync(join(t.dir, 'checkpoints', '5'));
    const verify = await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile], { cwd: t.root });
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain('checkpoints/5 is missing: the checkpoint pointer names size 5');
    // With something to remove (an interrupted append's torn line), recovery will not trust the pointer alone.
    appendFileSync(join(t.dir, 'entries.jsonl'), '{"body":');
    const torn = entriesBytes(t.dir);
    const err = await rejection(t.ledger.append(changeDrafts(9, 1)));
    expect(err.message).toContain('the checkpoint pointer names size 5 but checkpoints/5 is missing');
    expect(entriesBytes(t.dir).equals(torn)).toBe(true);
    expect(torn.subarray(0, bytes.byteLength).equals(bytes)).toBe(true);
  });

  it('the last commit lost (its checkpoint and the pointer rolled back): the appender\'s own record of the commit makes it refuse', async () => {
    const t = await timedLedger([2, 3, 2]);
    const bytes = entriesBytes(t.dir);
    rmSync(join(t.dir, 'checkpoints', '7'));
    writeFileSync(join(t.dir, 'checkpoint'), readFileSync(join(t.dir, 'checkpoints', '5')));
    const repair = await runCli(['verify', '--repair', '--ledger', t.dir, '--key', t.pubFile], { cwd: t.root });
    expect(repair.code).toBe(1);
    expect(repair.stderr).toContain('the appender recorded a commit at size 7: checkpoints are missing');
    expect(entriesBytes(t.dir).equals(bytes)).toBe(true);
  });

  it('lines that do not continue the chain are never removed as an interrupted append', async () => {
    const t = await timedLedger([2]);
    const other = await timedLedger([2, 2], 'key-1');
    const foreign = entriesBytes(other.dir).toString().split('\n')[3]!;
    appendFileSync(join(t.dir, 'entries.jsonl'), `${foreign}\n`);
    const bytes = entriesBytes(t.dir);
    const repair = await runCli(['verify', '--repair', '--ledger', t.dir, '--key', t.pubFile], { cwd: t.root });
    expect(repair.code).toBe(1);
    expect(repair.stderr).toContain('seq 2 is not an entry continuing the chain');
    expect(entriesBytes(t.dir).equals(bytes)).toBe(true);
  });
});

/** A reader that lists the history and reads the pointer before two appends commit, and reads the lines after. */
class ReadsEarly extends DirStore {
  #lists = 0;
  #pointers = 0;
  override async listCheckpoints(): Promise<number[]> {
    const sizes = await super.listCheckpoints();
    return this.#lists++ === 0 ? sizes.slice(0, -2) : sizes;
  }
  override async readCheckpoint(): Promise<string | null> {
    return this.#pointers++ === 0 ? this.readCheckpointAt(2) : super.readCheckpoint();
  }
}

describe('verification racing appends', () => {
  it('appends committed while verify reads are not reported as a damaged history', async () => {
    const t = await timedLedger([2, 2, 2]);
    const { report } = await verifyLedger(new ReadsEarly(t.dir), [t.key.verifier]);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.warnings.join('\n')).toContain('were committed while verification ran (checkpoints up to size 6 appeared)');
    // The same listing with the checkpoints really gone is damage.
    rmSync(join(t.dir, 'checkpoints', '6'));
    rmSync(join(t.dir, 'checkpoints', '4'));
    const damaged = await verifyLedger(openDirStore(t.dir), [t.key.verifier]);
    expect(damaged.report.problems.map((p) => p.location)).toEqual(['checkpoints/6']);
  });
});

describe('the bound on one append', () => {
  it(`refuses an append of more than ${MAX_APPEND_ENTRIES} entries before writing anything`, async () => {
    const t = await timedLedger([2]);
    const bytes = entriesBytes(t.dir);
    const drafts = Array.from({ length: MAX_APPEND_ENTRIES + 1 }, () => changeDrafts(1, 0)[0]!);
    const err = await rejection(t.ledger.append(drafts));
    expect(err.message).toContain(`exceeds the ${MAX_APPEND_ENTRIES}-entry limit of one append`);
    expect(entriesBytes(t.dir).equals(bytes)).toBe(true);
  });
});

describe('repair still removes what one interrupted append left', () => {
  it('removes the uncommitted lines and a torn tail of one append, and nothing else', async () => {
    const t = await timedLedger([2, 3]);
    const committed = entriesBytes(t.dir);
    const clock = fixedClock(Date.UTC(2026, 5, 1));
    const crashing = await openLedger({ store: new CrashBeforeCommit(t.dir), signer: t.key.signer, origin: ORIGIN, clock, random: seededRandom('crash') });
    await expect(crashing.append(changeDrafts(20, 3))).rejects.toThrow('simulated crash');
    expect(entriesBytes(t.dir).byteLength).toBeGreaterThan(committed.byteLength);
    appendFileSync(join(t.dir, 'entries.jsonl'), '{"body":{"sch');

    const verify = await runCli(['verify', '--json', '--ledger', t.dir, '--key', t.pubFile], { cwd: t.root });
    const doc = JSON.parse(verify.stdout) as { uncommitted: number; problems: { code: string }[] };
    expect(doc.uncommitted).toBe(4);
    expect(doc.problems.map((p) => p.code)).toEqual(['TRUNCATED']);

    const repair = await runCli(['verify', '--repair', '--ledger', t.dir, '--key', t.pubFile], { cwd: t.root });
    expect(repair.code).toBe(0);
    expect(repair.stdout).toContain('repaired: removed a torn last line of 13 bytes');
    expect(repair.stdout).toContain('repaired: removed 4 entries (seq 5..8');
    expect(entriesBytes(t.dir).equals(committed)).toBe(true);
    // And the log goes on.
    await t.append(30, 1);
    expect((await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile], { cwd: t.root })).code).toBe(0);
  });

  it('recovers an interrupted first append (no checkpoint yet) at the next append', async () => {
    const t = await timedLedger([]);
    const crashing = await openLedger({ store: new CrashBeforeCommit(t.dir), signer: t.key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
    await expect(crashing.append(changeDrafts(1, 2))).rejects.toThrow('simulated crash');
    const ledger = await openLedger({ store: openDirStore(t.dir), signer: t.key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
    expect(ledger.repairedOnOpen.map((r) => r.kind)).toEqual(['uncommitted-lines']);
    expect(entriesBytes(t.dir).byteLength).toBe(0);
  });
});

describe('checkpoint history names', () => {
  it('reports files in checkpoints/ whose names are not decimal tree sizes', async () => {
    const t = await timedLedger([2, 2]);
    writeFileSync(join(t.dir, 'checkpoints', '007'), readFileSync(join(t.dir, 'checkpoints', '2')));
    writeFileSync(join(t.dir, 'checkpoints', '4.bak'), readFileSync(join(t.dir, 'checkpoints', '4')));
    writeFileSync(join(t.dir, 'checkpoints', 'notes'), 'hello\n');
    const text = await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile], { cwd: t.root });
    expect(text.code).toBe(1);
    expect(text.stderr).toContain('BAD_CHECKPOINT at checkpoints/"007": checkpoints/ holds "007", which is not a decimal tree size');
    expect(text.stderr).toContain('checkpoints/"4.bak"');
    expect(text.stderr).toContain('checkpoints/"notes"');
    const json = JSON.parse((await runCli(['verify', '--json', '--ledger', t.dir, '--key', t.pubFile], { cwd: t.root })).stdout) as { problems: { location: string }[] };
    expect(json.problems.map((p) => p.location)).toEqual(['checkpoints/"007"', 'checkpoints/"4.bak"', 'checkpoints/"notes"']);
  });
});
