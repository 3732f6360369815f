// The Probot application: webhooks are acknowledged as soon as their job is durably queued;
// the work runs on the queue (queue.ts). Deliveries are idempotent by X-GitHub-Delivery.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdir } from 'node:fs/promises';
import type { ApplicationFunction, Probot } from 'probot';
import { describeError } from '../core/errors.js';
import { systemClock, systemRandom, type Clock, type Random } from '../core/ports.js';
import { createGitHubClient, type GitHubClient, type Sleep } from '../github/client.js';
import { httpStatusOf } from '../github/errors.js';
import { collectorRoute, type Access } from './collector.js';
import { DeliveryLog } from './deliveries.js';
import { jobKey, type Job } from './job.js';
import { InstallationLedgers } from './ledgers.js';
import { PullStateStore } from './pull-state.js';
import { RecordStore } from './record-store.js';
import { WorkQueue } from './queue.js';
import type { AppSettings } from './settings.js';
import { ATTEST_ACTION, ATTEST_ACTION_DECLARATION, CHECK_NAME, Worker } from './worker.js';

export interface TrailmarkAppOptions {
  readonly settings: AppSettings;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Waits between retries of GitHub requests. */
  readonly sleep?: Sleep;
}

export interface TrailmarkApp {
  readonly appFn: ApplicationFunction;
  /** Resolves when the queue is idle (after `appFn` ran). */
  drain(): Promise<void>;
}

export const HEALTH_PATH = '/trailmark/healthz';

const ANALYZED_ACTIONS = new Set(['opened', 'synchronize', 'reopened', 'ready_for_review']);

/** Webhook payload fields read here; payloads are attacker-controlled only in their strings. */
interface RepoPayload {
  readonly installation?: { readonly id: number };
  readonly repository: { readonly name: string; readonly owner: { readonly login: string } };
}

function pullRef(payload: RepoPayload, number: number) {
  if (payload.installation === undefined) return undefined;
  return { installationId: payload.installation.id, owner: payload.repository.owner.login, repo: payload.repository.name, number };
}

