// The real signature worker, with the reply to the first batch (id 0) held back 300 ms, so
// that later batches finish first.
import { parentPort } from 'node:worker_threads';

const port = parentPort!;
const post = port.postMessage.bind(port);
port.postMessage = (reply: { id: number }) => {
  if (reply.id === 0) setTimeout(() => post(reply), 300);
  else post(reply);
};
await import('../../src/ledger/verify-worker.js');
