// Shared test fixtures: fixed keys, a fixed clock, seeded randomness, valid entry drafts.
import { createHash } from 'node:crypto';
import type { Clock, Random } from '../../src/core/ports.js';
import type { EntryDraft } from '../../src/ledger/log.js';
import { generateNoteKey, parseSignerKey, parseVerifierKey, type NoteSigner, type NoteVerifier } from '../../src/ledger/note.js';
import { CHANGE_ANALYZED_SCHEMA, type ChangeAnalyzedBody } from '../../src/ledger/kinds/change-analyzed.js';
import { FINDING_SCHEMA, type FindingBody } from '../../src/ledger/kinds/finding.js';

export const ORIGIN = 'example.com/trailmark-test';

export function seed32(label: string): Uint8Array {
  return createHash('sha256').update(label).digest();
}

export interface TestKey {
  readonly signer: NoteSigner;
  readonly verifier: NoteVerifier;
  readonly signerKey: string;
  readonly verifierKey: string;
}

export function testKey(label = 'key-1', name = ORIGIN): TestKey {
  const { signerKey, verifierKey } = generateNoteKey(name, seed32(label));
  return { signer: parseSignerKey(signerKey), verifier: parseVerifierKey(verifierKey), signerKey, verifierKey };
}

export function fixedClock(start = Date.UTC(2026, 0, 2, 3, 4, 5)): Clock & { tick(ms: number): void } {
  let t = start;
  return { now: () => t, tick: (ms) => void (t += ms) };
}

/** Deterministic "randomness": SHA-256 in counter mode over a label. */
export function seededRandom(label = 'random'): Random {
  let counter = 0;
  return {
    bytes: (n) => {
      const out = Buffer.alloc(n);
      for (let o = 0; o < n; o += 32) createHash('sha256').update(`${label}/${counter++}`).digest().copy(out, o);
      return out;
    },
  };
}

/** Mulberry32: a small seeded PRNG for mutation tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function changeBody(i: number, subjects: Record<string, string> = {}): ChangeAnalyzedBody {
  return {
    schema: CHANGE_ANALYZED_SCHEMA,
    repository: 'octo/repo',
    pullRequest: i,
    base: 'a'.repeat(40),
    head: createHash('sha1').update(String(i)).digest('hex'),
    tool: { name: 'trailmark', version: '0.1.0' },
    detectors: [{ id: 'assistant-text', version: '1' }],
    model: 'model-1',
    thresholds: { low: 0.5, high: 0.8 },
    counts: {
      files: 1,
      hunks: 1,
      addedLines: 3,
      commits: 1,
      omissions: 0,
      verdicts: { attested: 0, unattested: 1, contradicted: 0, clear: 0, uncertain: 0, skipped: 0 },
      findings: { unattested: 1, contradicted: 0, 'approval-drift': 0 },
      evidence: { recorded: 0, declared: 0, stamped: 0, inferred: 1 },
    },
    subjects,
    hunks: [{ path: `src/file-${i}.ts`, startLine: 1, endLine: 3, contentDigest: `sha256:${'ab'.repeat(32)}`, verdict: 'unattested', evidence: ['inferred'], score: 0.9 }],
    hunkPages: 0,
  };
}

export function findingBody(change: { seq: number; hash: string }, i: number): FindingBody {
  return {
    schema: FINDING_SCHEMA,
    change,
    finding: 'unattested',
    path: `src/file-${i}.ts`,
    startLine: 1,
    endLine: 3,
    level: 'notice',
    score: 0.9,
    message: `hunk src/file-${i}.ts:1-3 scores 0.90 and nothing attests AI involvement`,
  };
}

/** A change entry plus one finding referencing it. */
export function scanDrafts(i: number): EntryDraft[] {
  return [
    { kind: 'change.analyzed', policy: 'default-1', body: changeBody(i) },
    {
      kind: 'finding',
      policy: 'default-1',
      body: ({ previous }) => findingBody({ seq: previous[0]!.seq, hash: previous[0]!.hash }, i),
    },
  ];
}
