import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deviceId, DEVICE_ID_PATTERN } from '../../src/capture/device.js';
import { homePaths } from '../../src/capture/paths.js';
import { openSpool, SpoolError } from '../../src/capture/spool.js';
import { nodeFileOps } from '../../src/ledger/store/file-ops.js';
import { LockFile } from '../../src/ledger/store/lock-file.js';
import type { SpoolDraft } from '../../src/capture/types.js';

const WORKER = join(import.meta.dirname, 'spool-worker.ts');
const newHome = () => mkdtempSync(join(tmpdir(), 'trailmark-spool-'));
const draft = (id: string, extra: Partial<SpoolDraft> = {}): SpoolDraft => ({ id, time: '2026-12-05T00:00:00Z', repository: 'acme/app', stage: 'edit', trace: { version: '0.1.0', files: [] }, ...extra });
const segments = (home: string) => readdirSync(homePaths(home).spool).filter((n) => n.startsWith('seg-')).sort();

function runWorker(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('device id', () => {
  it('is d_ + 26 base32 characters, created once with mode 0600, stable after', () => {
    const home = newHome();
    const id = deviceId(home);
    expect(id).toMatch(DEVICE_ID_PATTERN);
    expect(deviceId(home)).toBe(id);
    expect(statSync(homePaths(home).device).mode & 0o777).toBe(0o600);
    expect(deviceId(newHome())).not.toBe(id);
  });

  it('refuses a damaged device file with a hint instead of making a new id', () => {
    const home = newHome();
    writeFileSync(homePaths(home).device, '{"device":"nope"}');
    expect(() => deviceId(home)).toThrow(/holds no valid device id/);
  });
});

describe('spool', () => {
  it('numbers records from 1, reads them back in order, and keeps per-collector cursors', async () => {
    const home = newHome();
    const spool = await openSpool(home);
    const a = await spool.append([draft('a'), draft('b')]);
    const b = await spool.append([draft('c')]);
    expect([...a, ...b].map((r) => [r.seq, r.id, r.device, r.schema])).toEqual([
      [1, 'a', spool.device, 'trailmark.spool/v1'],
      [2, 'b', spool.device, 'trailmark.spool/v1'],
      [3, 'c', spool.device, 'trailmark.spool/v1'],
    ]);
    expect((await spool.read(0, 10)).map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect((await spool.read(1, 1)).map((r) => r.id)).toEqual(['b']);
    expect(await spool.stats()).toMatchObject({ count: 3, lastSeq: 3, cursor: 0, pending: 3 });
    await spool.advance(2, 'x');
    await spool.advance(1, 'x');
    expect(spool.cursor('x')).toBe(2);
    expect(spool.cursor('y')).toBe(0);
    expect(await spool.stats('x')).toMatchObject({ cursor: 2, pending: 1 });
    // A reopened spool continues the numbering.
    const again = await openSpool(home);
    expect((await again.append([draft('d')]))[0]!.seq).toBe(4);
    expect(again.cursor('x')).toBe(2);
    // Lines are canonical JSON.
    const first = readFileSync(join(homePaths(home).spool, segments(home)[0]!), 'utf8').split('\n')[0]!;
    expect(first.startsWith('{"device":')).toBe(true);
  });

  it('rotates segments and reads across them without a gap', async () => {
    const home = newHome();
    const spool = await openSpool(home, { segmentBytes: 600 });
    for (let i = 0; i < 12; i++) await spool.append([draft(`r${i}`)]);
    expect(segments(home).length).toBeGreaterThan(2);
    const all = await spool.read(0, 100);
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect((await spool.read(7, 2)).map((r) => r.seq)).toEqual([8, 9]);
  });

  it('cuts a torn last line away at open: no seq consumed, no gap', async () => {
    const home = newHome();
    const spool = await openSpool(home);
    await spool.append([draft('a'), draft('b')]);
    const file = join(homePaths(home).spool, segments(home)[0]!);
    const good = readFileSync(file);
    appendFileSync(file, '{"device":"d_x","id":"torn","schem');
    const reopened = await openSpool(home);
    expect(readFileSync(file)).toEqual(good);
    expect((await reopened.append([draft('c')]))[0]!.seq).toBe(3);
    expect((await reopened.read(0, 10)).map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });

  it('refuses a corrupt middle line, naming the file and line', async () => {
    const home = newHome();
    const spool = await openSpool(home);
    await spool.append([draft('a'), draft('b'), draft('c')]);
    const file = join(homePaths(home).spool, segments(home)[0]!);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"seq":2', '"seq":7');
    writeFileSync(file, lines.join('\n'));
    const err = await spool.read(0, 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpoolError);
    expect((err as SpoolError).code).toBe('SPOOL_CORRUPT');
    expect((err as SpoolError).message).toBe(`spool file ${file} line 2: seq is 7, expected 2 (seqs are contiguous)`);
    lines[1] = 'not json at all';
    writeFileSync(file, lines.join('\n'));
    await expect(spool.read(0, 10)).rejects.toThrow(`spool file ${file} line 2: not JSON`);
  });

  it('refuses a bad draft before numbering anything', async () => {
    const spool = await openSpool(newHome());
    await expect(spool.append([draft('ok'), draft('', {})])).rejects.toThrow(/spool draft 1: id/);
    await expect(spool.append([draft('x', { repository: 'no-slash' })])).rejects.toThrow(/not OWNER\/NAME/);
    expect((await spool.stats()).lastSeq).toBe(0);
  });

  it('keeps acknowledged segments by default; prune removes only old, acknowledged, non-last ones', async () => {
    const home = newHome();
    const spool = await openSpool(home, { segmentBytes: 400 });
    for (let i = 0; i < 8; i++) await spool.append([draft(`r${i}`)]);
    const before = segments(home);
    expect(before.length).toBeGreaterThan(2);
    await spool.advance(8, 'c');
    expect(await spool.prune({ olderThanDays: 30 })).toEqual([]);
    const old = Date.now() / 1000 - 40 * 86400;
    for (const name of before) utimesSync(join(homePaths(home).spool, name), old, old);
    await spool.advance(0, 'lagging');
    expect(await spool.prune({ olderThanDays: 30 })).toEqual([]);
    const fresh = await openSpool(home, { segmentBytes: 400 });
    await fresh.advance(8, 'lagging');
    const removed = await fresh.prune({ olderThanDays: 30 });
    expect(removed).toEqual(before.slice(0, -1));
    expect(segments(home)).toEqual(before.slice(-1));
    expect((await fresh.append([draft('next')]))[0]!.seq).toBe(9);
  });

  it('an append that cannot get the lock in time fails with SPOOL_LOCKED and writes nothing', async () => {
    const home = newHome();
    const spool = await openSpool(home, { lockWaitMs: 50 });
    const holder = new LockFile(nodeFileOps, join(homePaths(home).spool, 'append.lock'));
    await holder.acquire();
    try {
      await expect(spool.append([draft('a')])).rejects.toMatchObject({ code: 'SPOOL_LOCKED' });
    } finally {
      holder.release();
    }
    expect((await spool.append([draft('b')]))[0]!.seq).toBe(1);
  });

  it('20 concurrent appender processes: seqs 1..N contiguous, every record once', async () => {
    const home = newHome();
    await openSpool(home);
    const per = 10;
    const runs = await Promise.all(Array.from({ length: 20 }, (_, w) => runWorker([home, 'count', String(per), `w${w}`])));
    for (const r of runs) expect(r, r.stderr).toMatchObject({ code: 0, stdout: 'done\n' });
    const spool = await openSpool(home);
    const all = await spool.read(0, 10_000);
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 20 * per }, (_, i) => i + 1));
    const ids = all.map((r) => r.id).sort();
    expect(new Set(ids).size).toBe(20 * per);
    expect(ids).toEqual(Array.from({ length: 20 }, (_, w) => Array.from({ length: per }, (_, i) => `w${w}-${i}`)).flat().sort());
  });
});
