// A signature worker that fails on its first batch, as a bug or a broken install would.
import { parentPort } from 'node:worker_threads';

parentPort!.on('message', () => {
  throw new Error('simulated worker bug');
});
