// Sealing of subject openings (src/ledger/subject-seal.ts, subject-vault.ts) and erasure by
// destroying subject keys, on the directory store with real files and real AES-256-GCM.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TrailmarkError } from '../../src/core/errors.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { eraseSubject } from '../../src/ledger/erase.js';
import { openLedger, type EntryDraft } from '../../src/ledger/log.js';
import { subjectIndex } from '../../src/ledger/read.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { subjectSealingFromEnv } from '../../src/ledger/store/subject-keys.js';
import { describeSubjectsAtRest, newSubjectKey, openSealed, sealOpening, subjectKekFromSecret, unwrapSubjectKey, wrapSubjectKey } from '../../src/ledger/subject-seal.js';
import { subjectSealing, type SubjectSealing } from '../../src/ledger/subject-vault.js';
import { commitSubject, displaySubject, ERASED, parseSubjectRecord, type SealedSubjectRecord } from '../../src/ledger/subjects.js';
import { containsText, openableValues, realRandom } from './erase-support.js';
import { changeBody, fixedClock, ORIGIN, seededRandom, testKey } from './fixtures.js';

const SECRET_1 = 'kek-one-0123456789abcdef0123456789abcdef';
const SECRET_2 = 'kek-two-fedcba9876543210fedcba9876543210';
const KEK_1 = subjectKekFromSecret(SECRET_1);
const KEK_2 = subjectKekFromSecret(SECRET_2);
const ALICE = 'alice-4f1c@example.com';
const BOB = 'bob-9d2e';
const key = testKey();

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return err instanceof TrailmarkError ? (err as TrailmarkError).code : String(err);
  }
}

describe('sealing primitives', () => {
  const r = commitSubject(ALICE, 3, seededRandom('salt'));
  const { kid, key: subjectKey } = newSubjectKey(realRandom);
  const sealed = sealOpening(r, kid, subjectKey, realRandom);

  it('seals an opening so that only its key opens it, bound to its commitment and seq', () => {
    expect(JSON.stringify(sealed)).not.toContain(ALICE);
    expect(JSON.stringify(sealed)).not.toContain(r.salt);
    expect(openSealed(sealed, subjectKey)).toEqual({ commitment: r.commitment, seq: 3, salt: r.salt, value: ALICE });
    const table: [string, SealedSubjectRecord, Uint8Array][] = [
      ['another key', sealed, newSubjectKey(realRandom).key],
      ['moved onto another commitment', { ...sealed, commitment: commitSubject(BOB, 3, realRandom).commitment }, subjectKey],
      ['moved onto another seq', { ...sealed, seq: 4 }, subjectKey],
      ['another key id', { ...sealed, kid: '0123456789abcdef' }, subjectKey],
      ['one ciphertext bit flipped', { ...sealed, sealed: Buffer.from(Buffer.from(sealed.sealed, 'base64').map((b, i) => (i === 0 ? b ^ 1 : b))).toString('base64') }, subjectKey],
      ['a nonce that is not base64', { ...sealed, nonce: '***' }, subjectKey],
    ];
    for (const [what, record, k] of table) expect(openSealed(record, k), what).toBeNull();
  });

  it('pads the plaintext: a short and a longer value seal to the same length', () => {
    const short = sealOpening(commitSubject('al', 0, realRandom), kid, subjectKey, realRandom);
    const long = sealOpening(commitSubject('alexandra.longname@example.com', 0, realRandom), kid, subjectKey, realRandom);
    expect(Buffer.from(short.sealed, 'base64').byteLength).toBe(Buffer.from(long.sealed, 'base64').byteLength);
    expect(openSealed(long, subjectKey)?.value).toBe('alexandra.longname@example.com');
  });

  it('wraps subject keys under a KEK bound to the key id', () => {
    const w = wrapSubjectKey(KEK_1, kid, subjectKey, realRandom);
    expect(w.kek).toBe(KEK_1.id);
    expect(unwrapSubjectKey(KEK_1, w)).toEqual(subjectKey);
    expect(unwrapSubjectKey(KEK_2, w)).toBeNull();
    expect(unwrapSubjectKey({ ...KEK_2, id: KEK_1.id }, w)).toBeNull();
    expect(unwrapSubjectKey(KEK_1, { ...w, kid: '0123456789abcdef' })).toBeNull();
  });

  it('derives distinct KEKs from secrets and refuses a short secret with a hint', () => {
    expect(KEK_1.id).toMatch(/^[0-9a-f]{16}$/);
    expect(KEK_1.id).not.toBe(KEK_2.id);
    expect(subjectKekFromSecret(`  ${SECRET_1}\n`)).toEqual(KEK_1);
    let err: unknown;
    try {
      subjectKekFromSecret('short');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'BAD_INPUT', hint: 'generate one with `openssl rand -base64 32`' });
    expect(subjectSealingFromEnv({})).toBeUndefined();
    expect(subjectSealingFromEnv({ TRAILMARK_SUBJECT_KEK: SECRET_2, TRAILMARK_SUBJECT_KEK_PREVIOUS: `${SECRET_1}\n` })).toMatchObject({ kek: KEK_2, previous: [KEK_1] });
    expect(() => subjectSealingFromEnv({ TRAILMARK_SUBJECT_KEK_PREVIOUS: SECRET_1 })).toThrow(/without a current one/);
  });
});

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** Every file of a directory, recursively: what a copy or backup of it holds. */
function snapshot(dir: string): Buffer[] {
  const out: Buffer[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...snapshot(p));
    else out.push(readFileSync(p));
  }
  return out;
}

