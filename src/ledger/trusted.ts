// Pinned state: proving that the log a verifier reads now extends a state it saw earlier (a
// checkpoint it kept, or a size and root). Without one, a consistent rollback (the log cut back
// to an earlier size, with the later checkpoints deleted) verifies: every remaining checkpoint
// is still a prefix of the remaining log. With one, the verifier computes the RFC 6962
// consistency proof from the trusted size to the latest checkpoint out of the log's lines and
// checks it against both roots, exactly as an outside party holding only the proof would.
//
// Memory stays flat: the proof's nodes are disjoint subtrees, so one streaming pass over the
// lines feeds each leaf to the one subtree (one compact range) it belongs to.
import { LedgerError, UsageError } from '../core/errors.js';
import { openCheckpoint } from './checkpoint.js';
import { decodeBase64, decodeHex, encodeHex } from './encoding.js';
import { TreeBuilder, leafHash, verifyConsistency, HASH_SIZE } from './merkle.js';
import type { NoteVerifier } from './note.js';
import type { LedgerStore } from './store.js';

/** A tree state the verifier saw earlier. */
export interface TrustedState {
  readonly size: number;
  readonly root: Uint8Array;
  /** The origin of the trusted checkpoint; null for a bare size and root. */
  readonly origin: string | null;
  /** Where it came from, for messages (`checkpoint size 12`, `--trusted-size 12`). */
  readonly source: string;
}

/** Opens a trusted checkpoint kept earlier: it must be signed by a log key named after its origin. */
export function trustedFromCheckpoint(text: string, keys: readonly NoteVerifier[]): TrustedState {
  const { checkpoint, verifiedBy } = openCheckpoint(text, keys);
  if (!verifiedBy.some((v) => v.name === checkpoint.origin)) {
    throw new LedgerError('UNKNOWN_KEY', `the trusted checkpoint is not signed by a trusted key named ${JSON.stringify(checkpoint.origin)}`, { hint: 'pass the log key(s) with --key' });
  }
  return { size: checkpoint.size, root: checkpoint.root, origin: checkpoint.origin, source: `trusted checkpoint of size ${checkpoint.size}` };
}

/** A trusted size and root (standard base64, as in checkpoints, or 64 hex digits, as `verify` prints). */
export function trustedFromSizeRoot(size: string | number, root: string): TrustedState {
  const n = typeof size === 'number' ? size : /^(?:0|[1-9][0-9]*)$/.test(size.trim()) ? Number(size.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError('BAD_INPUT', `trusted size ${JSON.stringify(String(size))} is not a non-negative integer`, { hint: 'pass the tree size of a checkpoint you verified earlier' });
  const text = root.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(text) ? decodeHex(text.toLowerCase()) : decodeBase64(text);
  if (bytes === undefined || bytes.byteLength !== HASH_SIZE) {
    throw new UsageError('BAD_INPUT', 'trusted root is not a 32-byte hash in standard base64 or 64 hex digits', { hint: 'copy the root from a checkpoint (line 3, base64) or from `trailmark verify` (hex)' });
  }
  return { size: n, root: bytes, origin: null, source: `trusted size ${n}` };
}

/**
 * The subtrees [start, end) whose roots make up PROOF(m, D[n]) (RFC 6962 §2.1.2), in proof
 * order. They are disjoint: each step recurses into one half and emits the other.
 */
export function consistencyRanges(m: number, n: number): [number, number][] {
  const out: [number, number][] = [];
  if (m <= 0 || m >= n) return out;
  const walk = (m: number, start: number, size: number, whole: boolean): void => {
    if (m === size) {
      if (!whole) out.push([start, start + size]);
      return;
    }
    let k = 1;
    while (k * 2 < size) k *= 2;
    if (m <= k) {
      walk(m, start, k, whole);
      out.push([start + k, start + size]);
    } else {
      walk(m - k, start + k, size - k, false);
      out.push([start, start + k]);
    }
  };
  walk(m, 0, n, true);
  return out;
}

/** PROOF(oldSize, D[newSize]) computed in one streaming pass over the store's first newSize lines. */
export async function consistencyProofFromStore(store: LedgerStore, oldSize: number, newSize: number): Promise<Uint8Array[]> {
  const ranges = consistencyRanges(oldSize, newSize);
  const order = ranges.map((r, i) => ({ start: r[0], end: r[1], i })).sort((a, b) => a.start - b.start);
  const builders = ranges.map(() => new TreeBuilder());
  let next = 0;
  let index = 0;
  if (order.length > 0) {
    for await (const line of store.readLines(0)) {
      if (index >= newSize) break;
      while (next < order.length && index >= order[next]!.end) next++;
      const r = order[next];
      if (r !== undefined && index >= r.start) builders[r.i]!.append(leafHash(line));
      index++;
    }
    if (index < newSize) throw new LedgerError('TRUNCATED', `the log has ${index} entries but the checkpoint covers ${newSize}`, { hint: 'committed entries are missing: run `trailmark verify`' });
  }
  return builders.map((b) => b.root());
}

export interface TrustCheck {
  readonly trustedSize: number;
  readonly trustedRoot: string;
  readonly checkpointSize: number;
  readonly consistent: boolean;
  /** The consistency proof (hex, leaf level first); empty for equal sizes or a failed check. */
  readonly proof: readonly string[];
  /** What is wrong when not consistent. */
  readonly problem: { readonly code: 'TRUNCATED' | 'ROOT_MISMATCH' | 'BAD_CHECKPOINT'; readonly message: string } | null;
}

/**
 * Checks that the latest checkpoint (size, root, already verified) extends `trusted`: the log was
 * not rolled back below it and the first `trusted.size` entries still hash to its root.
 */
export async function checkTrusted(store: LedgerStore, trusted: TrustedState, latest: { size: number; root: Uint8Array; origin: string | null }): Promise<TrustCheck> {
  const base = { trustedSize: trusted.size, trustedRoot: encodeHex(trusted.root), checkpointSize: latest.size };
  const failed = (code: 'TRUNCATED' | 'ROOT_MISMATCH' | 'BAD_CHECKPOINT', message: string): TrustCheck => ({ ...base, consistent: false, proof: [], problem: { code, message } });
  if (trusted.origin !== null && latest.origin !== null && trusted.origin !== latest.origin) {
    return failed('BAD_CHECKPOINT', `the ${trusted.source} is for log ${JSON.stringify(trusted.origin)}, not ${JSON.stringify(latest.origin)}`);
  }
  if (latest.size < trusted.size) {
    return failed('TRUNCATED', `rollback: the latest checkpoint has size ${latest.size}, smaller than the ${trusted.source}: the log was truncated or its later checkpoints removed`);
  }
  let proof: Uint8Array[];
  try {
    proof = await consistencyProofFromStore(store, trusted.size, latest.size);
    verifyConsistency(trusted.size, latest.size, trusted.root, latest.root, proof);
  } catch (err) {
    if (!(err instanceof LedgerError)) throw err;
    if (err.code === 'TRUNCATED') return failed('TRUNCATED', `cannot prove consistency with the ${trusted.source}: ${err.message}`);
    return failed('ROOT_MISMATCH', `the log is not consistent with the ${trusted.source}: its first ${trusted.size} entries no longer hash to the trusted root (${err.message}); the log was rewritten`);
  }
  return { ...base, consistent: true, proof: proof.map(encodeHex), problem: null };
}
