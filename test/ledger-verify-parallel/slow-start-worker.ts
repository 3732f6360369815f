// A verify worker that takes 400 ms to start (a loaded machine, a cold module cache): the
// calling thread checks batches itself meanwhile instead of waiting.
await new Promise((resolve) => setTimeout(resolve, 400));
await import('../../src/ledger/verify-worker.js');
