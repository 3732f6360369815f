// Pinned state: `verify --trusted` proves the ledger still extends a checkpoint kept earlier, so
// a consistent rollback (log cut back, later checkpoints deleted) or a re-signed rewrite fails.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli-ledger/harness.js';
import { consistencyProof, leafHash } from '../../src/ledger/merkle.js';
import { MemoryStore } from '../../src/ledger/store/memory.js';
import { consistencyProofFromStore, consistencyRanges } from '../../src/ledger/trusted.js';
import { rollBack, timedLedger } from './helpers.js';

interface VerifyJson {
  ok: boolean;
  checkpoint: { size: number; root: string } | null;
  problems: { code: string; location: string; message: string }[];
  trust: { pinned: boolean; rollback: string; consistent?: boolean; proof?: string[]; trustedSize?: number; message?: string };
}

async function verifyJson(cwd: string, args: string[]): Promise<{ code: number; doc: VerifyJson }> {
  const r = await runCli(['verify', '--json', ...args], { cwd });
  return { code: r.code, doc: JSON.parse(r.stdout) as VerifyJson };
}

describe('verify --trusted (pinned state)', () => {
  it('passes a grown ledger with a consistency proof, and says plainly when rollback cannot be excluded', async () => {
    const t = await timedLedger([2, 2, 2]);
    const saved = await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile, '--save-trusted', 'seen.cp'], { cwd: t.root });
    expect(saved.code).toBe(0);
    expect(saved.stdout).toContain('note: no trusted state given: a rollback to an earlier consistent state');
    expect(readFileSync(join(t.root, 'seen.cp'), 'utf8')).toBe(readFileSync(join(t.dir, 'checkpoints', '6'), 'utf8'));
    await t.append(10, 3);
    await t.append(11, 2);
    const text = await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile, '--trusted', 'seen.cp'], { cwd: t.root });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/trusted: consistent with the trusted state \(size 6\) up to checkpoint size 13: no rollback or rewrite since \(\d+-hash consistency proof\)/);
    const { code, doc } = await verifyJson(t.root, ['--ledger', t.dir, '--key', t.pubFile, '--trusted', 'seen.cp']);
    expect(code).toBe(0);
    expect(doc.trust).toMatchObject({ pinned: true, rollback: 'excluded', consistent: true, trustedSize: 6, checkpointSize: 13 });
    expect(doc.trust.proof!.length).toBeGreaterThan(0);
    const plain = await verifyJson(t.root, ['--ledger', t.dir, '--key', t.pubFile]);
    expect(plain.doc.trust).toEqual({ pinned: false, rollback: 'not-excluded', message: expect.stringContaining('cannot be excluded') as unknown });
  });

  it('a log truncated to an earlier size with its later checkpoints deleted passes plain verify but fails --trusted (exit 1)', async () => {
    const t = await timedLedger([2, 3, 2, 2]);
    expect((await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile, '--save-trusted', 'seen.cp'], { cwd: t.root })).code).toBe(0);
    const before = await verifyJson(t.root, ['--ledger', t.dir, '--key', t.pubFile]);
    rollBack(t.dir, 5);
    // Without pinned state the rolled-back ledger is self-consistent: exactly the blind spot.
    const plain = await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile], { cwd: t.root });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('rollback to an earlier consistent state (log truncated, later checkpoints removed) cannot be excluded');
    const pinned = await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile, '--trusted', 'seen.cp'], { cwd: t.root });
    expect(pinned.code).toBe(1);
    expect(pinned.stderr).toContain('FAILED');
    expect(pinned.stderr).toContain('TRUNCATED at trusted: rollback: the latest checkpoint has size 5, smaller than the trusted checkpoint of size 9');
    const sizeRoot = await verifyJson(t.root, ['--ledger', t.dir, '--key', t.pubFile, '--trusted-size', '9', '--trusted-root', before.doc.checkpoint!.root]);
    expect(sizeRoot.code).toBe(1);
    expect(sizeRoot.doc.ok).toBe(false);
    expect(sizeRoot.doc.trust).toMatchObject({ pinned: true, rollback: 'detected', consistent: false });
    // --save-trusted does not overwrite the kept state when verification fails.
    const again = await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile, '--trusted', 'seen.cp', '--save-trusted', 'seen.cp'], { cwd: t.root });
    expect(again.code).toBe(1);
    expect(readFileSync(join(t.root, 'seen.cp'), 'utf8')).toContain('\n9\n');
  });

  it('a log rewritten and re-signed with the log key fails against a checkpoint kept before (ROOT_MISMATCH)', async () => {
    const honest = await timedLedger([2, 2]);
    const kept = readFileSync(join(honest.dir, 'checkpoint'), 'utf8');
    // The same key signs a different history that grows past the kept size: every checkpoint verifies.
    const forged = await timedLedger([3, 2, 2]);
    writeFileSync(join(forged.root, 'kept.cp'), kept);
    expect((await runCli(['verify', '--ledger', forged.dir, '--key', forged.pubFile], { cwd: forged.root })).code).toBe(0);
    const r = await verifyJson(forged.root, ['--ledger', forged.dir, '--key', forged.pubFile, '--trusted', 'kept.cp']);
    expect(r.code).toBe(1);
    expect(r.doc.problems.at(-1)).toMatchObject({ code: 'ROOT_MISMATCH', location: 'trusted' });
    expect(r.doc.problems.at(-1)!.message).toContain('no longer hash to the trusted root');
    // Same size, different root: a fork.
    const fork = await verifyJson(forged.root, ['--ledger', forged.dir, '--key', forged.pubFile, '--trusted-size', '7', '--trusted-root', Buffer.alloc(32, 7).toString('base64')]);
    expect(fork.code).toBe(1);
    expect(fork.doc.problems.at(-1)!.code).toBe('ROOT_MISMATCH');
  });

  it('refuses a trusted checkpoint signed by another key, and bad trusted arguments (exit 2)', async () => {
    const t = await timedLedger([2]);
    const other = await timedLedger([2], 'key-2');
    writeFileSync(join(t.root, 'other.cp'), readFileSync(join(other.dir, 'checkpoint')));
    const wrongKey = await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile, '--trusted', 'other.cp'], { cwd: t.root });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('not signed by any trusted key');
    const half = await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile, '--trusted-size', '2'], { cwd: t.root });
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('--trusted-size and --trusted-root go together');
    const badRoot = await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile, '--trusted-size', '2', '--trusted-root', 'xyz'], { cwd: t.root });
    expect(badRoot.code).toBe(2);
    expect(badRoot.stderr).toContain('trusted root is not a 32-byte hash');
    const missing = await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile, '--trusted', 'nope.cp'], { cwd: t.root });
    expect(missing.code).toBe(2);
  });
});

describe('streaming consistency proof', () => {
  it('equals the RFC 6962 proof of the in-memory implementation for every old size up to 40 leaves', async () => {
    const store = new MemoryStore();
    const lock = await store.lock();
    const lines = Array.from({ length: 40 }, (_, i) => Buffer.from(`line ${i}`));
    await store.append(lines);
    await lock.release();
    const hashes = lines.map((l) => leafHash(l));
    for (let n = 1; n <= 40; n++) {
      for (let m = 0; m <= n; m++) {
        const want = consistencyProof(m, n, hashes).map((h) => Buffer.from(h).toString('hex'));
        const got = (await consistencyProofFromStore(store, m, n)).map((h) => Buffer.from(h).toString('hex'));
        expect(got, `proof ${m} -> ${n}`).toEqual(want);
        const ranges = consistencyRanges(m, n).sort((a, b) => a[0] - b[0]);
        for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1]);
      }
    }
  });
});
