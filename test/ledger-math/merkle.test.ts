import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/core/errors.js';
import { decodeBase64, decodeHex, encodeHex } from '../../src/ledger/encoding.js';
import {
  EMPTY_ROOT,
  TreeBuilder,
  consistencyProof,
  inclusionProof,
  leafHash,
  nodeHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from '../../src/ledger/merkle.js';
import { numberedHexLines, vectorBytes, vectorFiles, vectorText } from './vectors.js';
import { prng } from '../support/prng.js';

const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

/** Independent recursive MTH straight from RFC 6962 §2.1, used as the reference. */
function referenceRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return sha256(new Uint8Array([0]), leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(new Uint8Array([1]), referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}


function expectBadProof(fn: () => void): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(LedgerError);
  expect((thrown as LedgerError).code).toBe('BAD_PROOF');
}

const hex = (b: Uint8Array): string => encodeHex(b);
const b64 = (s: string | null | undefined): Uint8Array => {
  if (s === null || s === undefined || s === '') return new Uint8Array(0);
  // Mutated vectors may hold any bytes; Buffer's decoder is lenient on purpose here.
  return new Uint8Array(Buffer.from(s, 'base64'));
};

// The classic RFC 6962 test tree (google/certificate-transparency, via transparency-dev/merkle).
const LEAVES = vectorText('rfc6962-merkle/leaves.hex').split('\n').slice(0, 8).map((l) => decodeHex(l)!);
const ROOTS = numberedHexLines('rfc6962-merkle/roots.txt');
const LEAF_HASHES = numberedHexLines('rfc6962-merkle/leaf-hashes.txt');
const TREE = LEAVES.map((l) => leafHash(l));

describe('RFC 6962 reference tree', () => {
  it('has the 8 expected leaves', () => {
    expect(LEAVES).toHaveLength(8);
    expect(hex(LEAVES[0]!)).toBe('');
    expect(hex(LEAVES[7]!)).toBe('606162636465666768696a6b6c6d6e6f');
  });

  it('hashes every leaf as SHA-256(0x00 || leaf)', () => {
    expect(LEAF_HASHES.size).toBe(8);
    for (const [i, want] of LEAF_HASHES) expect(hex(leafHash(LEAVES[i]!))).toBe(want);
  });

  it('computes every root for sizes 0..8 with rootOf and TreeBuilder', () => {
    expect(ROOTS.size).toBe(9);
    const b = new TreeBuilder();
    for (const [size, want] of ROOTS) {
      expect(hex(rootOf(TREE.slice(0, size)))).toBe(want);
      while (b.size < size) b.append(TREE[b.size]!);
      expect(b.size).toBe(size);
      expect(hex(b.root())).toBe(want);
    }
  });

  it('EMPTY_ROOT is SHA-256 of the empty string', () => {
    expect(hex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(rootOf([]))).toBe(hex(EMPTY_ROOT));
  });

  it('nodeHash is SHA-256(0x01 || l || r), also for non-32-byte inputs', () => {
    const l = TREE[0]!;
    const r = TREE[1]!;
    expect(hex(nodeHash(l, r))).toBe(hex(sha256(new Uint8Array([1]), l, r)));
    expect(hex(nodeHash(l, r))).toBe(ROOTS.get(2));
    expect(hex(nodeHash(new Uint8Array([1, 2]), new Uint8Array([3])))).toBe(hex(sha256(new Uint8Array([1, 1, 2, 3]))));
  });

  it('leafHash agrees with a streaming hash beyond the scratch buffer size', () => {
    for (const n of [0, 1, 1023, 1024, 4095, 4096, 4097, 65535, 65536, 65537, 200_000]) {
      const leaf = new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff);
      expect(hex(leafHash(leaf))).toBe(hex(sha256(new Uint8Array([0]), leaf)));
    }
  });
});

