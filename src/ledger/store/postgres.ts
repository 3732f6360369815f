// The PostgreSQL store: one ledger log per name (for the App, one per installation) holding the
// same bytes as the directory store (dir.ts), so the same verifier checks both and
// `trailmark ledger export`/`import` move a log between them byte for byte.
//
//   ledger_logs(id, name, size, latest, tree_state)   the head row of each log
//   ledger_lines(log, idx, bytes bytea)               one complete entry line per row (no newline)
//   ledger_checkpoints(log, size, text)               every checkpoint ever committed, by tree size
//   ledger_subjects(log, pos, record)                 side store: one formatted SubjectRecord per row
//   ledger_subject_keys(log, kid, record)             subject keyring: one wrapped key per row (sealing)
// The schema is created by postgres-migrations.ts.
//
// The writer lock is a session-level advisory lock (pg_advisory_lock on a 64-bit hash of the
// schema and the log name) held by a dedicated connection, and every mutation runs on that very
// connection. A statement that runs on the session proves the session, and so the lock, is still
// alive: if the holder's connection dies (process killed, network lost) the server releases the
// lock, and the old holder's next mutation fails instead of interleaving with the new holder's.
// A hung holder is bounded too: postgres-pool.ts sets idle_session_timeout on the lock session
// (10 minutes by default), the stale-lock bound of the directory store.
// As a second line of defence each mutation runs in one transaction that takes a row lock on
// the log's head row (SELECT ... FOR UPDATE) and the primary key (log, idx) makes two lines at one
// index impossible: seq never forks or skips, across processes and replicas.
//
// Durability, against the contract of ../store.ts (every mutation is one transaction, committed
// before the method returns; a killed process leaves a transaction committed or not at all):
//  - `append` is all-or-nothing for the whole batch, stronger than the contract's line granularity.
//    A TORN TAIL CANNOT EXIST: `tail().tornBytes` is always 0 and `truncate` only ever removes
//    whole uncommitted lines (lines beyond the latest checkpoint, left by a process killed
//    between `append` and `writeCheckpoint`).
//  - `writeCheckpoint` records the history row and moves the latest pointer in one transaction:
//    the pointer never lags the history (the contract allows a lag of one; it never happens here).
//  - `commitAppend` (what the appender calls) inserts the lines and records their checkpoint in
//    one transaction: an append is committed whole or leaves nothing.
//  - the tree state is a column of the head row; like every cache it is validated by its readers.
//  - `rewriteSubjects` deletes and reinserts in one transaction. Deleted rows stay in the heap
//    until VACUUM and in WAL/backups: erasure that holds there is crypto-shredding (issue 12):
//    with `subjectSealing` the side store holds sealed openings only, the keyring holds keys
//    wrapped under a KEK that is never in the database, and the keyring and the records change
//    in the same transaction (docs/erasure.md).
// Readers never lock; they read committed data only, and `readLines` streams by keyset
// pagination (BATCH lines per query), never the whole log in memory.
import { createHash } from 'node:crypto';
import { LedgerError, UsageError } from '../../core/errors.js';
import { MAX_LINE_BYTES } from '../entry.js';
import { NEWLINE, type LedgerStore, type StoreLock, type StoreTail } from '../store.js';
import { formatSubjectRecord, parseSubjectRecord, type SubjectRecord } from '../subjects.js';
import { formatWrappedKey, parseWrappedKey, type SubjectSealingStore, type SubjectsAtRest, type WrappedSubjectKey } from '../subject-seal.js';
import { SubjectVault, type SubjectSealing } from '../subject-vault.js';
import { subjectSealingFromEnv } from './subject-keys.js';

// ---- the SQL port: implemented over `pg` (postgres-pool.ts) and over PGlite (tests) ----

export type SqlRow = Record<string, unknown>;

export interface SqlQueryable {
  query<R extends SqlRow = SqlRow>(text: string, params?: readonly unknown[]): Promise<{ readonly rows: R[] }>;
}

