// A separate process that appends to a directory ledger (run with `node --import tsx`):
//   append-worker.ts DIR COUNT LABEL   (COUNT 0: append forever)
// After each append resolves it prints `committed <seq> <hash>` for every entry, so a parent
// that kills it knows exactly what was reported committed.
import { writeSync } from 'node:fs';
import { systemClock } from '../../src/core/ports.js';
import { openLedger } from '../../src/ledger/log.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { changeBody, ORIGIN, seededRandom, testKey } from './fixtures.js';

const [dir, countText, label] = process.argv.slice(2);
const count = Number(countText);
const key = testKey();
const ledger = await openLedger({ store: openDirStore(dir!, { create: true }), signer: key.signer, origin: ORIGIN, clock: systemClock, random: seededRandom(label) });
for (let i = 0; count === 0 || i < count; i++) {
  // Batches of 1..3 entries of varied size, so crashes land inside multi-line writes too.
  const batch = Array.from({ length: 1 + (i % 3) }, (_, j) => {
    const body = changeBody(i);
    const hunks = Array.from({ length: 1 + ((i * 7 + j * 13) % 40) }, (_, h) => ({ ...body.hunks[0]!, path: `${label}/${'d'.repeat(200)}/${h}.ts` }));
    return { kind: 'change.analyzed', policy: `${label}-${i}`, body: { ...body, hunks } };
  });
  const r = await ledger.append(batch);
  // Synchronous write: the line is out before the next append starts.
  writeSync(1, r.entries.map((e) => `committed ${e.seq} ${e.hash}\n`).join(''));
}
