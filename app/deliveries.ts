// Idempotency by `X-GitHub-Delivery`: a delivery id is remembered once its work is durably
// queued, so a redelivery (manual or automatic) never appends to the ledger twice.
import { join } from 'node:path';
import { StateFile, type StateFileOptions } from './state-file.js';

/** Delivery ids remembered; GitHub redelivers within days, far fewer than this many events. */
export const REMEMBERED_DELIVERIES = 20_000;

export class DeliveryLog {
  readonly #file: StateFile<string[]>;

  constructor(dataDir: string, options: StateFileOptions = {}) {
    this.#file = new StateFile(join(dataDir, 'deliveries.json'), () => [], options);
  }

  async has(id: string): Promise<boolean> {
    return (await this.#file.read()).includes(id);
  }

  async remember(id: string): Promise<void> {
    await this.#file.update((ids) => {
      if (!ids.includes(id)) ids.push(id);
      if (ids.length > REMEMBERED_DELIVERIES) ids.splice(0, ids.length - REMEMBERED_DELIVERIES);
    });
  }
}
