// The subject keyring of a store and the sealing of its side store (docs/erasure.md). Stores
// (dir, postgres, ledger branch) hold the bytes; this module decides what they hold.
//
// Every store that holds subject records keeps a keyring beside them: the directory store a file
// `subject-keys.jsonl`, the ledger branch the same file in the same commit, PostgreSQL the table
// `ledger_subject_keys`. Each keyring line is one subject key wrapped under the KEK; the KEK is
// derived from a secret that is never stored with the ledger (TRAILMARK_SUBJECT_KEK, the Action's
// `subject-key` input), so the store alone, or any copy or backup of it, opens no opening.
//
// SubjectVault turns what a store holds into what readers see and back:
//  - read: sealed records whose key unwraps under the configured KEKs are opened (clear records
//    as the ledger wrote them before sealing); the rest stay sealed, which readers show as
//    `[erased]` (displaySubject). Reading never fails for want of a key.
//  - append: with a KEK, every new opening gets its own fresh subject key and is sealed; without
//    one, openings are written in clear (the behaviour before sealing) unless the store already
//    has a keyring, which is refused: a ledger that seals never receives a clear opening.
//  - rewrite (erasure, retention): openings read earlier keep their sealed form and key; clear
//    openings are sealed (migration); the keyring keeps only keys that a written record names,
//    so the keys of erased openings are destroyed; keys under a previous KEK are rewrapped under
//    the current one (rotation). Keys wrapped under a KEK that is neither current nor previous
//    make every write fail (a wrong secret must not split the keyring).
// Stores write the keyring BEFORE the records (docs/erasure.md, crash consistency): new keys are
// durable before the lines they open, and a destroyed key is gone before its line is rewritten,
// so a crash in between leaves an unopenable line (shown `[erased]`), never a missing key for a
// kept one.
import { UsageError } from '../core/errors.js';
import type { Random } from '../core/ports.js';
import { newSubjectKey, openSealed, sealOpening, SUBJECT_KEK_ENV, SUBJECT_KEK_PREVIOUS_ENV, subjectKekFromSecret, unwrapSubjectKey, wrapSubjectKey, type SubjectKek, type SubjectsAtRest, type WrappedSubjectKey } from './subject-seal.js';
import type { SealedSubjectRecord, SubjectRecord } from './subjects.js';

export const SUBJECT_KEYS_FILE = 'subject-keys.jsonl';

export interface SubjectSealing {
  /** New keys are wrapped under it, and every write rewraps older keys under it. */
  readonly kek: SubjectKek;
  /** KEKs of earlier secrets still accepted for unwrapping (a rotation in progress). */
  readonly previous: readonly SubjectKek[];
  readonly random: Random;
}

/** Sealing from secrets; undefined without a current secret. Throws UsageError on a short secret. */
export function subjectSealing(secret: string | undefined, previous: readonly string[], random: Random): SubjectSealing | undefined {
  if (secret === undefined || secret.trim() === '') {
    if (previous.some((p) => p.trim() !== '')) throw new UsageError('NO_KEY', 'a previous subject key secret is set without a current one', { hint: `set ${SUBJECT_KEK_ENV} to the new secret` });
    return undefined;
  }
  const kek = subjectKekFromSecret(secret);
  return { kek, previous: previous.filter((p) => p.trim() !== '').map(subjectKekFromSecret).filter((p) => p.id !== kek.id), random };
}

interface Opened {
  readonly sealed: SealedSubjectRecord;
  readonly salt: string;
  readonly value: string;
}

export class SubjectVault {
  readonly #sealing: SubjectSealing | undefined;
  readonly #location: string;
  /** Sealed forms of the openings this vault opened, by commitment: a rewrite keeps them. */
  readonly #opened = new Map<string, Opened>();

  constructor(sealing: SubjectSealing | undefined, location: string) {
    this.#sealing = sealing;
    this.#location = location;
  }

  get sealing(): boolean {
    return this.#sealing !== undefined;
  }

