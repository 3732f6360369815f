// pushSpool and `trailmark record` against a real local collector (collector-server.ts) with a
// real Ed25519 key, over real HTTP.
import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { homePaths } from '../../src/capture/paths.js';
import { backoffMs, cursorKey, pushRunning, pushSpool, readCollectors, register, spawnBackgroundPush, type PushOptions } from '../../src/capture/push.js';
import { checkReceipt, ReceiptError, recordDigest, sha256Tag, verifyReceipt } from '../../src/capture/receipt.js';
import { openSpool, type Spool } from '../../src/capture/spool.js';
import { canonicalize } from '../../src/ledger/canonical.js';
import type { SpoolDraft } from '../../src/capture/types.js';
import { runCli } from '../cli-ledger/harness.js';
import { freePort } from '../support/free-port.js';
import { GITHUB_TOKEN, TestCollector } from './collector-server.js';

const servers: TestCollector[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

const draft = (id: string, repository = 'acme/app'): SpoolDraft => ({ id, time: '2026-12-05T00:00:00Z', repository, stage: 'edit', trace: { version: '0.1.0', files: [{ path: `src/${id}.ts` }] } });

async function setup(count: number, port = 0): Promise<{ home: string; server: TestCollector; spool: Spool; ids: string[] }> {
  const home = mkdtempSync(join(tmpdir(), 'trailmark-push-'));
  const server = new TestCollector();
  servers.push(server);
  await server.start(port);
  await register({ home, url: server.url, githubToken: GITHUB_TOKEN, repository: 'acme/app' });
  const spool = await openSpool(home);
  const ids = Array.from({ length: count }, (_, i) => `rec-${i + 1}`);
  for (const id of ids) await spool.append([draft(id)]);
  return { home, server, spool, ids };
}

const recorder = () => {
  const waits: number[] = [];
  return { waits, sleep: (ms: number) => (waits.push(ms), Promise.resolve()) };
};

function expectExactlyOnce(server: TestCollector, ids: readonly string[]): void {
  expect([...server.acceptedCount.keys()].sort()).toEqual([...ids].sort());
  for (const id of ids) expect(server.acceptedCount.get(id), id).toBe(1);
}

describe('record push', () => {
  it('registers (token stored 0600), pushes in batches within the limits, keeps verified receipts', async () => {
    const { home, server, spool, ids } = await setup(10);
    const entries = readCollectors(home);
    expect(entries).toMatchObject([{ url: server.url, installation: 42, device: spool.device, repositories: ['acme/app'], limits: { batchRecords: 4 } }]);
    expect(statSync(homePaths(home).collectors).mode & 0o777).toBe(0o600);
    const result = await pushSpool({ home });
    expect(result).toMatchObject({ schema: 'trailmark.record-push/v1', busy: false, ok: true });
    expect(result.collectors[0]).toMatchObject({ sent: 10, accepted: 10, duplicates: 0, receipts: 3, cursor: 10, pending: 0, gaps: [] });
    expect(server.batches).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]);
    expectExactlyOnce(server, ids);
    expect(spool.cursor(cursorKey(entries[0]!))).toBe(10);
    const receipts = readFileSync(join(homePaths(home).spool, 'receipts.jsonl'), 'utf8').trim().split('\n');
    expect(receipts).toHaveLength(3);
    expect((await pushSpool({ home })).collectors[0]).toMatchObject({ sent: 0, cursor: 10 });
  });

  it('collector down (connection refused), then up: nothing lost, nothing duplicated', async () => {
    const port = await freePort();
    const { home, server, ids } = await setup(7, port);
    await server.stop();
    const { waits, sleep } = recorder();
    const down = await pushSpool({ home, sleep, random: () => 0.5, maxAttempts: 3 });
    expect(down.ok).toBe(false);
    expect(down.collectors[0]).toMatchObject({ sent: 0, cursor: 0, pending: 7, error: { code: 'PUSH_UNREACHABLE' } });
    expect(down.collectors[0]!.error!.message).toMatch(/gave up after 3 attempts/);
    expect(waits).toEqual([backoffMs(1, () => 0.5), backoffMs(2, () => 0.5)]);
    expect(server.acceptedCount.size).toBe(0);

    await server.start(port);
    const up = await pushSpool({ home, sleep });
    expect(up.collectors[0]).toMatchObject({ accepted: 7, duplicates: 0, cursor: 7, pending: 0 });
    expectExactlyOnce(server, ids);
  });

  it('collector killed mid-replay (socket closed mid-body, then after storing a batch): every record accepted exactly once, cursor right', async () => {
    const { home, server, ids, spool } = await setup(10);
    // Batch 1 answers; batch 2 is stored but never answered, and its retry is cut mid-body.
    server.plan.push('ok', 'close-before-answer', 'close-mid-body');
    const { sleep } = recorder();
    const first = await pushSpool({ home, sleep, maxAttempts: 2 });
    expect(first.collectors[0]).toMatchObject({ accepted: 4, cursor: 4, error: { code: 'PUSH_UNREACHABLE' } });
    expect(spool.cursor(cursorKey(readCollectors(home)[0]!))).toBe(4);

    const second = await pushSpool({ home, sleep });
    expect(second.collectors[0]).toMatchObject({ accepted: 2, duplicates: 4, cursor: 10, pending: 0 });
    expect(second.collectors[0]!.error).toBeUndefined();
    expectExactlyOnce(server, ids);
    expect(server.batches.flat().filter((s) => s >= 5 && s <= 8)).toEqual([5, 6, 7, 8, 5, 6, 7, 8]);
  });

  it('a receipt with a bad signature: cursor not advanced, clear error, exit 1; the next push recovers', async () => {
    const { home, server, ids } = await setup(3);
    server.plan.push('bad-sig');
    const bad = await pushSpool({ home });
    expect(bad.collectors[0]).toMatchObject({ cursor: 0, pending: 3, receipts: 0, error: { code: 'BAD_SIGNATURE' } });
    expect(bad.collectors[0]!.error!.message).toBe('receipt signature does not verify with collector key collector-test-1');
    expect(existsSync(join(homePaths(home).spool, 'receipts.jsonl'))).toBe(false);

    server.plan.push('bad-sig');
    const cli = await runCli(['record', 'push'], { cwd: home, env: { TRAILMARK_HOME: home } });
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/error: receipt signature does not verify/);

    const good = await pushSpool({ home });
    expect(good.collectors[0]).toMatchObject({ duplicates: 3, cursor: 3, pending: 0 });
    expectExactlyOnce(server, ids);
  });

  it('honours Retry-After on 429 and backs off with jitter on 5xx', async () => {
    const { home, server } = await setup(2);
    server.plan.push({ status: 429, retryAfter: '7' }, '500');
    const { waits, sleep } = recorder();
    const random = () => 0.25;
    const result = await pushSpool({ home, sleep, random });
    expect(waits).toEqual([7000, backoffMs(2, random)]);
    expect(backoffMs(2, random)).toBe(1250);
    expect(result.collectors[0]).toMatchObject({ accepted: 2, cursor: 2 });
  });

  it('halves a batch the collector refuses as too large (413), and skips a single record it still refuses', async () => {
    const { home, server, ids } = await setup(4);
    server.plan.push('413', '413', 'ok', '413');
    const result = await pushSpool({ home });
    // [1-4] refused, [1,2] refused, [1] accepted, [2] refused alone -> skipped, [3], [4].
    expect(result.collectors[0]).toMatchObject({ accepted: 3, cursor: 4, pending: 0, skipped: [{ seq: 2 }] });
    expect(result.collectors[0]!.skipped[0]!.reason).toMatch(/refused this single record as too large \(413\); it stays in the local spool/);
    expectExactlyOnce(server, ids.filter((id) => id !== 'rec-2'));
  });

  it('sends only records of the registered repositories, passing the others', async () => {
    const { home, server, spool } = await setup(2);
    await spool.append([draft('other-1', 'someone/else'), draft('mine-3')]);
    const result = await pushSpool({ home });
    expect(result.collectors[0]).toMatchObject({ sent: 3, accepted: 3, cursor: 4 });
    expect(server.acceptedCount.has('other-1')).toBe(false);
    // The collector sees seq 3 missing: a record this device kept for another collector.
    expect(result.collectors[0]!.gaps).toEqual([{ from: 3, to: 3 }]);
  });

  it('one push at a time: a second push while one runs says so and does nothing', async () => {
    const { home, server, ids } = await setup(2);
    server.plan.push('500');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const sleeping = new Promise<void>((resolve) => (entered = resolve));
    const running = pushSpool({ home, sleep: () => (entered(), gate) } satisfies PushOptions);
    await sleeping;
    const second = await pushSpool({ home });
    expect(second).toMatchObject({ busy: true, collectors: [] });
    const cli = await runCli(['record', 'push'], { cwd: home, env: { TRAILMARK_HOME: home } });
    expect(cli).toMatchObject({ code: 0, stdout: 'a push is already running for this device; it will send everything\n' });
    release();
    expect((await running).collectors[0]).toMatchObject({ accepted: 2, cursor: 2 });
    expectExactlyOnce(server, ids);
  });
});

