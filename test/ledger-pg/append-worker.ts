// A separate process that appends to a PostgreSQL ledger log (run with `node --import tsx`):
//   append-worker.ts URL SCHEMA LOG COUNT LABEL   (COUNT 0: append forever; -1: stall mid-append)
// After each append resolves it prints `committed <seq> <hash>` for every entry, so a parent
// that kills it knows exactly what was reported committed.
import { writeSync } from 'node:fs';
import { systemClock } from '../../src/core/ports.js';
import { GENESIS_PREV, LEDGER_FORMAT_VERSION, entryTime, lineHash, signEntry } from '../../src/ledger/entry.js';
import { openLedger, type DraftContext } from '../../src/ledger/log.js';
import { openPostgresStore } from '../../src/ledger/store/postgres.js';
import { connectPostgres } from '../../src/ledger/store/postgres-pool.js';
import { changeBody, ORIGIN, seededRandom, testKey } from '../ledger/fixtures.js';

const [url, schema, log, countText, label] = process.argv.slice(2);
const count = Number(countText);
const key = testKey();
const conn = connectPostgres(url!, { max: 2, applicationName: `trailmark-worker-${label}` });
const store = await openPostgresStore(conn, { log: log!, schema: schema!, create: true });
if (count < 0) {
  // Stall mode: a process that dies between the two commits of an append. It holds the lock,
  // commits lines (`append`) and never writes their checkpoint; the parent kills it there.
  // The line is a real signed entry continuing the chain, as the appender writes it: recovery
  // removes only what one interrupted append left (docs/ledger-format.md §8.1), never foreign lines.
  const lock = await store.lock();
  const size = (await store.tail()).size;
  const last = await store.lastLine();
  const { line } = signEntry(
    { v: LEDGER_FORMAT_VERSION, seq: size, time: entryTime(Date.now()), kind: 'change.analyzed', prev: last === null ? GENESIS_PREV : lineHash(last), policy: `stalled-${label}`, body: changeBody(size) },
    key.signer,
  );
  await store.append([line]);
  writeSync(1, 'stalled\n');
  await new Promise(() => setInterval(() => undefined, 1000));
  await lock.release();
}
const ledger = await openLedger({ store, signer: key.signer, origin: ORIGIN, clock: systemClock, random: seededRandom(label) });
for (let i = 0; count === 0 || i < count; i++) {
  // Batches of 1..3 entries of varied size, each with a personal subject (side-store rows too).
  const batch = Array.from({ length: 1 + (i % 3) }, (_, j) => {
    const body = changeBody(i);
    const hunks = Array.from({ length: 1 + ((i * 7 + j * 13) % 40) }, (_, h) => ({ ...body.hunks[0]!, path: `${label}/${'d'.repeat(200)}/${h}.ts` }));
    return { kind: 'change.analyzed', policy: `${label}-${i}`, body: (ctx: DraftContext) => ({ ...body, hunks, subjects: { author: ctx.commit(`${label}-user-${i}-${j}`) } }) };
  });
  const r = await ledger.append(batch);
  writeSync(1, r.entries.map((e) => `committed ${e.seq} ${e.hash}\n`).join(''));
}
await conn.end();
