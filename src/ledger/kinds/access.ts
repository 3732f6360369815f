// Body of an `access` entry (GitHub App): one request to the dashboard or a query endpoint,
// allowed or refused. Who asked is a salted commitment (`user`); what was asked is the route and
// a bounded copy of its query parameters (repository names, paths, weeks: no personal data).
import { nullable, subjects, text, uint } from './common.js';

export const ACCESS_KIND = 'access';
export const ACCESS_SCHEMA = 'trailmark.access/v1';

/** At most this many query parameters are kept (the App keeps only the ones it knows). */
export const ACCESS_QUERY_MAX_KEYS = 16;
/** Longest kept query value; longer ones are cut (the request is still recorded). */
export const ACCESS_QUERY_MAX_VALUE = 512;

export type AccessBody = {
  readonly schema: typeof ACCESS_SCHEMA;
  /** The request path, e.g. `/trailmark/dashboard`. */
  readonly route: string;
  /** The query parameters the route read (repeated ones joined with a comma). */
  readonly query: Readonly<Record<string, string>>;
  /** The repository the request was about, null when it named none (sign-in callback). */
  readonly repository: string | null;
  readonly allowed: boolean;
  /** Why: `role:admin`, `auditors-team:org/slug`, `role:write`, `no-credentials`, `session-expired`, … */
  readonly reason: string;
  /** Results served: report rows (cells) or blame matches; 0 when refused. */
  readonly results: number;
  /** `user` → salted commitment to the login; empty when the caller was not identified. */
  readonly subjects: Readonly<Record<string, string>>;
};

export const accessSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'route', 'query', 'repository', 'allowed', 'reason', 'results', 'subjects'],
  properties: {
    schema: { const: ACCESS_SCHEMA },
    route: text(200),
    query: {
      type: 'object',
      maxProperties: ACCESS_QUERY_MAX_KEYS,
      propertyNames: { pattern: '^[a-z][a-z0-9_-]{0,31}$' },
      additionalProperties: text(ACCESS_QUERY_MAX_VALUE),
    },
    repository: nullable(text(300)),
    allowed: { type: 'boolean' },
    reason: text(200),
    results: uint,
    subjects,
  },
} as const;