describe('trailmark record (CLI)', () => {
  it('register reads the token from the environment, push --json and status --json report the state', async () => {
    const home = mkdtempSync(join(tmpdir(), 'trailmark-record-cli-'));
    const server = new TestCollector();
    servers.push(server);
    await server.start();
    const env = { TRAILMARK_HOME: home, MY_TOKEN: GITHUB_TOKEN };
    const missing = await runCli(['record', 'register', '--collector', server.url, '--repository', 'acme/app'], { cwd: home, env: { TRAILMARK_HOME: home } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/environment variable GITHUB_TOKEN is empty\nhint: export GITHUB_TOKEN=/);
    const refused = await runCli(['record', 'register', '--collector', server.url, '--repository', 'acme/app', '--token-env', 'WRONG'], { cwd: home, env: { ...env, WRONG: 'ghu_nope' } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/the collector refused the GitHub token \(401\)/);
    const plain = await runCli(['record', 'register', '--collector', 'http://trailmark.example.com', '--repository', 'acme/app'], { cwd: home, env: { ...env, GITHUB_TOKEN } });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/collector url http:\/\/trailmark\.example\.com is not an https URL \(or http to localhost\)/);
    const noCollector = await runCli(['record', 'push'], { cwd: home, env });
    expect(noCollector.code).toBe(2);
    expect(noCollector.stderr).toMatch(/no collector is registered/);

    const reg = await runCli(['record', 'register', '--collector', server.url, '--repository', 'acme/app', '--token-env', 'MY_TOKEN'], { cwd: home, env });
    expect(reg.code, reg.stderr).toBe(0);
    expect(reg.stdout).toMatch(/^registered device d_[a-z2-7]{26} with http:\/\/127\.0\.0\.1:\d+ \(installation 42, user alice\) for acme\/app\n/);
    expect(readFileSync(homePaths(home).collectors, 'utf8')).not.toContain(GITHUB_TOKEN);

    const spool = await openSpool(home);
    for (let i = 1; i <= 5; i++) await spool.append([draft(`cli-${i}`)]);
    const push = await runCli(['record', 'push', '--json'], { cwd: home, env });
    expect(push.code, push.stderr).toBe(0);
    const doc = JSON.parse(push.stdout);
    expect(doc).toMatchObject({ schema: 'trailmark.record-push/v1', device: spool.device, ok: true, collectors: [{ accepted: 5, cursor: 5, pending: 0 }] });

    await spool.append([draft('cli-6')]);
    const status = await runCli(['record', 'status', '--json'], { cwd: home, env });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      schema: 'trailmark.record-status/v1',
      device: spool.device,
      lastSeq: 6,
      records: 6,
      collectors: [{ url: server.url, installation: 42, cursor: 5, pending: 1 }],
      lastReceipt: { accepted: 1, duplicates: 0, rejected: 0 },
      gaps: [],
    });
    const text = await runCli(['record', 'status'], { cwd: home, env });
    expect(text.stdout).toContain(`collector ${server.url} (installation 42): cursor 5, pending 1\n`);
  });
});

