// Per device, what the collector accepted: seq -> id, id -> (seq, receipt digest), the highest
// seq and the gaps below it (engine/collector.ts DeviceLedger), in
// `installations/<id>/collector/<device>.json` (StateFile: atomic replace). Updates of one device
// are serialized here; each batch reads the document once and writes it once.
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

  #file(installationId: number, device: string): StateDoc<DeviceLedger> {
    if (!isDeviceId(device)) throw new Error(`invalid device id ${JSON.stringify(device)}`);
    return stateDoc<DeviceLedger>(join(this.dataDir, 'installations', String(installationId), 'collector', `${device}.json`), () => ({ ...EMPTY_DEVICE_LEDGER }), this.stateFiles);
  }

  /**
   * Runs `work` with the device's document, after every earlier call for the device; writes back
   * what `work` returns as `state`.
   */
  with<T>(installationId: number, device: string, work: (state: DeviceLedger) => Promise<{ readonly state: DeviceLedger; readonly result: T }>): Promise<T> {
    const key = `${installationId}/${device}`;
    const previous = this.#chains.get(key) ?? Promise.resolve();
    const next = previous.then(async () => {
      const file = this.#file(installationId, device);
      const doc = await file.read();
      const { state, result } = await work({ ...EMPTY_DEVICE_LEDGER, ...doc });
      await file.update((d) => Object.assign(d, state));
      return result;
    });
    this.#chains.set(key, next.catch(() => undefined));
    return next;
  }
}