function draft(i: number, ...people: string[]): EntryDraft {
  return { kind: 'change.analyzed', policy: 'p', body: (ctx) => changeBody(i, Object.fromEntries(people.map((p, j) => [`role.${j}`, ctx.commit(p)]))) };
}

const sealingWith = (secret: string, previous: string[] = []): SubjectSealing => subjectSealing(secret, previous, realRandom)!;

async function ledgerIn(sealing: SubjectSealing | null) {
  const root = mkdtempSync(join(tmpdir(), 'trailmark-seal-'));
  roots.push(root);
  const dir = join(root, 'ledger');
  const store = openDirStore(dir, { create: true, subjectSealing: sealing });
  const ledger = await openLedger({ store, signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
  await ledger.append([draft(0, ALICE, BOB)]);
  await ledger.append([draft(1, ALICE)]);
  await ledger.append([draft(2, BOB)]);
  return { dir, store };
}

describe('directory store with a subject key secret', () => {
  it('stores openings only sealed, reads them opened, and shows them [erased] without the secret', async () => {
    const { dir, store } = await ledgerIn(sealingWith(SECRET_1));
    const files = snapshot(dir);
    expect(containsText(files, ALICE)).toBe(false);
    expect(containsText(files, BOB)).toBe(false);
    expect(readFileSync(join(dir, 'subjects.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => Object.keys(JSON.parse(l) as object))).toEqual(Array(4).fill(['commitment', 'seq', 'kid', 'nonce', 'sealed']));
    expect(statSync(join(dir, 'subject-keys.jsonl')).mode & 0o777).toBe(0o600);
    // Four openings, four keys: key ids do not link the openings of one person.
    const kids = readFileSync(join(dir, 'subjects.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (parseSubjectRecord(l) as SealedSubjectRecord).kid);
    expect(new Set(kids).size).toBe(4);
    expect(openableValues(files, [])).toEqual(new Set());
    expect(openableValues(files, [KEK_2])).toEqual(new Set());
    expect(openableValues(files, [KEK_1])).toEqual(new Set([ALICE, BOB]));

    const index = await subjectIndex(store);
    expect([...index.values()].map((r) => displaySubject(r.commitment, index)).sort()).toEqual([ALICE, ALICE, BOB, BOB]);
    const blind = openDirStore(dir, { subjectSealing: null });
    const blindIndex = await subjectIndex(blind);
    expect([...blindIndex.values()].map((r) => displaySubject(r.commitment, blindIndex))).toEqual(Array(4).fill(ERASED));
    expect(await blind.subjectsAtRest()).toEqual({ clear: 0, sealed: 4, unopenable: 4, tombstones: 0, keys: 4, sealing: false, migrationPending: false });
    // A ledger that seals never receives a clear opening, and erasure cannot find a value without the secret.
    const blindLedger = await openLedger({ store: blind, signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom('b') });
    expect(await code(blindLedger.append([draft(3, 'carol')]))).toBe('NO_KEY');
    expect(await code(eraseSubject(blind, ALICE, fixedClock()))).toBe('NO_KEY');
    expect(containsText(snapshot(dir), 'carol')).toBe(false);
    expect((await verifyStore(blind, [key.verifier])).ok).toBe(true);
  });

  it('erases by destroying the subject keys: the remaining keyring opens nothing of the erased subject, the ledger verifies', async () => {
    const { dir, store } = await ledgerIn(sealingWith(SECRET_1));
    const before = snapshot(dir);
    const result = await eraseSubject(store, ALICE, fixedClock());
    expect(result).toMatchObject({ erased: 2, seqs: [0, 1], atRest: { clear: 0, sealed: 2, unopenable: 0, tombstones: 2, keys: 2, sealing: true, migrationPending: false } });
    const after = snapshot(dir);
    expect(containsText(after, ALICE)).toBe(false);
    expect(openableValues(after, [KEK_1])).toEqual(new Set([BOB]));
    // The sealed lines of the erased subject, kept by a copy made before, no longer open with
    // the keyring that remains (their keys are gone); with the old keyring AND the secret they
    // do: that is what the KEK rotation closes (next test).
    expect(openableValues([...before.filter((b) => !b.toString('utf8').includes('"wrapped"')), ...after], [KEK_1])).toEqual(new Set([BOB]));
    expect(openableValues(before, [KEK_1])).toEqual(new Set([ALICE, BOB]));
    expect((await verifyStore(store, [key.verifier])).ok).toBe(true);
    const index = await subjectIndex(store);
    expect([...index.values()].map((r) => displaySubject(r.commitment, index)).sort()).toEqual([ERASED, ERASED, BOB, BOB].sort());
    // Erasing again changes nothing.
    const keysFile = readFileSync(join(dir, 'subject-keys.jsonl'));
    expect(await eraseSubject(store, ALICE, fixedClock())).toMatchObject({ erased: 0, seqs: [] });
    expect(readFileSync(join(dir, 'subject-keys.jsonl'))).toEqual(keysFile);
  });

  it('migrates a ledger written in clear when erase runs with a secret', async () => {
    const { dir } = await ledgerIn(null);
    const clear = snapshot(dir);
    expect(openableValues(clear, [])).toEqual(new Set([ALICE, BOB]));
    const store = openDirStore(dir, { subjectSealing: sealingWith(SECRET_1) });
    expect(await store.subjectsAtRest()).toMatchObject({ clear: 4, sealed: 0, migrationPending: true });
    const result = await eraseSubject(store, 'nobody-at-all', fixedClock());
    expect(result).toMatchObject({ erased: 0, atRest: { clear: 0, sealed: 4, unopenable: 0, keys: 4, migrationPending: false } });
    const files = snapshot(dir);
    expect(containsText(files, ALICE) || containsText(files, BOB)).toBe(false);
    expect(openableValues(files, [])).toEqual(new Set());
    expect(openableValues(files, [KEK_1])).toEqual(new Set([ALICE, BOB]));
    // The commitments are the same ones: the migrated openings still open the signed entries.
    const index = await subjectIndex(store);
    expect([...index.values()].map((r) => displaySubject(r.commitment, index)).sort()).toEqual([ALICE, ALICE, BOB, BOB]);
    expect((await verifyStore(store, [key.verifier])).ok).toBe(true);
  });

  it('rotates the secret: keys are rewrapped, and copies made before no longer open under the new secret', async () => {
    const { dir } = await ledgerIn(sealingWith(SECRET_1));
    const store = openDirStore(dir, { subjectSealing: sealingWith(SECRET_1) });
    await eraseSubject(store, ALICE, fixedClock());
    const beforeRotation = snapshot(dir);
    // A copy from before erasure still opens ALICE under the old secret only.
    const rotating = openDirStore(dir, { subjectSealing: sealingWith(SECRET_2, [SECRET_1]) });
    expect(await rotating.subjectsAtRest()).toMatchObject({ migrationPending: true });
    expect(await eraseSubject(rotating, ALICE, fixedClock())).toMatchObject({ erased: 0, atRest: { keys: 2, migrationPending: false } });
    const rotated = snapshot(dir);
    const keyLines = readFileSync(join(dir, 'subject-keys.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(keyLines.map((l) => (JSON.parse(l) as { kek: string }).kek)).toEqual([KEK_2.id, KEK_2.id]);
    // With the old secret deleted, every copy ever made (before and after) opens only what the new keyring opens.
    expect(openableValues([...beforeRotation, ...rotated], [KEK_2])).toEqual(new Set([BOB]));
    expect(openableValues(rotated, [KEK_1])).toEqual(new Set());
    const after = openDirStore(dir, { subjectSealing: sealingWith(SECRET_2) });
    const index = await subjectIndex(after);
    expect([...index.values()].map((r) => displaySubject(r.commitment, index)).sort()).toEqual([ERASED, ERASED, BOB, BOB].sort());
    // The old secret alone no longer writes: the keyring is not wrapped under it.
    const stale = openDirStore(dir, { subjectSealing: sealingWith(SECRET_1) });
    expect(await code(eraseSubject(stale, BOB, fixedClock()))).toBe('NO_KEY');
    expect(readFileSync(join(dir, 'subject-keys.jsonl'), 'utf8').split('\n').filter(Boolean)).toEqual(keyLines);
  });

  it('says plainly how openings are kept, for verify and reports', async () => {
    const { dir } = await ledgerIn(null);
    const clear = describeSubjectsAtRest(await openDirStore(dir, { subjectSealing: null }).subjectsAtRest());
    expect(clear).toBe('subject openings: 4 stored in clear (logins and e-mails readable by anyone who reads the ledger or a copy of it); set TRAILMARK_SUBJECT_KEK and run `trailmark erase` to seal them (docs/erasure.md)');
    const store = openDirStore(dir, { subjectSealing: sealingWith(SECRET_1) });
    await eraseSubject(store, ALICE, fixedClock());
    expect(describeSubjectsAtRest(await store.subjectsAtRest())).toBeNull();
    expect(describeSubjectsAtRest(await openDirStore(dir, { subjectSealing: null }).subjectsAtRest())).toBe('subject openings: 2 sealed; no TRAILMARK_SUBJECT_KEK configured, so they show as [erased]');
    expect(describeSubjectsAtRest(await openDirStore(dir, { subjectSealing: sealingWith(SECRET_2) }).subjectsAtRest())).toBe('subject openings: 2 sealed, 2 of them unopenable with the configured secret (erased, or sealed under another secret)');
  });

  it('refuses to write with a wrong secret and leaves the files untouched', async () => {
    const { dir } = await ledgerIn(sealingWith(SECRET_1));
    const files = snapshot(dir);
    const wrong = openDirStore(dir, { subjectSealing: sealingWith(SECRET_2) });
    const index = await subjectIndex(wrong);
    expect([...index.values()].every((r) => displaySubject(r.commitment, index) === ERASED)).toBe(true);
    const ledger = await openLedger({ store: wrong, signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom('w') });
    expect(await code(ledger.append([draft(9, 'carol')]))).toBe('NO_KEY');
    expect(await code(eraseSubject(wrong, BOB, fixedClock()))).toBe('NO_KEY');
    expect(snapshot(dir)).toEqual(files);
  });
});
