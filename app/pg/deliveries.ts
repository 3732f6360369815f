// Delivery ids in PostgreSQL (`app_deliveries`), exactly once across replicas: `claim` is one
// INSERT ... ON CONFLICT, so when the same delivery reaches two replicas at once exactly one of
// them queues its job. A claim is confirmed (`queued`) once the job is durably queued.
//
// A replica killed between its claim and the queueing leaves an unconfirmed claim; GitHub's
// redelivery of that delivery takes it over once it is older than CLAIM_TIMEOUT_SECONDS (a claim
// is held for the milliseconds an enqueue takes). Ids older than REMEMBER_DAYS are forgotten
// (GitHub redelivers within days).
import { quoteSchema, type SqlClient } from '../../src/ledger/store/postgres.js';
import type { Deliveries } from '../deliveries.js';

export const CLAIM_TIMEOUT_SECONDS = 300;
export const REMEMBER_DAYS = 30;

export class PgDeliveryLog implements Deliveries {
  readonly #table: string;
  #remembered = 0;

  constructor(readonly sql: SqlClient, schema: string) {
    this.#table = `${quoteSchema(schema)}.app_deliveries`;
  }

  async has(id: string): Promise<boolean> {
    const { rows } = await this.sql.query(
      `SELECT 1 FROM ${this.#table} WHERE id = $1 AND (queued OR claimed_at > now() - make_interval(secs => $2))`, [id, CLAIM_TIMEOUT_SECONDS]);
    return rows.length > 0;
  }

  async claim(id: string): Promise<boolean> {
    const { rows } = await this.sql.query(
      `INSERT INTO ${this.#table} AS d (id) VALUES ($1)
       ON CONFLICT (id) DO UPDATE SET claimed_at = now()
         WHERE NOT d.queued AND d.claimed_at <= now() - make_interval(secs => $2)
       RETURNING id`, [id, CLAIM_TIMEOUT_SECONDS]);
    return rows.length === 1;
  }

  async release(id: string): Promise<void> {
    await this.sql.query(`DELETE FROM ${this.#table} WHERE id = $1 AND NOT queued`, [id]);
  }

  async remember(id: string): Promise<void> {
    await this.sql.query(`INSERT INTO ${this.#table} AS d (id, queued) VALUES ($1, true) ON CONFLICT (id) DO UPDATE SET queued = true`, [id]);
    // Forget old ids now and then (every 100th remember of this process), not on every delivery.
    if (this.#remembered++ % 100 === 0) {
      await this.sql.query(`DELETE FROM ${this.#table} WHERE claimed_at < now() - make_interval(days => $1)`, [REMEMBER_DAYS]);
    }
  }
}
