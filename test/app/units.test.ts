// Table tests for the App's pure parts and the durable queue.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { approvalDigest } from '../../src/app/approval-digest.js';
import { parseCommand } from '../../src/app/command.js';
import type { Job } from '../../src/app/job.js';
import { WorkQueue } from '../../src/app/queue.js';
import { readAppSettings } from '../../src/app/settings.js';
import { UsageError } from '../../src/core/errors.js';
import { testKey } from '../ledger/fixtures.js';

describe('approvalDigest', () => {
  const a = { filename: 'a.ts', status: 'modified', patch: '@@ -1 +1 @@\n-x\n+y' };
  const b = { filename: 'b.ts', status: 'added', patch: '@@ -0,0 +1 @@\n+z' };
  test('order of the listing does not matter; commit ids are not part of it', () => {
    expect(approvalDigest([a, b])).toBe(approvalDigest([b, a]));
    expect(approvalDigest([a, b])).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
  test.each([
    ['a patch line', [{ ...a, patch: '@@ -1 +1 @@\n-x\n+Y' }, b]],
    ['a status', [{ ...a, status: 'renamed' }, b]],
    ['a previous name', [{ ...a, previous_filename: 'old.ts' }, b]],
    ['a removed file', [a]],
    ['a binary blob', [a, { filename: 'b.ts', status: 'added', sha: '1'.repeat(40) }]],
  ])('changes with %s', (_name, files) => {
    expect(approvalDigest(files)).not.toBe(approvalDigest([a, b]));
  });
});

test('fields are length-prefixed: moving a newline between fields changes the digest', () => {
  // Joined with newlines, both would read "a\n\nx\n\np".
  expect(approvalDigest([{ filename: 'a', status: 'x\n', patch: 'p' }])).not.toBe(approvalDigest([{ filename: 'a', status: 'x', patch: '\np' }]));
});

describe('parseCommand', () => {
  test.each([
    ['/trailmark recheck', { kind: 'recheck' }],
    ['thanks\r\n  /trailmark attest Assisted-by: Claude:claude-opus-4-5  \r\n', { kind: 'attest', declaration: 'Assisted-by: Claude:claude-opus-4-5' }],
    ['/trailmark attest AI-Assisted: yes', { kind: 'attest', declaration: 'AI-Assisted: yes' }],
    ['no command here, not even /trailmark-ish', null],
    ['quoting `/trailmark recheck` inline is not a command', null],
  ])('%j', (body, want) => {
    expect(parseCommand(body)).toEqual(want);
  });
  test.each([
    '/trailmark attest',
    '/trailmark attest Signed-off-by: a <a@b>',
    `/trailmark attest Assisted-by: ${'x'.repeat(400)}`,
    '/trailmark deploy',
  ])('refuses %j with a reason', (body) => {
    expect(parseCommand(body)).toMatchObject({ kind: 'invalid', reason: expect.any(String) as string });
  });
});

describe('WorkQueue', () => {
  const job = (number: number): Job => ({ kind: 'analyze', installationId: 1, owner: 'o', repo: 'r', number });

  test('coalesces waiting jobs per key, bounds concurrency, and empties its file when done', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'trailmark-queue-'));
    const ran: number[] = [];
    let running = 0;
    let peak = 0;
    const release: (() => void)[] = [];
    const queue = new WorkQueue({
      dataDir, concurrency: 2, onError: () => undefined,
      run: async (j) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => release.push(resolve));
        ran.push(j.number);
        running--;
      },
    });
    await queue.enqueue('k1', job(1));
    await queue.enqueue('k2', job(2));
    await queue.enqueue('k3', job(3));
    await queue.enqueue('k3', job(33));
    expect(await queue.pending()).toBe(3);
    const drained = queue.drain();
    while (ran.length < 3) {
      await new Promise((resolve) => setImmediate(resolve));
      release.shift()?.();
    }
    await drained;
    expect(peak).toBe(2);
    expect(ran.sort((x, y) => x - y)).toEqual([1, 2, 33]);
    expect(JSON.parse(readFileSync(join(dataDir, 'queue.json'), 'utf8'))).toEqual({});
  });

  test('a job enqueued while its key runs makes it run again; a throwing job is reported and dropped', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'trailmark-queue-'));
    const ran: number[] = [];
    const errors: number[] = [];
    let queue: WorkQueue;
    // eslint-disable-next-line prefer-const
    queue = new WorkQueue({
      dataDir, concurrency: 1, onError: (j) => errors.push(j.number),
      run: async (j) => {
        ran.push(j.number);
        if (j.number === 1) await queue.enqueue('k', job(2));
        if (j.number === 2) throw new Error('boom');
      },
    });
    await queue.enqueue('k', job(1));
    await queue.drain();
    expect(ran).toEqual([1, 2]);
    expect(errors).toEqual([2]);
    expect(await queue.pending()).toBe(0);
  });
});

describe('readAppSettings', () => {
  test('GitHub Enterprise Server base URL, concurrency default, no key means no ledger', () => {
    expect(readAppSettings({ TRAILMARK_DATA_DIR: '/d', GHE_HOST: 'ghe.example.com', GHE_PROTOCOL: 'http' }, '/')).toEqual({ dataDir: '/d', signer: undefined, apiBaseUrl: 'http://ghe.example.com/api/v3', concurrency: 2 });
    expect(readAppSettings({ TRAILMARK_DATA_DIR: '/d' }, '/').apiBaseUrl).toBe('https://api.github.com');
  });
  test('the signing key is parsed when given', () => {
    const key = testKey('app', 'example.com/app');
    expect(readAppSettings({ TRAILMARK_DATA_DIR: '/d', TRAILMARK_SIGNING_KEY: key.signerKey }, '/').signer?.name).toBe('example.com/app');
  });
  test.each([
    [{}, /TRAILMARK_DATA_DIR is not set/],
    [{ TRAILMARK_DATA_DIR: '/d', TRAILMARK_CONCURRENCY: 'many' }, /TRAILMARK_CONCURRENCY "many"/],
    [{ TRAILMARK_DATA_DIR: '/d', TRAILMARK_CONCURRENCY: '-1' }, /from 0 to 64/],
  ])('refuses %j with a hint', (env, message) => {
    expect(() => readAppSettings(env, '/')).toThrow(message);
    try {
      readAppSettings(env, '/');
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).hint).toBeTruthy();
    }
  });
});
