// A separate App-like process holding a PgQueue (run with `node --import tsx`):
//   runner.ts URL SCHEMA
// It runs one job at a time and never finishes one: it prints `running <key>` when a job starts,
// so the parent can SIGKILL it in the middle of the job.
import { writeSync } from 'node:fs';
import { PgQueue } from '../../app/pg-queue.js';
import { connectPostgres } from '../../src/ledger/store/postgres-pool.js';

const [url, schema] = process.argv.slice(2);
const conn = connectPostgres(url!, { max: 4, applicationName: 'trailmark-queue-runner' });
const queue = new PgQueue({
  sql: conn, schema: schema!, concurrency: 1, pollIntervalMs: 100, jobTimeoutSeconds: 2, maintenanceIntervalSeconds: 1, backoff: { maxAttempts: 5, baseDelayMs: 2_000, maxDelayMs: 60_000 },
  retryable: () => false, onFinalFailure: () => Promise.resolve(), log: (line) => writeSync(2, `${line}\n`),
  run: (_job, key) => {
    writeSync(1, `running ${key}\n`);
    return new Promise<void>(() => undefined);
  },
});
await queue.start();
writeSync(1, 'started\n');