interface InclusionProbe { leafIdx: number; treeSize: number; root: string; leafHash: string; proof: string[] | null; desc: string; wantErr: boolean }
interface ConsistencyProbe { size1: number; size2: number; root1: string; root2: string; proof: string[] | null; desc: string; wantErr: boolean }

const INCLUSION = vectorFiles('rfc6962-merkle/inclusion', '.json');
const CONSISTENCY = vectorFiles('rfc6962-merkle/consistency', '.json');

describe('transparency-dev/merkle inclusion probes', () => {
  it('covers every probe file', () => {
    expect(INCLUSION.length).toBeGreaterThanOrEqual(80);
    expect(INCLUSION.length + CONSISTENCY.length).toBe(196);
  });

  it.each(INCLUSION)('%s', (file) => {
    const p = JSON.parse(vectorText(file)) as InclusionProbe;
    const run = (): void => verifyInclusion(p.leafIdx, p.treeSize, b64(p.leafHash), (p.proof ?? []).map(b64), b64(p.root));
    if (p.wantErr) {
      expectBadProof(run);
    } else {
      run();
    }
  });

  it('generation reproduces every happy-path proof on the reference tree', () => {
    const happy = INCLUSION.filter((f) => /\/[0-9]+\/happy-path\.json$/.test(f));
    expect(happy).toHaveLength(5);
    for (const file of happy) {
      const p = JSON.parse(vectorText(file)) as InclusionProbe;
      expect(hex(rootOf(TREE.slice(0, p.treeSize)))).toBe(hex(b64(p.root)));
      expect(hex(TREE[p.leafIdx]!)).toBe(hex(b64(p.leafHash)));
      expect(inclusionProof(p.leafIdx, p.treeSize, TREE).map(hex)).toEqual((p.proof ?? []).map((s) => hex(b64(s))));
    }
  });
});

describe('transparency-dev/merkle consistency probes', () => {
  it.each(CONSISTENCY)('%s', (file) => {
    const p = JSON.parse(vectorText(file)) as ConsistencyProbe;
    const run = (): void => verifyConsistency(p.size1, p.size2, b64(p.root1), b64(p.root2), (p.proof ?? []).map(b64));
    if (p.wantErr) {
      expectBadProof(run);
    } else {
      run();
    }
  });

  it('generation reproduces every happy-path proof on the reference tree', () => {
    const happy = CONSISTENCY.filter((f) => /\/[0-9]+\/happy-path\.json$/.test(f));
    expect(happy).toHaveLength(5);
    for (const file of happy) {
      const p = JSON.parse(vectorText(file)) as ConsistencyProbe;
      expect(hex(rootOf(TREE.slice(0, p.size1)))).toBe(hex(b64(p.root1)));
      expect(hex(rootOf(TREE.slice(0, p.size2)))).toBe(hex(b64(p.root2)));
      expect(consistencyProof(p.size1, p.size2, TREE).map(hex)).toEqual((p.proof ?? []).map((s) => hex(b64(s))));
    }
  });
});

describe('every proof of the reference tree', () => {
  it('verifies for all indices and size pairs up to 8, and the leaf getter form gives the same proofs', () => {
    for (let size = 1; size <= 8; size++) {
      const root = decodeHex(ROOTS.get(size)!)!;
      for (let i = 0; i < size; i++) {
        const proof = inclusionProof(i, size, TREE);
        expect(inclusionProof(i, size, (j) => TREE[j]!)).toEqual(proof);
        verifyInclusion(i, size, TREE[i]!, proof, root);
      }
      for (let old = 0; old <= size; old++) {
        const proof = consistencyProof(old, size, TREE);
        verifyConsistency(old, size, decodeHex(ROOTS.get(old)!)!, root, proof);
      }
    }
  });
});