  #unwrap(w: WrappedSubjectKey): Uint8Array | null {
    const s = this.#sealing;
    if (s === undefined) return null;
    for (const kek of [s.kek, ...s.previous]) {
      if (w.kek !== kek.id) continue;
      return unwrapSubjectKey(kek, w);
    }
    return null;
  }

  #keys(keyring: readonly WrappedSubjectKey[]): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const w of keyring) {
      const key = this.#unwrap(w);
      if (key !== null) out.set(w.kid, key);
    }
    return out;
  }

  /** What readers see: sealed records opened where a configured KEK unwraps their key. */
  open(raw: readonly SubjectRecord[], keyring: readonly WrappedSubjectKey[]): SubjectRecord[] {
    if (this.#sealing === undefined || keyring.length === 0) return [...raw];
    const keys = this.#keys(keyring);
    return raw.map((r) => {
      if (!('sealed' in r)) return r;
      const key = keys.get(r.kid);
      const opened = key === undefined ? null : openSealed(r, key);
      if (opened === null) return r;
      this.#opened.set(r.commitment, { sealed: r, salt: opened.salt, value: opened.value });
      return opened;
    });
  }

  /** Refuses writes that would split the keyring or put clear openings beside sealed ones. */
  #checkWritable(keyring: readonly WrappedSubjectKey[], clearOpenings: boolean): void {
    const s = this.#sealing;
    if (s === undefined) {
      if (keyring.length > 0 && clearOpenings) {
        throw new UsageError('NO_KEY', `the ledger ${this.#location} seals subject openings, and no subject key secret is configured`, { hint: `set ${SUBJECT_KEK_ENV} (the Action's subject-key input) to the ledger's secret` });
      }
      return;
    }
    const known = new Set([s.kek.id, ...s.previous.map((p) => p.id)]);
    const foreign = [...new Set(keyring.filter((w) => !known.has(w.kek)).map((w) => w.kek))].sort();
    if (foreign.length > 0) {
      throw new UsageError('NO_KEY', `subject keys of ${this.#location} are wrapped under key ${foreign.join(', ')}, not under the configured secret (${s.kek.id})`, {
        hint: `set ${SUBJECT_KEK_ENV} to the ledger's secret, or, to rotate it, the old one in ${SUBJECT_KEK_PREVIOUS_ENV}`,
      });
    }
  }

  #rewrap(w: WrappedSubjectKey): WrappedSubjectKey {
    const s = this.#sealing!;
    if (w.kek === s.kek.id) return w;
    const key = this.#unwrap(w);
    if (key === null) throw new UsageError('NO_KEY', `subject key ${w.kid} of ${this.#location} does not unwrap under the previous secret`, { hint: `check ${SUBJECT_KEK_PREVIOUS_ENV}` });
    return wrapSubjectKey(s.kek, w.kid, key, s.random);
  }

  #seal(r: { commitment: string; seq: number; salt: string; value: string }): { record: SealedSubjectRecord; key: WrappedSubjectKey } {
    const s = this.#sealing!;
    const { kid, key } = newSubjectKey(s.random);
    return { record: sealOpening(r, kid, key, s.random), key: wrapSubjectKey(s.kek, kid, key, s.random) };
  }

  /**
   * Appending new openings. `keys` are to be appended to the keyring, or, when `replaceKeyring`
   * (a rotation is pending), they are the whole new keyring. Write them before `records`.
   */
  sealAppend(records: readonly SubjectRecord[], keyring: readonly WrappedSubjectKey[]): { records: SubjectRecord[]; keys: WrappedSubjectKey[]; replaceKeyring: boolean } {
    this.#checkWritable(keyring, records.some((r) => 'value' in r));
    const s = this.#sealing;
    if (s === undefined) return { records: [...records], keys: [], replaceKeyring: false };
    const added: WrappedSubjectKey[] = [];
    const out = records.map((r): SubjectRecord => {
      if (!('value' in r)) return r;
      const sealed = this.#seal(r);
      added.push(sealed.key);
      this.#opened.set(r.commitment, { sealed: sealed.record, salt: r.salt, value: r.value });
      return sealed.record;
    });
    const rotate = keyring.some((w) => w.kek !== s.kek.id);
    return rotate ? { records: out, keys: [...keyring.map((w) => this.#rewrap(w)), ...added], replaceKeyring: true } : { records: out, keys: added, replaceKeyring: false };
  }

  /**
   * Replacing the whole side store. Returns the records and the whole keyring to store (write
   * the keyring first): only keys named by a returned record survive.
   */
  sealRewrite(records: readonly SubjectRecord[], keyring: readonly WrappedSubjectKey[]): { records: SubjectRecord[]; keyring: WrappedSubjectKey[] } {
    this.#checkWritable(keyring, records.some((r) => 'value' in r));
    const s = this.#sealing;
    const byKid = new Map(keyring.map((w) => [w.kid, w]));
    const added: WrappedSubjectKey[] = [];
    const out = records.map((r): SubjectRecord => {
      if (s === undefined || !('value' in r)) return r;
      const known = this.#opened.get(r.commitment);
      if (known !== undefined && known.salt === r.salt && known.value === r.value && known.sealed.seq === r.seq && byKid.has(known.sealed.kid)) return known.sealed;
      const sealed = this.#seal(r);
      added.push(sealed.key);
      this.#opened.set(r.commitment, { sealed: sealed.record, salt: r.salt, value: r.value });
      return sealed.record;
    });
    const named = new Set(out.flatMap((r) => ('sealed' in r ? [r.kid] : [])));
    const kept = keyring.filter((w) => named.has(w.kid)).map((w) => (s === undefined ? w : this.#rewrap(w)));
    return { records: out, keyring: [...kept, ...added] };
  }

  /** Counts for `SubjectSealingStore.subjectsAtRest`. */
  atRest(raw: readonly SubjectRecord[], keyring: readonly WrappedSubjectKey[]): SubjectsAtRest {
    const keys = this.#keys(keyring);
    let clear = 0;
    let sealed = 0;
    let unopenable = 0;
    let tombstones = 0;
    const named = new Set<string>();
    for (const r of raw) {
      if ('value' in r) clear++;
      else if ('sealed' in r) {
        sealed++;
        named.add(r.kid);
        const key = keys.get(r.kid);
        if (key === undefined || openSealed(r, key) === null) unopenable++;
      } else tombstones++;
    }
    const s = this.#sealing;
    const migrationPending = s !== undefined && (clear > 0 || keyring.some((w) => w.kek !== s.kek.id || !named.has(w.kid)));
    return { clear, sealed, unopenable, tombstones, keys: keyring.length, sealing: s !== undefined, migrationPending };
  }
}
