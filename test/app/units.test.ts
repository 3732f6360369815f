// Table tests for the App's pure parts and the durable queue.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { AppendedJobs } from '../../app/appended-jobs.js';
import { approvalDigest } from '../../src/engine/approval-digest.js';
import { parseCommand } from '../../src/engine/command.js';
import type { Job, PullJob } from '../../app/job.js';
import { WorkQueue } from '../../app/queue.js';
import { readAppSettings } from '../../app/settings.js';
import { UsageError } from '../../src/core/errors.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { GENESIS_PREV, LEDGER_FORMAT_VERSION, signEntry } from '../../src/ledger/entry.js';
import { REVIEW_APPROVED_KIND, REVIEW_APPROVED_SCHEMA, type ReviewApprovedBody } from '../../src/ledger/kinds/review-approved.js';
import { openLedger } from '../../src/ledger/log.js';
import { parseSignerKey } from '../../src/ledger/note.js';
import { readEntries } from '../../src/ledger/read.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { fixedClock, seededRandom, testKey } from '../ledger/fixtures.js';

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
      dataDir, concurrency: 2, retryable: () => false, onFinalFailure: () => Promise.resolve(), log: () => undefined,
      run: async (j) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => release.push(resolve));
        ran.push((j as PullJob).number);
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

  test('stop: running jobs end, no further job starts, the rest stay in queue.json for the next start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'trailmark-queue-'));
    const ran: number[] = [];
    const release: (() => void)[] = [];
    const options = {
      dataDir, concurrency: 1, retryable: () => false, onFinalFailure: () => Promise.resolve(), log: () => undefined,
      run: async (j: Job) => {
        await new Promise<void>((resolve) => release.push(resolve));
        ran.push((j as PullJob).number);
      },
    };
    const queue = new WorkQueue(options);
    await queue.enqueue('k1', job(1));
    await queue.enqueue('k2', job(2));
    while (release.length === 0) await new Promise((resolve) => setImmediate(resolve));
    let stopped = false;
    const stopping = queue.stop().then(() => { stopped = true; });
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    release.shift()!();
    await stopping;
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toEqual([1]);
    expect(release).toEqual([]);
    expect(Object.keys(JSON.parse(readFileSync(join(dataDir, 'queue.json'), 'utf8')) as object)).toEqual(['k2']);
    // The next process runs what was left.
    const next = new WorkQueue({ ...options, run: (j: Job) => { ran.push((j as PullJob).number); return Promise.resolve(); } });
    expect(await next.start()).toBe(1);
    await next.drain();
    expect(ran).toEqual([1, 2]);
  });

  test('a job enqueued while its key runs makes it run again; a job that throws a permanent error is reported once and kept in the failed list', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'trailmark-queue-'));
    const ran: number[] = [];
    const errors: number[] = [];
    let queue: WorkQueue;
    // eslint-disable-next-line prefer-const
    queue = new WorkQueue({
      dataDir, concurrency: 1, retryable: () => false, log: () => undefined,
      onFinalFailure: (j) => {
        errors.push((j as PullJob).number);
        return Promise.resolve();
      },
      run: async (j) => {
        ran.push((j as PullJob).number);
        if ((j as PullJob).number === 1) await queue.enqueue('k', job(2));
        if ((j as PullJob).number === 2) throw new Error('boom');
      },
    });
    await queue.enqueue('k', job(1));
    await queue.drain();
    expect(ran).toEqual([1, 2]);
    expect(errors).toEqual([2]);
    expect(await queue.pending()).toBe(0);
    expect(Object.keys(await queue.failed())).toEqual(['k']);
  });

  test('a transient failure keeps the job with its attempt count and next time across a restart; the restarted queue waits out the rest', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'trailmark-queue-'));
    let now = 1_000_000;
    const clock = { now: () => now };
    const backoff = { maxAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 60_000 };
    const transient = new Error('502');
    // First process: the job fails once; its sleep never ends (the process is killed meanwhile).
    let retryLogged: () => void = () => undefined;
    const logged = new Promise<void>((resolve) => (retryLogged = resolve));
    const first = new WorkQueue({
      dataDir, concurrency: 1, retryable: (e) => e === transient, onFinalFailure: () => Promise.resolve(), log: () => retryLogged(),
      backoff, clock, random: seededRandom(), sleep: () => new Promise(() => undefined),
      run: () => Promise.reject(transient),
    });
    await first.enqueue('k', job(1));
    // The retry line is logged after the attempt count is written.
    await logged;
    const stored = (JSON.parse(readFileSync(join(dataDir, 'queue.json'), 'utf8')) as Record<string, { attempts: number; notBefore: number }>).k!;
    expect(stored.attempts).toBe(1);
    // Equal jitter: between half and all of the 60 s delay.
    expect(stored.notBefore - now).toBeGreaterThanOrEqual(30_000);
    expect(stored.notBefore - now).toBeLessThanOrEqual(60_000);

    // Second process, 10 s later: waits the remaining time, runs, fails for good on attempt 3.
    now += 10_000;
    const slept: number[] = [];
    const finals: string[] = [];
    let runs = 0;
    const second = new WorkQueue({
      dataDir, concurrency: 1, retryable: (e) => e === transient, log: () => undefined, backoff, clock, random: seededRandom(),
      onFinalFailure: (_j, key) => {
        finals.push(key);
        return Promise.resolve();
      },
      sleep: (ms) => {
        slept.push(ms);
        return Promise.resolve();
      },
      run: () => {
        runs++;
        return Promise.reject(transient);
      },
    });
    expect(await second.start()).toBe(1);
    await second.drain();
    expect(slept[0]).toBe(stored.notBefore - now);
    expect(runs).toBe(2);
    expect(finals).toEqual(['k']);
    expect(await second.pending()).toBe(0);
    expect((await second.failed()).k).toMatchObject({ attempts: 3, error: '502' });
  });
});

