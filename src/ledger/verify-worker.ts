// A worker thread of the parallel verifier (./verify-pool.ts). It runs the per-entry checks
// that need no other entry (size, UTF-8, canonical form, fields, key, Ed25519 signature, body
// schema: `verifyEntryLine(bytes, keys, null)`) on a batch of lines and returns, for the lines
// before the first failure, the fields the main thread chains, counts and hashes in order.
// It reports only where a batch first fails, not why: the main thread re-runs that one line
// sequentially, so the problem reported is exactly the sequential verifier's.
import { parentPort, workerData } from 'node:worker_threads';
import { LedgerError } from '../core/errors.js';
import { parseVerifierKey } from './note.js';
import { keyRing, verifyEntryLine } from './verify.js';

/** `workerData`: the trusted keys as verifier key text (`name+hash+base64`). */
export interface WorkerInit {
  readonly keys: readonly string[];
}

/** A batch: the lines' bytes back to back; `ends[i]` is the end offset of line i. */
export interface BatchRequest {
  readonly id: number;
  readonly data: Uint8Array;
  readonly ends: Uint32Array;
}

/**
 * The fields of the first `passed` lines (seq, prev, time, kind, kid per line, flattened);
 * `passed < ends.length` means line `passed` failed a check.
 */
export interface BatchReply {
  readonly id: number;
  readonly passed: number;
  readonly seqs: number[];
  readonly strings: string[];
}

const port = parentPort;
if (port === null) throw new Error('verify-worker.ts runs only as a worker thread (see verify-pool.ts)');
const init = workerData as WorkerInit;
const ring = keyRing(init.keys.map((k) => parseVerifierKey(k)));

port.on('message', (req: BatchRequest) => {
  const seqs: number[] = [];
  const strings: string[] = [];
  let begin = 0;
  let passed = 0;
  for (; passed < req.ends.length; passed++) {
    const end = req.ends[passed]!;
    try {
      const e = verifyEntryLine(req.data.subarray(begin, end), ring, null);
      seqs.push(e.seq);
      strings.push(e.prev, e.time, e.kind, e.sig.kid);
    } catch (err) {
      // Anything else is a bug: let it crash the worker, which the pool reports.
      if (!(err instanceof LedgerError)) throw err;
      break;
    }
    begin = end;
  }
  const reply: BatchReply = { id: req.id, passed, seqs, strings };
  port.postMessage(reply);
});
