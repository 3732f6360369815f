// One ledger per installation under TRAILMARK_DATA_DIR/installations/<id>/ledger, written
// through the directory store. Appends of one process are serialized per installation here;
// the store's lock file serializes them across processes.
import { join } from 'node:path';
import type { Clock, Random } from '../core/ports.js';
import { openLedger, type Ledger } from '../ledger/log.js';
import type { NoteSigner } from '../ledger/note.js';
import { openDirStore } from '../ledger/store/dir.js';

export class InstallationLedgers {
  readonly #chains = new Map<number, Promise<unknown>>();

  constructor(readonly dataDir: string, readonly signer: NoteSigner, readonly clock: Clock, readonly random: Random) {}

  dirOf(installationId: number): string {
    return join(this.dataDir, 'installations', String(installationId), 'ledger');
  }

  /** Runs `write` with the installation's ledger, after every earlier write of this process. */
  with<T>(installationId: number, write: (ledger: Ledger) => Promise<T>): Promise<T> {
    const previous = this.#chains.get(installationId) ?? Promise.resolve();
    const next = previous.then(async () => {
      const store = openDirStore(this.dirOf(installationId), { create: true });
      const ledger = await openLedger({ store, signer: this.signer, origin: this.signer.name, clock: this.clock, random: this.random });
      return write(ledger);
    });
    this.#chains.set(installationId, next.catch(() => undefined));
    return next;
  }
}
