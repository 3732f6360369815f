// The weekly attestation-gap report schedule (docs/app.md "Weekly report"): on start and every
// hour, for each installation with a ledger and each repository it can list whose policy says
// `report: {destination: issue}`, every due ISO week (engine/weekly-report.ts dueWeeks) becomes a
// `weekly-report` job on the durable queue, keyed `weekly-report:<installation>:<repo>:<week>`.
// The schedule keeps no state of its own: what is published is read from the ledger
// (`report.published` entries), so a restart, a lost queue file or a second replica derive the
// same due weeks, and the queue gives the jobs retries with backoff.
//
// A job publishes under a per-installation lock file (`installations/<id>/weekly-report.lock`,
// O_EXCL, the ledger's lock implementation): two jobs for one installation, in this process or
// in another process on the same data directory, run one after the other, and the second finds
// the first's `report.published` entry (or, after a crash between the issue write and the
// append, the issue by its marker). Replicas on separate data directories meet only on GitHub:
// github/report-issue.ts makes them converge on one issue.
import { describeError } from '../src/core/errors.js';
import type { Clock } from '../src/core/ports.js';
import { CONFIG_PATH } from '../src/engine/review.js';
import {
  dueWeeks, emptyPublishedIndex, lastCompleteWeek, lastPublishedWeek, publishWeeklyReport, renderWeeklyReport, scanPublished, signedReportSource,
  weeklyReportPolicy, type PublishedIndex, type WeeklyReportOutcome,
} from '../src/engine/weekly-report.js';
import type { GitHubClient } from '../src/github/client.js';
import { gitHubPolicySource } from '../src/github/config.js';
import { ISSUE_BODY_MAX_CHARS, reportIssueBody, reportIssueMarker, textDigest, upsertReportIssue } from '../src/github/report-issue.js';
import type { Job } from './job.js';
import { jobKey } from './job.js';
import type { InstallationLedgers } from './ledgers.js';
import { realTimer, serialized, type Serialized, startSchedule, type Timer } from './schedule.js';

export type WeeklyReportJob = Extract<Job, { readonly kind: 'weekly-report' }>;

/** How often the schedule looks for due weeks. */
export const WEEKLY_REPORT_INTERVAL_MS = 60 * 60_000;

/** Repositories of one installation read per tick (100 per request). */
const MAX_REPOSITORIES = 10_000;


export interface WeeklyReportsOptions {
  /**
   * Runs a tick unless another replica runs this schedule's tick now (PostgreSQL mode:
   * app/pg/database.ts exclusiveTick), resolving with 0 then. Absent: every tick runs.
   */
  readonly exclusive?: (schedule: string, tick: () => Promise<number>) => Promise<number>;
  readonly dataDir: string;
  readonly ledgers: InstallationLedgers;
  readonly clientFor: (installationId: number) => Promise<GitHubClient>;
  readonly enqueue: (key: string, job: Job) => Promise<void>;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  /** `TRAILMARK_PUBLIC_URL`: the dashboard link's base; no link without it. */
  readonly publicUrl?: string;
}

export interface RepositoryRef {
  readonly owner: string;
  readonly repo: string;
  readonly defaultBranch: string;
}

interface ListedRepository {
  readonly name: string;
  readonly full_name: string;
  readonly owner: { readonly login: string };
  readonly default_branch?: string;
  readonly archived?: boolean;
}

/** Installations with a ledger, ascending (the weekly report and retention schedules). */
export function installationsWithLedger(_dataDir: string, ledgers: InstallationLedgers): Promise<number[]> {
  return ledgers.installations();
}

/** The repositories the installation can list, archived ones left out (at most MAX_REPOSITORIES). */
export async function installationRepositories(client: GitHubClient): Promise<RepositoryRef[]> {
  const out: RepositoryRef[] = [];
  for await (const page of client.paginate.iterator(client.rest.apps.listReposAccessibleToInstallation, { per_page: 100 })) {
    for (const r of page.data as unknown as readonly ListedRepository[]) {
      if (r.archived === true) continue;
      out.push({ owner: r.owner.login, repo: r.name, defaultBranch: r.default_branch ?? 'main' });
    }
    if (out.length >= MAX_REPOSITORIES) break;
  }
  return out;
}

export class WeeklyReports {
  /** Per installation: what the ledger says, scanned incrementally. */
  readonly #indexes = new Map<number, PublishedIndex>();
  /** Per installation: the ledger's activity mark and the last complete week at its last tick (skip when neither moved). */
  readonly #ticked = new Map<number, { readonly activity: number; readonly week: string }>();

  constructor(readonly o: WeeklyReportsOptions) {}

  /** Starts the schedule: a tick now and one every `everyMs`. Returns the stop function. */
  start(timer: Timer = realTimer, everyMs = WEEKLY_REPORT_INTERVAL_MS): () => void {
    return startSchedule(() => this.tick(), 'weekly report', this.o.log, timer, everyMs);
  }

  /** Enqueues the due weeks of every installation; returns how many jobs were queued. Ticks do not overlap. */
  readonly tick: Serialized = serialized(() => (this.o.exclusive === undefined ? this.#tick() : this.o.exclusive('weekly-report', () => this.#tick())));

  async #tick(): Promise<number> {
    let queued = 0;
    for (const installationId of await this.#installations()) {
      try {
        queued += await this.#tickInstallation(installationId);
      } catch (err) {
        this.o.log(`trailmark: weekly report: installation ${installationId} skipped this time: ${describeError(err)}`);
      }
    }
    return queued;
  }

  /** Installations with a ledger directory. */
  #installations(): Promise<number[]> {
    return installationsWithLedger(this.o.dataDir, this.o.ledgers);
  }

