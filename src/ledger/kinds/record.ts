// Body of a `record` entry (GitHub App collector): an Agent Trace record was accepted for a
// repository. The digest of the stored bytes, never the record (it may quote prompts).
import { digest, text, uint } from './common.js';

export const RECORD_KIND = 'record';
export const RECORD_SCHEMA = 'trailmark.record/v1';

export type RecordBody = {
  readonly schema: typeof RECORD_SCHEMA;
  readonly repository: string;
  readonly format: 'agent-trace';
  /** `sha256:<hex>` of the stored bytes. */
  readonly digest: string;
  readonly bytes: number;
  /**
   * Idempotency key of the App job that wrote the entry (queue key: kind and X-GitHub-Delivery),
   * so a re-run never appends twice. Absent in entries written before it was introduced.
   */
  readonly job?: string;
  /** Line ranges the record attributes. */
  readonly ranges: number;
};

export const recordSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'repository', 'format', 'digest', 'bytes', 'ranges'],
  properties: {
    schema: { const: RECORD_SCHEMA },
    repository: text(300),
    format: { const: 'agent-trace' },
    digest,
    bytes: uint,
    ranges: uint,
    job: text(200),
  },
} as const;