export function createTrailmarkApp(options: TrailmarkAppOptions): TrailmarkApp {
  const { settings } = options;
  const clock = options.clock ?? systemClock;
  let queue: WorkQueue | undefined;

  const appFn: ApplicationFunction = async (app: Probot, fnOptions) => {
    const log = (line: string) => app.log.info(line);
    const clientFor = async (installationId: number): Promise<GitHubClient> => {
      const octokit = await app.auth(installationId);
      const { token } = (await octokit.auth({ type: 'installation' })) as { token: string };
      return createGitHubClient({ token, baseUrl: settings.apiBaseUrl, userAgentSuffix: 'app', clock, log, ...(options.sleep === undefined ? {} : { sleep: options.sleep }) });
    };
    const pulls = new PullStateStore(settings.dataDir);
    const ledgers = settings.signer === undefined ? undefined : new InstallationLedgers(settings.dataDir, settings.signer, clock, options.random ?? systemRandom);
    const records = new RecordStore(settings.dataDir);
    const worker = new Worker({ clientFor, ledgers, pulls, records, clock, log });
    const deliveries = new DeliveryLog(settings.dataDir);
    const q = new WorkQueue({
      dataDir: settings.dataDir,
      concurrency: settings.concurrency,
      run: (job, key) => worker.run(job, key),
      onError: (job, err) => app.log.error(`trailmark: ${job.kind} job for ${job.owner}/${job.repo}#${job.number} failed: ${describeError(err)}`),
    });
    queue = q;
    await mkdir(settings.dataDir, { recursive: true });
    const resumed = await q.start();
    if (resumed > 0) log(`trailmark: resumed ${resumed} queued jobs`);

    const accept = async (deliveryId: string, job: Job | undefined): Promise<void> => {
      if (job === undefined) return;
      if (await deliveries.has(deliveryId)) {
        log(`trailmark: delivery ${deliveryId} was already handled; ignored`);
        return;
      }
      await q.enqueue(jobKey(job, deliveryId), job);
      await deliveries.remember(deliveryId);
    };

    app.on('pull_request', async (context) => {
      const { payload } = context;
      const ref = pullRef(payload, payload.pull_request.number);
      if (ref === undefined) return;
      if (ANALYZED_ACTIONS.has(payload.action)) {
        if (payload.pull_request.draft === true) return;
        await accept(context.id, { kind: 'analyze', ...ref });
      } else if (payload.action === 'closed' && payload.pull_request.merged === true) {
        await accept(context.id, { kind: 'merged', ...ref, head: payload.pull_request.head.sha, mergeCommit: payload.pull_request.merge_commit_sha ?? null, mergedBy: payload.pull_request.merged_by?.login ?? '' });
      }
    });
    app.on('pull_request_review.submitted', async (context) => {
      const { payload } = context;
      if (payload.review.state.toLowerCase() !== 'approved' || payload.review.commit_id === null) return;
      const ref = pullRef(payload, payload.pull_request.number);
      if (ref === undefined) return;
      await accept(context.id, { kind: 'review-approved', ...ref, review: payload.review.id, head: payload.review.commit_id, reviewer: payload.review.user?.login ?? '' });
    });
    app.on('check_run.rerequested', async (context) => {
      const { payload } = context;
      if (payload.check_run.name !== CHECK_NAME) return;
      for (const pr of payload.check_run.pull_requests) {
        const ref = pullRef(payload, pr.number);
        if (ref !== undefined) await accept(`${context.id}#${pr.number}`, { kind: 'analyze', ...ref });
      }
    });
    // "Re-run all checks": the suite is this App's (GitHub sends rerequested only to the suite's
    // App). Each pull request of the suite is re-analyzed at its newest head, like a recheck.
    app.on('check_suite.rerequested', async (context) => {
      const { payload } = context;
      for (const pr of payload.check_suite.pull_requests) {
        const ref = pullRef(payload, pr.number);
        if (ref !== undefined) await accept(`${context.id}#${pr.number}`, { kind: 'analyze', ...ref });
      }
    });
    app.on('check_run.requested_action', async (context) => {
      const { payload } = context;
      if (payload.check_run.name !== CHECK_NAME || payload.requested_action?.identifier !== ATTEST_ACTION.identifier) return;
      for (const pr of payload.check_run.pull_requests) {
        const ref = pullRef(payload, pr.number);
        if (ref !== undefined) await accept(`${context.id}#${pr.number}`, { kind: 'command', ...ref, user: payload.sender.login, body: `/trailmark attest ${ATTEST_ACTION_DECLARATION}` });
      }
    });
    app.on('issue_comment.created', async (context) => {
      const { payload } = context;
      if (payload.issue.pull_request === undefined || !payload.comment.body.includes('/trailmark')) return;
      if (payload.comment.user?.type === 'Bot') return;
      const ref = pullRef(payload, payload.issue.number);
      if (ref === undefined) return;
      await accept(context.id, { kind: 'command', ...ref, user: payload.comment.user?.login ?? '', body: payload.comment.body });
    });
    app.on('installation.created', async (context) => {
      await mkdir(pulls.installationDir(context.payload.installation.id), { recursive: true });
      log(`trailmark: installation ${context.payload.installation.id} set up`);
    });
    app.on('installation.deleted', async (context) => {
      const id = context.payload.installation.id;
      await q.remove((job) => job.installationId === id);
      await pulls.clear(id);
      log(`trailmark: installation ${id} removed; its queued work and pull request state were dropped, its ledger is kept`);
    });

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
    fnOptions.addHandler(collectorRoute({ records, ledgers, accessOf, installationOf }, (line) => app.log.error(line)));

    fnOptions.addHandler((req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== HEALTH_PATH) return false;
      void q.pending().then(
        (pending) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', pending })),
        (err: unknown) => res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', error: describeError(err) })),
      );
      return true;
    });
  };

  return {
    appFn,
    drain: () => queue?.drain() ?? Promise.resolve(),
  };
}
