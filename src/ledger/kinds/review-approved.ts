// Body of a `review.approved` entry (GitHub App): who approved, as a salted commitment, bound
// to exactly what they approved — the head commit and the approval digest of the diff
// (docs/approval-digest.md).
import { digest, subjects, text, uint } from './common.js';

export const REVIEW_APPROVED_KIND = 'review.approved';
export const REVIEW_APPROVED_SCHEMA = 'trailmark.review-approved/v1';

export type ReviewApprovedBody = {
  readonly schema: typeof REVIEW_APPROVED_SCHEMA;
  readonly repository: string;
  readonly pullRequest: number;
  /** GitHub's review id. */
  readonly review: number;
  readonly head: string;
  /** `sha256:<hex>`: the approval digest of the pull request diff base...head at approval time. */
  readonly diffDigest: string;
  /**
   * Idempotency key of the App job that wrote the entry (queue key: kind and X-GitHub-Delivery),
   * so a re-run never appends twice. Absent in entries written before it was introduced.
   */
  readonly job?: string;
  /** `reviewer` → salted commitment to the login. */
  readonly subjects: Readonly<Record<string, string>>;
};

export const reviewApprovedSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'repository', 'pullRequest', 'review', 'head', 'diffDigest', 'subjects'],
  properties: {
    schema: { const: REVIEW_APPROVED_SCHEMA },
    repository: text(300),
    pullRequest: uint,
    review: uint,
    head: text(64),
    diffDigest: digest,
    subjects,
    job: text(200),
  },
} as const;
