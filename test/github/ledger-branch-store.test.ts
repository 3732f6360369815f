import { afterAll, expect, test } from 'vitest';
import { createGitHubClient } from '../../src/github/client.js';
import { LedgerBranchStore } from '../../src/github/ledger-branch-store.js';
import { runStoreConformance } from '../ledger/store-conformance.js';
import { FakeGitServer } from './fake-git-server.js';
import { openLedger } from '../../src/ledger/log.js';
import { verifyStore } from '../../src/ledger/check-store.js';
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
  const client = createGitHubClient({ token: 't', baseUrl, sleep: () => Promise.resolve() });
  let n = 0;
  const open = () => new LedgerBranchStore({ client, owner: 'o', repo: 'r', branch: 'trailmark-ledger', holder: `writer ${n++}`, sleep: () => new Promise((r) => setTimeout(r, 5)), lockPollMs: 5 });
  return { server, open, baseUrl };
}

runStoreConformance('github ledger branch', async () => {
  const { server, open } = await fixture();
  return {
    store: open(),
    connect: () => open(),
    tearTail: (partial) => {
      const old = server.file(REF, 'entries.jsonl') ?? Buffer.alloc(0);
      server.commitFiles(REF, { 'entries.jsonl': Buffer.concat([old, partial]) }, 'crash');
      return Promise.resolve();
    },
    cleanup: () => Promise.resolve(),
  };
});


const draft = (i: number) => ({ kind: CHANGE_ANALYZED_KIND, policy: 'p1', body: changeBody(i) });

test('concurrent workflow runs: appends serialize through the lock ref; nothing lost, nothing forked', async () => {
  const { server, open } = await fixture();
  const key = testKey();
  const ledgers = await Promise.all([0, 1, 2].map(() => openLedger({ store: open(), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() })));
  await Promise.all(ledgers.map((l, i) => l.append([draft(i)])));
  const reader = open();
  const report = await verifyStore(reader, [key.verifier]);
  expect(report.ok).toBe(true);
  expect((await reader.tail()).size).toBe(3);
  expect(report.checkpoint?.size).toBe(3);
  expect(server.refs.has('refs/heads/trailmark-ledger-lock')).toBe(false);
  expect(server.problems).toEqual([]);
});

test('a non-ledger commit racing the ref update: the commit is rebuilt on the new head and retried', async () => {
  const { server, open } = await fixture();
  const store = open();
  const lock = await store.lock();
  await store.append([Buffer.from('{"seq":0}')]);
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

test('a ledger file changed under the lock: the write fails with LOCKED and overwrites nothing', async () => {
  const { server, open } = await fixture();
  const store = open();
  const lock = await store.lock();
  await store.append([Buffer.from('{"seq":0}')]);
  server.beforeRefUpdate = (ref) => {
    if (ref === REF) {
      server.beforeRefUpdate = undefined;
      server.commitFiles(REF, { 'entries.jsonl': Buffer.from('{"seq":0}\n{"seq":1,"rogue":true}\n') }, 'rogue writer');
    }
  };
  await expect(store.append([Buffer.from('{"seq":1}')])).rejects.toMatchObject({ code: 'LOCKED' });
  await lock.release();
  expect(server.file(REF, 'entries.jsonl')?.toString()).toBe('{"seq":0}\n{"seq":1,"rogue":true}\n');
});

test('a stale lock left by a dead run is taken over by a fast-forward, a fresh one is waited for', async () => {
  const { server, baseUrl } = await fixture();
  const clock = fixedClock();
  const client = createGitHubClient({ token: 't', baseUrl, sleep: () => Promise.resolve() });
  const sleeps: number[] = [];
  const mk = (holder: string) => new LedgerBranchStore({ client, owner: 'o', repo: 'r', branch: 'b', holder, clock, lockPollMs: 1000, lockStaleMs: 60_000, lockTimeoutMs: 5_000, sleep: (ms) => { sleeps.push(ms); clock.tick(ms); return Promise.resolve(); } });
  const dead = mk('dead run');
  await dead.lock(); // never released
  await expect(mk('impatient').lock()).rejects.toMatchObject({ code: 'LOCKED', message: expect.stringContaining('"dead run"') });
  expect(sleeps.length).toBe(5);
  clock.tick(61_000);
  const fresh = await mk('next run').lock();
  const lockCommit = server.refs.get('refs/heads/b-lock')!;
  expect(server.objects.get(lockCommit)).toMatchObject({ type: 'commit', message: expect.stringContaining('holder: next run') });
  await fresh.release();
  expect(server.refs.has('refs/heads/b-lock')).toBe(false);
});