describe('readAppSettings', () => {
  test('GitHub Enterprise Server base URL, concurrency default, no key means no ledger', () => {
    expect(readAppSettings({ TRAILMARK_DATA_DIR: '/d', GHE_HOST: 'ghe.example.com', GHE_PROTOCOL: 'http' }, '/')).toEqual({ dataDir: '/d', signer: undefined, apiBaseUrl: 'http://ghe.example.com/api/v3', concurrency: 2, webhookPath: '/api/github/webhooks', webhookSecret: '', signIn: { webFlow: null, oauthBaseUrl: 'http://ghe.example.com', auditorsTeam: null } });
    expect(readAppSettings({ TRAILMARK_DATA_DIR: '/d' }, '/').apiBaseUrl).toBe('https://api.github.com');
  });
  test('the job timeout is read with a database (default 900 s), and not without one', () => {
    expect(readAppSettings({ DATABASE_URL: 'postgres://u@db/trailmark' }, '/').jobTimeoutSeconds).toBe(900);
    expect(readAppSettings({ DATABASE_URL: 'postgres://u@db/trailmark', TRAILMARK_JOB_TIMEOUT: '120' }, '/').jobTimeoutSeconds).toBe(120);
    expect(readAppSettings({ TRAILMARK_DATA_DIR: '/d', TRAILMARK_JOB_TIMEOUT: '120' }, '/').jobTimeoutSeconds).toBeUndefined();
  });
  test('the signing key is parsed when given', () => {
    const key = testKey('app', 'example.com/app');
    expect(readAppSettings({ TRAILMARK_DATA_DIR: '/d', TRAILMARK_SIGNING_KEY: key.signerKey }, '/').signer?.name).toBe('example.com/app');
  });
  test.each([
    [{}, /TRAILMARK_DATA_DIR is not set/],
    [{ TRAILMARK_DATA_DIR: '/d', TRAILMARK_CONCURRENCY: 'many' }, /TRAILMARK_CONCURRENCY "many"/],
    [{ TRAILMARK_DATA_DIR: '/d', TRAILMARK_CONCURRENCY: '-1' }, /from 0 to 64/],
    [{ DATABASE_URL: 'postgres://u@db/trailmark', TRAILMARK_JOB_TIMEOUT: '0' }, /TRAILMARK_JOB_TIMEOUT "0" is not a number of seconds from 1 to 86400/],
    [{ DATABASE_URL: 'postgres://u@db/trailmark', TRAILMARK_JOB_TIMEOUT: '5m' }, /TRAILMARK_JOB_TIMEOUT "5m"/],
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

describe('AppendedJobs', () => {
  const key = testKey('app', 'example.com/trailmark-app');
  const body = (job: string): ReviewApprovedBody => ({ schema: REVIEW_APPROVED_SCHEMA, repository: 'o/r', pullRequest: 2, review: 1, head: 'a'.repeat(40), diffDigest: `sha256:${'0'.repeat(64)}`, subjects: {}, job });
  const open = async (dir: string) => openLedger({ store: openDirStore(dir, { create: true }), signer: parseSignerKey(key.signerKey), origin: 'example.com/trailmark-app', clock: fixedClock(), random: seededRandom() });
  const jobsOf = async (dir: string) => {
    const out: unknown[] = [];
    for await (const e of readEntries(openDirStore(dir))) out.push((e.entry.body as { job?: string }).job);
    return out;
  };

  test('an entry of the job that is written but not committed (crash before the checkpoint) is not taken for the job\'s entry', async () => {
    const base = mkdtempSync(join(tmpdir(), 'trailmark-jobs-'));
    const dir = join(base, 'ledger');
    const ledger = await open(dir);
    // The lines an append interrupted before its checkpoint leaves behind.
    const lock = await ledger.store.lock();
    const { line } = signEntry({ v: LEDGER_FORMAT_VERSION, seq: 0, time: '2026-01-02T03:04:05Z', kind: REVIEW_APPROVED_KIND, prev: GENESIS_PREV, policy: 'app', body: body('review-approved:d1') }, parseSignerKey(key.signerKey));
    await ledger.store.append([line]);
    await lock.release();
    const jobs = new AppendedJobs(base);
    expect(await jobs.appendOnce(ledger, 'review-approved:d1', [{ kind: REVIEW_APPROVED_KIND, policy: 'app', body: body('review-approved:d1') }])).not.toBeNull();
    expect(await jobsOf(dir)).toEqual(['review-approved:d1']);
    expect((await verifyStore(openDirStore(dir), [key.verifier])).ok).toBe(true);
  });

  test('a committed entry is found by its key: through the index, and by the ledger tail scan when the index is lost', async () => {
    const base = mkdtempSync(join(tmpdir(), 'trailmark-jobs-'));
    const dir = join(base, 'ledger');
    const draft = (job: string) => [{ kind: REVIEW_APPROVED_KIND, policy: 'app', body: body(job) }];
    const jobs = new AppendedJobs(base);
    expect(await jobs.appendOnce(await open(dir), 'k1', draft('k1'))).not.toBeNull();
    expect(await jobs.appendOnce(await open(dir), 'k2', draft('k2'))).not.toBeNull();
    expect(await jobs.appendOnce(await open(dir), 'k1', draft('k1'))).toBeNull();
    const { rmSync } = await import('node:fs');
    rmSync(join(base, 'appended-jobs.json'));
    expect(await new AppendedJobs(base).appendOnce(await open(dir), 'k2', draft('k2'))).toBeNull();
    expect(JSON.parse(readFileSync(join(base, 'appended-jobs.json'), 'utf8'))).toEqual({ size: 2, jobs: { k1: 0, k2: 1 } });
    expect(await jobsOf(dir)).toEqual(['k1', 'k2']);
  });
});
