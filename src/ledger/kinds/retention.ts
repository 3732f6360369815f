// Body of a `retention` entry: one retention rule erased data past its period. It lists what it
// erased (commitments whose side-store openings became tombstones, or digests of capture records
// deleted), never the data itself, so a report can show what retention removed and an auditor
// can tell retention from an erasure on request.
import { digest, uint } from './common.js';

export const RETENTION_KIND = 'retention';
export const RETENTION_SCHEMA = 'trailmark.retention/v1';

/** At most this many commitments per entry (the schema's bound, as agreed for the kind). */
export const RETENTION_COMMITMENTS_MAX = 4096;

/**
 * What a writer puts in one entry: a digest takes 74 bytes of the line (`"sha256:<64 hex>",`),
 * and an entry line is at most 65,535 bytes (entry.ts MAX_LINE_BYTES), so 800 (59,200 bytes)
 * leave room for the rest of the entry. A run erasing more appends several entries of one rule.
 */
export const RETENTION_COMMITMENTS_PER_ENTRY = 800;

export type RetentionBody = {
  readonly schema: typeof RETENTION_SCHEMA;
  /** `subjects` (side-store openings), `records` (App-collected capture records), `prompts` (detailed capture records). */
  readonly rule: 'subjects' | 'records' | 'prompts';
  /** The period as configured (`7y`). */
  readonly keep: string;
  /** RFC 3339 instant: data committed or stored before it was past the period. */
  readonly olderThan: string;
  /** How many items this entry erased (= `commitments.length`). */
  readonly erased: number;
  /** `sha256:<hex>`: the commitments erased (`subjects`) or the digests of the records deleted (`records`, `prompts`). */
  readonly commitments: readonly string[];
};

export const retentionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'rule', 'keep', 'olderThan', 'erased', 'commitments'],
  properties: {
    schema: { const: RETENTION_SCHEMA },
    rule: { enum: ['subjects', 'records', 'prompts'] },
    keep: { type: 'string', pattern: '^[1-9][0-9]{0,4}[dwmy]$' },
    olderThan: { type: 'string', maxLength: 40, pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]{1,9})?Z$' },
    erased: uint,
    commitments: { type: 'array', maxItems: RETENTION_COMMITMENTS_MAX, items: digest },
  },
} as const;
