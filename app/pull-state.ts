// Per-installation state beside the ledger: for each pull request, the approvals (digests only)
// and the remediations made on it, which later analyses pass to the engine.
import { join } from 'node:path';
import type { Remediation } from '../src/core/types.js';
import { stateDoc, type StateDoc, type StateFileOptions } from './state-file.js';

export interface ApprovalState {
  readonly review: number;
  readonly head: string;
  readonly digest: string;
}

export interface PullState {
  approvals: ApprovalState[];
  remediations: Remediation[];
  /** Policy version of the last analysis, written into the App's own entries for the pull request. */
  policy?: string;
}

type Document = Record<string, PullState>;

export class PullStateStore {
  readonly #files = new Map<number, StateDoc<Document>>();

  constructor(readonly dataDir: string, readonly options: StateFileOptions = {}) {}

  installationDir(installationId: number): string {
    return join(this.dataDir, 'installations', String(installationId));
  }

  #file(installationId: number): StateDoc<Document> {
    let f = this.#files.get(installationId);
    if (f === undefined) {
      f = stateDoc(join(this.installationDir(installationId), 'pulls.json'), () => ({}), this.options);
      this.#files.set(installationId, f);
    }
    return f;
  }

  async get(installationId: number, pull: string): Promise<PullState> {
    return (await this.#file(installationId).read())[pull] ?? { approvals: [], remediations: [] };
  }

  update(installationId: number, pull: string, change: (s: PullState) => void): Promise<void> {
    return this.#file(installationId).update((doc) => {
      const s = doc[pull] ?? { approvals: [], remediations: [] };
      change(s);
      doc[pull] = s;
    });
  }

  /** Forgets every pull request of an installation (the ledger stays: it is a signed record). */
  async clear(installationId: number): Promise<void> {
    await this.#file(installationId).update((doc) => {
      for (const key of Object.keys(doc)) delete doc[key];
    });
  }
}
