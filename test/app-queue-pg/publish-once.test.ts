// Check runs published once (src/github/check-run.ts, app/pg-queue.ts's lease), against the
// GitHub simulator (../shared/github-sim: every request body checked against GitHub's OpenAPI
// description, zero violations required):
// - publishing one analysis twice leaves one check run, the second costing one list request;
//   a publication cut between annotation batches is completed without duplicating any;
// - two PgQueues on one database: a job that outlives the job timeout on one runner (its lease
//   holds) is not run by the other; a run whose lease lapsed and that the other queue ran again
//   publishes into the same check run. One check run per head either way;
// - a head with more than 100 runs of the check's name (one list page): the earlier run is found
//   on the second page and completed, not duplicated.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Job } from '../../app/job.js';
import { PgQueue, QUEUE_NAME, type PgQueueOptions } from '../../app/pg-queue.js';
import type { CheckOutput } from '../../src/core/ports.js';
import { checkRunExternalId, gitHubCheckSink, publishCheckRun, type CheckAnnotation } from '../../src/github/check-run.js';
import { createGitHubClient, type GitHubClient } from '../../src/github/client.js';
import { installSim, simUnavailable, startSim, type RunningSim } from '../support/github-sim.js';
import { openBackend, type QueueBackend } from './backend.js';

const noSim = simUnavailable();

interface SimCheckRun {
  readonly id: number;
  readonly name: string;
  readonly head_sha: string;
  readonly conclusion: string | null;
  readonly external_id: string | null;
  readonly annotations: readonly { readonly start_line: number }[];
}

const tick = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await cond())) await tick();
}

describe.skipIf(noSim !== undefined)('check runs published once (GitHub simulator)', () => {
  let sim: RunningSim;
  let backend: QueueBackend;
  let client: GitHubClient;
  let owner = '';
  let repo = '';
  let head = '';
  const queues: PgQueue[] = [];

  beforeAll(async () => {
    sim = await startSim({ scenario: 'basic' });
    backend = await openBackend();
    const info = await sim.simInfo();
    [owner, repo] = String(info.repository).split('/') as [string, string];
    head = (info.pullRequest as { headSha: string }).headSha;
    const { token } = (await sim.admin('POST', '/_sim/tokens', { kind: 'installation' })) as { token: string };
    client = createGitHubClient({ token, baseUrl: `${sim.url}/api/v3`, sleep: () => Promise.resolve() });
  }, 120_000);

  afterAll(async () => {
    for (const q of queues) await q.stop();
    await backend?.close();
    await sim?.stop();
  });

  const runsOn = async (name: string): Promise<SimCheckRun[]> =>
    ((await sim.state()) as { checkRuns: SimCheckRun[] }).checkRuns.filter((c) => c.name === name && c.head_sha === head);
  const annotations = (n: number): CheckAnnotation[] =>
    Array.from({ length: n }, (_, i) => ({ path: 'src/index.ts', startLine: i + 1, endLine: i + 1, level: 'warning' as const, message: `finding ${i + 1}` }));
  const check = (name: string, n: number, summary = 'first run: 3 entries appended'): CheckOutput => ({
    name, headSha: head, conclusion: 'neutral', title: `${n} findings`, summary, annotations: annotations(n), findings: [],
  });

  test('one analysis published twice: one check run, the second publication one list request; a cut publication is completed without duplicate annotations', async () => {
    const first = check('publish-twice', 3);
    const id = checkRunExternalId('analysis:app:acme/widgets#1:base..head:1', first);
    const request = (c: CheckOutput) => ({ owner, repo, headSha: head, name: c.name, conclusion: c.conclusion, title: c.title, summary: c.summary, annotations: c.annotations, externalId: id });
    const a = await publishCheckRun(client, request(first));
    expect(a).toMatchObject({ published: true, requests: 2 });
    // The second run's summary differs (its ledger append found the entry): the same run is kept.
    const b = await publishCheckRun(client, request(check('publish-twice', 3, 'second run: already recorded')));
    expect(b).toMatchObject({ published: true, requests: 1, existing: true });
    if (a.published && b.published) expect(b.id).toBe(a.id);
    expect((await runsOn('publish-twice')).map((r) => [r.external_id, r.annotations.length])).toEqual([[id, 3]]);

    // A replica killed between the create (first 50 annotations) and the updates: the run that
    // takes over sends only the 70 missing ones.
    const full = check('publish-cut', 120);
    const cutId = checkRunExternalId('analysis:cut', full);
    await publishCheckRun(client, { ...request(full), annotations: full.annotations.slice(0, 50), externalId: cutId });
    const resumed = await publishCheckRun(client, { ...request(full), externalId: cutId });
    expect(resumed).toMatchObject({ published: true, existing: true, requests: 3 });
    const runs = await runsOn('publish-cut');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.annotations.map((x) => x.start_line)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(await sim.violations()).toEqual([]);
  });

  test('two queues: a job outliving the job timeout keeps its lease (one run); a lapsed run and its rerun publish one check run', async () => {
    const job: Job = { kind: 'analyze', installationId: 1, owner, repo, number: 1 };
    const schema = backend.schema();
    const started: string[] = [];
    const releases: (() => void)[] = [];
    // What the worker does: analyze (here: wait for a release), then publish with the analysis key.
    const runner = (name: string, gate: (key: string) => Promise<void>): PgQueueOptions['run'] => async (_j, key) => {
      started.push(name);
      await gate(key);
      const c = check(`queue-${key}`, 2, `published by ${name}`);
      await gitHubCheckSink(client, { owner, repo, externalId: (x) => checkRunExternalId(`analysis:${key}`, x) }).publish(c);
    };
    const queueOf = (name: string, gate: (key: string) => Promise<void>, on = schema) => {
      const q = new PgQueue({
        sql: backend.sql, schema: on, concurrency: 1, pollIntervalMs: 100, maintenanceIntervalSeconds: 1, jobTimeoutSeconds: 1,
        retryable: () => false, onFinalFailure: () => Promise.resolve(), log: () => undefined, run: runner(name, gate),
      });
      queues.push(q);
      return q;
    };
    // 1. Slow but alive: three job timeouts before it publishes; the other queue polls all along.
    const slow = queueOf('slow', async () => {
      await tick(3_000);
    });
    const other = queueOf('other', () => Promise.resolve());
    await slow.enqueue('slow', job);
    await until(() => started.length === 1);
    await other.start();
    await slow.drain();
    await tick(1_000);
    expect(started).toEqual(['slow']);
    expect((await runsOn('queue-slow')).length).toBe(1);

    // 2. A run whose lease lapsed (expired as pg-boss's maintenance does to a replica that stopped
    // extending it) is run again by the other queue; both publish, into one check run.
    started.length = 0;
    const schema2 = backend.schema();
    const held = queueOf('held', () => new Promise<void>((resolve) => void releases.push(resolve)), schema2);
    const rerun = queueOf('rerun', () => Promise.resolve(), schema2);
    await held.enqueue('lapsed', job);
    await until(() => started.length === 1);
    await backend.sql.query(`UPDATE ${schema2}.job SET state = 'retry', start_after = now(), output = '{"value":{"message":"job failed by timeout in active state"}}' WHERE name = $1 AND state = 'active'`, [QUEUE_NAME]);
    await rerun.start();
    await until(async () => (await runsOn('queue-lapsed')).length === 1);
    releases[0]!();
    await held.drain();
    await rerun.drain();
    expect(started).toEqual(['held', 'rerun']);
    const runs = await runsOn('queue-lapsed');
    expect(runs.map((r) => r.annotations.length)).toEqual([2]);
    expect(await sim.violations()).toEqual([]);
    const listed = (await sim.requests()).filter((r) => r.operationId === 'checks/list-for-ref').length;
    const created = (await sim.requests()).filter((r) => r.operationId === 'checks/create').length;
    process.stdout.write(`check-run requests in this file: ${listed} list, ${created} create\n`);
  });
});

