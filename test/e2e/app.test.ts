// The shipped App (`npm start`: node dist/lib/app/start.js) end to end against the GitHub
// simulator, as GitHub Enterprise Server (GHE_HOST): signed deliveries from send-webhook.mjs,
// the queue drained through the health endpoint, then GitHub's side read from /_sim/state and
// the App's side from its data directory (ledger verified with `trailmark verify`).
// Every run must leave zero simulator violations.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { freePort } from '../support/free-port.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { agentTraceRecord } from '../../cli/demo/scenario.js';
import type { Entry as LedgerEntry } from '../../src/ledger/entry.js';
import { generateNoteKey } from '../../src/ledger/note.js';
import { readEntries } from '../../src/ledger/read.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { AI_FILE } from '../app/harness.js';
import { REPO_ROOT, simScript, simUnavailable, startSim, type RunningSim } from '../support/github-sim.js';
import { buildDist } from '../support/build-dist.js';

const run = promisify(execFile);
const unavailable = simUnavailable();

interface CheckRunState {
  readonly id: number;
  readonly name: string;
  readonly head_sha: string;
  readonly status: string;
  readonly conclusion: string | null;
  readonly output: { readonly title: string | null; readonly summary: string | null };
  readonly annotations?: readonly { readonly path: string; readonly annotation_level: string; readonly message: string }[];
}
interface SimState {
  readonly pullRequest: { readonly number: number; readonly headSha: string; readonly mergeSha: string; readonly commits: readonly string[] };
  readonly checkRuns: readonly CheckRunState[];
  readonly comments?: readonly { readonly body: string; readonly via?: string; readonly user?: string | { readonly login: string } }[];
}

const INSTALLATION = 31337;
const KEY_NAME = 'example.com/trailmark-e2e';

let keyDir: string;
let signerKey: string;
let verifierFile: string;

