// Registered devices and their upload tokens, in `<data dir>/collector/devices.json` (StateFile:
// replaced atomically, serialized per process). Only the SHA-256 of a token is kept: a copy of
// the file does not let anyone upload. A device id belongs to one login per installation; the
// same user registering the device again replaces its token (the old one stops working).
import { join } from 'node:path';
import { stateDoc, type StateDoc, type StateFileOptions } from './state-file.js';

export interface DeviceGrant {
  readonly installation: number;
  readonly login: string;
  readonly device: string;
  /** The repository the device was registered with (OWNER/NAME). */
  readonly repository: string;
  /** RFC 3339. */
  readonly created: string;
  readonly name?: string;
}

interface DevicesDocument {
  /** hex SHA-256 of the token -> grant. */
  tokens: Record<string, DeviceGrant>;
}

export type Registration = { readonly status: 'registered' } | { readonly status: 'taken'; readonly by: string };

export class DeviceRegistry {
  readonly #file: StateDoc<DevicesDocument>;

  constructor(dataDir: string, stateFiles: StateFileOptions = {}) {
    this.#file = stateDoc<DevicesDocument>(join(dataDir, 'collector', 'devices.json'), () => ({ tokens: {} }), stateFiles);
  }

  /** The grant of a token hash, or null (unknown or revoked). */
  async lookup(tokenHash: string): Promise<DeviceGrant | null> {
    const doc = await this.#file.read();
    const tokens = doc.tokens ?? {};
    return Object.hasOwn(tokens, tokenHash) ? tokens[tokenHash]! : null;
  }

  /** Adds `grant` under `tokenHash`, dropping the login's earlier tokens for the device; refuses a device another login holds. */
  register(tokenHash: string, grant: DeviceGrant): Promise<Registration> {
    return this.#file.update((doc) => {
      doc.tokens ??= {};
      for (const [hash, g] of Object.entries(doc.tokens)) {
        if (g.installation !== grant.installation || g.device !== grant.device) continue;
        if (g.login !== grant.login) return { status: 'taken', by: g.login } as const;
        delete doc.tokens[hash];
      }
      doc.tokens[tokenHash] = grant;
      return { status: 'registered' } as const;
    });
  }

  /** The grants of `device` (every installation, every holder). */
  async grantsOf(device: string): Promise<DeviceGrant[]> {
    const doc = await this.#file.read();
    return Object.values(doc.tokens ?? {}).filter((g) => g.device === device);
  }

  /** Revokes every token of `device` held by `login`; returns how many. */
  revoke(device: string, login: string): Promise<number> {
    return this.#file.update((doc) => {
      doc.tokens ??= {};
      let n = 0;
      for (const [hash, g] of Object.entries(doc.tokens)) {
        if (g.device === device && g.login === login) {
          delete doc.tokens[hash];
          n++;
        }
      }
      return n;
    });
  }
}