describe('a real 300-leaf tree: sunlight mirror hash tiles', () => {
  const dir = 'sunlight-skylight/witness/mirror/000de184301123b9278c086a7d9f68c9577e83872224c197058fd90784ea9706';
  const split = (bytes: Uint8Array): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 32) out.push(bytes.subarray(i, i + 32));
    return out;
  };
  it('level-0 tiles hash to the checkpoint root and the level-1 tile holds the first 256-leaf subtree', () => {
    const leaves = [...split(vectorBytes(`${dir}/tile/0/000`)), ...split(vectorBytes(`${dir}/tile/0/001.p/44`))];
    expect(leaves).toHaveLength(300);
    const checkpointRoot = vectorText(`${dir}/checkpoint`).split('\n')[2]!;
    expect(hex(rootOf(leaves))).toBe(hex(decodeBase64(checkpointRoot)!));
    const level1 = split(vectorBytes(`${dir}/tile/1/000.p/1`));
    expect(level1).toHaveLength(1);
    expect(hex(rootOf(leaves.slice(0, 256)))).toBe(hex(level1[0]!));
  });
});

describe('random trees (sizes 0..300): proofs verify, any bit flip fails', () => {
  const rand = prng(0x7261696c);
  const pick = (n: number): number => Math.floor(rand() * n);
  const flipBit = (b: Uint8Array): Uint8Array => {
    const c = new Uint8Array(b);
    const bit = pick(c.length * 8);
    c[bit >> 3]! ^= 1 << (bit & 7);
    return c;
  };
  // Distinct leaves (a counter prefix): with equal neighbours a proof is legitimately valid at
  // either index, which would make the index mutation below unfalsifiable.
  let counter = 0;
  const dataFor = (size: number): Uint8Array[] =>
    Array.from({ length: size }, () => {
      const d = new Uint8Array(4 + pick(40)).map(() => pick(256));
      new DataView(d.buffer).setUint32(0, counter++);
      return d;
    });
  const leavesFor = (size: number): Uint8Array[] => dataFor(size).map(leafHash);

  it('roots agree with the reference MTH and TreeBuilder at every size; compact ranges resume', () => {
    const data = dataFor(300);
    const all = data.map(leafHash);
    const b = new TreeBuilder();
    for (let size = 0; size <= 300; size++) {
      const want = hex(referenceRoot(data.slice(0, size)));
      expect(hex(b.root())).toBe(want);
      expect(hex(rootOf(all.slice(0, size)))).toBe(want);
      expect(b.compactRange().length).toBeLessThanOrEqual(9);
      if (size % 37 === 0) {
        const resumed = TreeBuilder.fromCompactRange(size, b.compactRange());
        for (let i = size; i < 300; i++) resumed.append(all[i]!);
        expect(hex(resumed.root())).toBe(hex(referenceRoot(data)));
      }
      if (size < 300) b.append(all[size]!);
    }
  });

  it('exhaustively for sizes 1..48: every proof verifies, a bit flip in any proof hash fails', () => {
    for (let size = 1; size <= 48; size++) {
      const leaves = leavesFor(size);
      const roots = Array.from({ length: size + 1 }, (_, n) => rootOf(leaves.slice(0, n)));
      for (let i = 0; i < size; i++) {
        const proof = inclusionProof(i, size, leaves);
        verifyInclusion(i, size, leaves[i]!, proof, roots[size]!);
        for (let k = 0; k < proof.length; k++) {
          expectBadProof(() => verifyInclusion(i, size, leaves[i]!, proof.map((h, j) => (j === k ? flipBit(h) : h)), roots[size]!));
        }
      }
      for (let old = 0; old <= size; old++) {
        const proof = consistencyProof(old, size, leaves);
        verifyConsistency(old, size, roots[old]!, roots[size]!, proof);
        for (let k = 0; k < proof.length; k++) {
          expectBadProof(() => verifyConsistency(old, size, roots[old]!, roots[size]!, proof.map((h, j) => (j === k ? flipBit(h) : h))));
        }
      }
    }
  });

  it('inclusion proofs', () => {
    for (let size = 1; size <= 300; size++) {
      const leaves = leavesFor(size);
      const root = rootOf(leaves);
      const indices = new Set([0, size - 1, pick(size), pick(size)]);
      for (const i of indices) {
        const proof = inclusionProof(i, size, leaves);
        verifyInclusion(i, size, leaves[i]!, proof, root);
        expectBadProof(() => verifyInclusion(i, size, flipBit(leaves[i]!), proof, root));
        expectBadProof(() => verifyInclusion(i, size, leaves[i]!, proof, flipBit(root)));
        if (proof.length > 0) {
          const k = pick(proof.length);
          const mutated = proof.map((h, j) => (j === k ? flipBit(h) : h));
          expectBadProof(() => verifyInclusion(i, size, leaves[i]!, mutated, root));
          expectBadProof(() => verifyInclusion(i, size, leaves[i]!, proof.slice(1), root));
        }
        expectBadProof(() => verifyInclusion(i, size, leaves[i]!, [...proof, root], root));
        if (size > 1) expectBadProof(() => verifyInclusion((i + 1) % size, size, leaves[i]!, proof, root));
      }
    }
  });

  it('consistency proofs', () => {
    for (let size = 1; size <= 300; size++) {
      const leaves = leavesFor(size);
      const root = rootOf(leaves);
      const olds = new Set([1, size, pick(size) + 1, pick(size) + 1]);
      for (const old of olds) {
        const oldRoot = rootOf(leaves.slice(0, old));
        const proof = consistencyProof(old, size, leaves);
        verifyConsistency(old, size, oldRoot, root, proof);
        expectBadProof(() => verifyConsistency(old, size, flipBit(oldRoot), root, proof));
        expectBadProof(() => verifyConsistency(old, size, oldRoot, flipBit(root), proof));
        if (proof.length > 0) {
          const k = pick(proof.length);
          expectBadProof(() => verifyConsistency(old, size, oldRoot, root, proof.map((h, j) => (j === k ? flipBit(h) : h))));
          expectBadProof(() => verifyConsistency(old, size, oldRoot, root, proof.slice(0, -1)));
        }
        expectBadProof(() => verifyConsistency(old, size, oldRoot, root, [...proof, root]));
        if (old < size) expectBadProof(() => verifyConsistency(old + 1, size, oldRoot, root, proof));
      }
      // From the empty tree: trivially consistent, but only with an empty proof and EMPTY_ROOT.
      verifyConsistency(0, size, EMPTY_ROOT, root, []);
      expectBadProof(() => verifyConsistency(0, size, flipBit(EMPTY_ROOT), root, []));
    }
  });
});

