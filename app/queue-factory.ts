// THE construction point of the App's work queue (app.ts calls nothing else).
//
// Without a database: the file queue of queue.ts (`WorkQueue`, in the data directory, one
// process). In the PostgreSQL mode (`options.database` set): `PgQueue` of ./pg-queue.ts
// (pg-boss, in its own schema of the same database), which several replicas share
// (docs/replicas.md).
import type { SqlClient } from '../src/ledger/store/postgres.js';
import { DEFAULT_BOSS_SCHEMA, PgQueue, jobTimeoutFromEnv } from './pg-queue.js';
import { WorkQueue, type JobQueue, type QueueOptions } from './queue.js';
import type { AppSettings } from './settings.js';

/** The App's database, when it runs in the PostgreSQL mode. */
export interface AppDatabase {
  /** The process's one pool (or PGlite in tests). */
  readonly sql: SqlClient;
  /** The schema holding the App's tables (migrated before the queue is created). */
  readonly schema: string;
  /** The connection URL (`DATABASE_URL`); absent when `sql` was given directly (PGlite in tests). */
  readonly url?: string;
}

export interface QueueFactoryOptions extends Omit<QueueOptions, 'dataDir' | 'concurrency'> {
  /** Set in the PostgreSQL mode. */
  readonly database?: AppDatabase;
  /** Where `TRAILMARK_JOB_TIMEOUT` is read (default: the process's environment). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * pg-boss's schema beside the App's: `trailmark_boss` beside `public`, `<schema>_boss` beside
 * any other (TRAILMARK_DATABASE_SCHEMA), so two Apps in one database never share a queue.
 */
export function bossSchemaOf(appSchema: string): string {
  return appSchema === 'public' ? DEFAULT_BOSS_SCHEMA : `${appSchema}_boss`;
}

/** The work queue for `settings`: see the top of this file. */
export function createQueue(settings: AppSettings, options: QueueFactoryOptions): JobQueue {
  const { database, env, ...queue } = options;
  if (database === undefined) return new WorkQueue({ ...queue, dataDir: settings.dataDir, concurrency: settings.concurrency });
  const jobTimeoutSeconds = settings.jobTimeoutSeconds ?? jobTimeoutFromEnv(env ?? process.env);
  return new PgQueue({
    sql: database.sql,
    schema: bossSchemaOf(database.schema),
    concurrency: settings.concurrency,
    run: queue.run,
    retryable: queue.retryable,
    onFinalFailure: queue.onFinalFailure,
    log: queue.log,
    jobTimeoutSeconds,
    // A dead replica's job is noticed at most a timeout (at most a minute) after it expired.
    maintenanceIntervalSeconds: Math.min(60, jobTimeoutSeconds),
    ...(queue.backoff === undefined ? {} : { backoff: queue.backoff }),
  });
}
