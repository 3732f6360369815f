// Body of a `report.published` entry (GitHub App, Action): the weekly attestation-gap report of
// one repository and ISO week was published, with the digest of exactly what was published. A
// new entry is appended only when a figure of the week changed (the job key carries the content
// key, engine/weekly-report.ts), so the entries of a week are the history of its issue.
import { digest, nullable, text, uint } from './common.js';

export const REPORT_PUBLISHED_KIND = 'report.published';
export const REPORT_PUBLISHED_SCHEMA = 'trailmark.report-published/v1';

/** ISO 8601 week label, `2026-W49`. */
export const ISO_WEEK_PATTERN = '^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$';

export type ReportPublishedBody = {
  readonly schema: typeof REPORT_PUBLISHED_SCHEMA;
  readonly repository: string;
  readonly week: string;
  readonly destination: 'issue';
  /** The issue number, null when the destination has none. */
  readonly issue: number | null;
  /** `sha256:<hex>` of the published markdown (the issue body as sent). */
  readonly digest: string;
  /** Idempotency key (`weekly-report:<installation>:<repository>:<week>@<content key>`). */
  readonly job?: string;
};

export const reportPublishedSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'repository', 'week', 'destination', 'issue', 'digest'],
  properties: {
    schema: { const: REPORT_PUBLISHED_SCHEMA },
    repository: text(300),
    week: { type: 'string', pattern: ISO_WEEK_PATTERN },
    destination: { enum: ['issue'] },
    issue: nullable(uint),
    digest,
    job: text(400),
  },
} as const;
