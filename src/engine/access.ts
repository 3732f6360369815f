// The audited-access use case: who may read the dashboard and the query endpoints of a
// repository, and the `access` entry every request leaves, allowed or refused. The adapter
// (app/access-route.ts) asks GitHub for the caller's role and team membership and appends the
// draft built here; the decision and the entry's shape are made here. No I/O.
import {
  ACCESS_KIND, ACCESS_QUERY_MAX_KEYS, ACCESS_QUERY_MAX_VALUE, ACCESS_SCHEMA, type AccessBody,
} from '../ledger/kinds/access.js';
import type { EntryDraft } from '../ledger/log.js';
import { APP_POLICY } from './outcome.js';

export { ACCESS_KIND, ACCESS_SCHEMA, type AccessBody };

/** The repository role GitHub reports for the caller (`role_name` of the collaborator permission API). */
export type RepositoryRole = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

/** Roles that may read a repository's trail: the people who administer it. */
export const AUDIT_ROLES: readonly RepositoryRole[] = ['admin', 'maintain'];

export interface AccessDecision {
  readonly allowed: boolean;
  /** `role:<role>` or `auditors-team:<org>/<slug>`. */
  readonly reason: string;
}

/**
 * Admin or maintain on the repository, or active membership in the configured auditors team
 * (`team` is null when no team is configured; `member` is only asked when the role is not enough).
 */
export async function decideAccess(role: RepositoryRole, team: { readonly name: string; member(): Promise<boolean> } | null): Promise<AccessDecision> {
  if (AUDIT_ROLES.includes(role)) return { allowed: true, reason: `role:${role}` };
  if (team !== null && (await team.member())) return { allowed: true, reason: `auditors-team:${team.name}` };
  return { allowed: false, reason: `role:${role}` };
}

/** Maps GitHub's `role_name` (custom roles included) to the roles above; unknown names are `none`. */
export function repositoryRole(roleName: unknown): RepositoryRole {
  return roleName === 'admin' || roleName === 'maintain' || roleName === 'write' || roleName === 'triage' || roleName === 'read' ? roleName : 'none';
}

export interface AccessEvent {
  readonly route: string;
  /** The query parameters as received (attacker-controlled): only `known` names are kept. */
  readonly query: Iterable<readonly [string, string]>;
  readonly repository: string | null;
  /** The caller's login, null when the caller was not identified. */
  readonly login: string | null;
  readonly allowed: boolean;
  readonly reason: string;
  readonly results: number;
}

/**
 * The recorded copy of a request's query: only the parameter names the route reads (so a caller
 * cannot write arbitrary keys into the ledger), repeated values joined with `,`, values cut to
 * the schema's bound, at most ACCESS_QUERY_MAX_KEYS keys, sorted.
 */
export function recordedQuery(query: Iterable<readonly [string, string]>, known: readonly string[]): Record<string, string> {
  const values = new Map<string, string[]>();
  for (const [name, value] of query) {
    if (!known.includes(name)) continue;
    const list = values.get(name) ?? [];
    list.push(value);
    values.set(name, list);
  }
  const out: Record<string, string> = {};
  for (const name of [...values.keys()].sort().slice(0, ACCESS_QUERY_MAX_KEYS)) {
    const joined = (values.get(name) ?? []).join(',');
    out[name] = joined.length > ACCESS_QUERY_MAX_VALUE ? joined.slice(0, ACCESS_QUERY_MAX_VALUE) : joined;
  }
  return out;
}

/** Query parameters the access entries keep, per route family. */
export const RECORDED_QUERY_KEYS: readonly string[] = ['repo', 'week', 'format', 'path', 'start', 'end'];

/** The `access` entry for one request; the login enters only as a commitment (`subjects.user`). */
export function accessDraft(event: AccessEvent): EntryDraft {
  const route = event.route.length > 200 ? event.route.slice(0, 200) : event.route;
  const reason = event.reason.length > 200 ? event.reason.slice(0, 200) : event.reason;
  const query = recordedQuery(event.query, RECORDED_QUERY_KEYS);
  return {
    kind: ACCESS_KIND,
    policy: APP_POLICY,
    body: (ctx): AccessBody => ({
      schema: ACCESS_SCHEMA,
      route,
      query,
      repository: event.repository,
      allowed: event.allowed,
      reason,
      results: event.results,
      subjects: event.login === null ? {} : { user: ctx.commit(event.login) },
    }),
  };
}
