// The per-entry half of verification, on a batch of lines: what a worker thread of the parallel
// verifier (./verify-worker.ts) runs, and what the calling thread runs itself while the workers
// are still starting (./verify-pool.ts). It checks each line without needing any other line
// (`verifyEntryLine(bytes, keys, null)`: size, UTF-8, canonical form, fields, key, Ed25519
// signature, body schema) and computes its two digests (the Merkle leaf hash and the line hash
// the next entry's `prev` names), so that the calling thread, which chains, counts and builds
// the tree in order, hashes nothing but interior Merkle nodes.
// It reports only where a batch first fails, not why: the calling thread re-runs that one line
// sequentially, so the problem reported is exactly the sequential verifier's.
import { hash } from 'node:crypto';
import { LedgerError } from '../core/errors.js';
import { HASH_SIZE, leafHash } from './merkle.js';
import type { NoteVerifier } from './note.js';
import { verifyEntryLine } from './verify.js';

/** A batch: the lines' bytes back to back; `ends[i]` is the end offset of line i. */
export interface BatchRequest {
  readonly id: number;
  readonly data: Uint8Array;
  readonly ends: Uint32Array;
}

/**
 * The first `passed` lines passed every per-entry check; `passed < ends.length` means line
 * `passed` failed one. For each passed line i: `seqs[i]`; `strings[5i..5i+4]` = prev, time,
 * kind, kid, hex SHA-256 of the line; `leaves[32i..32i+31]` = its Merkle leaf hash.
 */
export interface BatchReply {
  readonly id: number;
  readonly passed: number;
  readonly seqs: number[];
  readonly strings: string[];
  readonly leaves: Uint8Array;
}

/** Strings per passed line in `BatchReply.strings`. */
export const REPLY_STRINGS = 5;

export function checkBatch(req: BatchRequest, ring: ReadonlyMap<string, NoteVerifier>): BatchReply {
  const n = req.ends.length;
  const seqs: number[] = [];
  const strings: string[] = [];
  const leaves = new Uint8Array(n * HASH_SIZE);
  let begin = 0;
  let passed = 0;
  for (; passed < n; passed++) {
    const end = req.ends[passed]!;
    const bytes = req.data.subarray(begin, end);
    try {
      const e = verifyEntryLine(bytes, ring, null);
      seqs.push(e.seq);
      strings.push(e.prev, e.time, e.kind, e.sig.kid, hash('sha256', bytes, 'hex'));
      leaves.set(leafHash(bytes), passed * HASH_SIZE);
    } catch (err) {
      // Anything else is a bug: let it propagate (in a worker it crashes it, which the pool reports).
      if (!(err instanceof LedgerError)) throw err;
      break;
    }
    begin = end;
  }
  return { id: req.id, passed, seqs, strings, leaves };
}