describe.skipIf(noSim !== undefined)('check runs published once on a head with more than one page of runs (GitHub simulator)', () => {
  let sim: RunningSim;

  beforeAll(async () => {
    // The basic scenario, with GitHub's secondary limit on content creation (80 a minute) raised:
    // this test itself makes the 130 runs a monorepo's CI makes over a day.
    const scenario = JSON.parse(await readFile(join(await installSim(), 'scenarios', 'basic.json'), 'utf8')) as { limits: Record<string, unknown> };
    scenario.limits.contentCreationPerMinute = 1_000;
    const path = join(await mkdtemp(join(tmpdir(), 'trailmark-sim-scenario-')), 'many-runs.json');
    await writeFile(path, JSON.stringify(scenario));
    sim = await startSim({ scenario: path });
  }, 120_000);

  afterAll(async () => {
    await sim?.stop();
  });

  test('the run to complete is older than the newest 100 of its name: found on the second page, no duplicate', async () => {
    const info = await sim.simInfo();
    const [owner, repo] = String(info.repository).split('/') as [string, string];
    const head = (info.pullRequest as { headSha: string }).headSha;
    const { token } = (await sim.admin('POST', '/_sim/tokens', { kind: 'installation' })) as { token: string };
    const client = createGitHubClient({ token, baseUrl: `${sim.url}/api/v3`, sleep: () => Promise.resolve() });
    const name = 'trailmark';
    const check: CheckOutput = { name, headSha: head, conclusion: 'neutral', title: '1 finding', summary: 'first run', findings: [],
      annotations: [{ path: 'src/index.ts', startLine: 1, endLine: 1, level: 'warning', message: 'finding 1' }] };
    const id = checkRunExternalId('analysis:many', check);
    const request = { owner, repo, headSha: head, name, conclusion: check.conclusion, title: check.title, summary: check.summary, annotations: check.annotations, externalId: id };
    const first = await publishCheckRun(client, request);
    expect(first).toMatchObject({ published: true, requests: 2 });
    // 130 later runs of the same name on the head (other analyses' results), newest first in the list.
    for (let i = 0; i < 130; i++) {
      await client.rest.checks.create({ owner, repo, name, head_sha: head, status: 'completed', conclusion: 'success', external_id: `other:${i}`, output: { title: `other ${i}`, summary: 'other' } });
    }
    const since = (await sim.requests()).length;
    const again = await publishCheckRun(client, { ...request, summary: 'second run' });
    expect(again).toMatchObject({ published: true, existing: true, requests: 2 });
    if (first.published && again.published) expect(again.id).toBe(first.id);
    const runs = ((await sim.state()) as { checkRuns: SimCheckRun[] }).checkRuns.filter((c) => c.name === name && c.head_sha === head);
    expect(runs).toHaveLength(131);
    expect(runs.filter((r) => r.external_id === id)).toHaveLength(1);
    // Two list pages (100 newest, then the rest), with GitHub's documented filters; nothing created.
    const asked = (await sim.requests()).slice(since);
    expect(asked.map((r) => r.operationId)).toEqual(['checks/list-for-ref', 'checks/list-for-ref']);
    const query = (r: Record<string, unknown>) => Object.fromEntries(new URLSearchParams(typeof r.query === 'string' ? r.query : ''));
    expect(asked.map(query)).toEqual([
      { check_name: name, filter: 'all', per_page: '100' },
      { check_name: name, filter: 'all', per_page: '100', page: '2' },
    ]);
    expect(await sim.violations()).toEqual([]);
  });
});