describe('argument validation', () => {
  it.each([
    ['index out of range', () => inclusionProof(3, 3, TREE)],
    ['negative index', () => inclusionProof(-1, 3, TREE)],
    ['fractional size', () => inclusionProof(0, 2.5, TREE)],
    ['size beyond the leaves given', () => inclusionProof(0, 9, TREE)],
    ['old size above new size', () => consistencyProof(5, 4, TREE)],
    ['unsafe integer size', () => verifyInclusion(0, 2 ** 53, TREE[0]!, [], EMPTY_ROOT)],
    ['short leaf hash appended', () => new TreeBuilder().append(new Uint8Array(31))],
    ['compact range of the wrong length', () => TreeBuilder.fromCompactRange(3, [TREE[0]!])],
  ])('%s throws BAD_PROOF', (_name, fn) => {
    expectBadProof(fn);
  });

  it('handles indices and sizes above 2^32 without 32-bit truncation', () => {
    // A right-border leaf of a huge tree: proof = left siblings for each set bit of the index.
    const size = 2 ** 40 + 1;
    const index = 2 ** 40;
    const left = TREE[0]!;
    const proof = [left];
    verifyInclusion(index, size, TREE[1]!, proof, nodeHash(left, TREE[1]!));
    expectBadProof(() => verifyInclusion(index, size, TREE[1]!, [left, left], nodeHash(left, TREE[1]!)));
  });
});
