// Builds proofs from a store against its latest committed checkpoint. Reads every leaf up to
// the checkpoint size once (32 bytes of memory per entry while the proof is built).
import { LedgerError, UsageError } from '../core/errors.js';
import { parseCheckpoint, type Checkpoint } from './checkpoint.js';
import { decodeUtf8, encodeHex } from './encoding.js';
import { consistencyProof, inclusionProof, leafHash, rootOf } from './merkle.js';
import { parseNote } from './note.js';
import { CONSISTENCY_PROOF_TYPE, INCLUSION_PROOF_TYPE, type ConsistencyProof, type InclusionProof } from './proof.js';
import type { LedgerStore } from './store.js';

/** The largest committed checkpoint (not verified here: proofs are verified by their reader). */
async function latest(store: LedgerStore): Promise<{ text: string; checkpoint: Checkpoint }> {
  const sizes = await store.listCheckpoints();
  const last = sizes.at(-1);
  const text = last === undefined ? await store.readCheckpoint() : await store.readCheckpointAt(last);
  if (text === null) throw new UsageError('NOT_FOUND', `ledger ${store.location} has no checkpoint yet`, { hint: 'append at least one entry (trailmark scan --ledger) first' });
  return { text, checkpoint: parseCheckpoint(parseNote(text).text) };
}

async function leaves(store: LedgerStore, size: number, keep?: number): Promise<{ hashes: Uint8Array[]; kept: Uint8Array | null }> {
  const hashes: Uint8Array[] = [];
  let kept: Uint8Array | null = null;
  for await (const line of store.readLines(0)) {
    if (hashes.length === size) break;
    if (hashes.length === keep) kept = Uint8Array.from(line);
    hashes.push(leafHash(line));
  }
  if (hashes.length < size) throw new LedgerError('TRUNCATED', `the log has ${hashes.length} entries but its checkpoint covers ${size}`, { hint: 'run `trailmark verify`' });
  return { hashes, kept };
}

export async function proveInclusion(store: LedgerStore, seq: number): Promise<InclusionProof> {
  const { text, checkpoint } = await latest(store);
  if (!Number.isSafeInteger(seq) || seq < 0 || seq >= checkpoint.size) {
    throw new UsageError('BAD_INPUT', `seq ${seq} is not in the checkpointed tree of size ${checkpoint.size}`, { hint: `pass a seq from 0 to ${checkpoint.size - 1}` });
  }
  const { hashes, kept } = await leaves(store, checkpoint.size, seq);
  const line = decodeUtf8(kept!);
  if (line === undefined) throw new LedgerError('NOT_CANONICAL', `entry ${seq} is not well-formed utf-8`, { hint: 'run `trailmark verify`' });
  return {
    type: INCLUSION_PROOF_TYPE,
    origin: checkpoint.origin,
    seq,
    size: checkpoint.size,
    line,
    leafHash: encodeHex(hashes[seq]!),
    root: encodeHex(checkpoint.root),
    proof: inclusionProof(seq, checkpoint.size, hashes).map(encodeHex),
    checkpoint: text,
  };
}

export async function proveConsistency(store: LedgerStore, oldSize: number): Promise<ConsistencyProof> {
  const { text, checkpoint } = await latest(store);
  if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > checkpoint.size) {
    throw new UsageError('BAD_INPUT', `old size ${oldSize} is not between 0 and the checkpoint size ${checkpoint.size}`, { hint: 'pass the size of a checkpoint you saved earlier' });
  }
  const { hashes } = await leaves(store, checkpoint.size);
  const oldCheckpoint = await store.readCheckpointAt(oldSize);
  const oldRoot = rootOf(hashes.slice(0, oldSize));
  return {
    type: CONSISTENCY_PROOF_TYPE,
    origin: checkpoint.origin,
    oldSize,
    newSize: checkpoint.size,
    oldRoot: encodeHex(oldRoot),
    newRoot: encodeHex(checkpoint.root),
    proof: consistencyProof(oldSize, checkpoint.size, hashes).map(encodeHex),
    checkpoint: text,
    oldCheckpoint,
  };
}
