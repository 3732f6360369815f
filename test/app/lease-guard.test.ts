// A run whose queue lost the job's lease stops at its next step and writes nothing
// (app/lease-guard.ts, app/worker.ts): the lease is lost while the analysis reads its records,
// and then no ledger entry is appended (checked inside the append turn), no check run is listed
// or created, no `analysis.failed` entry or neutral check run reports it, and the run ends with
// the signal's LeaseLostError. The same analysis with a signal that never aborts writes both.
// GitHub mocked at the edge (every expected request consumed, none unexpected).
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { InstallationLedgers } from '../../app/ledgers.js';
import { PullStateStore } from '../../app/pull-state.js';
import { LeaseLostError } from '../../app/queue.js';
import { RecordStore, type Records } from '../../app/record-store.js';
import { Worker } from '../../app/worker.js';
import { createGitHubClient } from '../../src/github/client.js';
import { parseSignerKey } from '../../src/ledger/note.js';
import { readEntries } from '../../src/ledger/read.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { fixedClock, seededRandom } from '../ledger/fixtures.js';
import { NockGitHub, type Expectation } from '../github/expectations.js';
import { INSTALLATION, OWNER, REPO, TEST_HEAD, addedFile, createCheck, getPull, ledgerKey, noConfig, prCommits, prFiles, restCommit } from './harness.js';

const BASE = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';
const job = { kind: 'analyze', installationId: INSTALLATION, owner: OWNER, repo: REPO, number: 2 } as const;
const reads = (): Expectation[] => [getPull({ number: 2, base: BASE, head: TEST_HEAD }), ...noConfig(), ...prFiles(2, [addedFile('src/lib/a.ts', 'export const a = 1;\n')]), ...prCommits(2, [restCommit(TEST_HEAD, BASE)])];

let unmatched: string[] = [];
const onNoMatch = (req: { method?: string; path?: string }) => void unmatched.push(`${req.method} ${req.path}`);
beforeEach(() => {
  unmatched = [];
  nock.emitter.on('no match', onNoMatch);
});
afterEach(() => {
  nock.emitter.removeListener('no match', onNoMatch);
  nock.cleanAll();
});

function workerOn(dataDir: string, records: Records, logs: string[]): Worker {
  return new Worker({
    clientFor: () => Promise.resolve(createGitHubClient({ token: 'ghs_test', baseUrl: 'https://api.github.com', sleep: () => Promise.resolve() })),
    ledgers: new InstallationLedgers(dataDir, parseSignerKey(ledgerKey.signerKey), fixedClock(), seededRandom()),
    pulls: new PullStateStore(dataDir), records, clock: fixedClock(), log: (l) => logs.push(l), requeueFailed: () => Promise.resolve(0),
  });
}

async function entriesOf(dataDir: string): Promise<string[]> {
  const dir = join(dataDir, 'installations', String(INSTALLATION), 'ledger');
  if (!existsSync(dir)) return [];
  const kinds: string[] = [];
  for await (const e of readEntries(openDirStore(dir))) kinds.push(e.entry.kind);
  return kinds;
}

test('a lease lost mid-analysis: no ledger entry, no check run, no failure report; the run ends with the LeaseLostError', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'trailmark-lease-guard-'));
  const logs: string[] = [];
  const lease = new AbortController();
  const lost = new LeaseLostError('LEASE_LOST', 'lease lost: the queue took it for dead (its lease was not extended in time) and moved its row on');
  const stored = new RecordStore(dataDir);
  // The lease is lost while the records are read (a step the analysis is in when the queue notices).
  const records: Records = {
    put: (...a) => stored.put(...a), putReceipted: (...a) => stored.putReceipted(...a), putAudit: (...a) => stored.putAudit(...a),
    load: async (...a) => {
      lease.abort(lost);
      return stored.load(...a);
    },
  };
  const github = new NockGitHub().expect(...reads());
  const worker = workerOn(dataDir, records, logs);
  await expect(worker.run(job, 'analyze:1/o/r#2', lease.signal)).rejects.toBe(lost);
  github.verify();
  expect(unmatched).toEqual([]);
  expect(await entriesOf(dataDir)).toEqual([]);
  expect(logs.filter((l) => /analysis failed|analysis\.failed/.test(l))).toEqual([]);
});

test('the same analysis whose lease holds: the entries are appended and the check run created', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'trailmark-lease-guard-'));
  const created: unknown[] = [];
  const github = new NockGitHub().expect(...reads(), ...createCheck((b) => created.push(b)));
  const worker = workerOn(dataDir, new RecordStore(dataDir), []);
  await worker.run(job, 'analyze:1/o/r#2', new AbortController().signal);
  github.verify();
  expect(unmatched).toEqual([]);
  expect(created).toHaveLength(1);
  expect((await entriesOf(dataDir)).length).toBeGreaterThan(0);
});

test('a lease already lost when the job starts: nothing is asked of GitHub', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'trailmark-lease-guard-'));
  const lease = new AbortController();
  const lost = new LeaseLostError('LEASE_LOST', 'lease lost');
  lease.abort(lost);
  const worker = workerOn(dataDir, new RecordStore(dataDir), []);
  nock.disableNetConnect();
  await expect(worker.run({ kind: 'merged', installationId: INSTALLATION, owner: OWNER, repo: REPO, number: 2, head: TEST_HEAD, mergeCommit: null, mergedBy: 'octocat' }, 'merged:d1', lease.signal)).rejects.toBe(lost);
  expect(unmatched).toEqual([]);
  expect(await entriesOf(dataDir)).toEqual([]);
});
