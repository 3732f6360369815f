// Three `npm start` replicas (node dist/lib/app/start.js, real processes, real environment) on
// one fresh PostgreSQL schema, against the GitHub simulator: deliveries sent round-robin, one
// delivery sent to two replicas at once, and one replica SIGKILLed in the middle of a job.
// Expected: one analysis per head and one entry per delivery, every job finished by a
// surviving replica, one contiguous ledger that `trailmark verify --database` accepts, one
// check run per head, zero simulator violations (docs/replicas.md).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bossSchemaOf } from '../../app/queue-factory.js';
import type { Entry as LedgerEntry } from '../../src/ledger/entry.js';
import { generateNoteKey } from '../../src/ledger/note.js';
import { readEntries } from '../../src/ledger/read.js';
import { openPostgresStore } from '../../src/ledger/store/postgres.js';
import type { PostgresConnection } from '../../src/ledger/store/postgres-pool.js';
import { AI_FILE } from '../app/harness.js';
import { buildDist } from '../support/build-dist.js';
import { freePort } from '../support/free-port.js';
import { REPO_ROOT, simScript, simUnavailable, startSim, type RunningSim } from '../support/github-sim.js';
import { dropSchema, freshSchemaName, PG_URL, pgUnavailable, realServer } from '../support/postgres.js';

const run = promisify(execFile);
const unavailable = simUnavailable() ?? (await pgUnavailable());
const INSTALLATION = 31337;
const LOG = `installation/${INSTALLATION}`;
const JOB_TIMEOUT = 20;

interface CheckRunState {
  readonly id: number;
  readonly name: string;
  readonly head_sha: string;
  readonly status: string;
}
interface SimState {
  readonly pullRequest: { readonly headSha: string };
  readonly checkRuns: readonly CheckRunState[];
}

interface Replica {
  readonly name: string;
  readonly hook: string;
  readonly child: ChildProcess;
  log(): string;
  health(): Promise<{ status: string; pending: number; failed: number }>;
  alive(): boolean;
}

