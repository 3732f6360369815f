// Feeds a store's bytes to the pure verifier (./verify.ts), streaming: one line at a time.
// Read-only: takes no lock, repairs nothing; a torn tail is reported, not removed.
import type { NoteVerifier } from './note.js';
import type { LedgerStore } from './store.js';
import { LedgerVerifier, type VerifyReport } from './verify.js';

export async function verifyStore(store: LedgerStore, keys: readonly NoteVerifier[]): Promise<VerifyReport> {
  // Sizes only (8 bytes each); each checkpoint text is read when the stream reaches its size.
  const sizes = await store.listCheckpoints();
  const verifier = new LedgerVerifier({ keys, latest: await store.readCheckpoint() });
  let next = 0;
  const feed = async (upTo: number) => {
    while (next < sizes.length && sizes[next]! <= upTo) {
      const size = sizes[next++]!;
      const text = await store.readCheckpointAt(size);
      if (text !== null) verifier.checkpoint(size, text);
    }
  };
  let fed = 0;
  await feed(0);
  for await (const line of store.readLines(0)) {
    if (!verifier.line(line)) break;
    fed++;
    if (next < sizes.length && sizes[next] === fed) await feed(fed);
  }
  await feed(Number.MAX_SAFE_INTEGER);
  // Read after the lines: a concurrent append may have completed a line meanwhile; a tail torn
  // now is reported as torn, which a reader racing a writer can legitimately see.
  const { tornBytes } = await store.tail();
  return verifier.end(tornBytes);
}
