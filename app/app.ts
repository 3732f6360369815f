// The Probot application: webhooks are acknowledged as soon as their job is durably queued;
// the work runs on the queue (queue.ts). Deliveries are idempotent by X-GitHub-Delivery.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ApplicationFunction, Probot } from 'probot';
import { describeError } from '../src/core/errors.js';
import { systemClock, systemRandom, type Clock, type Random } from '../src/core/ports.js';
import { createGitHubClient, type GitHubClient, type Sleep } from '../src/github/client.js';
import { httpStatusOf } from '../src/github/errors.js';
import { accessDraft, repositoryRole, type AccessEvent } from '../src/engine/access.js';
import { isActiveTeamMember, repositoryRoleName } from '../src/github/teams.js';
import { accessRoute, type AccessViews } from './access-route.js';
import { ledgerViews } from './access-views.js';
import { CookieCodec } from './auth/session.js';
import { identify, signInRoute } from './auth/sign-in.js';
import { collectorRoute, type Access } from './collector.js';
import { COLLECTOR_KEY_DOCUMENT, COLLECTOR_KEY_NAME, loadCollectorKey, loadCollectorKeyDocument } from './collector-key.js';
import { collectorRoutes } from './collector-routes.js';
import { DEFAULT_COLLECTOR_LIMITS } from '../src/engine/collector.js';
import { DeliveryLog, type Deliveries } from './deliveries.js';
import { webhookDispatch } from './events.js';
import { jobKey, type Job } from './job.js';
import { InstallationLedgers } from './ledgers.js';
import { PullStateStore } from './pull-state.js';
import { isRepositoryName, RecordStore, type Records } from './record-store.js';
import type { SqlClient } from '../src/ledger/store/postgres.js';
import { DEFAULT_SCHEMA } from '../src/ledger/store/postgres.js';
import type { BackoffPolicy, JobQueue } from './queue.js';
import { createQueue, type AppDatabase } from './queue-factory.js';
import { connectAppDatabase, exclusiveTick, migrateAppDatabase, pingDatabase } from './pg/database.js';
import { PgDeliveryLog } from './pg/deliveries.js';
import { PgDocuments } from './pg/documents.js';
import { pgInstallationStores } from './pg/ledgers.js';
import { PgRecordStore } from './pg/records.js';
import type { AppSettings } from './settings.js';
import { isTransient } from './transient.js';
import { RetentionSchedule, type RetentionJob } from './retention.js';
import { CalibrationSchedule } from './calibration.js';
import type { Timer } from './schedule.js';
import { WeeklyReports, type WeeklyReportJob } from './weekly-report.js';
import { webhookRoute } from './webhook-route.js';
import { Worker } from './worker.js';

export interface TrailmarkAppOptions {
  readonly settings: AppSettings;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Waits between retries of GitHub requests and between attempts of a failed job. */
  readonly sleep?: Sleep;
  /** Attempts of a failed job (queue.ts DEFAULT_BACKOFF when absent). */
  readonly backoff?: BackoffPolicy;
  /** What the dashboard and the query endpoints serve (app/access-views.ts when absent). */
  readonly views?: AccessViews;
  /** The OAuth code exchange's HTTP client (global fetch when absent). */
  readonly fetch?: typeof fetch;
  /** The weekly report and retention schedules' timer (schedule.ts realTimer when absent). */
  readonly weeklyTimer?: Timer;
  /**
   * The database of the PostgreSQL mode, instead of a pool on `settings.databaseUrl` (tests pass
   * PGlite here). The App migrates it but never closes it: its owner does.
   */
  readonly database?: SqlClient;
}

export interface TrailmarkApp {
  readonly appFn: ApplicationFunction;
  /** Resolves when no schedule tick runs and the queue is idle (after `appFn` ran). */
  drain(): Promise<void>;
  /** Stops the schedules and the queue (running jobs end first); queued jobs stay queued. */
  close(): Promise<void>;
  /** Runs the weekly report schedule now (after `appFn` ran); resolves with the jobs it queued. */
  weeklyTick(): Promise<number>;
  /** Runs the retention schedule now (after `appFn` ran); resolves with the jobs it queued. */
  retentionTick(): Promise<number>;
  /** Runs the calibration schedule now (after `appFn` ran); resolves with the installations it calibrated. */
  calibrationTick(): Promise<number>;
}

