// The seeded mutation generator (bytes flipped, lines deleted, swapped, moved, duplicated,
// inserted, truncated, re-signed, checkpoints edited or replaced) shared by the tamper suite
// (test/ledger/tamper.test.ts) and the parallel verifier's equivalence test.
import { signCheckpoint } from '../../src/ledger/checkpoint.js';
import { canonicalize } from '../../src/ledger/canonical.js';
import { signEntry, type Entry } from '../../src/ledger/entry.js';
import { rootOf, leafHash } from '../../src/ledger/merkle.js';
import { ORIGIN, testKey } from './fixtures.js';

export const key = testKey();
const intruder = testKey('intruder');
const NL = 0x0a;

export interface Ledger {
  lines: Buffer[];
  pointer: string;
  history: Map<number, string>;
}

export function bytesOf(lines: readonly Buffer[]): Buffer {
  return Buffer.concat(lines.flatMap((l) => [l, Buffer.from([NL])]));
}

export interface Mutation {
  readonly name: string;
  readonly entries: Buffer;
  readonly pointer: string;
  readonly history: Map<number, string>;
  /** The first problem must have this seq (entry problems) ... */
  readonly seq?: number;
  /** ... or be at this location. */
  readonly location?: string;
  readonly codes?: readonly string[];
}

