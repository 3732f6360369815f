// Versioned schema migrations of the PostgreSQL store (postgres.ts), applied at start.
//
// `migrate()` runs in ONE transaction that first takes a transaction-level advisory lock
// (pg_advisory_xact_lock on a key of the schema): two processes or replicas starting at once
// queue on the lock; the second one then sees the first one's versions in schema_migrations
// and applies nothing. Every migration and its schema_migrations row commit together (DDL is
// transactional in PostgreSQL), so a crash mid-migration leaves the previous version intact,
// and the lock goes with the transaction, so a killed migrator never leaves it held.
//
// Rules for new migrations: append to MIGRATIONS with the next version; never edit or reorder
// an applied one. A database at a version newer than this build knows is refused (an older
// replica must not write to tables whose meaning changed under it).
import { LedgerError } from '../../core/errors.js';
import { MAX_LINE_BYTES } from '../entry.js';
import { advisoryKey, dbError, DEFAULT_SCHEMA, quoteSchema, toInt, type SqlClient } from './postgres.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** Statements, given the quoted schema. */
  readonly statements: (s: string) => readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'ledger logs, lines, checkpoints and subjects',
    statements: (s) => [
      `CREATE TABLE ${s}.ledger_logs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text NOT NULL UNIQUE,
        size bigint NOT NULL DEFAULT 0 CHECK (size >= 0),
        latest bigint NULL CHECK (latest >= 0 AND latest <= size),
        tree_state text NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      // Lines are the exact bytes of entries.jsonl without the newline; the checks restate the
      // store contract so that no writer, not even a buggy one, can store a line the
      // directory store could not.
      `CREATE TABLE ${s}.ledger_lines (
        log bigint NOT NULL REFERENCES ${s}.ledger_logs (id),
        idx bigint NOT NULL CHECK (idx >= 0),
        bytes bytea NOT NULL CHECK (octet_length(bytes) BETWEEN 1 AND ${MAX_LINE_BYTES} AND position('\\x0a'::bytea IN bytes) = 0),
        PRIMARY KEY (log, idx)
      )`,
      `CREATE TABLE ${s}.ledger_checkpoints (
        log bigint NOT NULL REFERENCES ${s}.ledger_logs (id),
        size bigint NOT NULL CHECK (size >= 0),
        text text NOT NULL,
        PRIMARY KEY (log, size)
      )`,
      `CREATE TABLE ${s}.ledger_subjects (
        log bigint NOT NULL REFERENCES ${s}.ledger_logs (id),
        pos bigint NOT NULL CHECK (pos >= 0),
        record text NOT NULL,
        PRIMARY KEY (log, pos)
      )`,
    ],
  },
  {
    version: 2,
    name: 'subject keyring (crypto-shredding of subject openings)',
    // One subject key per row, wrapped under a KEK that is never in the database (subject-vault.ts).
    statements: (s) => [
      `CREATE TABLE ${s}.ledger_subject_keys (
        log bigint NOT NULL REFERENCES ${s}.ledger_logs (id),
        kid text NOT NULL CHECK (kid ~ '^[0-9a-f]{16}$'),
        record text NOT NULL,
        PRIMARY KEY (log, kid)
      )`,
    ],
  },
  {
    version: 3,
    name: 'App state: documents, delivery ids, capture records and schedule leases',
    // The App's state beside its ledgers (app/pg/): small JSON documents read and updated under
    // a row lock (pull-request state, job indexes, collector devices, schedules), and the
    // delivery ids claimed across replicas (one row per X-GitHub-Delivery).
    statements: (s) => [
      `CREATE TABLE ${s}.app_documents (
        name text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 400),
        body text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE ${s}.app_deliveries (
        id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
        queued boolean NOT NULL DEFAULT false,
        claimed_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX app_deliveries_claimed_at ON ${s}.app_deliveries (claimed_at)`,
      // Capture records posted to the collector (app/record-store.ts's files): content-addressed
      // per installation and lower-cased repository; `kid` marks a receipted record.
      `CREATE TABLE ${s}.app_records (
        installation bigint NOT NULL CHECK (installation > 0),
        repository text NOT NULL CHECK (repository ~ '^[a-z0-9_.-]{1,100}/[a-z0-9_.-]{1,100}$'),
        kind text NOT NULL CHECK (kind IN ('record', 'audit')),
        digest text NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),
        kid text NULL,
        body text NOT NULL,
        stored_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (installation, kind, repository, digest)
      )`,
      // Which replica runs a schedule's tick now (the weekly report, retention), until when.
      `CREATE TABLE ${s}.app_leases (
        name text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
        holder text NOT NULL,
        until timestamptz NOT NULL
      )`,
    ],
  },
];

export interface MigrationResult {
  /** Versions applied by this call (empty when the schema was current). */
  readonly applied: readonly number[];
  /** The schema version after the call. */
  readonly version: number;
}

export async function migrate(sql: SqlClient, options: { readonly schema?: string; readonly migrations?: readonly Migration[] } = {}): Promise<MigrationResult> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const s = quoteSchema(schema);
  const migrations = options.migrations ?? MIGRATIONS;
  const known = migrations.at(-1)?.version ?? 0;
  try {
    return await applyAll(sql, schema, s, migrations, known);
  } catch (err) {
    throw dbError(`migrating schema ${schema}`, sql.label, err);
  }
}

function applyAll(sql: SqlClient, schema: string, s: string, migrations: readonly Migration[], known: number): Promise<MigrationResult> {
  return sql.transaction(async (tx) => {
    // Before anything else, even CREATE ... IF NOT EXISTS, which races without it.
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [advisoryKey('migrations', schema).toString()]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await tx.query<{ version: unknown }>(`SELECT version FROM ${s}.schema_migrations ORDER BY version`);
    const done = new Set(rows.map((r) => toInt(r.version)));
    const newest = Math.max(0, ...done);
    if (newest > known) {
      throw new LedgerError('STORE_CONTRACT', `the database schema ${schema} is at version ${newest}, newer than this trailmark knows (${known})`, { hint: 'upgrade trailmark on this host before starting it against this database' });
    }
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      for (const statement of m.statements(s)) await tx.query(statement);
      await tx.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    return { applied, version: Math.max(newest, ...applied) };
  });
}
