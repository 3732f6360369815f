// A signature worker whose thread dies (exit code 3) on its first batch without replying.
import { parentPort } from 'node:worker_threads';

parentPort!.on('message', () => {
  process.exit(3);
});