describe('spawnBackgroundPush', () => {
  it('starts one detached `record push --background` that sends the spool and logs its outcome', async () => {
    const { home, server, ids } = await setup(5);
    const started = spawnBackgroundPush(home, { bin: join(import.meta.dirname, 'cli-entry.ts'), execArgv: ['--import', 'tsx'] });
    expect(started.started).toBe(true);
    // The detached child reports only through the collector and capture.log; wait for its log line.
    const log = homePaths(home).log;
    while (!existsSync(log) || !readFileSync(log, 'utf8').includes('cursor 5')) await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(log, 'utf8')).toMatch(/record push: http:\/\/127\.0\.0\.1:\d+ \(installation 42\): sent 5, accepted 5, duplicates 0, rejected 0, skipped 0; cursor 5, pending 0\n$/);
    expectExactlyOnce(server, ids);
  });

  it('starts nothing while a push is running or when no collector is registered', async () => {
    expect(spawnBackgroundPush(mkdtempSync(join(tmpdir(), 'trailmark-push-none-')))).toEqual({ started: false });
    const { home, server } = await setup(1);
    server.plan.push('500');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const sleeping = new Promise<void>((resolve) => (entered = resolve));
    const running = pushSpool({ home, sleep: () => (entered(), gate) });
    await sleeping;
    expect(pushRunning(home)).toBe(true);
    expect(spawnBackgroundPush(home)).toEqual({ started: false });
    release();
    await running;
    expect(pushRunning(home)).toBe(false);
  });
});

