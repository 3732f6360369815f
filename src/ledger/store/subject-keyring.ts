// The subject keyring of a store as adapters reach it (docs/erasure.md): how the openings are
// kept at rest (for `trailmark verify` and `trailmark report` to say it), and the keyring as
// stored, for `trailmark ledger export`/`import` to carry it from one store to another without
// unwrapping a key or opening a record.
//
// The directory store keeps its keyring in DIR/subject-keys.jsonl (one wrapped key per line, see
// dir.ts); PostgreSQL in ledger_subject_keys (PostgresStore.readSubjectKeyring and
// importSubjectKeyring). Both are reached here through one small port.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LedgerError, UsageError } from '../../core/errors.js';
import type { LedgerStore } from '../store.js';
import { describeSubjectsAtRest, formatWrappedKey, isSubjectSealingStore, parseWrappedKey, SUBJECT_KEK_ENV, type SubjectsAtRest, type WrappedSubjectKey } from '../subject-seal.js';
import { SUBJECT_KEYS_FILE, type SubjectSealing } from '../subject-vault.js';
import { subjectSealingFromEnv } from './subject-keys.js';
import type { PostgresStore } from './postgres.js';

export type { SubjectSealing, SubjectsAtRest, WrappedSubjectKey };
export { subjectSealingFromEnv };

/** How a ledger keeps its subject openings, with the plain warning `verify` and `report` print. */
export interface SubjectsAtRestReport extends SubjectsAtRest {
  /** One plain line when something deserves attention (openings in clear, unopenable ones), else null. */
  readonly warning: string | null;
}

/** The at-rest counts of a store that holds subject records, or null for one that has no side store to describe. */
export async function subjectsAtRestOf(store: LedgerStore): Promise<SubjectsAtRestReport | null> {
  if (!isSubjectSealingStore(store)) return null;
  const r = await store.subjectsAtRest();
  return { ...r, warning: describeSubjectsAtRest(r) };
}

/**
 * The sealing configured in `env`, or, when the secret is unusable (too short, a previous one
 * without a current one), none and the reason: read-only commands report it instead of failing.
 */
export function subjectSealingForReading(env: Readonly<Record<string, string | undefined>>): { readonly sealing: SubjectSealing | null; readonly problem: string | null } {
  try {
    return { sealing: subjectSealingFromEnv(env) ?? null, problem: null };
  } catch (err) {
    return { sealing: null, problem: `${SUBJECT_KEK_ENV} is not usable (${err instanceof Error ? err.message : String(err)}): sealed openings are counted as unopenable` };
  }
}

/** The keyring of a store as stored (wrapped keys), and the import of one into an empty store. */
export interface SubjectKeyringAccess {
  /** The wrapped keys, exactly as stored. */
  read(): Promise<WrappedSubjectKey[]>;
  /** Writes wrapped keys as they are into a store with no keyring yet; the store's lock must be held. */
  importKeys(keys: readonly WrappedSubjectKey[]): Promise<void>;
  /** Ids of the KEKs a writer of this store accepts (current first); empty without a secret. */
  readonly accepted: readonly string[];
}

/** Ids of the KEKs a writer with `sealing` accepts: the current one first, then previous ones. */
export function acceptedKeks(sealing: SubjectSealing | null | undefined): string[] {
  return sealing === null || sealing === undefined ? [] : [sealing.kek.id, ...sealing.previous.map((p) => p.id)];
}

/** Keyring access of a directory ledger (DIR/subject-keys.jsonl). */
export function dirSubjectKeyring(dir: string, sealing: SubjectSealing | null | undefined): SubjectKeyringAccess {
  const path = join(dir, SUBJECT_KEYS_FILE);
  const readText = (): string | null => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new LedgerError('IO', `cannot read ${path}`, { cause: err });
    }
  };
  return {
    accepted: acceptedKeks(sealing),
    read: () => {
      const text = readText();
      if (text === null) return Promise.resolve([]);
      // As the directory store reads it: complete lines only (a torn last line is an interrupted append).
      const out: WrappedSubjectKey[] = [];
      const lines = text.slice(0, text.lastIndexOf('\n') + 1).split('\n');
      lines.forEach((line, i) => {
        if (line === '') return;
        const key = parseWrappedKey(line);
        if (key === null) throw new LedgerError('IO', `malformed record on line ${i + 1} of ${SUBJECT_KEYS_FILE}`, { hint: `restore ${SUBJECT_KEYS_FILE} from a backup` });
        out.push(key);
      });
      return Promise.resolve(out);
    },
    importKeys: (keys) => {
      if (keys.length === 0) return Promise.resolve();
      const existing = readText();
      if (existing !== null && existing.trim() !== '') throw new UsageError('BAD_INPUT', `${dir} already holds a subject keyring: import only into a new ledger`, { hint: 'pass a new --ledger directory' });
      // Temporary file, fsync, rename, fsync of the directory: the keyring is durable before
      // the records it opens are written (as the directory store orders them).
      const tmp = `${path}.tmp-${process.pid}`;
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, keys.map((k) => `${formatWrappedKey(k)}\n`).join(''));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
      const dfd = openSync(dir, 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
      return Promise.resolve();
    },
  };
}

/** Keyring access of a PostgreSQL log (ledger_subject_keys). */
export function postgresSubjectKeyring(store: PostgresStore, sealing: SubjectSealing | null | undefined): SubjectKeyringAccess {
  return { accepted: acceptedKeks(sealing), read: () => store.readSubjectKeyring(), importKeys: (keys) => store.importSubjectKeyring(keys) };
}

/**
 * What `trailmark erase` adds after an erasure: what the store now holds, and what copies made
 * before it (backups, replicas, WAL, git history) still hold (docs/erasure.md).
 */
export function describeErasureAtRest(r: SubjectsAtRest, erased: number, database: boolean): string[] {
  const lines: string[] = [];
  const copies = database ? 'backups, dumps, WAL archives and replicas made before this erasure' : 'copies made before this erasure (backups, clones, the git history of a ledger branch)';
  if (erased > 0 && r.sealing) {
    lines.push(`the subject keys of the erased openings are destroyed; ${copies} still hold them wrapped under the current secret: expire those copies, or rotate ${SUBJECT_KEK_ENV} and delete the old secret (docs/erasure.md)`);
  } else if (erased > 0) {
    lines.push(`warning: the erased openings were stored in clear: ${copies} still hold them readable; set ${SUBJECT_KEK_ENV} to seal openings from now on (docs/erasure.md)`);
  }
  const atRest = describeSubjectsAtRest(r);
  if (atRest !== null) lines.push(`warning: ${atRest}`);
  return lines;
}
