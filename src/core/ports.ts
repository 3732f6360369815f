// Effects enter the engine only through these ports. Implementations live in git/, github/,
// ledger/ stores and the adapters; tests use real implementations or in-memory fakes.

import type { ChangeSet } from './types.js';

/** Injected clock: the engine never reads the system time itself. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

// The one place the system clock is read; adapters pass it into the engine.
// eslint-disable-next-line no-restricted-properties
export const systemClock: Clock = { now: () => Date.now() };

/** Injected randomness (salts, nonces). */
export interface Random {
  bytes(n: number): Uint8Array;
}

/** System randomness (Web Crypto CSPRNG), for adapters to pass into the engine. */
export const systemRandom: Random = {
  bytes: (n) => {
    const out = new Uint8Array(n);
    // getRandomValues fills at most 65536 bytes per call.
    for (let o = 0; o < n; o += 65536) globalThis.crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
    return out;
  },
};

/** Loads a change set (local git, plain patch, GitHub API). */
export interface ChangeSource {
  load(): Promise<ChangeSet>;
}

/**
 * Raw capture records (Agent Trace JSON/JSONL, git-ai notes) as text, with where they came
 * from. Parsing and validation happen in attest/.
 */
export interface RawRecord {
  /** `agent-trace` | `git-ai` */
  readonly format: 'agent-trace' | 'git-ai';
  /** File path, URL or `refs/notes/ai:<sha>`: shown in evidence details. */
  readonly origin: string;
  /** Commit the record is attached to (git-ai notes), when known. */
  readonly commit?: string;
  readonly text: string;
}

export interface RecordSource {
  load(): Promise<readonly RawRecord[]>;
}
