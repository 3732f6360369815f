// Body of an `analysis.failed` entry (GitHub App): an analysis job failed for good (its attempts
// exhausted, or an error retrying cannot fix), so the report's provenance can list the changes
// that were never analyzed instead of silently counting fewer. One entry per job key.
import { nullable, text, uint } from './common.js';

export const ANALYSIS_FAILED_KIND = 'analysis.failed';
export const ANALYSIS_FAILED_SCHEMA = 'trailmark.analysis-failed/v1';

/** Longest error text kept (the error as logged, without payloads or logins). */
export const ANALYSIS_FAILED_ERROR_MAX = 1000;

export type AnalysisFailedBody = {
  readonly schema: typeof ANALYSIS_FAILED_SCHEMA;
  readonly repository: string;
  readonly pullRequest: number | null;
  /** The head the job was for, when known (the pull request's, or the one its webhook named). */
  readonly head: string | null;
  /** Idempotency key, one per pull request and head: `analysis-failed:<installation>/<owner>/<repo>#<number>@<head or unknown>`. */
  readonly job: string;
  /** Attempts made, the first included. */
  readonly attempts: number;
  /** Why, bounded; no personal data (errors name routes, statuses and SHAs). */
  readonly error: string;
};

export const analysisFailedSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'repository', 'pullRequest', 'head', 'job', 'attempts', 'error'],
  properties: {
    schema: { const: ANALYSIS_FAILED_SCHEMA },
    repository: text(300),
    pullRequest: nullable(uint),
    head: nullable(text(64)),
    job: text(400),
    attempts: uint,
    error: text(ANALYSIS_FAILED_ERROR_MAX),
  },
} as const;
