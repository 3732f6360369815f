import { afterAll, expect, test } from 'vitest';
import { createGitHubClient } from '../../src/github/client.js';
import { LedgerBranchStore } from '../../src/github/ledger-branch-store.js';
import { ledgerBranchSink } from '../../src/github/ledger-branch-sink.js';
import { runStoreConformance } from '../ledger/store-conformance.js';
import { FakeGitServer } from './fake-git-server.js';
import { openLedger } from '../../src/ledger/log.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { readEntries } from '../../src/ledger/read.js';
import { CHANGE_ANALYZED_KIND } from '../../src/ledger/kinds/change-analyzed.js';
import { changeBody, fixedClock, ORIGIN, seededRandom, testKey } from '../ledger/fixtures.js';

const REF = 'refs/heads/trailmark-ledger';
const servers: FakeGitServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  expect(servers.flatMap((s) => s.problems)).toEqual([]);
});

async function fixture() {
  const server = new FakeGitServer();
  servers.push(server);
  const baseUrl = await server.start();
  // One client per "process": handles on one client share the view and queue for the lock.
  const client = createGitHubClient({ token: 't', baseUrl, sleep: () => Promise.resolve() });
  let n = 0;
  const open = (c = client) => new LedgerBranchStore({ client: c, owner: 'o', repo: 'r', branch: 'trailmark-ledger', holder: `writer ${n++}` });
  const process = () => createGitHubClient({ token: 't', baseUrl, sleep: () => Promise.resolve() });
  return { server, open, process, baseUrl };
}

