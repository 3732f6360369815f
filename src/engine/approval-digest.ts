// The approval digest: what a reviewer approved, as one hash over the pull request's diff
// (docs/approval-digest.md is the normative definition). Pure.
import { createHash } from 'node:crypto';

/** One file of the pull request diff base...head, as the pulls files endpoint lists it. Attacker-controlled. */
export interface DiffFileEntry {
  readonly filename: string;
  readonly previous_filename?: string;
  readonly status: string;
  readonly patch?: string;
  readonly sha?: string | null;
}

export const APPROVAL_DIGEST_VERSION = 'trailmark.approval-digest/v1';

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `sha256:<hex>` over the version line, then per file sorted by path (UTF-16 code units):
 * length-prefixed path, previous path, status, patch (or `blob:<sha>` when GitHub gave no
 * patch). Length prefixes make the encoding injective whatever the strings contain. Commit
 * ids are not part of it: a rebase that leaves the diff unchanged keeps the digest.
 */
export function approvalDigest(files: readonly DiffFileEntry[]): string {
  const hash = createHash('sha256');
  const field = (s: string) => {
    const bytes = Buffer.from(s, 'utf8');
    hash.update(`${bytes.byteLength}:`);
    hash.update(bytes);
    hash.update('\n');
  };
  field(APPROVAL_DIGEST_VERSION);
  for (const f of [...files].sort((a, b) => compare(a.filename, b.filename))) {
    field(f.filename);
    field(f.previous_filename ?? '');
    field(f.status);
    field(f.patch ?? `blob:${f.sha ?? ''}`);
  }
  return `sha256:${hash.digest('hex')}`;
}
