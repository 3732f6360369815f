// Fault injection on every write step of a sealed erasure in the directory store (keyring
// replace, then subjects replace): after a failure at any step, no opening that was not erased
// has lost its key, the erased subject is either still intact or already unopenable, and
// running the erasure again completes it.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyStore } from '../../src/ledger/check-store.js';
import { eraseSubject } from '../../src/ledger/erase.js';
import { openLedger, type EntryDraft } from '../../src/ledger/log.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { nodeFileOps, type FileOps } from '../../src/ledger/store/file-ops.js';
import { subjectKekFromSecret } from '../../src/ledger/subject-seal.js';
import { subjectSealing } from '../../src/ledger/subject-vault.js';
import { openableValues, realRandom } from './erase-support.js';
import { changeBody, fixedClock, ORIGIN, seededRandom, testKey } from './fixtures.js';

const key = testKey();
const SECRET = 'faults-secret-0123456789abcdef0123456789abcdef';
const KEK = subjectKekFromSecret(SECRET);
const ALICE = 'alice-faults-6a2f';
const BOB = 'bob-faults-19c0';
type Op = 'writeSync' | 'fsyncSync' | 'renameSync' | 'openSync';
const OPS: readonly Op[] = ['writeSync', 'fsyncSync', 'renameSync', 'openSync'];
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function faulty(op: Op, nth: number): { ops: FileOps; fired: () => boolean } {
  let calls = 0;
  let fired = false;
  const wrapped = { ...nodeFileOps };
  const real = nodeFileOps[op].bind(nodeFileOps) as (...a: unknown[]) => unknown;
  (wrapped as Record<Op, unknown>)[op] = (...args: unknown[]) => {
    if (++calls === nth) {
      fired = true;
      throw Object.assign(new Error(`injected EIO in ${op} #${nth}`), { code: 'EIO' });
    }
    return real(...args);
  };
  return { ops: wrapped, fired: () => fired };
}

function files(dir: string): Buffer[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [readFileSync(join(dir, n))]));
}

const draft = (i: number, ...people: string[]): EntryDraft => ({ kind: 'change.analyzed', policy: 'p', body: (ctx) => changeBody(i, Object.fromEntries(people.map((p, j) => [`role.${j}`, ctx.commit(p)]))) });
const sealing = () => subjectSealing(SECRET, [], realRandom)!;

describe('fault injection on each write step of a sealed erasure', () => {
  it('never loses the key of a kept opening, and a second run completes the erasure', async () => {
    const root = mkdtempSync(join(tmpdir(), 'trailmark-erase-faults-'));
    roots.push(root);
    const template = join(root, 'template');
    const ledger = await openLedger({ store: openDirStore(template, { create: true, subjectSealing: sealing() }), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
    await ledger.append([draft(0, ALICE, BOB)]);
    await ledger.append([draft(1, ALICE)]);
    let cases = 0;
    for (const op of OPS) {
      for (let nth = 1; ; nth++) {
        const dir = join(root, `${op}-${nth}`);
        cpSync(template, dir, { recursive: true });
        const fault = faulty(op, nth);
        let failed = false;
        try {
          await eraseSubject(openDirStore(dir, { ops: fault.ops, subjectSealing: sealing() }), ALICE, fixedClock());
        } catch (err) {
          failed = true;
          expect(fault.fired(), `${op} #${nth}: failed without an injected fault: ${String(err)}`).toBe(true);
        }
        if (!fault.fired()) break;
        cases++;
        const openable = openableValues(files(dir), [KEK]);
        expect(openable.has(BOB), `${op} #${nth}`).toBe(true);
        if (!failed) expect(openable.has(ALICE), `${op} #${nth}: success must have shredded`).toBe(false);
        // The next run (no fault) completes it.
        await eraseSubject(openDirStore(dir, { subjectSealing: sealing() }), ALICE, fixedClock());
        expect(openableValues(files(dir), [KEK]), `${op} #${nth}`).toEqual(new Set([BOB]));
        expect((await verifyStore(openDirStore(dir, { subjectSealing: null }), [key.verifier])).ok, `${op} #${nth}`).toBe(true);
      }
    }
    // Two atomic replaces, each with open, write, fsync, rename (and a directory fsync).
    expect(cases).toBeGreaterThanOrEqual(8);
  });
});
