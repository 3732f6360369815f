// The App's retention schedule (docs/app.md "Retention"): once per UTC day, each installation
// with a ledger gets a `retention` job on the durable queue, keyed `retention:<installation>:<day>`
// (a restart or a second tick the same day coalesces onto the same key). The job reads the
// policy of every repository the installation can list (own file, else the organization's
// `.github`), takes the strictest period of each rule (engine/app-retention.ts), and applies it
// with engine/retention.ts applyRetention to the installation's ledger and to the capture
// records the collector stored for it (ledger/store/app-records.ts, the same port
// `trailmark erase --expired --app-data` uses).
//
// No double application: applyRetention is idempotent (what it erased is listed in `retention`
// entries first, then erased; a second run finds nothing past retention), and the job runs under
// a per-installation lock file (`installations/<id>/retention.lock`, O_EXCL), so two jobs of one
// installation, in this process or another on the same data directory, never compute the same
// erasure at once and append it twice. A day whose job completed is remembered in
// `installations/<id>/retention.json`, so later ticks that day queue nothing; the file is only an
// optimization (losing it costs one idempotent re-run).
//
// The same job runs the scheduled fire drill when a repository's policy asks for one
// (`drill: {every: 30d}`; the shortest period wins): under the same lock, when the newest drill
// the App appended is older than the period (read from the ledger), engine/drill.ts runDrill
// traces a random merged change of the period through the ledger and appends the `drill` entry
// with job key `drill:<installation>:<day>`. The App keeps no clone, so the blame link is
// reported as missing, "not checked: no clone", and such a drill's outcome is `failed`; the
// other links (analysis, evidence, records, inclusion proof, checkpoint) are checked for real.
import { join } from 'node:path';
import { describeError } from '../src/core/errors.js';
import type { CaptureRecordStore, Clock } from '../src/core/ports.js';
import { appDrillJobKey, drillEvery, dueDrillPeriod, lastAppDrill, repositoryRetention, retentionDay, strictestRetention, type RepositoryRetention } from '../src/engine/app-retention.js';
import { runDrill, type DrillReport } from '../src/engine/drill.js';
import { applyRetention, type RetentionResult } from '../src/engine/retention.js';
import { CONFIG_PATH } from '../src/engine/review.js';
import type { GitHubClient } from '../src/github/client.js';
import { gitHubPolicySource } from '../src/github/config.js';
import { appRecordStore } from '../src/ledger/store/app-records.js';
import type { Job } from './job.js';
import { jobKey } from './job.js';
import { APP_POLICY, type InstallationLedgers } from './ledgers.js';
import { stateDoc, type StateDoc, type StateFileOptions } from './state-file.js';
import { realTimer, serialized, type Serialized, startSchedule, type Timer } from './schedule.js';
import { installationRepositories } from './weekly-report.js';

export type RetentionJob = Extract<Job, { readonly kind: 'retention' }>;

/** How often the schedule looks for installations whose day is not done (a job per day at most). */
export const RETENTION_INTERVAL_MS = 60 * 60_000;

export interface RetentionScheduleOptions {
  /**
   * Runs a tick unless another replica runs this schedule's tick now (PostgreSQL mode:
   * app/pg/database.ts exclusiveTick), resolving with 0 then. Absent: every tick runs.
   */
  readonly exclusive?: (schedule: string, tick: () => Promise<number>) => Promise<number>;
  /** The installation's capture records (PostgreSQL mode: app/pg/records.ts); absent: the files under the data directory. */
  readonly captureRecords?: (installationId: number) => CaptureRecordStore;
  readonly dataDir: string;
  readonly ledgers: InstallationLedgers;
  readonly clientFor: (installationId: number) => Promise<GitHubClient>;
  readonly enqueue: (key: string, job: Job) => Promise<void>;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  readonly stateFiles?: StateFileOptions;
}

interface RetentionState {
  /** The last UTC day whose job completed with every repository's policy read. */
  day?: string;
}

/** What one job did (also for tests). */
export interface RetentionJobOutcome {
  /** Repositories whose policy was read, with what they set. */
  readonly repositories: readonly RepositoryRetention[];
  /** Repositories skipped because their policy could not be read (the day is tried again). */
  readonly skipped: readonly string[];
  /** Undefined when no repository sets a retention rule (nothing applied). */
  readonly result?: RetentionResult;
  /** The drill run by this job; undefined when none is configured or none is due. */
  readonly drill?: DrillReport;
}

/** The blame link's detail in the App's drills. */
export const APP_NO_CLONE = 'the App keeps no clone; run `trailmark drill --repo CLONE` from a clone to check this link';

export class RetentionSchedule {
  readonly #states = new Map<number, StateDoc<RetentionState>>();

  constructor(readonly o: RetentionScheduleOptions) {}

  /** Starts the schedule: a tick now and one every `everyMs`. Returns the stop function. */
  start(timer: Timer = realTimer, everyMs = RETENTION_INTERVAL_MS): () => void {
    return startSchedule(() => this.tick(), 'retention', this.o.log, timer, everyMs);
  }

