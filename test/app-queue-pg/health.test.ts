// /trailmark/healthz counts the dead-letter list (app/app.ts, docs/app.md): a job the queue will
// not run again shows in `deadLetter`, one whose payload this version cannot read also in
// `unreadable` (it is never in `failed`, which counts what a recheck can queue again), on the
// PostgreSQL queue and on the file queue. The original fields keep their meaning.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import type { Job } from '../../app/job.js';
import { PgQueue, QUEUE_NAME } from '../../app/pg-queue.js';
import { bossSchemaOf } from '../../app/queue-factory.js';
import { WorkQueue } from '../../app/queue.js';
import { startPgApp, testDatabase } from '../app-pg/harness.js';

const job = (number: number): Job => ({ kind: 'analyze', installationId: 1, owner: 'o', repo: 'r', number });
const tick = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));

test('healthz on PostgreSQL: an unreadable job is counted in deadLetter and unreadable, not in failed', async () => {
  const db = await testDatabase();
  const boss = bossSchemaOf(db.schema);
  // An older version of the App (or a hand-edited row) left a job this version cannot read.
  const producer = new PgQueue({
    sql: db.sql, schema: boss, concurrency: 0, pollIntervalMs: 100,
    run: () => Promise.reject(new Error('never runs')), retryable: () => false, onFinalFailure: () => Promise.resolve(), log: () => undefined,
  });
  try {
    await producer.enqueue('bad', job(1));
    await db.sql.query(`UPDATE ${boss}.job SET data = '{"key":"bad","job":{"kind":"frobnicate"}}' WHERE name = $1 AND singleton_key = 'bad'`, [QUEUE_NAME]);
  } finally {
    await producer.stop();
  }
  const h = await startPgApp(db, { sql: db.sql });
  const server = await h.serve();
  try {
    const health = async () => {
      const res = await fetch(`${server.url}/trailmark/healthz`);
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    };
    let body = await health();
    while (body.pending !== 0) {
      await tick();
      body = await health();
    }
    expect(body).toEqual({ status: 'ok', pending: 0, failed: 0, deadLetter: 1, unreadable: 1, database: 'ok' });
  } finally {
    await server.stop();
  }
});

test('the file queue: deadLetter counts failed.json, unreadable is 0', async () => {
  const queue = new WorkQueue({
    dataDir: mkdtempSync(join(tmpdir(), 'trailmark-health-')), concurrency: 1,
    run: () => Promise.reject(new Error('permanent')), retryable: () => false, onFinalFailure: () => Promise.resolve(), log: () => undefined,
  });
  expect(await queue.deadLetters()).toEqual({ total: 0, unreadable: 0 });
  await queue.enqueue('k1', job(1));
  await queue.enqueue('k2', job(2));
  await queue.drain();
  expect(await queue.deadLetters()).toEqual({ total: 2, unreadable: 0 });
});
