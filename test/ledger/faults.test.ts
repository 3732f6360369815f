// Fault injection on every write step of the directory store: for each file-system call an
// append makes (write, fsync, rename, open, truncate), fail its 1st, 2nd, ... occurrence. After
// each failure the directory must recover and verify; an append that reported success must be
// committed; one that failed may be committed or absent, never partial.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyStore } from '../../src/ledger/check-store.js';
import { openLedger, type EntryDraft } from '../../src/ledger/log.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { nodeFileOps, type FileOps } from '../../src/ledger/store/file-ops.js';
import { fixedClock, ORIGIN, scanDrafts, seededRandom, testKey } from './fixtures.js';

const key = testKey();
// `fsync` is the asynchronous fsync the directory store issues several at a time when it commits.
type Op = 'writeSync' | 'fsyncSync' | 'fsync' | 'renameSync' | 'openSync';
const OPS: readonly Op[] = ['writeSync', 'fsyncSync', 'fsync', 'renameSync', 'openSync'];

/** Real file operations, except that the `nth` call of `op` fails with EIO. */
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

/**
 * The drafts with a personal value committed in the first body, so that the append writes the
 * subjects side file too (its own write + fsync) before the lines and the checkpoint.
 */
function withSubject(drafts: EntryDraft[]): EntryDraft[] {
  const [first, ...rest] = drafts;
  const body = first!.body;
  if (typeof body === 'function') throw new Error('withSubject wants a literal first body');
  return [{ ...first!, body: (ctx) => ({ ...body, subjects: { 'pr.author': ctx.commit('octocat') } }) }, ...rest];
}

async function committedLedger(root: string) {
  const dir = join(root, 'ledger');
  const ledger = await openLedger({ store: openDirStore(dir, { create: true }), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
  await ledger.append(scanDrafts(0));
  await ledger.append(scanDrafts(1));
  return dir;
}

describe('fault injection on each write step of the directory store', () => {
  for (const op of OPS) {
    it(`survives a failure at every ${op} of an append`, async () => {
      let injected = 0;
      for (let nth = 1; ; nth++) {
        const root = mkdtempSync(join(tmpdir(), `trailmark-fault-${op}-`));
        try {
          const dir = await committedLedger(root);
          const fault = faulty(op, nth);
          let succeeded = false;
          try {
            const ledger = await openLedger({ store: openDirStore(dir, { ops: fault.ops }), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom('f') });
            await ledger.append(withSubject(scanDrafts(2)));
            succeeded = true;
          } catch (err) {
            expect(fault.fired(), `${op} #${nth}: failed without an injected fault: ${String(err)}`).toBe(true);
          }
          if (!fault.fired()) {
            expect(succeeded).toBe(true);
            break;
          }
          injected++;
          // The next writer, on healthy storage: recover, verify, append again.
          const ledger = await openLedger({ store: openDirStore(dir), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom('g') });
          const report = await verifyStore(openDirStore(dir), [key.verifier]);
          expect(report.problems, `${op} #${nth}`).toEqual([]);
          expect(report.uncommitted, `${op} #${nth}`).toBe(0);
          expect([4, 6], `${op} #${nth}: entries ${report.entries}`).toContain(report.entries);
          if (succeeded) expect(report.entries, `${op} #${nth}: success must be committed`).toBe(6);
          await ledger.append(scanDrafts(3));
          const after = await verifyStore(openDirStore(dir), [key.verifier]);
          expect(after.ok, `${op} #${nth}`).toBe(true);
          expect(after.entries).toBe(report.entries + 2);
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      }
      // Every one of these calls is on the append path.
      expect(injected).toBeGreaterThan(0);
    });
  }

  it('a short write, then EIO, then a failing cleanup truncate: recovery removes the partial line', async () => {
    const root = mkdtempSync(join(tmpdir(), 'trailmark-fault-short-'));
    try {
      const dir = await committedLedger(root);
      let shortened = false;
      const ops: FileOps = {
        ...nodeFileOps,
        writeSync: (fd, buf, off, len, pos) => {
          if (pos === null && !shortened && len > 200) {
            shortened = true;
            return nodeFileOps.writeSync(fd, buf, off, Math.floor(len / 2), pos);
          }
          if (shortened && pos === null) throw Object.assign(new Error('injected EIO after a short write'), { code: 'EIO' });
          return nodeFileOps.writeSync(fd, buf, off, len, pos);
        },
        ftruncateSync: () => {
          throw Object.assign(new Error('injected EIO in ftruncate'), { code: 'EIO' });
        },
      };
      const broken = await openLedger({ store: openDirStore(dir, { ops }), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom('f') });
      await expect(broken.append(scanDrafts(2))).rejects.toMatchObject({ code: 'IO' });
      const torn = await verifyStore(openDirStore(dir), [key.verifier]);
      expect(torn.ok).toBe(false);
      expect(torn.problems[0]).toMatchObject({ code: 'TRUNCATED', seq: 4 });
      const healed = await openLedger({ store: openDirStore(dir), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom('g') });
      expect(healed.repairedOnOpen.map((r) => r.kind)).toEqual(['torn-tail']);
      expect((await verifyStore(openDirStore(dir), [key.verifier])).ok).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
