// StateFile across processes: two App processes on one data directory (a rolling restart that
// overlaps) update queue.json and deliveries.json at once. Every update must survive: before the
// lock file, the second writer's read-modify-write replaced the first's, so a finished job came
// back into queue.json with no process scheduled to run it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateFile } from '../../app/state-file.js';

const WORKER = join(import.meta.dirname, 'state-file-worker.ts');
const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'trailmark-state-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function writer(path: string, count: number, label: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, path, String(count), label], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${label} exited ${code}: ${stderr}`)))));
}

describe('StateFile updates from several writers', () => {
  it('loses no update when two processes update one file at once', async () => {
    const path = join(tempDir(), 'queue.json');
    const count = 150;
    await Promise.all([writer(path, count, 'a'), writer(path, count, 'b')]);
    const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>;
    expect(doc['counter']).toBe(2 * count);
    expect(Object.keys(doc).filter((k) => k !== 'counter')).toHaveLength(2 * count);
    // Nothing is left beside the document: no lock, no temporary file.
    expect(readdirSync(join(path, '..')).sort()).toEqual(['queue.json']);
  });

  it('loses no update between two objects of one process', async () => {
    const path = join(tempDir(), 'deliveries.json');
    const a = new StateFile<Record<string, number>>(path, () => ({}));
    const b = new StateFile<Record<string, number>>(path, () => ({}));
    const bump = (f: StateFile<Record<string, number>>) => f.update((doc) => void (doc['n'] = (doc['n'] ?? 0) + 1));
    await Promise.all(Array.from({ length: 100 }, (_, i) => bump(i % 2 === 0 ? a : b)));
    expect(await a.read()).toEqual({ n: 100 });
  });

  it('breaks the lock of a writer that died holding it', async () => {
    const dir = tempDir();
    const path = join(dir, 'queue.json');
    // A lock left by a process that no longer exists on this host and boot.
    const dead = spawn(process.execPath, ['-e', '0']);
    const pid = await new Promise<number>((resolve) => dead.on('exit', () => resolve(dead.pid!)));
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const { hostname } = await import('node:os');
    writeFileSync(`${path}.lock`, JSON.stringify({ pid, host: hostname(), boot, time: Date.now(), token: 'dead' }));
    const file = new StateFile<Record<string, number>>(path, () => ({}));
    await file.update((doc) => void (doc['x'] = 1));
    expect(await file.read()).toEqual({ x: 1 });
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});
