// Body of a `record` entry (GitHub App collector): an Agent Trace record was accepted for a
// repository. The digest of the stored bytes, never the record (it may quote prompts). Records
// uploaded in collector batches also carry the device, its sequence number, the stage and the
// receipt digest (all optional: entries of single posts and older entries have none).
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
  /** The uploading device (collector batches; docs/collector-protocol.md). Absent for single posts. */
  readonly device?: string;
  /** The device's sequence number of the record: with `device`, what the report's capture gaps are computed from. */
  readonly seq?: number;
  /** `commit`: read as `recorded` evidence; `edit`: kept as audit only. */
  readonly stage?: 'edit' | 'commit';
  /** `sha256:` of the spool record's canonical JSON, as the collector's signed receipt lists it. */
  readonly receipt?: string;
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
    device: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    seq: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    stage: { enum: ['edit', 'commit'] },
    receipt: digest,
  },
} as const;
