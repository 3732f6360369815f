// Witnesses: `trailmark witness` cosigns (C2SP cosignature/v1) a checkpoint consistent with its
// own last-seen state and refuses a rollback; verify reads the extra signature lines as
// cosignatures (not a fork) and `--witness KEY --min-witnesses N` requires them.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/core/errors.js';
import { addCosignature, checkCosignatures, cosignatureTimestamp, cosignerVerifier, generateCosignatureKey, parseCosignatureVerifierKey, parseCosignerKey } from '../../src/ledger/cosignature.js';
import { openLedger } from '../../src/ledger/log.js';
import { keyId, openNote, parseNote } from '../../src/ledger/note.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { MemoryStore } from '../../src/ledger/store/memory.js';
import { runCli } from '../cli-ledger/harness.js';
import { fixedClock, ORIGIN, seed32, seededRandom, testKey } from '../ledger/fixtures.js';
import { changeDrafts, rollBack, timedLedger, type TimedLedger } from './helpers.js';

async function keygenWitness(t: TimedLedger, name: string, out: string): Promise<void> {
  const r = await runCli(['keygen', '--witness', '--name', name, '--out', out], { cwd: t.root });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('secret witness key');
}

const cp = (t: TimedLedger, size?: number) => readFileSync(size === undefined ? join(t.dir, 'checkpoint') : join(t.dir, 'checkpoints', String(size)), 'utf8');

describe('cosignature/v1 signing', () => {
  it('cosignatures verify with the type 0x04 verifier key, over the checkpoint body, with the stated time', () => {
    const { signerKey, verifierKey } = generateCosignatureKey('witness.example.org', seed32('w'));
    const cosigner = parseCosignerKey(signerKey);
    const v = parseCosignatureVerifierKey(verifierKey);
    expect(keyId(cosignerVerifier(cosigner))).toBe(keyId(v));
    const log = testKey();
    const note = `${ORIGIN}\n5\n${Buffer.alloc(32, 1).toString('base64')}\n\n— ${ORIGIN} ${Buffer.concat([Buffer.alloc(4), Buffer.alloc(64)]).toString('base64')}\n`;
    const cosigned = addCosignature(note, cosigner, 1767139200);
    expect(cosigned.startsWith(note)).toBe(true);
    expect(openNote(cosigned, [v]).verifiedBy).toEqual([v]);
    const sig = parseNote(cosigned).signatures.at(-1)!;
    expect(cosignatureTimestamp(sig.signature)).toBe(1767139200n);
    expect(checkCosignatures(cosigned, [v])).toEqual([{ key: keyId(v), time: 1767139200, valid: true }]);
    // Another body, or another time, breaks it.
    expect(checkCosignatures(cosigned.replace('\n5\n', '\n6\n'), [v])[0]!.valid).toBe(false);
    // A log key cannot cosign, and a witness key is not a log signer.
    expect(() => parseCosignerKey(log.signerKey)).toThrow(LedgerError);
  });
});