interface AppProcess {
  readonly url: string;
  readonly hook: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
  log(): string;
  health(): Promise<{ pending: number; failed: number }>;
  /** Resolves when every queued job ran (polls the health endpoint). */
  idle(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The Apps and simulators started for one test (or one scenario run ahead, below), stopped after it. */
interface Owned {
  readonly apps: AppProcess[];
  readonly sims: RunningSim[];
}
const perTest: Owned = { apps: [], sims: [] };

async function stopAll(owned: Owned): Promise<void> {
  for (const app of owned.apps.splice(0)) await app.stop();
  for (const s of owned.sims.splice(0)) await s.stop();
}

async function startApp(sim: RunningSim, options: { dataDir?: string; concurrency?: number } = {}, owned = perTest): Promise<AppProcess> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'trailmark-e2e-app-')));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    LOG_FORMAT: 'json',
    APP_ID: String(sim.info.appId),
    PRIVATE_KEY_PATH: sim.info.privateKeyPath,
    WEBHOOK_SECRET: sim.info.webhookSecret,
    GHE_HOST: sim.host,
    GHE_PROTOCOL: 'http',
    PORT: String(port),
    HOST: '127.0.0.1',
    TRAILMARK_DATA_DIR: dataDir,
    TRAILMARK_SIGNING_KEY: signerKey,
    TRAILMARK_CONCURRENCY: String(options.concurrency ?? 2),
  };
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/lib/app/start.js')], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const health = async () => {
    const res = await fetch(`${url}/trailmark/healthz`);
    return (await res.json()) as { pending: number; failed: number };
  };
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the App exited with ${child.exitCode}: ${log}`);
    try {
      await health();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const app: AppProcess = {
    url, hook: `${url}/api/github/webhooks`, dataDir, child, health,
    log: () => log,
    idle: async () => {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`the App exited with ${child.exitCode}: ${log}`);
        if ((await health()).pending === 0) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill(signal);
        await exited;
      }
    },
  };
  owned.apps.push(app);
  return app;
}

async function sim(scenario: string, owned = perTest): Promise<RunningSim> {
  const s = await startSim({ scenario });
  owned.sims.push(s);
  return s;
}

/**
 * A scenario started before the tests, on its own App and simulator: two of them spend most of
 * their time in real waits (request retries, job backoff) that would otherwise run alone. Its
 * test awaits it at the end of the file, then asserts what it would have asserted had it run it.
 */
interface Ahead<T> {
  readonly owned: Owned;
  readonly done: Promise<T>;
}
function runAhead<T>(scenario: (owned: Owned) => Promise<T>): Ahead<T> {
  const owned: Owned = { apps: [], sims: [] };
  const done = scenario(owned);
  // Rejections surface in the test that awaits `done`, not as unhandled here.
  done.catch(() => undefined);
  return { owned, done };
}

/** send-webhook.mjs to the App; fails the test when a delivery is not answered 2xx. */
async function send(s: RunningSim, app: AppProcess, args: readonly string[]): Promise<Record<string, unknown>> {
  const out = await simScript('send-webhook.mjs', ['--url', app.hook, '--sim', s.url, ...args]);
  if (out.code !== 0) throw new Error(`send-webhook ${args.join(' ')} failed (${out.code}): ${out.stdout}${out.stderr}\napp log:\n${app.log()}`);
  return JSON.parse(out.stdout) as Record<string, unknown>;
}

const state = async (s: RunningSim) => (await s.state()) as unknown as SimState;
const trailmarkChecks = (st: SimState, sha: string) => st.checkRuns.filter((c) => c.name === 'trailmark' && c.head_sha === sha);
const newest = (runs: readonly CheckRunState[]) => [...runs].sort((a, b) => b.id - a.id)[0];

async function ledger(app: AppProcess): Promise<LedgerEntry[]> {
  const dir = join(app.dataDir, 'installations', String(INSTALLATION), 'ledger');
  if (!existsSync(dir)) return [];
  const out: LedgerEntry[] = [];
  for await (const e of readEntries(openDirStore(dir))) out.push(e.entry);
  return out;
}

/** `trailmark verify` over the installation's ledger with the test's verifier key. */
async function verifyLedger(app: AppProcess): Promise<void> {
  const dir = join(app.dataDir, 'installations', String(INSTALLATION), 'ledger');
  const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'bin/trailmark.js'), 'verify', '--ledger', dir, '--key', verifierFile, '--json'], { cwd: REPO_ROOT });
  expect(JSON.parse(stdout)).toMatchObject({ ok: true });
}

async function expectNoViolations(s: RunningSim): Promise<void> {
  expect(await s.violations()).toEqual([]);
}

describe.skipIf(unavailable !== undefined)('the App (npm start) against the GitHub simulator, as GitHub Enterprise Server', () => {
  let flaky: Ahead<{ s: RunningSim; app: AppProcess }> | undefined;
  let badGets: Ahead<{ s: RunningSim; app: AppProcess }> | undefined;
  beforeAll(async () => {
    // The shipped artifact: built from this checkout once.
    await buildDist();
    keyDir = await mkdtemp(join(tmpdir(), 'trailmark-e2e-key-'));
    const key = generateNoteKey(KEY_NAME, randomBytes(32));
    signerKey = key.signerKey;
    verifierFile = join(keyDir, 'ledger.pub');
    await writeFile(verifierFile, `${key.verifierKey}\n`);
    flaky = runAhead(async (owned) => {
      const s = await sim('flaky', owned);
      const app = await startApp(s, {}, owned);
      await send(s, app, ['--event', 'pull_request', '--action', 'opened']);
      await app.idle();
      return { s, app };
    });
    badGets = runAhead(async (owned) => {
      const s = await sim('basic', owned);
      await s.admin('POST', '/_sim/faults', { match: { operationId: 'pulls/get' }, kind: 'status', status: 502, times: 5 });
      const app = await startApp(s, {}, owned);
      await send(s, app, ['--event', 'pull_request', '--action', 'opened']);
      // Real waits: 1 + 2 + 4 + 8 s of request retries, then 15 to 30 s of job backoff.
      await app.idle();
      return { s, app };
    });
  });
  afterEach(async () => {
    await stopAll(perTest);
  });
  afterAll(async () => {
    // A scenario whose test did not run (a -t filter) is stopped where it is: stopping its App
    // or simulator makes its next step fail, and what it started meanwhile is stopped after.
    for (const ahead of [flaky, badGets]) {
      if (ahead === undefined) continue;
      await stopAll(ahead.owned);
      await ahead.done.catch(() => undefined);
      await stopAll(ahead.owned);
    }
    await rm(keyDir, { recursive: true, force: true });
  });

  test('basic: the installation token and every request go to GHE_HOST/api/v3; one check run on the PR head; a redelivery is a no-op; a rerequested check re-analyzes', async () => {
    const s = await sim('basic');
    const app = await startApp(s);
    await send(s, app, ['--event', 'pull_request', '--action', 'opened', '--delivery', 'opened-1', '--repeat', '2']);
    await app.idle();
    const requests = await s.requests();
    expect(requests.length).toBeGreaterThan(0);
    // Not one request went to the github.com form of the API: GHES prefix on every one, token included.
    // GraphQL's GHES form is /api/graphql (prefix /api), REST's is /api/v3.
    expect(requests.filter((r) => r.prefix !== (r.operationId === 'graphql' ? '/api' : '/api/v3')).map((r) => `${String(r.method)} ${String(r.path)} (prefix ${String(r.prefix)})`)).toEqual([]);
    expect(requests.filter((r) => r.operationId === 'graphql').length).toBeGreaterThan(0);
    expect(requests.filter((r) => r.operationId === 'apps/create-installation-access-token')).toHaveLength(1);
    const st = await state(s);
    const onHead = trailmarkChecks(st, st.pullRequest.headSha);
    expect(onHead).toHaveLength(1);
    expect(onHead[0]).toMatchObject({ status: 'completed' });
    // The first commit carries a Claude Code co-author stamp: its lines in src/math.ts and
    // src/index.ts are attested through per-line commit attribution on the API path; the rest
    // is clear, so nothing is flagged.
    expect(onHead[0]!.conclusion).toBe('success');
    expect(onHead[0]!.output.summary).toMatch(/\| ✅ attested [^|]*\| 2 \|/);
    expect(onHead[0]!.output.summary).toContain('| `src/math.ts` | 1 attested |');
    expect(onHead[0]!.output.summary).toContain('| `src/index.ts` | 1 attested |');
    expect(st.checkRuns.filter((c) => c.head_sha !== st.pullRequest.headSha)).toEqual([]);
    const entries = await ledger(app);
    expect(entries.filter((e) => e.kind === 'change.analyzed')).toHaveLength(1);
    const requestsBefore = requests.length;

    // The same delivery id once more, later: still nothing.
    await send(s, app, ['--event', 'pull_request', '--action', 'opened', '--delivery', 'opened-1']);
    await app.idle();
    expect((await s.requests()).length).toBe(requestsBefore);
    expect((await ledger(app)).length).toBe(entries.length);

    // Re-run: the check is analyzed and published again; the same change under the same policy
    // is the same analysis key, so the ledger gets no second scan entry.
    await send(s, app, ['--event', 'check_run', '--action', 'rerequested', '--check-run-id', String(onHead[0]!.id)]);
    await app.idle();
    expect((await ledger(app)).filter((e) => e.kind === 'change.analyzed')).toHaveLength(1);
    const after = await state(s);
    expect(trailmarkChecks(after, after.pullRequest.headSha)).toHaveLength(2);
    await verifyLedger(app);
    await expectNoViolations(s);

    // SIGTERM (a rolling restart) stops the App gracefully: it says so and exits 0.
    await app.stop('SIGTERM');
    expect(app.log()).toContain('SIGTERM: finishing running jobs, then exiting');
    expect(app.child.exitCode).toBe(0);
  });

  test('kill -9 with a job queued: the restarted App runs it', async () => {
    const s = await sim('basic');
    // Concurrency 0 accepts and queues without running (maintenance mode).
    const first = await startApp(s, { concurrency: 0 });
    await send(s, first, ['--event', 'pull_request', '--action', 'opened', '--delivery', 'killed-1']);
    expect((await first.health()).pending).toBe(1);
    await first.stop('SIGKILL');
    const second = await startApp(s, { dataDir: first.dataDir });
    await second.idle();
    expect(second.log()).toContain('resumed 1 queued jobs');
    const st = await state(s);
    expect(trailmarkChecks(st, st.pullRequest.headSha)).toHaveLength(1);
    // The delivery id was remembered before the kill: a redelivery now is a no-op.
    await send(s, second, ['--event', 'pull_request', '--action', 'opened', '--delivery', 'killed-1']);
    await second.idle();
    expect(trailmarkChecks(await state(s), st.pullRequest.headSha)).toHaveLength(1);
    await verifyLedger(second);
    await expectNoViolations(s);
  });

  test('fork: the pull request from mallory/widgets is analyzed and its check run sits on the head', async () => {
    const s = await sim('fork');
    const app = await startApp(s);
    await send(s, app, ['--event', 'pull_request', '--action', 'opened']);
    await app.idle();
    const st = await state(s);
    expect(trailmarkChecks(st, st.pullRequest.headSha)).toHaveLength(1);
    expect(newest(trailmarkChecks(st, st.pullRequest.headSha))!.status).toBe('completed');
    await verifyLedger(app);
    await expectNoViolations(s);
  });

  test('large: 320 generated files (diff media type 406, 4 pages of files) are analyzed; the check run sits on the head', async () => {
    const s = await sim('large');
    const app = await startApp(s);
    await send(s, app, ['--event', 'pull_request', '--action', 'opened']);
    await app.idle();
    const st = await state(s);
    const checks = trailmarkChecks(st, st.pullRequest.headSha);
    expect(checks).toHaveLength(1);
    expect(checks[0]!.status).toBe('completed');
    const requests = await s.requests();
    expect(requests.filter((r) => r.operationId === 'pulls/list-files')).toHaveLength(4);
    process.stdout.write(`large scenario: ${requests.length} requests to the simulator\n`);
    // The budget for a 330-file pull request: under 40 requests (token included).
    expect(requests.length).toBeLessThan(40);
    await verifyLedger(app);
    await expectNoViolations(s);
  });

  test('approval, pushes by two authors, /trailmark attest by a reader (refused) and a writer (recorded once), then merge: approval-drift', async () => {
    const s = await sim('basic');
    const app = await startApp(s);
    await send(s, app, ['--event', 'pull_request', '--action', 'opened']);
    await app.idle();
    // dave approves the original head.
    await send(s, app, ['--event', 'pull_request_review', '--action', 'submitted', '--review-index', '1']);
    await app.idle();

    // bob pushes AI-like code nobody declared.
    const dir = await mkdtemp(join(tmpdir(), 'trailmark-e2e-push-'));
    const push = async (file: string, login: string, path: string) => {
      await writeFile(join(dir, file), JSON.stringify([{ message: `feat(auth): ${path}\n`, author: { name: login, email: `${login}@acme.test`, login, date: '2026-01-06T10:00:00Z' }, files: [{ path, content: AI_FILE }] }]));
      await send(s, app, ['--event', 'pull_request', '--action', 'synchronize', '--push-commits', join(dir, file)]);
      await app.idle();
    };
    await push('bob.json', 'bob', 'src/auth/session.ts');
    let st = await state(s);
    const headB = st.pullRequest.headSha;
    const atB = newest(trailmarkChecks(st, headB))!;
    expect(atB.conclusion).toBe('neutral');
    expect(atB.output.title).toMatch(/^[1-9]\d* unattested/);

    // erin (read access) cannot declare; the App says so.
    await send(s, app, ['--event', 'issue_comment', '--action', 'created', '--sender', 'erin', '--comment-body', '/trailmark attest Assisted-by: Claude:claude-opus-4-5']);
    await app.idle();
    st = await state(s);
    const replies = (st.comments ?? []).filter((c) => c.body.startsWith('trailmark:'));
    expect(replies).toHaveLength(1);
    expect(replies[0]!.body).toContain('Only users with write access');
    expect((await ledger(app)).filter((e) => e.kind === 'remediation')).toEqual([]);

    // dave (write) declares at head B, delivered twice with one id: one remediation.
    await send(s, app, ['--event', 'issue_comment', '--action', 'created', '--sender', 'dave', '--comment-body', '/trailmark attest Assisted-by: Claude:claude-opus-4-5', '--delivery', 'attest-dave', '--repeat', '2']);
    await app.idle();
    expect((await ledger(app)).filter((e) => e.kind === 'remediation')).toHaveLength(1);
    st = await state(s);
    expect(newest(trailmarkChecks(st, headB))!.conclusion).toBe('success');

    // erin pushes more AI-like code after the declaration: it is not covered by it.
    await push('erin.json', 'erin', 'src/auth/tokens.ts');
    st = await state(s);
    const headC = st.pullRequest.headSha;
    expect(headC).not.toBe(headB);
    const atC = newest(trailmarkChecks(st, headC))!;
    expect(atC.conclusion).toBe('neutral');
    const annotated = new Set((atC.annotations ?? []).map((a) => a.path));
    expect(annotated.has('src/auth/tokens.ts')).toBe(true);
    // bob's lines were declared at head B, and are attributed to his commit: still covered.
    expect(annotated.has('src/auth/session.ts')).toBe(false);

    // Merged with content that differs from what dave approved.
    await send(s, app, ['--event', 'pull_request', '--action', 'closed', '--merged']);
    await app.idle();
    const entries = await ledger(app);
    expect(entries.map((e) => e.kind).filter((k) => ['review.approved', 'remediation', 'merge'].includes(k))).toEqual(['review.approved', 'remediation', 'merge']);
    const drifts = entries.filter((e) => e.kind === 'finding' && (e.body as { finding?: string }).finding === 'approval-drift');
    expect(drifts).toHaveLength(1);
    expect(entries.at(-1)).toBe(drifts[0]);
    st = await state(s);
    const drift = st.checkRuns.filter((c) => c.name === 'trailmark' && (c.output.title ?? '').startsWith('Approval drift'));
    expect(drift).toHaveLength(1);
    await verifyLedger(app);
    await expectNoViolations(s);
  });

  test('collector: an Agent Trace upload with a writer\'s user token is stored and appended; a reader\'s is refused', async () => {
    const s = await sim('basic');
    const app = await startApp(s);
    const token = async (login: string) => ((await s.admin('POST', '/_sim/tokens', { kind: 'user', login })) as { token: string }).token;
    const st = await state(s);
    const record = agentTraceRecord(st.pullRequest.headSha);
    const upload = (t: string) => fetch(`${app.url}/trailmark/records?repository=acme/widgets`, { method: 'POST', body: record, headers: { 'content-type': 'application/json', authorization: `Bearer ${t}` } });
    const alice = await upload(await token('alice'));
    expect(alice.status).toBe(201);
    const erin = await upload(await token('erin'));
    expect(erin.status).toBe(403);
    const again = await upload(await token('alice'));
    expect(again.status).toBe(200);
    expect((await ledger(app)).filter((e) => e.kind === 'record')).toHaveLength(1);
    const stored = await readdir(join(app.dataDir, 'installations', String(INSTALLATION), 'records', 'acme', 'widgets'));
    expect(stored.filter((n) => n.endsWith('.jsonl'))).toHaveLength(1);
    await verifyLedger(app);
    await expectNoViolations(s);
  });

  test('a 60 MB delivery with a wrong signature is refused with 413 before it is buffered: the App\'s peak RSS stays far below it, and nothing of it is logged', async () => {
    const s = await sim('basic');
    const app = await startApp(s);
    const { payload } = (await s.admin('GET', '/_sim/webhook?event=pull_request&action=opened')) as { payload: { pull_request: { body: string } } };
    const marker = 'PAYLOAD-MARKER-9c1e';
    payload.pull_request.body = `${marker}${'x'.repeat(60 * 1024 * 1024)}`;
    const dir = await mkdtemp(join(tmpdir(), 'trailmark-e2e-big-'));
    await writeFile(join(dir, 'big.json'), JSON.stringify(payload));
    const before = await peakRss(app.child.pid!);
    const out = await simScript('send-webhook.mjs', ['--url', app.hook, '--sim', s.url, '--event', 'pull_request', '--payload', join(dir, 'big.json'), '--secret', s.info.webhookSecret, '--bad-signature', '--no-validate']);
    if (out.stdout === '') throw new Error(`send-webhook failed (${out.code}): ${out.stderr}`);
    const result = JSON.parse(out.stdout) as { results: { status: number }[] };
    expect(result.results.map((r) => r.status)).toEqual([413]);
    const after = await peakRss(app.child.pid!);
    process.stdout.write(`60 MB delivery: App peak RSS ${Math.round(before / 1024)} MiB before, ${Math.round(after / 1024)} MiB after\n`);
    // Buffering the body would add at least its 60 MB (GitHub's own cap is 25 MB).
    expect(after).toBeLessThan(300 * 1024);
    expect(after - before).toBeLessThan(32 * 1024);
    expect(app.log()).not.toContain(marker);
    expect(app.log()).toContain('refused with 413');
    expect((await app.health()).pending).toBe(0);
    await expectNoViolations(s);
  });

  // The scenarios run ahead (beforeAll): their waits overlapped the tests above.
  test('flaky: a 502 on the check-run create and a secondary rate limit on listFiles are retried; the check run lands on the head', async () => {
    const { s } = await flaky!.done;
    const st = await state(s);
    expect(trailmarkChecks(st, st.pullRequest.headSha)).toHaveLength(1);
    const requests = await s.requests();
    const creates = requests.filter((r) => r.operationId === 'checks/create').map((r) => r.status);
    expect(creates).toEqual([502, 201]);
    const files = requests.filter((r) => r.operationId === 'pulls/list-files').map((r) => r.status);
    expect(files[0]).toBe(403);
    expect(files.at(-1)).toBe(200);
    const report = await s.report(['--fail-on-violations']);
    expect(report.code, report.stdout).toBe(0);
    await expectNoViolations(s);
  });

  test('five 502s on pulls/get: the request retries run out, the job is attempted again after its backoff, and the check run appears', async () => {
    const { s, app } = await badGets!.done;
    const gets = (await s.requests()).filter((r) => r.operationId === 'pulls/get').map((r) => r.status);
    expect(gets).toEqual([502, 502, 502, 502, 502, 200]);
    const st = await state(s);
    expect(trailmarkChecks(st, st.pullRequest.headSha)).toHaveLength(1);
    expect((await app.health()).failed).toBe(0);
    expect(app.log()).toContain('failed (attempt 1 of 5), retrying in');
    await verifyLedger(app);
    await expectNoViolations(s);
  });
});

/** VmHWM (peak resident set) of a process, in KiB, from /proc (Linux). */
async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const line = status.split('\n').find((l) => l.startsWith('VmHWM:'));
  if (line === undefined) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(line.replace(/\D+/g, ''));
}