export const HEALTH_PATH = '/trailmark/healthz';

/** Apps created by this process (tests run several): part of each one's schedule lease holder name. */
let appsCreated = 0;

export function createTrailmarkApp(options: TrailmarkAppOptions): TrailmarkApp {
  const { settings } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const queues: JobQueue[] = [];
  const schedules: WeeklyReports[] = [];
  const retentions: RetentionSchedule[] = [];
  const calibrations: CalibrationSchedule[] = [];
  const stops: (() => void)[] = [];
  /** Closed by close(): the pool this App opened on DATABASE_URL. */
  const owned: { end(): Promise<void> }[] = [];
  const schema = settings.databaseSchema ?? DEFAULT_SCHEMA;
  /** Tells this replica's schedule leases from the others'. */
  const holder = `${hostname()}:${process.pid}:${++appsCreated}:${Buffer.from(random.bytes(6)).toString('hex')}`;

  const appFn: ApplicationFunction = async (app: Probot, fnOptions) => {
    const log = (line: string) => app.log.info(line);
    const logError = (line: string) => app.log.error(line);
    // PostgreSQL mode (DATABASE_URL, docs/app.md): the pool, migrated before anything reads it.
    const connect = (url: string): AppDatabase => {
      const pool = connectAppDatabase(url);
      owned.push(pool);
      return { sql: pool, schema, url };
    };
    const database: AppDatabase | undefined = options.database !== undefined ? { sql: options.database, schema } : settings.databaseUrl === undefined ? undefined : connect(settings.databaseUrl);
    if (database !== undefined) {
      const migrated = await migrateAppDatabase(database.sql, schema);
      log(`trailmark: database ${database.sql.label} schema ${schema} at version ${migrated.version}${migrated.applied.length === 0 ? '' : ` (applied ${migrated.applied.join(', ')})`}`);
    }
    const fileStateFiles = { clock, report: logError };
    // The App's state documents: rows of app_documents in the PostgreSQL mode, files otherwise.
    const documents = database === undefined ? undefined : new PgDocuments(database.sql, { schema, root: settings.dataDir, clock, report: logError });
    const stateFiles = documents === undefined ? fileStateFiles : { ...fileStateFiles, documents };
    const exclusive = database === undefined ? undefined : (name: string, tick: () => Promise<number>) => exclusiveTick(database.sql, schema, holder, name, tick, 0);
    // Probot's installation client only mints the token: requests go through our client, with
    // its retries and the configured base URL (GHES: `<host>/api/v3`, see probot-octokit.ts).
    const clientFor = async (installationId: number): Promise<GitHubClient> => {
      const octokit = await app.auth(installationId);
      const { token } = (await octokit.auth({ type: 'installation' })) as { token: string };
      return createGitHubClient({ token, baseUrl: settings.apiBaseUrl, userAgentSuffix: 'app', clock, log, ...(options.sleep === undefined ? {} : { sleep: options.sleep }) });
    };
    const pulls = new PullStateStore(settings.dataDir, stateFiles);
    const ledgers = settings.signer === undefined ? undefined : new InstallationLedgers(settings.dataDir, settings.signer, clock, random, stateFiles, database === undefined ? undefined : pgInstallationStores(database.sql, schema));
    const pgRecords = database === undefined ? undefined : new PgRecordStore(database.sql, schema);
    const records: Records = pgRecords ?? new RecordStore(settings.dataDir);
    const deliveries: Deliveries = database === undefined ? new DeliveryLog(settings.dataDir, stateFiles) : new PgDeliveryLog(database.sql, schema);
    // The queue and the worker call each other only once jobs run (after queue.start below).
    // queue-factory.ts is the one place the queue is made (the PostgreSQL queue goes there).
    const queue: JobQueue = createQueue(settings, {
      ...(database === undefined ? {} : { database }),
      run: (job, key, signal) => worker.run(job, key, signal),
      retryable: isTransient,
      onFinalFailure: (job, _key, err, attempts) => worker.reportFailure(job, err, attempts),
      log: logError,
      clock, random, stateFiles: fileStateFiles,
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    });
    // Weekly attestation-gap report (weekly-report.ts): a schedule over the ledgers, jobs on the queue.
    const weekly = ledgers === undefined ? undefined : new WeeklyReports({
      dataDir: settings.dataDir, ledgers, clientFor, clock, log, enqueue: (key, job) => queue.enqueue(key, job),
      ...(settings.publicUrl === undefined ? {} : { publicUrl: settings.publicUrl }),
      ...(exclusive === undefined ? {} : { exclusive }),
    });
    // Retention (retention.ts): the strictest `retention:` of the installation's repositories, once a day.
    const retention = ledgers === undefined ? undefined : new RetentionSchedule({
      dataDir: settings.dataDir, ledgers, clientFor, clock, log, stateFiles, enqueue: (key, job) => queue.enqueue(key, job),
      ...(exclusive === undefined ? {} : { exclusive }),
      ...(pgRecords === undefined ? {} : { captureRecords: (id: number) => pgRecords.captureStore(id) }),
    });
    // Calibration (calibration.ts): each installation's repositories from its ledger, hourly when it grew.
    const calibration = ledgers === undefined ? undefined : new CalibrationSchedule({
      dataDir: settings.dataDir, ledgers, log, stateFiles, ...(exclusive === undefined ? {} : { exclusive }),
    });
    const worker: Worker = new Worker({
      clientFor, ledgers, pulls, records, clock, log,
      ...(calibration === undefined ? {} : { calibration: (id: number) => calibration.sourceOf(id) }),
      ...(weekly === undefined ? {} : { weeklyReport: (job: WeeklyReportJob) => weekly.run(job) }),
      ...(retention === undefined ? {} : { retention: (job: RetentionJob) => retention.run(job) }),
      // A recheck analyzes the pull request itself: a failed analysis is forgotten, the other
      // failed jobs of the pull request (approvals, merges, commands) are queued again.
      requeueFailed: async (p) => {
        const ofPull = (job: Job) => job.kind !== 'weekly-report' && job.kind !== 'retention' && job.installationId === p.installationId && job.owner === p.owner && job.repo === p.repo && job.number === p.number;
        await queue.dropFailed((job) => ofPull(job) && job.kind === 'analyze');
        return queue.requeueFailed(ofPull);
      },
    });
    queues.push(queue);
    await mkdir(settings.dataDir, { recursive: true });
    const resumed = await queue.start();
    if (resumed > 0) log(`trailmark: resumed ${resumed} queued jobs`);
    if (weekly !== undefined) {
      schedules.push(weekly);
      stops.push(weekly.start(options.weeklyTimer, settings.reportIntervalMs));
    }
    if (retention !== undefined) {
      retentions.push(retention);
      stops.push(retention.start(options.weeklyTimer));
    }
    if (calibration !== undefined) {
      calibrations.push(calibration);
      stops.push(calibration.start(options.weeklyTimer));
    }

    // The delivery id is remembered only once its job is durably queued: a crash in between
    // makes GitHub's redelivery queue it again. A redelivery of a delivery whose job failed for
    // good queues that job again (the operator's way to retry it from GitHub's delivery log).
    const accept = async (deliveryId: string, job: Job | undefined): Promise<void> => {
      if (job === undefined) return;
      const key = jobKey(job, deliveryId);
      if (await deliveries.has(deliveryId)) {
        const failed = await queue.requeueFailed((_, k) => k === key);
        log(failed > 0 ? `trailmark: delivery ${deliveryId} redelivered after its job failed; queued again` : `trailmark: delivery ${deliveryId} was already handled; ignored`);
        return;
      }
      // With several replicas, the same delivery may reach two at once: one claims it.
      if (!(await deliveries.claim(deliveryId))) {
        log(`trailmark: delivery ${deliveryId} is being handled by another replica; ignored`);
        return;
      }
      try {
        await queue.enqueue(key, job);
      } catch (err) {
        await deliveries.release(deliveryId).catch(() => undefined);
        throw err;
      }
      await deliveries.remember(deliveryId);
    };
    const dispatch = webhookDispatch(accept, {
      installationDeleted: async (id) => {
        await queue.remove((job) => job.installationId === id);
        await pulls.clear(id);
        log(`trailmark: installation ${id} removed; its queued work and pull request state were dropped, its ledger is kept`);
      },
      installationCreated: async (id) => {
        if (database === undefined) await mkdir(pulls.installationDir(id), { recursive: true });
        log(`trailmark: installation ${id} set up`);
      },
    });
    // Deliveries Probot receives itself (its middleware, `probot.receive`) take the same path.
    app.onAny(async (context) => dispatch(context.name, context.id, context.payload));
    fnOptions.addHandler(webhookRoute({ path: settings.webhookPath, secret: settings.webhookSecret, dispatch, log, logError }));

    const accessOf = async (userToken: string, owner: string, repo: string): Promise<Access> => {
      const client = createGitHubClient({ token: userToken, baseUrl: settings.apiBaseUrl, userAgentSuffix: 'app', clock, log, ...(options.sleep === undefined ? {} : { sleep: options.sleep }) });
      try {
        const { data } = await client.rest.repos.get({ owner, repo });
        return data.permissions?.push === true ? 'push' : 'no-push';
      } catch (err) {
        const status = httpStatusOf(err);
        if (status === 401) return 'invalid-token';
        if (status === 403 || status === 404) return 'no-push';
        throw err;
      }
    };
    const installationOf = async (owner: string, repo: string): Promise<number | null> => {
      const octokit = await app.auth();
      try {
        return (await octokit.request('GET /repos/{owner}/{repo}/installation', { owner, repo })).data.id;
      } catch (err) {
        if (httpStatusOf(err) === 404) return null;
        throw err;
      }
    };
    fnOptions.addHandler(collectorRoute({ records, ledgers, accessOf, installationOf }, logError));

    // Dashboard, query endpoints and their sign-in (docs/app.md, "Dashboard and sign-in").
    const signIn = settings.signIn ?? { webFlow: null, oauthBaseUrl: 'https://github.com', auditorsTeam: null };
    const codec = signIn.webFlow === null ? null : new CookieCodec(signIn.webFlow.sessionSecret, clock, random);
    const userOf = async (token: string): Promise<string | null> => {
      const client = createGitHubClient({ token, baseUrl: settings.apiBaseUrl, userAgentSuffix: 'app', clock, log, ...(options.sleep === undefined ? {} : { sleep: options.sleep }) });
      try {
        return (await client.rest.users.getAuthenticated()).data.login;
      } catch (err) {
        // 401: revoked or unknown; 403: not a user token (GET /user refuses installation tokens).
        const status = httpStatusOf(err);
        if (status === 401 || status === 403) return null;
        throw err;
      }
    };
    const permissionOf = async (installationId: number, owner: string, repo: string, login: string): Promise<string> => {
      try {
        return (await (await clientFor(installationId)).rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: login })).data.permission;
      } catch (err) {
        if (httpStatusOf(err) === 404) return 'none';
        throw err;
      }
    };
    // Device registration, batch uploads with signed receipts, the receipt key (collector-routes.ts).
    fnOptions.addHandler(collectorRoutes({
      dataDir: settings.dataDir, records, ledgers, limits: settings.collectorLimits ?? DEFAULT_COLLECTOR_LIMITS,
      key: documents === undefined ? () => loadCollectorKey(settings.dataDir, random) : () => loadCollectorKeyDocument(documents.document(COLLECTOR_KEY_DOCUMENT, () => ({})), random), origin: settings.publicUrl ?? COLLECTOR_KEY_NAME,
      clock, random, stateFiles, userOf, accessOf, installationOf,
      canPush: async (installationId, owner, repo, login) => {
        const permission = await permissionOf(installationId, owner, repo, login);
        // `permission` is the legacy base role: maintain reads as write, triage as read.
        return permission === 'admin' || permission === 'write';
      },
      isAdmin: async (installationId, owner, repo, login) => (await permissionOf(installationId, owner, repo, login)) === 'admin',
      log, logError,
    }));
    const audit = async (installationId: number, event: AccessEvent): Promise<void> => {
      if (ledgers === undefined) throw new Error('no ledger signing key: accesses cannot be audited');
      await ledgers.with(installationId, (ledger) => ledger.append([accessDraft(event)]));
    };
    const team = signIn.auditorsTeam;
    fnOptions.addHandler(signInRoute({
      settings: signIn, codec, userOf, fetch: options.fetch ?? fetch, log: logError,
      auditRefusal: async ({ repository, reason, query }) => {
        // The repository comes from the return path the browser asked for at /trailmark/login.
        const slash = repository?.indexOf('/') ?? -1;
        const named = repository !== null && slash > 0 && isRepositoryName(repository.slice(0, slash), repository.slice(slash + 1));
        const id = !named || ledgers === undefined ? null : await installationOf(repository.slice(0, slash), repository.slice(slash + 1)).catch(() => null);
        if (id === null) {
          logError(`trailmark access: sign-in refused (${reason})${repository === null ? '' : ` for ${repository}`}; no installation ledger to record it in`);
          return;
        }
        await audit(id, { route: '/trailmark/callback', query, repository, login: null, allowed: false, reason, results: 0 });
      },
    }));
    fnOptions.addHandler(accessRoute({
      identify: (req) => identify(req, { codec, userOf }),
      installationOf,
      roleOf: async (id, owner, repo, login) => repositoryRole(await repositoryRoleName(await clientFor(id), owner, repo, login)),
      auditorsTeam: team === null ? null : { name: `${team.org}/${team.slug}`, member: async (id, login) => isActiveTeamMember(await clientFor(id), team, login) },
      audit,
      ledgerDir: (id) => join(settings.dataDir, 'installations', String(id), 'ledger'),
      views: ledgers === undefined ? undefined : (options.views ?? ledgerViews(ledgers.signer, clock, database === undefined ? undefined : (l) => ledgers.storeOf(l.installationId, true), calibration === undefined ? undefined : (id) => calibration.sourceOf(id))),
      signInEnabled: codec !== null,
      log: logError,
    }));

    fnOptions.addHandler((req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== HEALTH_PATH) return false;
      // In the PostgreSQL mode, 200 only when the database answers (a load balancer's check).
      const db = database === undefined ? undefined : pingDatabase(database.sql).then(() => 'ok' as const, (err: unknown) => { throw new Error(`database ${database.sql.label} unreachable: ${describeError(err)}`); });
      // `failed` counts what a recheck can queue again; `deadLetter` every job the queue will not
      // run again, `unreadable` of those the ones no one can requeue (docs/app.md). Fields are
      // only ever added here: health checks parse this body.
      void Promise.all([queue.pending(), queue.failed(), queue.deadLetters(), db]).then(
        ([pending, failed, dead, dbStatus]) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
          status: 'ok', pending, failed: Object.keys(failed).length, deadLetter: dead.total, unreadable: dead.unreadable,
          ...(dbStatus === undefined ? {} : { database: dbStatus }),
        })),
        (err: unknown) => res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', error: describeError(err) })),
      );
      return true;
    });
  };

  const settleTicks = async (): Promise<void> => {
    await Promise.all([...schedules, ...retentions, ...calibrations].map((s) => s.tick.settled()));
  };

  return {
    appFn,
    drain: async () => {
      // A schedule tick (one runs at start) may still be queueing jobs: wait for it first.
      await settleTicks();
      for (const q of queues) await q.drain();
    },
    close: async () => {
      for (const stop of stops.splice(0)) stop();
      await settleTicks();
      // The queues stop taking jobs (pg-boss's timers too, whoever owns the database); the pool
      // this App opened goes last, once this process's jobs ended.
      for (const q of queues) await q.stop?.();
      for (const pool of owned.splice(0)) await pool.end();
    },
    weeklyTick: async () => {
      let queued = 0;
      for (const s of schedules) queued += await s.tick();
      return queued;
    },
    retentionTick: async () => {
      let queued = 0;
      for (const r of retentions) queued += await r.tick();
      return queued;
    },
    calibrationTick: async () => {
      let made = 0;
      for (const c of calibrations) made += await c.tick();
      return made;
    },
  };
}
