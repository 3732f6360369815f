// Idempotency by `X-GitHub-Delivery`: a delivery id is remembered once its work is durably
// queued, so a redelivery (manual or automatic) never appends to the ledger twice.
// `DeliveryLog` keeps the ids in the data directory (one process); app/pg/deliveries.ts keeps
// them in PostgreSQL, where `claim` makes one replica of several the one that queues a delivery.
import { join } from 'node:path';
import { StateFile, type StateFileOptions } from './state-file.js';

/** Delivery ids remembered; GitHub redelivers within days, far fewer than this many events. */
export const REMEMBERED_DELIVERIES = 20_000;

/** What the webhook path needs: has(), then claim() before queueing, then remember() (or release() when queueing failed). */
export interface Deliveries {
  /** Whether the delivery was queued already (or is being queued by another replica right now). */
  has(id: string): Promise<boolean>;
  /** Claims the delivery for this process; false when another process claimed or queued it first. */
  claim(id: string): Promise<boolean>;
  /** Gives up a claim whose job could not be queued (the redelivery may claim it again). */
  release(id: string): Promise<void>;
  /** Records the delivery as queued. */
  remember(id: string): Promise<void>;
}

export class DeliveryLog implements Deliveries {
  readonly #file: StateFile<string[]>;

  constructor(dataDir: string, options: StateFileOptions = {}) {
    this.#file = new StateFile(join(dataDir, 'deliveries.json'), () => [], options);
  }

  async has(id: string): Promise<boolean> {
    return (await this.#file.read()).includes(id);
  }

  /** One process owns the data directory: nothing else can claim. */
  claim(_id: string): Promise<boolean> {
    return Promise.resolve(true);
  }

  release(_id: string): Promise<void> {
    return Promise.resolve();
  }

  async remember(id: string): Promise<void> {
    await this.#file.update((ids) => {
      if (!ids.includes(id)) ids.push(id);
      if (ids.length > REMEMBERED_DELIVERIES) ids.splice(0, ids.length - REMEMBERED_DELIVERIES);
    });
  }
}
