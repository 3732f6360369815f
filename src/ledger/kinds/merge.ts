// Body of a `merge` entry (GitHub App): a pull request was merged — the merge commit, the
// method, the merged head and its approval digest compared with the last approval's.
import { digest, nullable, subjects, text, uint } from './common.js';

export const MERGE_KIND = 'merge';
export const MERGE_SCHEMA = 'trailmark.merge/v1';

export type MergeBody = {
  readonly schema: typeof MERGE_SCHEMA;
  readonly repository: string;
  readonly pullRequest: number;
  /** The merge (or squash/rebase result) commit, when GitHub reports one. */
  readonly mergeCommit: string | null;
  /** `merge` (two parents), `squash-or-rebase` (one parent: the webhook does not say which), `unknown` (no merge commit). */
  readonly method: 'merge' | 'squash-or-rebase' | 'unknown';
  readonly head: string;
  /** Approval digest of the merged diff. */
  readonly diffDigest: string;
  /** The last approval's digest, null when nobody approved through a review. */
  readonly approvedDigest: string | null;
  /**
   * Idempotency key of the App job that wrote the entry (queue key: kind and X-GitHub-Delivery),
   * so a re-run never appends twice. Absent in entries written before it was introduced.
   */
  readonly job?: string;
  /** `merged-by` → salted commitment to the login. */
  readonly subjects: Readonly<Record<string, string>>;
};

export const mergeSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'repository', 'pullRequest', 'mergeCommit', 'method', 'head', 'diffDigest', 'approvedDigest', 'subjects'],
  properties: {
    schema: { const: MERGE_SCHEMA },
    repository: text(300),
    pullRequest: uint,
    mergeCommit: nullable(text(64)),
    method: { enum: ['merge', 'squash-or-rebase', 'unknown'] },
    head: text(64),
    diffDigest: digest,
    approvedDigest: nullable(digest),
    subjects,
    job: text(200),
  },
} as const;