/** Requests by route shape, e.g. `GET ref`, `POST trees`, `POST graphql`. */
function routes(server: FakeGitServer, from = 0): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of server.log.slice(from)) {
    const [method, path] = line.split(' ');
    const shape = path!.startsWith('/graphql') ? 'graphql' : /\/git\/(ref|refs|trees|commits|blobs)\b/.exec(path!)?.[1] ?? path!;
    const key = `${method} ${shape}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

runStoreConformance('github ledger branch', async () => {
  const { server, open } = await fixture();
  const store = open();
  return {
    store,
    connect: () => open(),
    // A crash after the durable append tore the last line: the store holds the lock, so its
    // staged writes are published first; the handle then re-reads what the branch holds.
    tearTail: async (partial) => {
      await store.flush();
      const old = server.file(REF, 'entries.jsonl') ?? Buffer.alloc(0);
      server.commitFiles(REF, { 'entries.jsonl': Buffer.concat([old, partial]) }, 'crash');
      store.refresh();
    },
    cleanup: () => Promise.resolve(),
  };
});

const draft = (i: number) => ({ kind: CHANGE_ANALYZED_KIND, policy: 'p1', body: changeBody(i) });

test('an uncontended append costs get-ref, one GraphQL read and one commit (tree, commit, ref)', async () => {
  const { server, open, process } = await fixture();
  const key = testKey();
  const first = await openLedger({ store: open(), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
  await first.append([draft(0)]);
  // A new process: reads the branch once, recovers (nothing to do), appends in one commit.
  const from = server.log.length;
  const ledger = await openLedger({ store: open(process()), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
  await ledger.append([draft(1), draft(2)]);
  expect(routes(server, from)).toEqual({ 'GET ref': 1, 'POST graphql': 1, 'POST trees': 1, 'POST commits': 1, 'PATCH refs': 1 });
  const report = await verifyStore(open(process()), [key.verifier]);
  expect(report.ok).toBe(true);
  expect(report.checkpoint?.size).toBe(3);
  // Entries, checkpoint, pointer and tree state changed in the same commit.
  expect(server.file(REF, 'checkpoints/3')?.toString()).toBe(server.file(REF, 'checkpoint')?.toString());
});

test('the first append creates the branch with one create-ref', async () => {
  const { server, open } = await fixture();
  const key = testKey();
  const ledger = await openLedger({ store: open(), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
  await ledger.append([draft(0)]);
  expect(routes(server)).toEqual({ 'GET ref': 1, 'POST trees': 1, 'POST commits': 1, 'POST refs': 1 });
});

test('handles of one process serialize through the lock queue; nothing lost, nothing forked', async () => {
  const { server, open } = await fixture();
  const key = testKey();
  const ledgers = await Promise.all([0, 1, 2].map(() => openLedger({ store: open(), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() })));
  await Promise.all(ledgers.map((l, i) => l.append([draft(i)])));
  const report = await verifyStore(open(), [key.verifier]);
  expect(report.ok).toBe(true);
  expect(report.checkpoint?.size).toBe(3);
  expect(server.problems).toEqual([]);
});

test('three processes racing: the losers re-read and append on top; contiguous entries that verify', async () => {
  const { server, open, process } = await fixture();
  const key = testKey();
  const sleeps: number[] = [];
  const sinks = [0, 1, 2].map((i) => ledgerBranchSink({
    client: process(), owner: 'o', repo: 'r', branch: 'trailmark-ledger', holder: `run ${i}`, signer: key.signer, origin: ORIGIN,
    clock: fixedClock(), random: seededRandom(`r${i}`), sleep: (ms) => { sleeps.push(ms); return Promise.resolve(); },
  }));
  const results = await Promise.all(sinks.map((s, i) => s.appendOnce(`job-${i}`, [{ kind: CHANGE_ANALYZED_KIND, policy: 'p1', body: { ...changeBody(i), job: `job-${i}` } }])));
  expect(results.every((r) => r !== null)).toBe(true);
  // All three started from the same empty branch: two lost the first race.
  expect(sleeps.length).toBeGreaterThanOrEqual(2);
  const reader = open(process());
  const report = await verifyStore(reader, [key.verifier]);
  expect(report.ok).toBe(true);
  expect(report.checkpoint?.size).toBe(3);
  const jobs: unknown[] = [];
  for await (const e of readEntries(reader)) jobs.push((e.entry.body as { job?: unknown }).job);
  expect(jobs.sort()).toEqual(['job-0', 'job-1', 'job-2']);
  expect(server.problems).toEqual([]);
});

test('appendOnce: the same key is appended once, also from another process', async () => {
  const { open, process } = await fixture();
  const key = testKey();
  const sink = (c = process()) => ledgerBranchSink({ client: c, owner: 'o', repo: 'r', branch: 'trailmark-ledger', holder: 'run', signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom(), sleep: () => Promise.resolve() });
  const entry = [{ kind: CHANGE_ANALYZED_KIND, policy: 'p1', body: { ...changeBody(0), job: 'analysis:x' } }];
  expect(await sink().appendOnce('analysis:x', entry)).not.toBeNull();
  expect(await sink().appendOnce('analysis:x', entry)).toBeNull();
  expect(await sink().appendOnce('analysis:y', [{ kind: CHANGE_ANALYZED_KIND, policy: 'p1', body: { ...changeBody(1), job: 'analysis:y' } }])).not.toBeNull();
  expect((await open(process()).tail()).size).toBe(2);
});

test('a non-ledger commit racing the ref update: the commit is rebuilt on the new head and retried', async () => {
  const { server, open } = await fixture();
  const store = open();
  let lock = await store.lock();
  await store.append([Buffer.from('{"seq":0}')]);
  await lock.release();
  lock = await store.lock();
  let raced = false;
  server.beforeRefUpdate = (ref) => {
    if (ref === REF && !raced) {
      raced = true;
      server.commitFiles(REF, { 'README.md': Buffer.from('ledger branch\n') }, 'docs');
    }
  };
  await store.append([Buffer.from('{"seq":1}')]);
  await lock.release();
  expect(raced).toBe(true);
  expect(server.file(REF, 'entries.jsonl')?.toString()).toBe('{"seq":0}\n{"seq":1}\n');
  expect(server.file(REF, 'README.md')?.toString()).toBe('ledger branch\n');
});

test('a ledger file changed by another writer: publishing fails with LOCKED and overwrites nothing', async () => {
  const { server, open } = await fixture();
  const store = open();
  let lock = await store.lock();
  await store.append([Buffer.from('{"seq":0}')]);
  await lock.release();
  lock = await store.lock();
  await store.append([Buffer.from('{"seq":1}')]);
  server.beforeRefUpdate = (ref) => {
    if (ref === REF) {
      server.beforeRefUpdate = undefined;
      server.commitFiles(REF, { 'entries.jsonl': Buffer.from('{"seq":0}\n{"seq":1,"rogue":true}\n') }, 'rogue writer');
    }
  };
  await expect(lock.release()).rejects.toMatchObject({ code: 'LOCKED' });
  expect(server.file(REF, 'entries.jsonl')?.toString()).toBe('{"seq":0}\n{"seq":1,"rogue":true}\n');
  // The handle now sees the other writer's state, and the lock is free again.
  expect((await store.tail()).size).toBe(2);
  const again = await store.lock();
  await again.release();
});

test('non-UTF-8 bytes go through create-blob; everything else is inline tree content', async () => {
  const { server, open, process } = await fixture();
  const store = open();
  const lock = await store.lock();
  await store.append([Uint8Array.of(0x7b, 0xff, 0x7d)]);
  await lock.release();
  expect(routes(server)['POST blobs']).toBe(1);
  const fresh = open(process());
  expect(Buffer.from((await fresh.lastLine())!)).toEqual(Buffer.from([0x7b, 0xff, 0x7d]));
});

test('a ledger over GraphQL\'s 512,000-byte text cut is read whole through get-blob', async () => {
  const { server, open, process } = await fixture();
  const store = open();
  const lock = await store.lock();
  const lines = Array.from({ length: 20 }, (_, i) => Buffer.from(JSON.stringify({ seq: i, pad: 'x'.repeat(30_000) })));
  await store.append(lines);
  await lock.release();
  const from = server.log.length;
  const fresh = open(process());
  expect((await fresh.tail()).size).toBe(20);
  expect(Buffer.from((await fresh.lastLine())!).toString()).toBe(lines[19]!.toString());
  expect(routes(server, from)).toEqual({ 'GET ref': 1, 'POST graphql': 1, 'GET blobs': 1 });
});
