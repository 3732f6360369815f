// Body of a `remediation` entry (GitHub App): a user with write access declared AI assistance
// on a pull request after the fact. The user enters only as a salted commitment.
import { subjects, text, uint } from './common.js';

export const REMEDIATION_KIND = 'remediation';
export const REMEDIATION_SCHEMA = 'trailmark.remediation/v1';

export type RemediationBody = {
  readonly schema: typeof REMEDIATION_SCHEMA;
  readonly repository: string;
  readonly pullRequest: number;
  readonly head: string;
  /** The declaration trailer as written, e.g. `Assisted-by: Claude:claude-opus-4-5`. Bounded. */
  readonly declaration: string;
  /** Paths covered; empty means the whole pull request. */
  readonly paths: readonly string[];
  /**
   * Idempotency key of the App job that wrote the entry (queue key: kind and X-GitHub-Delivery),
   * so a re-run never appends twice. Absent in entries written before it was introduced.
   */
  readonly job?: string;
  /** `declared-by` → salted commitment to the login. */
  readonly subjects: Readonly<Record<string, string>>;
};

export const remediationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'repository', 'pullRequest', 'head', 'declaration', 'paths', 'subjects'],
  properties: {
    schema: { const: REMEDIATION_SCHEMA },
    repository: text(300),
    pullRequest: uint,
    head: text(64),
    declaration: text(300),
    paths: { type: 'array', maxItems: 100, items: text(4096) },
    subjects,
    job: text(200),
  },
} as const;