  /** Queues the day's job of every installation whose day is not done; returns how many. Ticks do not overlap. */
  readonly tick: Serialized = serialized(() => (this.o.exclusive === undefined ? this.#tick() : this.o.exclusive('retention', () => this.#tick())));

  async #tick(): Promise<number> {
    const day = retentionDay(this.o.clock.now());
    let queued = 0;
    for (const installationId of await this.o.ledgers.installations()) {
      if ((await this.#state(installationId).read()).day === day) continue;
      const job: RetentionJob = { kind: 'retention', installationId, day };
      await this.o.enqueue(jobKey(job, ''), job);
      queued++;
    }
    return queued;
  }

  #state(installationId: number): StateDoc<RetentionState> {
    let file = this.#states.get(installationId);
    if (file === undefined) {
      file = stateDoc<RetentionState>(join(this.#installationDir(installationId), 'retention.json'), () => ({}), this.o.stateFiles ?? {});
      this.#states.set(installationId, file);
    }
    return file;
  }

  #installationDir(installationId: number): string {
    return join(this.o.dataDir, 'installations', String(installationId));
  }

  /** Runs the installation's drill when a repository asks for one and the last is older than its period. */
  async #drill(id: number, repositories: readonly RepositoryRetention[], now: number): Promise<DrillReport | undefined> {
    const every = drillEvery(repositories, now);
    if (every === undefined) return undefined;
    const ledgers = this.o.ledgers;
    const drill = await ledgers.with(id, async (ledger) => {
      const { size } = await ledger.head();
      const store = await ledgers.storeOf(id);
      const period = dueDrillPeriod(every.period, await lastAppDrill(store, id, size), now);
      if (period === null) return undefined;
      return runDrill({
        ledgers: [store], repository: null, ...period, random: ledgers.random, noClone: APP_NO_CLONE,
        writer: { store, signer: ledgers.signer, origin: ledgers.signer.name, clock: this.o.clock, random: ledgers.random },
        job: appDrillJobKey(id, retentionDay(now)),
      });
    });
    if (drill !== undefined) {
      const where = drill.body.pullRequest === null ? 'no merged pull request in the period' : `${drill.body.repository ?? '?'}#${drill.body.pullRequest}`;
      this.o.log(`trailmark: drill: installation ${id} (every ${every.period.text}, set by ${every.repository}): ${drill.outcome}, ${where}; ${drill.body.missing.length} missing link(s), ${drill.body.links.filter((l) => l.ok === null).length} not checked${drill.appended === null ? '' : `, entry ${drill.appended.seq}`}`);
    }
    return drill;
  }

  /** Runs a `retention` job: applies the installation's strictest retention now (the job's day only names the queue key). */
  async run(job: RetentionJob): Promise<RetentionJobOutcome> {
    const id = job.installationId;
    return this.o.ledgers.stores.exclusive(id, 'retention', async () => {
      const client = await this.o.clientFor(id);
      const repositories: RepositoryRetention[] = [];
      const skipped: string[] = [];
      for (const r of await installationRepositories(client)) {
        const repository = `${r.owner}/${r.repo}`;
        try {
          repositories.push(await repositoryRetention(repository, gitHubPolicySource(client, { owner: r.owner, repo: r.repo, path: CONFIG_PATH, base: r.defaultBranch })));
        } catch (err) {
          // Applying the others' rules is still safe (the strictest wins, so the unread policy can
          // only make it stricter); the day stays open and the next tick tries again.
          skipped.push(repository);
          this.o.log(`trailmark: retention: ${repository}'s policy cannot be read; applying the other repositories' rules, trying again at the next tick: ${describeError(err)}`);
        }
      }
      repositories.sort((a, b) => (a.repository < b.repository ? -1 : a.repository > b.repository ? 1 : 0));
      const now = this.o.clock.now();
      const { policy, chosen } = strictestRetention(repositories, now);
      let result: RetentionResult | undefined;
      if (Object.keys(policy).length > 0) {
        const ledgers = this.o.ledgers;
        // After every earlier write of this process to the ledger; the store's lock covers other processes.
        result = await ledgers.with(id, async () => applyRetention({
          store: await ledgers.storeOf(id), policy, clock: this.o.clock, random: ledgers.random,
          signer: ledgers.signer, origin: ledgers.signer.name, policyVersion: APP_POLICY,
          records: this.o.captureRecords?.(id) ?? appRecordStore(this.#installationDir(id)),
          onRepair: (m) => this.o.log(`trailmark: retention: installation ${id}: ledger repaired on open: ${m}`),
        }));
        for (const r of result.rules) {
          const from = chosen[r.rule];
          const by = from === undefined ? '' : ` (set by ${from.repository}, ${from.source})`;
          const what = r.skipped !== undefined ? `skipped: ${r.skipped}` : r.erased.length === 0 ? 'nothing past retention' : `erased ${r.erased.length}${r.appended.length > 0 ? `, retention entries ${r.appended.join(', ')}` : ', already listed'}`;
          this.o.log(`trailmark: retention: installation ${id}: ${r.rule} keep ${r.keep}${by}: ${what}`);
        }
      }
      const drill = await this.#drill(id, repositories, now);
      if (skipped.length === 0) await this.#state(id).update((doc) => {
        doc.day = retentionDay(now);
      });
      return { repositories, skipped, ...(result === undefined ? {} : { result }), ...(drill === undefined ? {} : { drill }) };
    });
  }
}
