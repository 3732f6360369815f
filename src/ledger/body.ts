// The registry of entry kinds: each kind has exactly one body schema id (`body.schema`) and a
// JSON Schema, checked on write (before signing) and on verify. A verifier refuses kinds and
// schema versions it does not know: it must not vouch for what it cannot read.
import { Ajv, type ValidateFunction } from 'ajv';
import { LedgerError } from '../core/errors.js';
import { ACCESS_KIND, ACCESS_SCHEMA, accessSchema } from './kinds/access.js';
import { ANALYSIS_FAILED_KIND, ANALYSIS_FAILED_SCHEMA, analysisFailedSchema } from './kinds/analysis-failed.js';
import { CHANGE_ANALYZED_KIND, CHANGE_ANALYZED_SCHEMA, changeAnalyzedSchema } from './kinds/change-analyzed.js';
import { CHANGE_HUNKS_KIND, CHANGE_HUNKS_SCHEMA, changeHunksSchema } from './kinds/change-hunks.js';
import { DRILL_KIND, DRILL_SCHEMA, drillSchema } from './kinds/drill.js';
import { FINDING_KIND, FINDING_SCHEMA, findingSchema } from './kinds/finding.js';
import { MERGE_KIND, MERGE_SCHEMA, mergeSchema } from './kinds/merge.js';
import { RECORD_KIND, RECORD_SCHEMA, recordSchema } from './kinds/record.js';
import { REMEDIATION_KIND, REMEDIATION_SCHEMA, remediationSchema } from './kinds/remediation.js';
import { REPORT_PUBLISHED_KIND, REPORT_PUBLISHED_SCHEMA, reportPublishedSchema } from './kinds/report-published.js';
import { RETENTION_KIND, RETENTION_SCHEMA, retentionSchema } from './kinds/retention.js';
import { REVIEW_APPROVED_KIND, REVIEW_APPROVED_SCHEMA, reviewApprovedSchema } from './kinds/review-approved.js';

/** An entry body: plain JSON data with its schema id. */
export type EntryBody = { readonly schema: string } & Readonly<Record<string, unknown>>;

interface KindSpec {
  readonly schema: string;
  readonly validate: () => ValidateFunction;
}

const ajv = new Ajv({ strict: true, allErrors: false });

/**
 * Compiled on first use: a process that reads one kind (a verify worker, a CLI command) does not
 * pay for compiling all of them at start-up. Every schema is compiled by the body tests.
 */
function lazy(schema: object): () => ValidateFunction {
  let compiled: ValidateFunction | undefined;
  return () => (compiled ??= ajv.compile(schema));
}

const KINDS: ReadonlyMap<string, KindSpec> = new Map([
  [CHANGE_ANALYZED_KIND, { schema: CHANGE_ANALYZED_SCHEMA, validate: lazy(changeAnalyzedSchema) }],
  [CHANGE_HUNKS_KIND, { schema: CHANGE_HUNKS_SCHEMA, validate: lazy(changeHunksSchema) }],
  [FINDING_KIND, { schema: FINDING_SCHEMA, validate: lazy(findingSchema) }],
  // Written by the GitHub App (app/).
  [ACCESS_KIND, { schema: ACCESS_SCHEMA, validate: lazy(accessSchema) }],
  [MERGE_KIND, { schema: MERGE_SCHEMA, validate: lazy(mergeSchema) }],
  [RECORD_KIND, { schema: RECORD_SCHEMA, validate: lazy(recordSchema) }],
  [REMEDIATION_KIND, { schema: REMEDIATION_SCHEMA, validate: lazy(remediationSchema) }],
  [RETENTION_KIND, { schema: RETENTION_SCHEMA, validate: lazy(retentionSchema) }],
  [REVIEW_APPROVED_KIND, { schema: REVIEW_APPROVED_SCHEMA, validate: lazy(reviewApprovedSchema) }],
  [DRILL_KIND, { schema: DRILL_SCHEMA, validate: lazy(drillSchema) }],
  [ANALYSIS_FAILED_KIND, { schema: ANALYSIS_FAILED_SCHEMA, validate: lazy(analysisFailedSchema) }],
  [REPORT_PUBLISHED_KIND, { schema: REPORT_PUBLISHED_SCHEMA, validate: lazy(reportPublishedSchema) }],
]);

/** Kinds this version writes and verifies, sorted. */
export const ENTRY_KINDS: readonly string[] = [...KINDS.keys()].sort();

/** Returns null when `body` is valid for `kind`, else a lowercase description of the first problem. */
export function bodyProblem(kind: string, body: unknown): string | null {
  const spec = KINDS.get(kind);
  if (spec === undefined) return `unknown entry kind ${JSON.stringify(kind)}`;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body is not an object';
  const schema = (body as { schema?: unknown }).schema;
  if (schema !== spec.schema) {
    return `body schema ${JSON.stringify(schema)} does not match kind ${kind} (want ${spec.schema})`;
  }
  const validate = spec.validate();
  if (validate(body)) return null;
  const err = validate.errors?.[0];
  return `body${err?.instancePath ?? ''} ${err?.message ?? 'is invalid'}`;
}

/** Throws LedgerError('BAD_BODY') when `body` is not valid for `kind`. */
export function checkBody(kind: string, body: unknown): void {
  const problem = bodyProblem(kind, body);
  if (problem !== null) throw new LedgerError('BAD_BODY', problem, { hint: `see docs/ledger-format.md for the ${kind} body` });
}