export interface SqlTransactional extends SqlQueryable {
  /** Runs `fn` in one transaction (BEGIN ... COMMIT, ROLLBACK when it throws). */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
}

/** A dedicated database session that holds a session-level advisory lock. */
export interface SqlLockedSession extends SqlTransactional {
  /** Releases the advisory lock and gives the session back. Idempotent. */
  release(): Promise<void>;
}

export interface SqlClient extends SqlTransactional {
  /** Where the database is, for messages (never a password). */
  readonly label: string;
  /**
   * A dedicated session holding the session-level advisory lock `key` (pg_advisory_lock):
   * waits while another live session holds it. The server releases it when the session ends,
   * so a killed holder never leaves a stale lock behind.
   */
  lockedSession(key: bigint): Promise<SqlLockedSession>;
}

// ---- names ----

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
export const DEFAULT_SCHEMA = 'public';

/** A validated, quoted schema identifier (never built from unchecked text). */
export function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new UsageError('BAD_INPUT', `invalid PostgreSQL schema name ${JSON.stringify(schema)}`, { hint: 'use lower-case letters, digits and _ (at most 63), starting with a letter or _' });
  }
  return `"${schema}"`;
}

/** 64-bit advisory lock key of a purpose and a name (a collision only serializes two logs). */
export function advisoryKey(purpose: string, ...parts: string[]): bigint {
  const digest = createHash('sha256').update(['trailmark', purpose, ...parts].join('\0')).digest();
  return digest.readBigInt64BE(0);
}

/** pg returns int8 as text, PGlite as number or bigint: all are exact below 2^53. */
export function toInt(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new LedgerError('IO', `unexpected integer ${String(value)} from the database`);
  return n;
}

function validLogName(log: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (log === '' || log.length > 200 || /[\u0000-\u001f\u007f]/.test(log)) {
    throw new UsageError('BAD_INPUT', `invalid ledger log name ${JSON.stringify(log.slice(0, 80))}`, { hint: 'a log name is 1-200 printable characters, e.g. installation/123' });
  }
  return log;
}

function contract(location: string, message: string): LedgerError {
  return new LedgerError('STORE_CONTRACT', `${message} (${location})`);
}

