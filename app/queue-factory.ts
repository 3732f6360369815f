// THE construction point of the App's work queue (app.ts calls nothing else).
//
// Today: the file queue of queue.ts (`WorkQueue`, in the data directory) in both modes. In the
// PostgreSQL mode (`options.database` set) this is where the PostgreSQL queue (`PgQueue` of
// ./pg-queue.ts, pg-boss) is constructed instead; until then, the queue is the one piece of App
// state that stays in the data directory with DATABASE_URL set (docs/app.md).
import type { SqlClient } from '../src/ledger/store/postgres.js';
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
}

/** The work queue for `settings`: see the top of this file. */
export function createQueue(settings: AppSettings, options: QueueFactoryOptions): JobQueue {
  const { database: _database, ...queue } = options;
  return new WorkQueue({ ...queue, dataDir: settings.dataDir, concurrency: settings.concurrency });
}