const tick = (ms = 100) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(unavailable !== undefined)('three App replicas on one PostgreSQL (npm start, GitHub simulator)', () => {
  const schema = freshSchemaName('tmr');
  const replicas: Replica[] = [];
  let conn: PostgresConnection;
  let s: RunningSim;
  let keyDir: string;
  let signerKey: string;
  let verifierFile: string;

  beforeAll(async () => {
    await buildDist();
    conn = realServer(4);
    keyDir = await mkdtemp(join(tmpdir(), 'trailmark-replicas-'));
    const key = generateNoteKey('example.com/trailmark-replicas', randomBytes(32));
    signerKey = key.signerKey;
    verifierFile = join(keyDir, 'ledger.pub');
    await writeFile(verifierFile, `${key.verifierKey}\n`);
    s = await startSim({ scenario: 'basic' });
  });

  afterAll(async () => {
    for (const r of replicas) {
      if (r.alive()) {
        const exited = new Promise((resolve) => r.child.once('exit', resolve));
        r.child.kill('SIGTERM');
        await exited;
      }
    }
    await s?.stop();
    if (conn !== undefined) {
      await dropSchema(conn, bossSchemaOf(schema));
      await dropSchema(conn, schema);
      await conn.end();
    }
    if (keyDir !== undefined) await rm(keyDir, { recursive: true, force: true });
  });

  async function startReplica(name: string): Promise<Replica> {
    const dataDir = await mkdtemp(join(tmpdir(), `trailmark-replica-${name}-`));
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      LOG_FORMAT: 'json',
      APP_ID: String(s.info.appId),
      PRIVATE_KEY_PATH: s.info.privateKeyPath,
      WEBHOOK_SECRET: s.info.webhookSecret,
      GHE_HOST: s.host,
      GHE_PROTOCOL: 'http',
      PORT: String(port),
      HOST: '127.0.0.1',
      TRAILMARK_DATA_DIR: dataDir,
      TRAILMARK_SIGNING_KEY: signerKey,
      TRAILMARK_CONCURRENCY: '2',
      DATABASE_URL: PG_URL,
      TRAILMARK_DATABASE_SCHEMA: schema,
      TRAILMARK_JOB_TIMEOUT: String(JOB_TIMEOUT),
    };
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/lib/app/start.js')], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const url = `http://127.0.0.1:${port}`;
    const replica: Replica = {
      name, hook: `${url}/api/github/webhooks`, child,
      log: () => log,
      alive: () => child.exitCode === null && child.signalCode === null,
      health: async () => (await (await fetch(`${url}/trailmark/healthz`)).json()) as { status: string; pending: number; failed: number },
    };
    replicas.push(replica);
    return replica;
  }

  async function ready(r: Replica): Promise<void> {
    for (;;) {
      if (!r.alive()) throw new Error(`replica ${r.name} exited: ${r.log()}`);
      try {
        if ((await r.health()).status === 'ok') return;
      } catch {
        // Not listening yet.
      }
      await tick();
    }
  }

  /** Resolves when no job waits or runs on any replica (the health check counts the whole queue). */
  async function idle(): Promise<void> {
    for (;;) {
      const live = replicas.find((r) => r.alive());
      if (live === undefined) throw new Error('no replica left');
      if ((await live.health()).pending === 0) return;
      await tick(200);
    }
  }

  async function send(r: Replica, args: readonly string[]): Promise<void> {
    const out = await simScript('send-webhook.mjs', ['--url', r.hook, '--sim', s.url, ...args]);
    if (out.code !== 0) throw new Error(`send-webhook ${args.join(' ')} to ${r.name} failed (${out.code}): ${out.stdout}${out.stderr}\nreplica log:\n${r.log()}`);
  }

  async function push(file: string, login: string, path: string, r: Replica, delivery: string): Promise<void> {
    const commits = join(keyDir, file);
    await writeFile(commits, JSON.stringify([{ message: `feat: ${path}\n`, author: { name: login, email: `${login}@acme.test`, login, date: '2026-01-06T10:00:00Z' }, files: [{ path, content: AI_FILE }] }]));
    await send(r, ['--event', 'pull_request', '--action', 'synchronize', '--push-commits', commits, '--delivery', delivery]);
  }

  async function ledger(): Promise<LedgerEntry[]> {
    const store = await openPostgresStore(conn, { log: LOG, schema });
    const out: LedgerEntry[] = [];
    for await (const e of readEntries(store)) out.push(e.entry);
    return out;
  }

  test('round-robin deliveries, one delivery to two replicas at once, a replica SIGKILLed mid-job: every job done once by a survivor', async () => {
    // Three replicas starting at once on a fresh schema: migrations under their locks.
    const [r0, r1, r2] = await Promise.all(['r0', 'r1', 'r2'].map((n) => startReplica(n)));
    await Promise.all([r0!, r1!, r2!].map((r) => ready(r)));

    // Round-robin: the pull request opened (r0), approved (r1), pushed to (r2).
    await send(r0!, ['--event', 'pull_request', '--action', 'opened', '--delivery', 'd-open']);
    await send(r1!, ['--event', 'pull_request_review', '--action', 'submitted', '--review-index', '1', '--delivery', 'd-review']);
    await push('bob.json', 'bob', 'src/auth/session.ts', r2!, 'd-sync-1');
    await idle();

    // The same delivery to two replicas at once: one job.
    await Promise.all([
      send(r0!, ['--event', 'pull_request_review', '--action', 'submitted', '--review-index', '1', '--delivery', 'd-review-twice']),
      send(r2!, ['--event', 'pull_request_review', '--action', 'submitted', '--review-index', '1', '--delivery', 'd-review-twice']),
    ]);
    await idle();

    // A replica dies in the middle of an analysis: its first request hangs for 20 s (once),
    // the replica running the job (the row names it) is SIGKILLed while it waits.
    await s.admin('POST', '/_sim/faults', { match: { operationId: 'pulls/get' }, kind: 'delay', ms: 20_000, times: 1 });
    await push('erin.json', 'erin', 'src/auth/tokens.ts', r1!, 'd-sync-2');
    const bossSchema = bossSchemaOf(schema);
    let runner: string | undefined;
    while (runner === undefined) {
      const { rows } = await conn.query<{ runner: string | null }>(`SELECT output->>'runner' AS runner FROM ${bossSchema}.job WHERE state = 'active'`);
      runner = rows.find((r) => r.runner !== null)?.runner ?? undefined;
      if (runner === undefined) await tick();
    }
    const pid = Number(runner.slice(runner.lastIndexOf(':') + 1));
    const victim = replicas.find((r) => r.child.pid === pid);
    expect(victim).toBeDefined();
    const killed = new Promise((resolve) => victim!.child.once('exit', (_code, signal) => resolve(signal)));
    const killedAt = Date.now();
    victim!.child.kill('SIGKILL');
    expect(await killed).toBe('SIGKILL');
    const survivors = replicas.filter((r) => r !== victim);
    // A survivor takes the job after the timeout (and its retry delay) and finishes it.
    await idle();
    process.stdout.write(`replicas: the killed replica's job was finished by a survivor ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill (job timeout ${JOB_TIMEOUT} s)\n`);
    const pickedUp = survivors.filter((r) => r.log().includes('picked up again (attempt 2 of 5)'));
    expect(pickedUp).toHaveLength(1);
    for (const r of survivors) expect(await r.health()).toMatchObject({ status: 'ok', pending: 0, failed: 0 });

    // GitHub's side: one trailmark check run per analyzed head (three heads), all completed.
    const st = (await s.state()) as unknown as SimState;
    const trailmark = st.checkRuns.filter((c) => c.name === 'trailmark');
    const byHead = new Map<string, number>();
    for (const c of trailmark) byHead.set(c.head_sha, (byHead.get(c.head_sha) ?? 0) + 1);
    expect([...byHead.values()]).toEqual([1, 1, 1]);
    expect(byHead.get(st.pullRequest.headSha)).toBe(1);
    expect(trailmark.every((c) => c.status === 'completed')).toBe(true);

    // The App's side: one analysis per head, one approval entry per delivery, contiguous and verified.
    const entries = await ledger();
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i));
    const analyzed = entries.filter((e) => e.kind === 'change.analyzed').map((e) => (e.body as unknown as { head: string | null }).head);
    expect(analyzed).toHaveLength(3);
    expect(new Set(analyzed).size).toBe(3);
    const approvals = entries.filter((e) => e.kind === 'review.approved').map((e) => (e.body as unknown as { job?: string }).job);
    expect(approvals.sort()).toEqual(['review-approved:d-review', 'review-approved:d-review-twice']);
    const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'bin/trailmark.js'), 'verify', '--database', PG_URL, '--schema', schema, '--log', LOG, '--key', verifierFile, '--json'], { cwd: REPO_ROOT });
    expect(JSON.parse(stdout)).toMatchObject({ ok: true });

    expect(await s.violations()).toEqual([]);
  }, 300_000);
});
