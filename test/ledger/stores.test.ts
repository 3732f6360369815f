import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { MemoryLedgerData, MemoryStore } from '../../src/ledger/store/memory.js';
import { runStoreConformance } from './store-conformance.js';

runStoreConformance('memory', () => {
  const data = new MemoryLedgerData();
  return Promise.resolve({
    store: new MemoryStore(data),
    connect: () => new MemoryStore(data),
    tearTail: (partial) => Promise.resolve(data.tearTail(partial)),
    cleanup: () => Promise.resolve(),
  });
});

runStoreConformance('directory', () => {
  const root = mkdtempSync(join(tmpdir(), 'trailmark-store-'));
  const dir = join(root, 'ledger');
  return Promise.resolve({
    store: openDirStore(dir, { create: true }),
    connect: () => openDirStore(dir),
    tearTail: (partial) => Promise.resolve(appendFileSync(join(dir, 'entries.jsonl'), partial)),
    cleanup: () => Promise.resolve(rmSync(root, { recursive: true, force: true })),
  });
});