  /** Brings the installation's index up to the committed ledger; returns it. */
  async #index(installationId: number): Promise<PublishedIndex> {
    const index = this.#indexes.get(installationId) ?? emptyPublishedIndex();
    this.#indexes.set(installationId, index);
    const { size } = await this.o.ledgers.with(installationId, (ledger) => ledger.head());
    return scanPublished(await this.o.ledgers.storeOf(installationId), index, size);
  }

  async #tickInstallation(installationId: number): Promise<number> {
    const index = await this.#index(installationId);
    const now = this.o.clock.now();
    const week = lastCompleteWeek(now);
    const last = this.#ticked.get(installationId);
    // Nothing appended but reports, and no week completed since the last tick: nothing can be due that was not then.
    if (last !== undefined && last.activity === index.activity && last.week === week) return 0;
    // Due weeks from the ledger alone: an installation with nothing due costs no request.
    const due = new Map<string, string[]>();
    for (const repository of new Set([...index.firstActive.keys(), ...index.published.keys()])) {
      const weeks = dueWeeks(now, index.firstActive.get(repository) ?? null, lastPublishedWeek(index, repository));
      if (weeks.length > 0) due.set(repository, weeks);
    }
    let queued = 0;
    let skipped = false;
    if (due.size > 0) {
      const client = await this.o.clientFor(installationId);
      // Only repositories the installation can still list (one removed from it is not reported).
      for (const r of await this.#repositories(client)) {
        const repository = `${r.owner}/${r.repo}`;
        const weeks = due.get(repository);
        if (weeks === undefined) continue;
        let policy;
        try {
          policy = await weeklyReportPolicy(gitHubPolicySource(client, { owner: r.owner, repo: r.repo, path: CONFIG_PATH, base: r.defaultBranch }));
        } catch (err) {
          this.o.log(`trailmark: weekly report: ${repository} skipped: its policy cannot be read: ${describeError(err)}`);
          skipped = true;
          continue;
        }
        if (policy.destination !== 'issue') continue;
        for (const w of weeks) {
          const job: WeeklyReportJob = { kind: 'weekly-report', installationId, owner: r.owner, repo: r.repo, week: w };
          await this.o.enqueue(jobKey(job, ''), job);
          queued++;
        }
      }
    }
    // A repository skipped for an unreadable policy is looked at again at the next tick.
    if (!skipped) this.#ticked.set(installationId, { activity: index.activity, week });
    if (queued > 0) this.o.log(`trailmark: weekly report: queued ${queued} report job(s) for installation ${installationId}`);
    return queued;
  }

  #repositories(client: GitHubClient): Promise<RepositoryRef[]> {
    return installationRepositories(client);
  }

  /** Runs a `weekly-report` job: publishes the week's report of the repository, at most once per content. */
  async run(job: WeeklyReportJob): Promise<WeeklyReportOutcome | undefined> {
    try {
      return await this.#run(job);
    } catch (err) {
      // The next tick looks at the installation again (and queues the week again if it failed for good).
      this.#ticked.delete(job.installationId);
      throw err;
    }
  }

  async #run(job: WeeklyReportJob): Promise<WeeklyReportOutcome | undefined> {
    const repository = `${job.owner}/${job.repo}`;
    return this.o.ledgers.stores.exclusive(job.installationId, 'weekly-report', async () => {
      const client = await this.o.clientFor(job.installationId);
      const { data: repo } = await client.rest.repos.get({ owner: job.owner, repo: job.repo });
      const policy = await weeklyReportPolicy(gitHubPolicySource(client, { owner: job.owner, repo: job.repo, path: CONFIG_PATH, base: repo.default_branch }));
      if (policy.destination !== 'issue') {
        this.o.log(`trailmark: weekly report ${repository} ${job.week}: not published, the policy (${policy.source}) no longer says \`report: {destination: issue}\``);
        return undefined;
      }
      const target = { owner: job.owner, repo: job.repo, week: job.week };
      const marker = reportIssueMarker(target);
      const dashboardUrl = this.o.publicUrl === undefined ? undefined : `${this.o.publicUrl}/trailmark/dashboard?repo=${encodeURIComponent(repository)}&week=${job.week}`;
      const store = await this.o.ledgers.storeOf(job.installationId);
      const outcome = await publishWeeklyReport({
        render: () => renderWeeklyReport(signedReportSource(store, this.o.ledgers.signer, `installation ${job.installationId}`), {
          repository, week: job.week, clock: this.o.clock, sensitivePaths: policy.sensitivePaths, policy: policy.policy,
          maxChars: ISSUE_BODY_MAX_CHARS - marker.length - 1,
          ...(dashboardUrl === undefined ? {} : { dashboardUrl }),
        }),
        publish: async (_repository, _week, markdown) => {
          const body = reportIssueBody(target, markdown, dashboardUrl === undefined ? 'Run `trailmark report` for the whole report.' : `The whole report: ${dashboardUrl}`);
          const result = await upsertReportIssue(client, { ...target, body, log: this.o.log });
          return { issue: result.issue, action: result.action, digest: textDigest(body) };
        },
        ledger: {
          published: async (repo, week) => (await this.#index(job.installationId)).published.get(repo)?.get(week),
          appendOnce: (key, drafts) => this.o.ledgers.appendOnce(job.installationId, key, drafts),
        },
      }, { installationId: job.installationId, repository, week: job.week });
      this.o.log(`trailmark: weekly report ${repository} ${job.week}: ${outcome.status === 'published' ? `issue #${outcome.issue} ${outcome.action}` : outcome.status === 'unchanged' ? `unchanged since its publication${outcome.issue === null ? '' : ` (issue #${outcome.issue})`}` : 'no activity in the repository that week; no issue'}`);
      return outcome;
    });
  }
}