describe('trailmark witness and verify --witness', () => {
  it('cosigns, is read as a witness (not a fork), is required by --min-witnesses, follows growth and refuses a rollback', async () => {
    const t = await timedLedger([2, 3]);
    await keygenWitness(t, 'witness-a.example.org', 'wa');
    await keygenWitness(t, 'witness-b.example.org', 'wb');
    const wa = readFileSync(join(t.root, 'wa.pub'), 'utf8').trim();

    const before = await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile, '--witness', 'wa.pub'], { cwd: t.root });
    expect(before.code).toBe(1);
    expect(before.stderr).toContain('the latest checkpoint has 0 valid cosignatures from the given witnesses; --min-witnesses requires 1');

    const body = parseNote(cp(t)).text;
    const first = await runCli(['witness', '--ledger', t.dir, '--key', 'wa.key', '--state', 'wa.state', '--log-key', t.pubFile], { cwd: t.root });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`cosigned: ${ORIGIN} checkpoint size 5`);
    expect(first.stdout).toContain('first sighting of this log');
    const note = cp(t);
    expect(note).toBe(cp(t, 5));
    expect(parseNote(note).text).toBe(body);
    expect(parseNote(note).signatures.map((s) => s.name)).toEqual([ORIGIN, 'witness-a.example.org']);

    // Extra signature lines are cosignatures, not a fork; without --witness verify says they are unchecked.
    const plain = await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile], { cwd: t.root });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('also carries signatures by keys not given (witness-a.example.org+');
    const one = await runCli(['verify', '--json', '--ledger', t.dir, '--key', t.pubFile, '--witness', wa, '--min-witnesses', '1'], { cwd: t.root });
    expect(one.code).toBe(0);
    const doc = JSON.parse(one.stdout) as { witnesses: { required: number; cosignatures: { key: string; valid: boolean; time: number }[] } };
    expect(doc.witnesses.required).toBe(1);
    expect(doc.witnesses.cosignatures).toHaveLength(1);
    expect(doc.witnesses.cosignatures[0]).toMatchObject({ valid: true, key: expect.stringMatching(/^witness-a\.example\.org\+[0-9a-f]{8}$/) as unknown });

    const two = await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile, '--witness', 'wa.pub', '--witness', 'wb.pub', '--min-witnesses', '2'], { cwd: t.root });
    expect(two.code).toBe(1);
    expect(two.stderr).toContain('1 valid cosignature from the given witnesses; --min-witnesses requires 2');
    expect((await runCli(['witness', '--ledger', t.dir, '--key', 'wb.key', '--state', 'wb.state', '--log-key', t.pubFile], { cwd: t.root })).code).toBe(0);
    expect((await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile, '--witness', 'wa.pub', '--witness', 'wb.pub', '--min-witnesses', '2'], { cwd: t.root })).code).toBe(0);

    // Again without --log-key: the key comes from the state; nothing is added twice.
    const again = await runCli(['witness', '--ledger', t.dir, '--key', 'wa.key', '--state', 'wa.state'], { cwd: t.root });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already cosigned');
    expect(parseNote(cp(t)).signatures).toHaveLength(3);

    // The log grows (the appender copes with a cosigned checkpoint); the witness proves consistency.
    await t.append(7, 2);
    const grown = await runCli(['witness', '--json', '--ledger', t.dir, '--key', 'wa.key', '--state', 'wa.state'], { cwd: t.root });
    expect(grown.code).toBe(0);
    const g = JSON.parse(grown.stdout) as { size: number; previous: { size: number }; proof: string[]; cosigned: boolean };
    expect(g).toMatchObject({ size: 8, previous: { size: 5 }, cosigned: true });
    expect(g.proof.length).toBeGreaterThan(0);
    expect(parseNote(cp(t, 5)).signatures).toHaveLength(3);
    expect((await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile, '--witness', 'wa.pub'], { cwd: t.root })).code).toBe(0);

    // A rollback to size 5: the witness refuses (exit 1) and keeps its state.
    const state = readFileSync(join(t.root, 'wa.state'), 'utf8');
    expect(JSON.parse(state)).toMatchObject({ v: 1, logs: { [ORIGIN]: { size: 8 } } });
    rollBack(t.dir, 5);
    const refused = await runCli(['witness', '--ledger', t.dir, '--key', 'wa.key', '--state', 'wa.state'], { cwd: t.root });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`refusing to cosign "${ORIGIN}" at size 5: rollback: the latest checkpoint has size 5, smaller than the witness state (size 8)`);
    expect(readFileSync(join(t.root, 'wa.state'), 'utf8')).toBe(state);
  });

  it('refuses a rewritten log (same key, different history) and a checkpoint not signed by the log key', async () => {
    const t = await timedLedger([2, 2]);
    await keygenWitness(t, 'w.example.org', 'w');
    expect((await runCli(['witness', '--ledger', t.dir, '--key', 'w.key', '--state', 'w.state', '--log-key', t.pubFile], { cwd: t.root })).code).toBe(0);
    const forged = await timedLedger([3, 3]);
    const r = await runCli(['witness', '--ledger', forged.dir, '--key', 'w.key', '--state', 'w.state'], { cwd: t.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no longer hash to the trusted root');
    const stranger = await timedLedger([2], 'key-2');
    const s = await runCli(['witness', '--ledger', stranger.dir, '--key', 'w.key', '--state', 'w.state'], { cwd: t.root });
    expect(s.code).toBe(1);
    expect(s.stderr).toContain('not signed by any trusted key');
    const noKey = await runCli(['witness', '--ledger', t.dir, '--key', 'w.key', '--state', 'fresh.state'], { cwd: t.root });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('pass the log\'s verifier key with --log-key on the first run');
  });

  it('an invalid cosignature fails --witness; a cosigning interrupted before the pointer is no fork and recovery completes it', async () => {
    const t = await timedLedger([2]);
    await keygenWitness(t, 'w.example.org', 'w');
    expect((await runCli(['witness', '--ledger', t.dir, '--key', 'w.key', '--state', 'w.state', '--log-key', t.pubFile], { cwd: t.root })).code).toBe(0);
    const good = cp(t);
    const lines = good.split('\n');
    const last = lines.at(-2)!;
    const blob = Buffer.from(last.split(' ')[2]!, 'base64');
    blob[blob.length - 1]! ^= 1;
    const bad = [...lines.slice(0, -2), `${last.split(' ').slice(0, 2).join(' ')} ${blob.toString('base64')}`, ''].join('\n');
    writeFileSync(join(t.dir, 'checkpoint'), bad);
    writeFileSync(join(t.dir, 'checkpoints', '2'), bad);
    const r = await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile, '--witness', 'w.pub'], { cwd: t.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/BAD_SIGNATURE at checkpoints\/2: the cosignature by witness w\.example\.org\+[0-9a-f]{8} on checkpoint 2 does not verify/);

    // History cosigned, pointer not yet (a crash between the two writes).
    writeFileSync(join(t.dir, 'checkpoints', '2'), good);
    writeFileSync(join(t.dir, 'checkpoint'), good.slice(0, good.lastIndexOf('—')));
    const v = await runCli(['verify', '--ledger', t.dir, '--key', t.pubFile, '--witness', 'w.pub'], { cwd: t.root });
    expect(v.code).toBe(0);
    const again = await runCli(['witness', '--ledger', t.dir, '--key', 'w.key', '--state', 'w.state'], { cwd: t.root });
    expect(again.stdout).toContain('already cosigned');
    expect(cp(t)).toBe(good);
    // Had the pointer been cut further (a crashed appender after the cosigning), the appender's recovery would complete it.
    writeFileSync(join(t.dir, 'checkpoint'), good.slice(0, good.lastIndexOf('—')));
    appendFileSync(join(t.dir, 'entries.jsonl'), '{"torn');
    const ledger = await openLedger({ store: openDirStore(t.dir), signer: t.key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
    expect(ledger.repairedOnOpen.map((x) => x.kind)).toEqual(['torn-tail', 'checkpoint-pointer']);
    expect(cp(t)).toBe(good);
  });
});

describe('store.addCheckpointSignatures only adds signature lines to the latest checkpoint', () => {
  it.each([['directory'], ['memory']])('%s store', async (kind) => {
    const t = await timedLedger([2, 2]);
    const store = kind === 'directory' ? openDirStore(t.dir) : new MemoryStore();
    if (store instanceof MemoryStore) {
      const l = await openLedger({ store, signer: t.key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
      await l.append(changeDrafts(1, 1));
      await l.append(changeDrafts(2, 1));
    }
    const latest = (await store.readCheckpointAt(4))!;
    const older = (await store.readCheckpointAt(2))!;
    const w = parseCosignerKey(generateCosignatureKey('w.example.org', seed32('w')).signerKey);
    const lock = await store.lock();
    try {
      await expect(store.addCheckpointSignatures(4, latest.replace('\n4\n', '\n5\n') + '— w.example.org AAAAAAA=\n')).rejects.toThrow(/not the stored one plus signature lines/);
      await expect(store.addCheckpointSignatures(4, `${latest}extra text\n`)).rejects.toThrow(/not the stored one plus signature lines/);
      await expect(store.addCheckpointSignatures(2, addCosignature(older, w, 1))).rejects.toThrow(/not the latest/);
      const cosigned = addCosignature(latest, w, 1767139200);
      await store.addCheckpointSignatures(4, cosigned);
      expect(await store.readCheckpointAt(4)).toBe(cosigned);
      expect(await store.readCheckpoint()).toBe(cosigned);
    } finally {
      await lock.release();
    }
  });
});