export function mutate(rand: () => number, b: Ledger): Mutation {
  const n = b.lines.length;
  const pick = (m: number) => Math.floor(rand() * m);
  const same = { pointer: b.pointer, history: b.history };
  const op = pick(12);
  switch (op) {
    case 0: {
      // Flip bits of one byte of entries.jsonl: the first bad seq is the line holding it.
      const all = bytesOf(b.lines);
      const at = pick(all.byteLength);
      all[at] = all[at]! ^ (1 + pick(255));
      const seq = bytesOf(b.lines).subarray(0, at).filter((c) => c === NL).length;
      return { name: `flip byte ${at}`, entries: all, ...same, seq };
    }
    case 1: {
      const k = pick(n);
      const lines = b.lines.filter((_, i) => i !== k);
      return { name: `delete line ${k}`, entries: bytesOf(lines), ...same, seq: k, ...(k === n - 1 ? { codes: ['TRUNCATED'] } : { codes: ['SEQ_GAP'] }) };
    }
    case 2: {
      const k = pick(n - 1);
      const lines = [...b.lines];
      [lines[k], lines[k + 1]] = [lines[k + 1]!, lines[k]!];
      return { name: `swap lines ${k},${k + 1}`, entries: bytesOf(lines), ...same, seq: k, codes: ['SEQ_GAP'] };
    }
    case 3: {
      const j = pick(n);
      const k = pick(n + 1);
      const lines = [...b.lines];
      lines.splice(k, 0, b.lines[j]!);
      return { name: `duplicate line ${j} at ${k}`, entries: bytesOf(lines), ...same, seq: j === k ? k + 1 : k, codes: ['SEQ_GAP'] };
    }
    case 4: {
      const from = pick(n);
      let to = pick(n - 1);
      if (to >= from) to++;
      const lines = [...b.lines];
      const [moved] = lines.splice(from, 1);
      lines.splice(to, 0, moved!);
      return { name: `move line ${from} to ${to}`, entries: bytesOf(lines), ...same, seq: Math.min(from, to), codes: ['SEQ_GAP'] };
    }
    case 5: {
      // Cut the file at a random byte: a torn tail, or whole lines missing.
      const all = bytesOf(b.lines);
      const at = pick(all.byteLength);
      const complete = all.subarray(0, at).filter((c) => c === NL).length;
      return { name: `truncate at byte ${at}`, entries: all.subarray(0, at), ...same, seq: complete, codes: ['TRUNCATED'] };
    }
    case 6: {
      // Re-sign an altered entry with another key (its own kid, or ours forged).
      const k = pick(n);
      const e = JSON.parse(b.lines[k]!.toString()) as Entry;
      const { sig: _sig, ...unsigned } = e;
      const altered = { ...unsigned, policy: `${unsigned.policy}-x` };
      const forged = signEntry(altered, intruder.signer);
      const forgeKid = rand() < 0.5;
      const line = forgeKid ? Buffer.from(canonicalize({ ...forged.entry, sig: { ...forged.entry.sig, kid: e.sig.kid } })) : Buffer.from(forged.line);
      const lines = [...b.lines];
      lines[k] = line;
      return { name: `re-sign line ${k} (forged kid: ${forgeKid})`, entries: bytesOf(lines), ...same, seq: k, codes: [forgeKid ? 'BAD_SIGNATURE' : 'UNKNOWN_KEY'] };
    }
    case 7: {
      // Insert a well-formed entry signed by an intruder key at its own seq.
      const k = pick(n + 1);
      const prev = JSON.parse(b.lines[Math.min(k, n - 1)]!.toString()) as Entry;
      const { sig: _s, ...unsigned } = prev;
      const line = Buffer.from(signEntry({ ...unsigned, seq: k }, intruder.signer).line);
      const lines = [...b.lines];
      lines.splice(k, 0, line);
      return { name: `insert intruder entry at ${k}`, entries: bytesOf(lines), ...same, seq: k };
    }
    case 8: {
      // Flip a byte of the checkpoint pointer.
      const text = Buffer.from(b.pointer);
      const at = pick(text.byteLength);
      text[at] = text[at]! ^ (1 + pick(255));
      return { name: `flip checkpoint byte ${at}`, entries: bytesOf(b.lines), pointer: text.toString('utf8'), history: b.history, location: 'checkpoint', codes: ['BAD_CHECKPOINT', 'UNKNOWN_KEY'] };
    }
    case 9: {
      // Flip a byte of a history checkpoint.
      const sizes = [...b.history.keys()];
      const s = sizes[pick(sizes.length)]!;
      const text = Buffer.from(b.history.get(s)!);
      const at = pick(text.byteLength);
      text[at] = text[at]! ^ (1 + pick(255));
      const history = new Map(b.history);
      history.set(s, text.toString('utf8'));
      return { name: `flip checkpoints/${s} byte ${at}`, entries: bytesOf(b.lines), pointer: b.pointer, history, location: `checkpoints/${s}`, codes: ['BAD_CHECKPOINT', 'UNKNOWN_KEY'] };
    }
    case 10: {
      // An insider holding the key rewrites one entry and re-signs it: the chain (or, for the
      // last entry, the checkpoint root) still gives it away.
      const k = pick(n);
      const e = JSON.parse(b.lines[k]!.toString()) as Entry;
      const { sig: _sig, ...unsigned } = e;
      const lines = [...b.lines];
      lines[k] = Buffer.from(signEntry({ ...unsigned, policy: `${unsigned.policy}-rewritten` }, key.signer).line);
      if (k < n - 1) return { name: `rewrite line ${k} with the ledger key`, entries: bytesOf(lines), ...same, seq: k + 1, codes: ['CHAIN_MISMATCH'] };
      return { name: `rewrite line ${k} with the ledger key`, entries: bytesOf(lines), ...same, location: 'checkpoint', codes: ['ROOT_MISMATCH'] };
    }
    default: {
      // A validly signed checkpoint of a different tree (same size, other leaves).
      const sizes = [...b.history.keys()];
      const s = sizes[pick(sizes.length)]!;
      const leaves = b.lines.slice(0, s).map((l) => leafHash(l));
      leaves[pick(s)] = leafHash(Buffer.from(`other tree ${rand()}`));
      const forged = signCheckpoint({ origin: ORIGIN, size: s, root: rootOf(leaves), extensions: [] }, [key.signer]);
      const history = new Map(b.history);
      history.set(s, forged);
      const latest = s === n;
      return { name: `checkpoint of a different tree at ${s}`, entries: bytesOf(b.lines), pointer: latest ? forged : b.pointer, history, location: latest ? 'checkpoint' : `checkpoints/${s}`, codes: ['ROOT_MISMATCH'] };
    }
  }
}
