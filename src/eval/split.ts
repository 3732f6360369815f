// Deterministic train/test assignment. The unit of assignment is a group name (a human package,
// an AI sample family), so no group appears in both splits.

import { createHash } from 'node:crypto';

export type Split = 'train' | 'test';

/** Percentage of groups assigned to `train`; the rest is the never-tuned `test` split. */
export const TRAIN_PERCENT = 70;

export function splitOf(group: string): Split {
  const digest = createHash('sha256').update(`trailmark-devset/v1\0${group}`).digest();
  return digest.readUInt32BE(0) % 100 < TRAIN_PERCENT ? 'train' : 'test';
}

/** A 32-bit seed derived from a string, for the span sampler. */
export function seedOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/** mulberry32: small, fast, deterministic; quality is ample for choosing spans. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
