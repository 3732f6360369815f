// The App's small state documents (pull-request state, job indexes, collector devices and
// sequences, the retention day) as rows of `app_documents` (PostgreSQL mode): the same JSON the
// data-directory mode writes to files (state-file.ts), named by the file's path relative to the
// data directory (`installations/12/pulls.json`), so the two modes hold the same documents.
//
// `update` runs in one transaction: the row is created empty when missing (INSERT ... ON
// CONFLICT DO NOTHING), locked (SELECT ... FOR UPDATE), changed, written back. Two replicas
// updating one document queue on the row lock; neither loses the other's change. `read` takes no
// lock and sees the last committed document.
//
// A body that does not parse or has the wrong top-level shape is kept under
// `<name>.corrupt-<epoch ms>-<n>` with one error line, and the document starts from empty, as a
// quarantined state file does.
import { relative, sep } from 'node:path';
import { describeError } from '../../src/core/errors.js';
import { systemClock, type Clock } from '../../src/core/ports.js';
import { advisoryKey, quoteSchema, type SqlClient, type SqlQueryable } from '../../src/ledger/store/postgres.js';
import { sameShape, type StateDoc, type StateDocuments } from '../state-file.js';

export interface PgDocumentsOptions {
  readonly schema: string;
  /** The data directory the file paths are relative to. */
  readonly root: string;
  readonly clock?: Clock;
  readonly report?: (line: string) => void;
}

let quarantineCounter = 0;

export class PgDocuments implements StateDocuments {
  readonly #table: string;
  readonly #clock: Clock;
  readonly #report: (line: string) => void;

  constructor(readonly sql: SqlClient, readonly o: PgDocumentsOptions) {
    this.#table = `${quoteSchema(o.schema)}.app_documents`;
    this.#clock = o.clock ?? systemClock;
    this.#report = o.report ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /** The row name of the file at `path` (under the data directory). */
  nameOf(path: string): string {
    const rel = relative(this.o.root, path);
    if (rel === '' || rel.startsWith('..') || rel.startsWith(sep)) throw new Error(`state document ${path} is outside the data directory ${this.o.root}`);
    return rel.split(sep).join('/');
  }

  open<T>(path: string, empty: () => T): StateDoc<T> {
    return this.document(this.nameOf(path), empty);
  }

  /** The document named `name` (a path relative to the data directory, `/`-separated). */
  document<T>(name: string, empty: () => T): StateDoc<T> {
    return {
      read: async () => (await this.#parse(this.sql, name, (await this.sql.query<{ body: string }>(`SELECT body FROM ${this.#table} WHERE name = $1`, [name])).rows[0]?.body, empty)),
      update: <R>(change: (doc: T) => R) => this.sql.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${this.#table} (name, body) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [name, JSON.stringify(empty())]);
        const { rows } = await tx.query<{ body: string }>(`SELECT body FROM ${this.#table} WHERE name = $1 FOR UPDATE`, [name]);
        const doc = await this.#parse(tx, name, rows[0]?.body, empty);
        const out = change(doc);
        await tx.query(`UPDATE ${this.#table} SET body = $2, updated_at = now() WHERE name = $1`, [name, JSON.stringify(doc)]);
        return out;
      }),
    };
  }

  /** Runs `fn` holding the document's advisory lock (a dedicated session; released when it ends or dies). */
  async exclusive<R>(path: string, fn: () => Promise<R>): Promise<R> {
    const session = await this.sql.lockedSession(advisoryKey('app-document', this.o.schema, this.nameOf(path)));
    try {
      return await fn();
    } finally {
      await session.release();
    }
  }

  /** Names of the documents under `prefix` (e.g. `installations/`), sorted. */
  async names(prefix: string): Promise<string[]> {
    const { rows } = await this.sql.query<{ name: string }>(`SELECT name FROM ${this.#table} WHERE starts_with(name, $1) ORDER BY name`, [prefix]);
    return rows.map((r) => r.name);
  }

  async #parse<T>(sql: SqlQueryable, name: string, body: string | undefined, empty: () => T): Promise<T> {
    const fresh = empty();
    if (body === undefined) return fresh;
    let doc: unknown;
    let problem: string | undefined;
    try {
      doc = JSON.parse(body);
      if (!sameShape(doc, fresh)) problem = `top level is ${Array.isArray(doc) ? 'an array' : doc === null ? 'null' : typeof doc}, not ${Array.isArray(fresh) ? 'an array' : 'an object'}`;
    } catch (err) {
      problem = describeError(err);
    }
    if (problem === undefined) return doc as T;
    const target = `${name}.corrupt-${this.#clock.now()}-${process.pid}-${quarantineCounter++}`;
    await sql.query(`INSERT INTO ${this.#table} (name, body) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [target, body]);
    await sql.query(`UPDATE ${this.#table} SET body = $2, updated_at = now() WHERE name = $1`, [name, JSON.stringify(fresh)]);
    this.#report(`trailmark: error: state document ${name} is corrupt (${problem}); kept as ${target}, continuing with an empty document`);
    return fresh;
  }
}
