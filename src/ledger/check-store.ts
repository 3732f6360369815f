// Feeds a store's bytes to the pure verifier (./verify.ts), streaming: one line at a time.
// Read-only: takes no lock, repairs nothing; a torn tail is reported, not removed.
import type { NoteVerifier } from './note.js';
import type { LedgerStore } from './store.js';
import { LedgerVerifier, type VerifyReport } from './verify.js';

export async function verifyStore(store: LedgerStore, keys: readonly NoteVerifier[]): Promise<VerifyReport> {
  const history: { size: number; text: string }[] = [];
  for (const size of await store.listCheckpoints()) {
    const text = await store.readCheckpointAt(size);
    if (text !== null) history.push({ size, text });
  }
  const verifier = new LedgerVerifier({ keys, latest: await store.readCheckpoint(), history });
  for await (const line of store.readLines(0)) {
    if (!verifier.line(line)) break;
  }
  // Read after the lines: a concurrent append may have completed a line meanwhile; a tail torn
  // now is reported as torn, which a reader racing a writer can legitimately see.
  const { tornBytes } = await store.tail();
  return verifier.end(tornBytes);
}
