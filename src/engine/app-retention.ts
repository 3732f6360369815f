// The App's retention schedule (docs/app.md "Retention"): which retention applies to an
// installation's ledger, and the day key that makes the schedule apply it once a day.
//
// One installation has one ledger (and one side store of subject openings) shared by all its
// repositories, so one retention policy must apply to it. When repositories set different
// periods, the STRICTEST wins, rule by rule: the shortest period of `subjects`, the shortest of
// `records`, the shortest of `prompts`, each possibly from a different repository. A rule set by
// no repository keeps its data forever. Why the strictest: a retention period is a promise to
// delete (a legal or contractual obligation); keeping data longer than one repository's policy
// promised breaks that promise, deleting earlier breaks none (the ledger still verifies, and the
// `retention` entries say what was removed and under which period).
//
// The same daily job runs the scheduled fire drill (`drill: {every: 30d}`): the shortest `every`
// across the repositories wins (the most frequent drill anyone asked for). A drill is due when
// the newest drill the App appended (a `drill` entry whose job key is `drill:<installation>:…`)
// is older than that period, so the ledger alone says what is due (a restart, a second replica
// derive the same). The drill covers the merges of the last period.
// No I/O here: the policy sources and the ledger store are ports.
import { parsePolicy } from '../config/policy.js';
import { RETENTION_RULES, retentionCutoff, type RetentionPeriod, type RetentionPolicy, type RetentionRule } from '../core/policy.js';
import type { PolicySource } from '../core/ports.js';
import { DRILL_KIND } from '../ledger/kinds/drill.js';
import { readEntries } from '../ledger/read.js';
import type { LedgerStore } from '../ledger/store.js';

/** A repository's `retention:` as its policy file (own, else the organization's `.github`) sets it. */
export interface RepositoryRetention {
  readonly repository: string;
  /** Where the policy came from (`.github/trailmark.yml@main`, `acme/.github:…`, `defaults (no config file)`). */
  readonly source: string;
  /** Absent: the policy sets no retention rule. */
  readonly retention?: RetentionPolicy;
  /** `drill.every`; absent: the repository asks for no scheduled drill. */
  readonly drill?: RetentionPeriod;
}

/** Reads the retention of one repository: its own policy file, else the organization's; invalid files throw (ConfigError). */
export async function repositoryRetention(repository: string, source: PolicySource): Promise<RepositoryRetention> {
  const own = await source.atBase();
  const found = own.found || source.organization === undefined ? own : await source.organization();
  if (!found.found) return { repository, source: 'defaults (no config file)' };
  const policy = parsePolicy(found.text, { source: found.source });
  return {
    repository, source: found.source,
    ...(policy.retention === undefined ? {} : { retention: policy.retention }),
    ...(policy.drill === undefined ? {} : { drill: policy.drill.every }),
  };
}

/** The rule's period chosen for the installation, and the repository whose policy set it. */
export interface ChosenPeriod {
  readonly period: RetentionPeriod;
  readonly repository: string;
  readonly source: string;
}

export interface InstallationRetention {
  /** What applyRetention receives: the strictest period of each rule. */
  readonly policy: RetentionPolicy;
  /** Per rule, who set the chosen period (for the log and the job's result). */
  readonly chosen: { readonly [R in RetentionRule]?: ChosenPeriod };
}

/**
 * The strictest period of each rule across the repositories (the one whose cutoff is the most
 * recent at `nowMs`: `18m` beats `2y`, `30d` beats `1m` in a 31-day month). Ties keep the first
 * repository in the given order (callers sort it).
 */
export function strictestRetention(repositories: readonly RepositoryRetention[], nowMs: number): InstallationRetention {
  const chosen: { [R in RetentionRule]?: ChosenPeriod } = {};
  for (const r of repositories) {
    for (const rule of RETENTION_RULES) {
      const period = r.retention?.[rule];
      if (period === undefined) continue;
      const current = chosen[rule];
      if (current === undefined || retentionCutoff(period, nowMs) > retentionCutoff(current.period, nowMs)) {
        chosen[rule] = { period, repository: r.repository, source: r.source };
      }
    }
  }
  const policy: { [R in RetentionRule]?: RetentionPeriod } = {};
  for (const rule of RETENTION_RULES) {
    const c = chosen[rule];
    if (c !== undefined) policy[rule] = c.period;
  }
  return { policy, chosen };
}

/** The UTC day (`2026-12-04`) of `nowMs`: the schedule applies retention once per installation and day. */
export function retentionDay(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}

/** Queue key of the retention job of an installation and day. */
export function retentionJobKey(installationId: number, day: string): string {
  return `retention:${installationId}:${day}`;
}

/** The shortest `drill.every` across the repositories (by cutoff at `nowMs`), or undefined when none asks for a drill. */
export function drillEvery(repositories: readonly RepositoryRetention[], nowMs: number): ChosenPeriod | undefined {
  let chosen: ChosenPeriod | undefined;
  for (const r of repositories) {
    if (r.drill === undefined) continue;
    if (chosen === undefined || retentionCutoff(r.drill, nowMs) > retentionCutoff(chosen.period, nowMs)) chosen = { period: r.drill, repository: r.repository, source: r.source };
  }
  return chosen;
}

/** Job key of the App's drill of an installation on a UTC day (written into the `drill` entry's `job`). */
export function appDrillJobKey(installationId: number, day: string): string {
  return `drill:${installationId}:${day}`;
}

/** Time (ms) of the newest `drill` entry the App appended for the installation, or null (streamed over the committed entries). */
export async function lastAppDrill(store: LedgerStore, installationId: number, committed: number): Promise<number | null> {
  const prefix = `drill:${installationId}:`;
  let last: number | null = null;
  for await (const { seq, entry } of readEntries(store)) {
    if (seq >= committed) break;
    if (entry.kind !== DRILL_KIND) continue;
    const job = (entry.body as Readonly<Record<string, unknown>>).job;
    const t = Date.parse(entry.time);
    if (typeof job === 'string' && job.startsWith(prefix) && Number.isFinite(t) && (last === null || t > last)) last = t;
  }
  return last;
}

/** The period a drill due at `nowMs` covers, or null when the last drill is recent enough. */
export function dueDrillPeriod(every: RetentionPeriod, last: number | null, nowMs: number): { readonly since: string; readonly until: string } | null {
  const start = retentionCutoff(every, nowMs);
  if (last !== null && last >= start) return null;
  return { since: new Date(start).toISOString(), until: new Date(nowMs).toISOString() };
}
