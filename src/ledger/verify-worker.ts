// A worker thread of the parallel verifier (./verify-pool.ts): runs `checkBatch`
// (./verify-batch.ts) on each batch it is sent and replies with its result, the leaf hashes
// transferred, not copied.
import { parentPort, workerData } from 'node:worker_threads';
import { parseVerifierKey } from './note.js';
import { keyRing } from './verify.js';
import { checkBatch, type BatchRequest } from './verify-batch.js';

export type { BatchReply, BatchRequest } from './verify-batch.js';

/** `workerData`: the trusted keys as verifier key text (`name+hash+base64`). */
export interface WorkerInit {
  readonly keys: readonly string[];
}

const port = parentPort;
if (port === null) throw new Error('verify-worker.ts runs only as a worker thread (see verify-pool.ts)');
const init = workerData as WorkerInit;
const ring = keyRing(init.keys.map((k) => parseVerifierKey(k)));

port.on('message', (req: BatchRequest) => {
  const reply = checkBatch(req, ring);
  port.postMessage(reply, [reply.leaves.buffer as ArrayBuffer]);
});