/** Database errors become LedgerError IO with the server's SQLSTATE; ours pass through. */
export function dbError(what: string, location: string, err: unknown): Error {
  if (err instanceof LedgerError || err instanceof UsageError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  // A refused connection to a host with several addresses is an AggregateError without a message.
  const message = (err instanceof Error ? err.message : String(err)) || (err instanceof AggregateError ? String((err.errors[0] as Error | undefined)?.message) : '') || 'unknown error';
  const hint =
    code === '42P01' || code === '3F000'
      ? 'the ledger tables are missing: run the migrations (the App does at start; `trailmark ledger import` does too)'
      : typeof code === 'string' && /^(E[A-Z]+|08...|28...|3D000)$/.test(code)
        ? 'check the database URL: is the server running and reachable, do the user, password and database exist?'
        : undefined;
  return new LedgerError('IO', `${what} on ${location} failed: ${message}${typeof code === 'string' ? ` (${code})` : ''}`, { cause: err, ...(hint === undefined ? {} : { hint }) });
}

export interface PostgresStoreOptions {
  /** The log's name, e.g. `installation/123`. */
  readonly log: string;
  /** Schema holding the ledger tables (default `public`). */
  readonly schema?: string;
  /** Create the log when missing (writers). Readers leave it to fail with NOT_FOUND. */
  readonly create?: boolean;
  /** Lines per query when streaming (keyset pagination). */
  readonly batch?: number;
  /**
   * Seals subject openings under this KEK (../subject-vault.ts). Defaults to the KEK of
   * TRAILMARK_SUBJECT_KEK when set; `null` turns sealing off even then.
   */
  readonly subjectSealing?: SubjectSealing | null;
}

/** Opens (or, with `create`, creates) the log `name`. The tables must exist (see postgres-migrations.ts). */
export async function openPostgresStore(sql: SqlClient, options: PostgresStoreOptions): Promise<PostgresStore> {
  const log = validLogName(options.log);
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const s = quoteSchema(schema);
  const location = `${sql.label}#${schema === DEFAULT_SCHEMA ? '' : `${schema}.`}${log}`;
  try {
    // The log usually exists (the App opens it per job): look it up first, and insert only when
    // it is missing, so an open costs one query and no sequence value.
    const find = () => sql.query<{ id: unknown }>(`SELECT id FROM ${s}.ledger_logs WHERE name = $1`, [log]);
    let { rows } = await find();
    if (rows.length === 0 && options.create === true) {
      await sql.query(`INSERT INTO ${s}.ledger_logs (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, [log]);
      ({ rows } = await find());
    }
    if (rows.length === 0) throw new UsageError('NOT_FOUND', `no ledger log ${JSON.stringify(log)} in ${sql.label}${schema === DEFAULT_SCHEMA ? '' : ` (schema ${schema})`}`, { hint: 'check --log NAME (the App names them installation/<id>)' });
    const sealing = options.subjectSealing === undefined ? subjectSealingFromEnv(process.env) : (options.subjectSealing ?? undefined);
    return new PostgresStore(sql, { id: toInt(rows[0]!.id), schema, location, batch: options.batch ?? 256, ...(sealing === undefined ? {} : { subjectSealing: sealing }) });
  } catch (err) {
    throw dbError(`opening log ${JSON.stringify(log)}`, location, err);
  }
}

/** Names of every log in the schema, sorted. */
export async function listPostgresLogs(sql: SqlClient, schema = DEFAULT_SCHEMA): Promise<string[]> {
  const { rows } = await sql.query<{ name: string }>(`SELECT name FROM ${quoteSchema(schema)}.ledger_logs ORDER BY name`);
  return rows.map((r) => r.name);
}

const INSERT_ROWS = 500;

export class PostgresStore implements LedgerStore, SubjectSealingStore {
  readonly location: string;
  readonly #sql: SqlClient;
  readonly #id: number;
  readonly #t: { logs: string; lines: string; checkpoints: string; subjects: string; subjectKeys: string };
  readonly #vault: SubjectVault;
  readonly #key: bigint;
  readonly #batch: number;
  #session: SqlLockedSession | null = null;
  #acquiring = false;

  constructor(sql: SqlClient, o: { id: number; schema: string; location: string; batch: number; subjectSealing?: SubjectSealing }) {
    this.#sql = sql;
    this.#id = o.id;
    this.location = o.location;
    const s = quoteSchema(o.schema);
    this.#t = { logs: `${s}.ledger_logs`, lines: `${s}.ledger_lines`, checkpoints: `${s}.ledger_checkpoints`, subjects: `${s}.ledger_subjects`, subjectKeys: `${s}.ledger_subject_keys` };
    this.#vault = new SubjectVault(o.subjectSealing, o.location);
    this.#key = advisoryKey('ledger', o.schema, String(o.id));
    if (!Number.isSafeInteger(o.batch) || o.batch < 1) throw new UsageError('BAD_INPUT', `invalid batch size ${o.batch}`);
    this.#batch = o.batch;
  }

  async lock(): Promise<StoreLock> {
    if (this.#session !== null || this.#acquiring) throw contract(this.location, 'lock() while this store already holds or awaits the lock (not re-entrant)');
    this.#acquiring = true;
    let session: SqlLockedSession;
    try {
      session = await this.#sql.lockedSession(this.#key);
    } catch (err) {
      throw dbError('taking the writer lock', this.location, err);
    } finally {
      this.#acquiring = false;
    }
    this.#session = session;
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        if (this.#session === session) this.#session = null;
        await session.release();
      },
    };
  }

  #requireLock(op: string): SqlLockedSession {
    if (this.#session === null) throw contract(this.location, `${op} without holding the lock`);
    return this.#session;
  }

  /** One transaction on the lock-holding session, with the head row locked. */
  async #mutate<T>(op: string, fn: (tx: SqlQueryable, head: { size: number; latest: number | null }) => Promise<T>): Promise<T> {
    const session = this.#requireLock(op);
    try {
      return await session.transaction(async (tx) => {
        const { rows } = await tx.query<{ size: unknown; latest: unknown }>(`SELECT size, latest FROM ${this.#t.logs} WHERE id = $1 FOR UPDATE`, [this.#id]);
        if (rows.length === 0) throw new LedgerError('IO', `log ${this.location} vanished from the database`);
        const latest = rows[0]!.latest;
        return fn(tx, { size: toInt(rows[0]!.size), latest: latest === null ? null : toInt(latest) });
      });
    } catch (err) {
      throw dbError(op, this.location, err);
    }
  }

  async #read<R extends SqlRow>(what: string, text: string, params: readonly unknown[]): Promise<R[]> {
    try {
      // The lock holder reads on its own session: it then never needs a second connection, so
      // holders cannot exhaust a pool while each waits for a connection to read.
      return (await (this.#session ?? this.#sql).query<R>(text, params)).rows;
    } catch (err) {
      throw dbError(what, this.location, err);
    }
  }

  // ---- lines ----

  async tail(): Promise<StoreTail> {
    const rows = await this.#read<{ size: unknown }>('reading the head', `SELECT size FROM ${this.#t.logs} WHERE id = $1`, [this.#id]);
    if (rows.length === 0) throw new LedgerError('IO', `log ${this.location} vanished from the database`);
    // Each append is one transaction: a partial line cannot exist.
    return { size: toInt(rows[0]!.size), tornBytes: 0 };
  }

  async *readLines(from = 0): AsyncIterable<Uint8Array> {
    if (!Number.isSafeInteger(from) || from < 0) throw contract(this.location, `readLines from ${from}`);
    let next = from;
    for (;;) {
      // Keyset pagination over the primary key: each batch is one indexed range scan.
      const rows = await this.#read<{ idx: unknown; bytes: Uint8Array }>('reading lines', `SELECT idx, bytes FROM ${this.#t.lines} WHERE log = $1 AND idx >= $2 ORDER BY idx LIMIT $3`, [this.#id, next, this.#batch]);
      for (const r of rows) {
        const idx = toInt(r.idx);
        if (idx !== next) throw new LedgerError('IO', `line ${next} is missing from ${this.location} (next stored line is ${idx})`);
        next++;
        yield r.bytes;
      }
      if (rows.length < this.#batch) return;
    }
  }

  async lastLine(): Promise<Uint8Array | null> {
    const rows = await this.#read<{ bytes: Uint8Array }>('reading the last line', `SELECT l.bytes FROM ${this.#t.logs} h JOIN ${this.#t.lines} l ON l.log = h.id AND l.idx = h.size - 1 WHERE h.id = $1`, [this.#id]);
    return rows.length === 0 ? null : rows[0]!.bytes;
  }

  async append(lines: readonly Uint8Array[]): Promise<void> {
    this.#requireLock('append');
    this.#checkLines(lines);
    if (lines.length === 0) return;
    await this.#mutate('append', async (tx, head) => this.#insertLines(tx, head.size, lines));
  }

  #checkLines(lines: readonly Uint8Array[]): void {
    lines.forEach((line, i) => {
      if (line.byteLength === 0 || line.byteLength > MAX_LINE_BYTES || line.includes(NEWLINE)) {
        throw contract(this.location, `line ${i} of the append is empty, too large or contains a newline`);
      }
    });
  }

  /** Inserts `lines` from index `size` on and moves the head's size past them (inside a mutation). */
  async #insertLines(tx: SqlQueryable, size: number, lines: readonly Uint8Array[]): Promise<void> {
    for (let start = 0; start < lines.length; start += INSERT_ROWS) {
      const chunk = lines.slice(start, start + INSERT_ROWS);
      const params: unknown[] = [this.#id];
      const values = chunk.map((line, i) => {
        params.push(size + start + i, Buffer.from(line.buffer, line.byteOffset, line.byteLength));
        return `($1, $${params.length - 1}, $${params.length})`;
      });
      await tx.query(`INSERT INTO ${this.#t.lines} (log, idx, bytes) VALUES ${values.join(', ')}`, params);
    }
    await tx.query(`UPDATE ${this.#t.logs} SET size = $2 WHERE id = $1`, [this.#id, size + lines.length]);
  }

  /**
   * The lines and their checkpoint in ONE transaction: one commit (one WAL flush) per append
   * instead of two, and the append is committed with its lines or not at all (no uncommitted
   * lines are ever left behind, stronger than the contract).
   */
  async commitAppend(lines: readonly Uint8Array[], size: number, text: string): Promise<void> {
    this.#requireLock('commitAppend');
    this.#checkLines(lines);
    await this.#mutate('commitAppend', async (tx, head) => {
      if (size !== head.size + lines.length) throw contract(this.location, `checkpoint for size ${size} over ${head.size + lines.length} lines`);
      if (lines.length > 0) await this.#insertLines(tx, head.size, lines);
      await this.#recordCheckpoint(tx, head.latest, size, text);
    });
  }

  async truncate(size: number): Promise<number> {
    this.#requireLock('truncate');
    if (!Number.isSafeInteger(size) || size < 0) throw contract(this.location, `truncate to ${size}`);
    return this.#mutate('truncate', async (tx, head) => {
      const { rows: cps } = await tx.query<{ max: unknown }>(`SELECT max(size) AS max FROM ${this.#t.checkpoints} WHERE log = $1`, [this.#id]);
      const committed = cps[0]?.max ?? null;
      if (committed !== null && size < toInt(committed)) throw contract(this.location, `truncate to ${size} below the checkpoint at size ${toInt(committed)}`);
      if (size > head.size) throw contract(this.location, `truncate to ${size} lines but only ${head.size} exist`);
      if (size === head.size) return 0;
      const { rows } = await tx.query<{ removed: unknown }>(
        `WITH gone AS (DELETE FROM ${this.#t.lines} WHERE log = $1 AND idx >= $2 RETURNING octet_length(bytes) + 1 AS n) SELECT coalesce(sum(n), 0) AS removed FROM gone`,
        [this.#id, size],
      );
      await tx.query(`UPDATE ${this.#t.logs} SET size = $2 WHERE id = $1`, [this.#id, size]);
      return toInt(rows[0]!.removed);
    });
  }

  // ---- checkpoints ----

  async readCheckpoint(): Promise<string | null> {
    const rows = await this.#read<{ text: string }>('reading the checkpoint', `SELECT c.text FROM ${this.#t.logs} h JOIN ${this.#t.checkpoints} c ON c.log = h.id AND c.size = h.latest WHERE h.id = $1`, [this.#id]);
    return rows.length === 0 ? null : rows[0]!.text;
  }

  async writeCheckpoint(size: number, text: string): Promise<void> {
    this.#requireLock('writeCheckpoint');
    await this.#mutate('writeCheckpoint', async (tx, head) => {
      if (size !== head.size) throw contract(this.location, `checkpoint for size ${size} over ${head.size} lines`);
      await this.#recordCheckpoint(tx, head.latest, size, text);
    });
  }

  /** The history row and the pointer (inside a mutation whose lines number `size`). */
  async #recordCheckpoint(tx: SqlQueryable, latest: number | null, size: number, text: string): Promise<void> {
    if (latest !== null && size < latest) throw contract(this.location, `checkpoint size ${size} is smaller than the committed ${latest}`);
    const { rows } = await tx.query<{ text: string }>(`SELECT text FROM ${this.#t.checkpoints} WHERE log = $1 AND size = $2`, [this.#id, size]);
    if (rows.length > 0 && rows[0]!.text !== text) throw contract(this.location, `checkpoint at size ${size} already exists with different content`);
    // History row and pointer in one transaction: this commit is the commit point of the append.
    if (rows.length === 0) await tx.query(`INSERT INTO ${this.#t.checkpoints} (log, size, text) VALUES ($1, $2, $3)`, [this.#id, size, text]);
    await tx.query(`UPDATE ${this.#t.logs} SET latest = $2 WHERE id = $1`, [this.#id, size]);
  }

  async listCheckpoints(): Promise<number[]> {
    const rows = await this.#read<{ size: unknown }>('listing checkpoints', `SELECT size FROM ${this.#t.checkpoints} WHERE log = $1 ORDER BY size`, [this.#id]);
    return rows.map((r) => toInt(r.size));
  }

  async readCheckpointAt(size: number): Promise<string | null> {
    if (!Number.isSafeInteger(size) || size < 0) return null;
    const rows = await this.#read<{ text: string }>('reading a checkpoint', `SELECT text FROM ${this.#t.checkpoints} WHERE log = $1 AND size = $2`, [this.#id, size]);
    return rows.length === 0 ? null : rows[0]!.text;
  }

  // ---- tree-state cache ----

  async readTreeState(): Promise<string | null> {
    const rows = await this.#read<{ tree_state: string | null }>('reading the tree state', `SELECT tree_state FROM ${this.#t.logs} WHERE id = $1`, [this.#id]);
    return rows[0]?.tree_state ?? null;
  }

  async writeTreeState(text: string): Promise<void> {
    const session = this.#requireLock('writeTreeState');
    try {
      await session.query(`UPDATE ${this.#t.logs} SET tree_state = $2 WHERE id = $1`, [this.#id, text]);
    } catch (err) {
      throw dbError('writing the tree state', this.location, err);
    }
  }

  // ---- subjects side store ----

  async #rawSubjects(q: SqlQueryable | null): Promise<SubjectRecord[]> {
    const text = `SELECT pos, record FROM ${this.#t.subjects} WHERE log = $1 ORDER BY pos`;
    const rows = q === null ? await this.#read<{ pos: unknown; record: string }>('reading subjects', text, [this.#id]) : (await q.query<{ pos: unknown; record: string }>(text, [this.#id])).rows;
    return rows.map((r) => {
      const record = parseSubjectRecord(r.record);
      if (record === null) throw new LedgerError('IO', `malformed subject record at position ${toInt(r.pos)} of ${this.location}`, { hint: 'restore ledger_subjects from a backup' });
      return record;
    });
  }

  async #keyring(q: SqlQueryable | null): Promise<WrappedSubjectKey[]> {
    const text = `SELECT kid, record FROM ${this.#t.subjectKeys} WHERE log = $1 ORDER BY kid`;
    const rows = q === null ? await this.#read<{ kid: string; record: string }>('reading subject keys', text, [this.#id]) : (await q.query<{ kid: string; record: string }>(text, [this.#id])).rows;
    return rows.map((r) => {
      const key = parseWrappedKey(r.record);
      if (key === null || key.kid !== r.kid) throw new LedgerError('IO', `malformed subject key ${JSON.stringify(r.kid)} of ${this.location}`, { hint: 'restore ledger_subject_keys from a backup' });
      return key;
    });
  }

  async readSubjects(): Promise<SubjectRecord[]> {
    return this.#vault.open(await this.#rawSubjects(null), await this.#keyring(null));
  }

  async subjectsAtRest(): Promise<SubjectsAtRest> {
    return this.#vault.atRest(await this.#rawSubjects(null), await this.#keyring(null));
  }

  /**
   * The keyring as stored: every subject key still wrapped under its KEK (never unwrapped here).
   * For `trailmark ledger export`, which carries it beside the sealed records.
   */
  async readSubjectKeyring(): Promise<WrappedSubjectKey[]> {
    return this.#keyring(null);
  }

  /**
   * Stores wrapped subject keys as they are, into a log whose keyring and side store are still
   * empty (`trailmark ledger import`, before the records they open). Holds the lock.
   */
  async importSubjectKeyring(keys: readonly WrappedSubjectKey[]): Promise<void> {
    this.#requireLock('importSubjectKeyring');
    if (keys.length === 0) return;
    await this.#mutate('importSubjectKeyring', async (tx) => {
      const { rows } = await tx.query<{ n: unknown }>(`SELECT (SELECT count(*) FROM ${this.#t.subjectKeys} WHERE log = $1) + (SELECT count(*) FROM ${this.#t.subjects} WHERE log = $1) AS n`, [this.#id]);
      if (toInt(rows[0]!.n) > 0) throw new UsageError('BAD_INPUT', `${this.location} already holds subject records or keys: import only into a new log`, { hint: 'pass a new --log name' });
      await this.#insertKeys(tx, keys);
    });
  }

  // Keyring and records change in one transaction: both or neither.
  async appendSubjects(records: readonly SubjectRecord[]): Promise<void> {
    this.#requireLock('appendSubjects');
    if (records.length === 0) return;
    await this.#mutate('appendSubjects', async (tx) => {
      const sealed = this.#vault.sealAppend(records, await this.#keyring(tx));
      if (sealed.replaceKeyring) await tx.query(`DELETE FROM ${this.#t.subjectKeys} WHERE log = $1`, [this.#id]);
      await this.#insertKeys(tx, sealed.keys);
      const { rows } = await tx.query<{ next: unknown }>(`SELECT coalesce(max(pos) + 1, 0) AS next FROM ${this.#t.subjects} WHERE log = $1`, [this.#id]);
      await this.#insertSubjects(tx, toInt(rows[0]!.next), sealed.records);
    });
  }

  async rewriteSubjects(records: readonly SubjectRecord[]): Promise<void> {
    this.#requireLock('rewriteSubjects');
    await this.#mutate('rewriteSubjects', async (tx) => {
      const sealed = this.#vault.sealRewrite(records, await this.#keyring(tx));
      await tx.query(`DELETE FROM ${this.#t.subjectKeys} WHERE log = $1`, [this.#id]);
      await this.#insertKeys(tx, sealed.keyring);
      await tx.query(`DELETE FROM ${this.#t.subjects} WHERE log = $1`, [this.#id]);
      await this.#insertSubjects(tx, 0, sealed.records);
    });
  }

  async #insertKeys(tx: SqlQueryable, keys: readonly WrappedSubjectKey[]): Promise<void> {
    for (let start = 0; start < keys.length; start += INSERT_ROWS) {
      const params: unknown[] = [this.#id];
      const values = keys.slice(start, start + INSERT_ROWS).map((k) => {
        params.push(k.kid, formatWrappedKey(k));
        return `($1, $${params.length - 1}, $${params.length})`;
      });
      await tx.query(`INSERT INTO ${this.#t.subjectKeys} (log, kid, record) VALUES ${values.join(', ')}`, params);
    }
  }

  async #insertSubjects(tx: SqlQueryable, first: number, records: readonly SubjectRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += INSERT_ROWS) {
      const params: unknown[] = [this.#id];
      const values = records.slice(start, start + INSERT_ROWS).map((r, i) => {
        params.push(first + start + i, formatSubjectRecord(r));
        return `($1, $${params.length - 1}, $${params.length})`;
      });
      await tx.query(`INSERT INTO ${this.#t.subjects} (log, pos, record) VALUES ${values.join(', ')}`, params);
    }
  }
}
