// Directory-store specifics: the lock file (stale holders), the caches (tail hint, tree state)
// being wrong or missing, the checkpoint pointer lagging its history.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyStore } from '../../src/ledger/check-store.js';
import { openLedger } from '../../src/ledger/log.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { fixedClock, ORIGIN, scanDrafts, seededRandom, testKey } from './fixtures.js';

const key = testKey();
const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

async function ledgerDir(appends: number) {
  const root = mkdtempSync(join(tmpdir(), 'trailmark-dir-'));
  roots.push(root);
  const dir = join(root, 'ledger');
  const ledger = await openLedger({ store: openDirStore(dir, { create: true }), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
  for (let i = 0; i < appends; i++) await ledger.append(scanDrafts(i));
  return dir;
}

const reopen = (dir: string, opts = {}) => openLedger({ store: openDirStore(dir, opts), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom('x') });

describe('directory store lock', () => {
  it('breaks a lock whose holder process is dead', async () => {
    const dir = await ledgerDir(1);
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), boot: '', time: Date.now(), token: 'dead' }));
    const ledger = await reopen(dir);
    await ledger.append(scanDrafts(1));
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });

  it('breaks a lock older than the stale bound, and an unwritten (empty) lock', async () => {
    const dir = await ledgerDir(1);
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: process.pid, host: 'elsewhere', boot: '', time: Date.now() - 3_600_000, token: 'old' }));
    await (await reopen(dir)).append(scanDrafts(1));
    writeFileSync(join(dir, 'lock'), '');
    const { utimesSync } = await import('node:fs');
    utimesSync(join(dir, 'lock'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    await (await reopen(dir)).append(scanDrafts(2));
    expect((await verifyStore(openDirStore(dir), [key.verifier])).entries).toBe(6);
  });

  it('waits for a live holder and fails with LOCKED and a hint', async () => {
    const dir = await ledgerDir(1);
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: process.pid, host: hostname(), boot: readBoot(), time: Date.now(), token: 'live' }));
    const err = await reopen(dir, { waitMs: 100 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LOCKED', hint: expect.stringContaining('another trailmark process') });
    expect((err as Error).message).toContain(`by pid ${process.pid}`);
    unlinkSync(join(dir, 'lock'));
  });
});

function readBoot(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

describe('directory store caches and crash leftovers', () => {
  it('ignores a tail hint that does not describe a complete prefix', async () => {
    const dir = await ledgerDir(2);
    let size = 4;
    for (const hint of ['{"size":1,"bytes":5}', '{"size":99,"bytes":999999}', 'garbage', '{"size":3,"bytes":0}']) {
      writeFileSync(join(dir, 'tail-hint.json'), hint);
      expect(await openDirStore(dir).tail()).toEqual({ size, tornBytes: 0 });
      const r = await (await reopen(dir)).append(scanDrafts(9));
      expect(r.entries[0]!.seq).toBe(size);
      size += 2;
    }
    expect((await verifyStore(openDirStore(dir), [key.verifier])).ok).toBe(true);
  });

  it('a tampered but plausible tail hint makes the writer refuse, never fork', async () => {
    const dir = await ledgerDir(2);
    const bytes = readFileSync(join(dir, 'entries.jsonl'));
    const secondLineEnd = bytes.indexOf(0x0a, bytes.indexOf(0x0a) + 1) + 1;
    // Claims one line where there are two: the count comes out short of the checkpoint.
    writeFileSync(join(dir, 'tail-hint.json'), JSON.stringify({ size: 1, bytes: secondLineEnd }));
    await expect(reopen(dir)).rejects.toMatchObject({ code: 'TRUNCATED' });
    expect((await verifyStore(openDirStore(dir), [key.verifier])).ok).toBe(true);
    unlinkSync(join(dir, 'tail-hint.json'));
    await (await reopen(dir)).append(scanDrafts(2));
    expect((await verifyStore(openDirStore(dir), [key.verifier])).entries).toBe(6);
    // Claims ten lines where there are two: recovery recounts and rewrites the hint.
    writeFileSync(join(dir, 'tail-hint.json'), JSON.stringify({ size: 10, bytes: secondLineEnd }));
    await (await reopen(dir)).append(scanDrafts(3));
    const report = await verifyStore(openDirStore(dir), [key.verifier]);
    expect(report).toMatchObject({ ok: true, entries: 8 });
    expect(await openDirStore(dir).tail()).toEqual({ size: 8, tornBytes: 0 });
  });

  it('rebuilds a missing or wrong tree state, and says so', async () => {
    const dir = await ledgerDir(2);
    writeFileSync(join(dir, 'tree-state.json'), JSON.stringify({ v: 1, size: 4, last: '0'.repeat(64), range: ['00'.repeat(32)] }));
    const r = await (await reopen(dir)).append(scanDrafts(2));
    expect(r.repairs.map((x) => x.kind)).toEqual(['tree-state']);
    unlinkSync(join(dir, 'tree-state.json'));
    const r2 = await (await reopen(dir)).append(scanDrafts(3));
    expect(r2.repairs.map((x) => x.message)).toEqual([expect.stringContaining('cache missing')]);
    const r3 = await (await reopen(dir)).append(scanDrafts(4));
    expect(r3.repairs).toEqual([]);
    expect((await verifyStore(openDirStore(dir), [key.verifier])).ok).toBe(true);
  });

  it('refuses to append to a log altered after signing, even with a plausible cache', async () => {
    const dir = await ledgerDir(2);
    const path = join(dir, 'entries.jsonl');
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[0] = lines[0]!.replace('"octo/repo"', '"octo/evil"');
    writeFileSync(path, lines.join('\n'));
    unlinkSync(join(dir, 'tree-state.json'));
    const ledger = await reopen(dir);
    await expect(ledger.append(scanDrafts(2))).rejects.toMatchObject({ code: 'ROOT_MISMATCH' });
  });

  it('catches up a checkpoint pointer that lags the history', async () => {
    const dir = await ledgerDir(2);
    copyFileSync(join(dir, 'checkpoints', '2'), join(dir, 'checkpoint'));
    const before = await verifyStore(openDirStore(dir), [key.verifier]);
    expect(before.ok).toBe(true);
    expect(before.warnings).toEqual([expect.stringContaining('lags checkpoints/4')]);
    const ledger = await reopen(dir);
    expect(ledger.repairedOnOpen.map((r) => r.kind)).toEqual(['checkpoint-pointer']);
    expect(readFileSync(join(dir, 'checkpoint'), 'utf8')).toBe(readFileSync(join(dir, 'checkpoints', '4'), 'utf8'));
  });

  it('refuses to open a log shorter than its checkpoint', async () => {
    const dir = await ledgerDir(2);
    const path = join(dir, 'entries.jsonl');
    writeFileSync(path, readFileSync(path, 'utf8').split('\n').slice(0, 2).join('\n') + '\n');
    await expect(reopen(dir)).rejects.toMatchObject({ code: 'TRUNCATED' });
  });

  it('removes temp files left by a writer that died before its rename', async () => {
    const dir = await ledgerDir(1);
    writeFileSync(join(dir, '.tmp-1-1'), 'partial');
    writeFileSync(join(dir, '.tmp-1-2'), 'partial');
    await reopen(dir);
    expect(existsSync(join(dir, '.tmp-1-1'))).toBe(false);
    expect(existsSync(join(dir, '.tmp-1-2'))).toBe(false);
    expect(await openDirStore(dir).listCheckpoints()).toEqual([2]);
  });
});
