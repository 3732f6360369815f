// Capture records in PostgreSQL (`app_records`): the same content-addressed records, receipt
// marks and audit-only traces as app/record-store.ts's files, per installation and lower-cased
// repository, shared by every replica. Each write is one transaction: the record and its
// receipt mark commit together (the file layout needs the marker-first order for that).
import { createHash } from 'node:crypto';
import type { CaptureRecordStore, RawRecord, StoredCaptureRecord } from '../../src/core/ports.js';
import { quoteSchema, toInt, type SqlClient, type SqlQueryable } from '../../src/ledger/store/postgres.js';
import { isRepositoryName, RECORD_FILES_PER_REPOSITORY_MAX, type Records } from '../record-store.js';

const KID = /^[A-Za-z0-9_.+:/-]{1,200}$/;

type Stored = { digest: string; stored: boolean };

export class PgRecordStore implements Records {
  readonly #table: string;

  constructor(readonly sql: SqlClient, readonly schema: string) {
    this.#table = `${quoteSchema(schema)}.app_records`;
  }

  #repository(owner: string, repo: string): string {
    if (!isRepositoryName(owner, repo)) throw new Error(`invalid repository name ${JSON.stringify(`${owner}/${repo}`)}`);
    return `${owner.toLowerCase()}/${repo.toLowerCase()}`;
  }

  put(installationId: number, owner: string, repo: string, text: string): Promise<Stored | null> {
    return this.#put(installationId, owner, repo, 'record', text, null);
  }

  putReceipted(installationId: number, owner: string, repo: string, text: string, kid: string): Promise<Stored | null> {
    return this.#put(installationId, owner, repo, 'record', text, kid);
  }

  async putAudit(installationId: number, owner: string, repo: string, text: string): Promise<Stored> {
    return (await this.#put(installationId, owner, repo, 'audit', text, null))!;
  }

  async #put(installation: number, owner: string, repo: string, kind: 'record' | 'audit', text: string, kid: string | null): Promise<Stored | null> {
    const repository = this.#repository(owner, repo);
    const hex = createHash('sha256').update(text, 'utf8').digest('hex');
    const digest = `sha256:${hex}`;
    return await this.sql.transaction(async (tx) => {
      // One writer per repository at a time, so the limit holds across replicas.
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`trailmark app_records ${this.schema} ${installation} ${repository}`]);
      const key = [installation, kind, repository, hex];
      const found = await tx.query<{ kid: string | null }>(`SELECT kid FROM ${this.#table} WHERE installation = $1 AND kind = $2 AND repository = $3 AND digest = $4`, key);
      if (found.rows.length > 0) {
        if (kid !== null && found.rows[0]!.kid === null) await tx.query(`UPDATE ${this.#table} SET kid = $5 WHERE installation = $1 AND kind = $2 AND repository = $3 AND digest = $4`, [...key, kid]);
        return { digest, stored: false };
      }
      if (kind === 'record' && (await this.#count(tx, installation, repository)) >= RECORD_FILES_PER_REPOSITORY_MAX) return null;
      await tx.query(`INSERT INTO ${this.#table} (installation, kind, repository, digest, kid, body) VALUES ($1, $2, $3, $4, $5, $6)`, [...key, kid, text]);
      return { digest, stored: true };
    });
  }

  async #count(tx: SqlQueryable, installation: number, repository: string): Promise<number> {
    const { rows } = await tx.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${this.#table} WHERE installation = $1 AND kind = 'record' AND repository = $2`, [installation, repository]);
    return toInt(rows[0]!.n);
  }

  async load(installationId: number, owner: string, repo: string): Promise<RawRecord[]> {
    if (!isRepositoryName(owner, repo)) return [];
    const { rows } = await this.sql.query<{ digest: string; kid: string | null; body: string }>(
      `SELECT digest, kid, body FROM ${this.#table} WHERE installation = $1 AND kind = 'record' AND repository = $2 ORDER BY digest`, [installationId, this.#repository(owner, repo)]);
    return rows.map((r) => {
      const kid = r.kid !== null && KID.test(r.kid) ? r.kid : null;
      const short = r.digest.slice(0, 12);
      return { format: 'agent-trace' as const, origin: kid === null ? `collector:${short}` : `collector receipt ${kid} ${short}`, text: r.body };
    });
  }

  /** The installation's records as the engine's CaptureRecordStore (retention). */
  captureStore(installationId: number): CaptureRecordStore {
    return {
      location: `${this.sql.label} ${this.schema}.app_records installation ${installationId}`,
      list: async () => {
        const { rows } = await this.sql.query<{ digest: string; repository: string; stored_at: unknown }>(
          `SELECT digest, repository, stored_at FROM ${this.#table} WHERE installation = $1 AND kind = 'record' ORDER BY repository, digest`, [installationId]);
        return rows.map((r): StoredCaptureRecord => ({ digest: `sha256:${r.digest}`, repository: r.repository, storedAt: new Date(r.stored_at as string | Date).getTime() }));
      },
      remove: async (records) => {
        let removed = 0;
        for (const r of records) {
          const { rows } = await this.sql.query(`DELETE FROM ${this.#table} WHERE installation = $1 AND kind = 'record' AND repository = $2 AND digest = $3 RETURNING digest`, [installationId, r.repository, r.digest.slice('sha256:'.length)]);
          removed += rows.length;
        }
        return removed;
      },
    };
  }
}
