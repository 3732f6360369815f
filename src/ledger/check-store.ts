// Feeds a store's bytes to the pure verifier (./verify.ts), streaming: one line at a time.
// Read-only: takes no lock, repairs nothing; a torn tail is reported, not removed.
// Past a threshold, entries are checked in worker threads (./verify-pool.ts); the report is
// the same as with one thread.
import type { NoteVerifier } from './note.js';
import type { LedgerStore } from './store.js';
import { LedgerVerifier, type VerifyReport } from './verify.js';
import { ParallelFeed, type ParallelOptions } from './verify-pool.js';

export type VerifyStoreOptions = ParallelOptions;

export async function verifyStore(store: LedgerStore, keys: readonly NoteVerifier[], options: VerifyStoreOptions = {}): Promise<VerifyReport> {
  // Sizes only (8 bytes each); each checkpoint text is read when the stream reaches its size.
  const sizes = await store.listCheckpoints();
  const verifier = new LedgerVerifier({ keys, latest: await store.readCheckpoint() });
  const feed = new ParallelFeed(verifier, keys, options);
  try {
    let next = 0;
    const feedCheckpoints = async (upTo: number) => {
      while (next < sizes.length && sizes[next]! <= upTo) {
        const size = sizes[next++]!;
        const text = await store.readCheckpointAt(size);
        if (text !== null) feed.checkpoint(size, text);
      }
    };
    let fed = 0;
    await feedCheckpoints(0);
    for await (const line of store.readLines(0)) {
      const more = feed.line(line);
      if (!(more === true || (more !== false && (await more)))) break;
      fed++;
      if (next < sizes.length && sizes[next] === fed) await feedCheckpoints(fed);
    }
    await feedCheckpoints(Number.MAX_SAFE_INTEGER);
    await feed.finish();
  } finally {
    await feed.close();
  }
  // Read after the lines: a concurrent append may have completed a line meanwhile; a tail torn
  // now is reported as torn, which a reader racing a writer can legitimately see.
  const { tornBytes } = await store.tail();
  return verifier.end(tornBytes);
}