describe('receipt verification', () => {
  const keys = generateKeyPairSync('ed25519');
  const key = { keyId: 'k1', publicKey: Buffer.from(keys.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64') };
  const record = { schema: 'trailmark.spool/v1' as const, id: 'r1', device: 'd_aaaaaaaaaaaaaaaaaaaaaaaaaa', seq: 1, time: '2026-12-05T00:00:00Z', repository: 'acme/app', stage: 'edit' as const, trace: {} };
  const body = Buffer.from('{"batch":1}');
  const unsigned = (over: Record<string, unknown> = {}) => ({ schema: 'trailmark.receipt/v1', collector: 'https://c', installation: 42, device: record.device, time: '2026-12-05T00:00:00Z', batch: sha256Tag(body), accepted: [{ id: 'r1', seq: 1, digest: recordDigest(record) }], duplicates: [], rejected: [], gaps: [], ...over });
  const signed = (doc: Record<string, unknown>, kid = 'k1') => ({ ...doc, sig: { alg: 'ed25519', kid, value: sign(null, Buffer.from(canonicalize(doc)), keys.privateKey).toString('base64') } });
  const sent = { device: record.device, installation: 42, body, records: [record] };

  it('accepts a receipt signed by the collector key for this batch', () => {
    expect([...checkReceipt(verifyReceipt(signed(unsigned()), key), sent)]).toEqual([1]);
  });

  it.each([
    ['a field changed after signing', () => ({ ...signed(unsigned()), installation: 43 }), 'BAD_SIGNATURE', /does not verify/],
    ['another key id', () => signed(unsigned(), 'k2'), 'BAD_SIGNATURE', /signed by key k2, expected the collector's key k1/],
    ['not a receipt', () => ({ schema: 'nope' }), 'RECEIPT_INVALID', /schema is nope/],
    ['a receipt for another batch', () => signed(unsigned({ batch: sha256Tag('other') })), 'RECEIPT_INVALID', /a receipt for another batch/],
    ['another installation', () => signed(unsigned({ installation: 7 })), 'RECEIPT_INVALID', /installation is 7, expected 42/],
    ['an id not in the batch', () => signed(unsigned({ accepted: [], duplicates: [{ id: 'zz', seq: 1 }] })), 'RECEIPT_INVALID', /duplicates names id zz seq 1, which is not in the batch/],
    ['a wrong record digest', () => signed(unsigned({ accepted: [{ id: 'r1', seq: 1, digest: sha256Tag('x') }] })), 'RECEIPT_INVALID', /accepted seq 1 has digest/],
  ])('refuses %s', (_name, make, code, message) => {
    const err = (() => {
      try {
        checkReceipt(verifyReceipt(make(), key), sent);
        return null;
      } catch (e) {
        return e as ReceiptError;
      }
    })();
    expect(err).toBeInstanceOf(ReceiptError);
    expect(err!.code).toBe(code);
    expect(err!.message).toMatch(message);
  });
});
