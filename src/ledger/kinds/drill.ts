// Body of a `drill` entry: the outcome of a fire drill (`trailmark drill`), which picked one
// merged change and traced it end to end — pull request, analysis, evidence, records, inclusion
// proof against the checkpoint, today's code through blame — and lists every link that failed.
// No personal data: the drill names commits, pull requests and entries, never people.
import { nullable, text, uint } from './common.js';

export const DRILL_KIND = 'drill';
export const DRILL_SCHEMA = 'trailmark.drill/v1';

export const MAX_DRILL_LINKS = 32;

export type DrillLinkName = string;

export type DrillLink = {
  /** `pull-request`, `analysis`, `evidence`, `records`, `inclusion-proof`, `checkpoint`, `blame`. */
  readonly link: DrillLinkName;
  /** true: the link holds; false: it is missing or broken; null: not checked (detail says why). */
  readonly ok: boolean | null;
  /** What was found or what is missing (bounded; paths are escaped on output). */
  readonly detail: string;
};

export type DrillBody = {
  readonly schema: typeof DRILL_SCHEMA;
  readonly repository: string | null;
  readonly pullRequest: number | null;
  readonly head: string | null;
  readonly mergeCommit: string | null;
  /** The period the change was drawn from (RFC 3339). */
  readonly period: { readonly since: string; readonly until: string };
  /**
   * `failed` when any link failed; `incomplete` when none failed but some could not be checked
   * (the App keeps no clone, so it cannot check the blame link); `passed` otherwise.
   */
  readonly outcome: 'passed' | 'failed' | 'incomplete';
  readonly links: readonly DrillLink[];
  /** The failed links, human-readable. */
  readonly missing: readonly string[];
  /** Idempotency key of the job that ran the drill, when a scheduler ran it. */
  readonly job?: string;
};

const RFC3339 = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?(?:Z|[+-]\\d{2}:\\d{2})$';

export const drillSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'repository', 'pullRequest', 'head', 'mergeCommit', 'period', 'outcome', 'links', 'missing'],
  properties: {
    schema: { const: DRILL_SCHEMA },
    repository: nullable(text(512)),
    pullRequest: nullable(uint),
    head: nullable(text(128)),
    mergeCommit: nullable(text(128)),
    period: {
      type: 'object',
      additionalProperties: false,
      required: ['since', 'until'],
      properties: { since: { type: 'string', pattern: RFC3339 }, until: { type: 'string', pattern: RFC3339 } },
    },
    outcome: { enum: ['passed', 'failed', 'incomplete'] },
    links: {
      type: 'array',
      maxItems: MAX_DRILL_LINKS,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['link', 'ok', 'detail'],
        properties: { link: text(64), ok: nullable({ type: 'boolean' }), detail: text(1024) },
      },
    },
    missing: { type: 'array', maxItems: MAX_DRILL_LINKS, items: text(1024) },
    job: text(200),
  },
} as const;
