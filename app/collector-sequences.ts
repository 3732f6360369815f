// Per device, what the collector accepted: seq -> id, id -> (seq, receipt digest), the highest
// seq and the gaps below it (engine/collector.ts DeviceLedger), in
// `installations/<id>/collector/<device>.json` (StateFile: atomic replace). Updates of one device
// are serialized here, and across replicas in the PostgreSQL mode (the document's advisory
// lock, app/pg/documents.ts); each batch reads the document once and writes it once.
//
// Crash consistency: the document is written after the batch's records were stored and their
// `record` entries appended. A crash before the write makes the replayed batch process them
// again, which stores nothing twice (content-addressed files, ledger job key = record id).
import { join } from 'node:path';
import { EMPTY_DEVICE_LEDGER, isDeviceId, type DeviceLedger } from '../src/engine/collector.js';
import { stateDoc, type StateDoc, type StateFileOptions } from './state-file.js';

export class DeviceSequences {
  readonly #chains = new Map<string, Promise<unknown>>();

  constructor(readonly dataDir: string, readonly stateFiles: StateFileOptions = {}) {}

  #path(installationId: number, device: string): string {
    if (!isDeviceId(device)) throw new Error(`invalid device id ${JSON.stringify(device)}`);
    return join(this.dataDir, 'installations', String(installationId), 'collector', `${device}.json`);
  }

  #file(installationId: number, device: string): StateDoc<DeviceLedger> {
    return stateDoc<DeviceLedger>(this.#path(installationId, device), () => ({ ...EMPTY_DEVICE_LEDGER }), this.stateFiles);
  }

  /**
   * Runs `work` with the device's document, after every earlier call for the device; writes back
   * what `work` returns as `state`.
   */
  with<T>(installationId: number, device: string, work: (state: DeviceLedger) => Promise<{ readonly state: DeviceLedger; readonly result: T }>): Promise<T> {
    const key = `${installationId}/${device}`;
    const previous = this.#chains.get(key) ?? Promise.resolve();
    const run = async () => {
      const file = this.#file(installationId, device);
      const doc = await file.read();
      const { state, result } = await work({ ...EMPTY_DEVICE_LEDGER, ...doc });
      await file.update((d) => Object.assign(d, state));
      return result;
    };
    // Several replicas (PostgreSQL mode): one batch of a device at a time across them too.
    const documents = this.stateFiles.documents;
    const next = previous.then(() => (documents === undefined ? run() : documents.exclusive(this.#path(installationId, device), run)));
    this.#chains.set(key, next.catch(() => undefined));
    return next;
  }
}
