// The weekly attestation-gap issue end to end on the GitHub simulator: the shipped App
// (`node dist/lib/app/start.js`, real env vars, as GitHub Enterprise Server) publishing the issue
// of the last complete ISO week from a ledger of real analyses, then updating it after more
// activity, across a restart and with two processes on one data directory: always one issue.
//
// The analyses of the last complete week are made by the real App (same code, in process) with
// its clock set inside that week, on real `pull_request` webhooks against the same simulator
// and the same data directory: the ledger entries carry that week's time, as they would have
// had the App run then. The simulator's clock is the wall clock; the shipped App uses it too.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_POLICY } from '../../src/core/policy.js';
import { lastCompleteWeek } from '../../src/engine/weekly-report.js';
import { reportIssueMarker, reportIssueTitle, textDigest, REPORT_LABEL } from '../../src/github/report-issue.js';
import type { Entry as LedgerEntry } from '../../src/ledger/entry.js';
import { generateNoteKey } from '../../src/ledger/note.js';
import { readEntries } from '../../src/ledger/read.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { weekRange } from '../../src/report/week.js';
import { freePort } from '../support/free-port.js';
import { inProcessApp } from '../support/in-process-app.js';
import { REPO_ROOT, simUnavailable, startSim, type RunningSim, type Violation } from '../support/github-sim.js';
import { buildDist } from '../support/build-dist.js';

const run = promisify(execFile);
const unavailable = simUnavailable();

const INSTALLATION = 31337;
const REPOSITORY = 'acme/widgets';
const KEY_NAME = 'example.com/trailmark-weekly';
const PUBLIC_URL = 'https://trailmark.example.com';

interface SimIssue {
  readonly number: number;
  readonly title: string;
  readonly body: string | null;
  readonly state: string;
  readonly labels: readonly string[];
  readonly user: string;
}

let keyDir: string;
let signerKey: string;
let verifierFile: string;
let scenarioFile: string;
const running: ChildProcess[] = [];
const sims: RunningSim[] = [];

/** The last complete ISO week and an instant on its Wednesday (the analyses' time). */
const WEEK = lastCompleteWeek(Date.now());
const IN_WEEK = Date.parse(weekRange(WEEK).since) + 2 * 86_400_000 + 10 * 3_600_000;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, log: () => string, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}\n${log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The shipped App as `npm start` runs it, ticking the weekly schedule every second. */
async function startShippedApp(s: RunningSim, dataDir: string): Promise<{ child: ChildProcess; url: string; log: () => string; idle: () => Promise<void>; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/lib/app/start.js')], {
    cwd: dataDir,
    env: {
      PATH: process.env.PATH, NODE_ENV: 'production', LOG_FORMAT: 'json',
      APP_ID: String(s.info.appId), PRIVATE_KEY_PATH: s.info.privateKeyPath, WEBHOOK_SECRET: s.info.webhookSecret,
      GHE_HOST: s.host, GHE_PROTOCOL: 'http', PORT: String(port), HOST: '127.0.0.1',
      TRAILMARK_DATA_DIR: dataDir, TRAILMARK_SIGNING_KEY: signerKey,
      TRAILMARK_PUBLIC_URL: PUBLIC_URL, TRAILMARK_REPORT_INTERVAL: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const health = async () => (await (await fetch(`${url}/trailmark/healthz`)).json()) as { pending: number; failed: number };
  await waitFor('the App to listen', async () => {
    if (child.exitCode !== null) throw new Error(`the App exited with ${child.exitCode}: ${log}`);
    return health().then(() => true, () => undefined);
  }, () => log);
  return {
    child, url, log: () => log,
    idle: async () => {
      // On a timeout: this process's log and what the shared queue file still holds.
      const state = () => `${log}\nqueue.json: ${existsSync(join(dataDir, 'queue.json')) ? readFileSync(join(dataDir, 'queue.json'), 'utf8') : '(none)'}`;
      await waitFor('the queue to drain', async () => ((await health()).pending === 0 ? true : undefined), state);
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** The real App in process, its clock inside WEEK, on the same data directory: analyzes a pull_request delivery built by the simulator. */
async function analyzeInWeek(s: RunningSim, dataDir: string, action: 'opened' | 'synchronize', deliveryId: string): Promise<void> {
  const app = await inProcessApp(s, { dataDir, signerKey, now: () => IN_WEEK });
  await app.pullRequest(action, deliveryId);
}

async function push(s: RunningSim, path: string, content: string): Promise<void> {
  await s.admin('POST', '/_sim/push', {
    commits: [{ message: `feat: ${path}\n\nAssisted-by: claude-code:claude-sonnet-4`, author: { name: 'Alice Author', email: 'alice@acme.test', login: 'alice', date: new Date(IN_WEEK).toISOString() }, files: [{ path, content }] }],
  });
}

const reportIssues = async (s: RunningSim): Promise<SimIssue[]> => {
  const marker = reportIssueMarker({ owner: 'acme', repo: 'widgets', week: WEEK });
  const { issues } = (await s.state()) as { issues: SimIssue[] };
  return issues.filter((i) => (i.body ?? '').startsWith(`${marker}\n`));
};

async function published(dataDir: string): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  for await (const e of readEntries(openDirStore(join(dataDir, 'installations', String(INSTALLATION), 'ledger')))) out.push(e.entry);
  return out.filter((e) => e.kind === 'report.published');
}

async function opCount(s: RunningSim, operationId: string, since = 0): Promise<number> {
  return (await s.requests(since)).filter((r) => r.operationId === operationId).length;
}

/** Product violations: everything but the one simulator gap (the label endpoint it does not implement). */
function productViolations(v: readonly Violation[]): unknown[] {
  return v.filter((e) => {
    const entry = e as { operationId?: string; violations?: { type: string }[] };
    return !(entry.operationId === 'issues/create-label' && (entry.violations ?? []).every((x) => x.type === 'unimplemented'));
  });
}

describe.skipIf(unavailable !== undefined)('the weekly attestation-gap issue (shipped App on the simulator)', () => {
  beforeAll(async () => {
    await buildDist();
    keyDir = await mkdtemp(join(tmpdir(), 'trailmark-weekly-'));
    const key = generateNoteKey(KEY_NAME, randomBytes(32));
    signerKey = key.signerKey;
    verifierFile = join(keyDir, 'ledger.pub');
    await writeFile(verifierFile, `${key.verifierKey}\n`);
    // basic.json plus a repository policy that asks for the weekly issue.
    const sim = await startSim({ scenario: 'basic' });
    scenarioFile = join(keyDir, 'weekly.json');
    await writeFile(scenarioFile, JSON.stringify({ extends: join(sim.dir, 'scenarios', 'basic.json'), repository: { files: { '.github/trailmark.yml': 'policy-version: weekly-1\nreport:\n  destination: issue\nsensitive-paths:\n  - "src/auth/**"\n' } } }));
    await sim.stop();
  }, 300_000);
  afterEach(async () => {
    for (const c of running.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        await exited;
      }
    }
    for (const s of sims.splice(0)) await s.stop();
  });
  afterAll(async () => {
    await rm(keyDir, { recursive: true, force: true });
  });

  test('created once, updated after more activity (never duplicated), across a restart and two processes on one data directory', async () => {
    const s = await startSim({ scenario: scenarioFile });
    sims.push(s);
    const dataDir = await mkdtemp(join(tmpdir(), 'trailmark-weekly-data-'));

    // 1. A real analysis in the last complete week.
    await analyzeInWeek(s, dataDir, 'opened', 'weekly-opened-1');

    // 2. The shipped App publishes the week's issue at its first tick.
    const first = await startShippedApp(s, dataDir);
    const [created] = await waitFor('the weekly issue', async () => {
      const found = await reportIssues(s);
      return found.length > 0 ? found : undefined;
    }, first.log);
    await waitFor('report.published', async () => ((await published(dataDir)).length === 1 ? true : undefined), first.log);
    // A few more ticks (one a second): nothing changed, nothing written.
    await new Promise((r) => setTimeout(r, 3_000));
    await first.idle();
    await first.stop();
    let issues = await reportIssues(s);
    expect(issues).toHaveLength(1);
    expect(created).toMatchObject({ title: reportIssueTitle(WEEK), state: 'open', labels: [REPORT_LABEL] });
    expect(created!.body).toContain(`${PUBLIC_URL}/trailmark/dashboard?repo=${encodeURIComponent(REPOSITORY)}&week=${WEEK}`);
    expect(created!.body).toContain('```mermaid');
    expect(created!.body!.length).toBeLessThanOrEqual(65_536);
    // The trend row of the week: one analysis of one pull request, from the ledger.
    expect(created!.body).toMatch(new RegExp(`\\| ${WEEK} \\| 1 \\| 1 \\|`));
    // The repository's operating point, from the installation's ledger: the shipped thresholds,
    // with what a calibration still needs (one analysis is far from enough history).
    expect(created!.body).toContain('## Operating points');
    const { low, high } = DEFAULT_POLICY.thresholds;
    // Thresholds print as the numbers they are (the policy file's 0.7, not 0.70), as in every report.
    const shipped = `${low} / ${high}`.replace(/\./g, '\\.');
    expect(created!.body).toMatch(new RegExp(`\\| \`${REPOSITORY}\` \\| ${shipped} \\| shipped \\| insufficient \\|[^\\n]*calibration needs`));
    let entries = await published(dataDir);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.body).toMatchObject({ repository: REPOSITORY, week: WEEK, destination: 'issue', issue: created!.number, digest: textDigest(created!.body!) });
    expect(await opCount(s, 'issues/create')).toBe(1);
    expect(await opCount(s, 'issues/update')).toBe(0);

    // 3. More activity in that week (a push, analyzed), then a restart: the next tick updates the same issue.
    await push(s, 'src/slider.ts', 'export function step(value: number, by: number): number {\n  return Math.round(value / by) * by;\n}\n');
    await analyzeInWeek(s, dataDir, 'synchronize', 'weekly-sync-1');
    const before = (await s.requests()).length;
    const second = await startShippedApp(s, dataDir);
    await waitFor('the second report.published', async () => ((await published(dataDir)).length === 2 ? true : undefined), second.log);
    await new Promise((r) => setTimeout(r, 3_000));
    await second.idle();
    await second.stop();
    issues = await reportIssues(s);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.number).toBe(created!.number);
    expect(issues[0]!.body).not.toBe(created!.body);
    expect(issues[0]!.body).toMatch(new RegExp(`\\| ${WEEK} \\| 2 \\| 1 \\|`));
    entries = await published(dataDir);
    expect(entries).toHaveLength(2);
    expect(entries[1]!.body).toMatchObject({ issue: created!.number, digest: textDigest(issues[0]!.body!) });
    expect(await opCount(s, 'issues/create', before)).toBe(0);
    expect(await opCount(s, 'issues/update', before)).toBe(1);

    // 4. A restart with nothing new: no write at all.
    const beforeRestart = (await s.requests()).length;
    const third = await startShippedApp(s, dataDir);
    await new Promise((r) => setTimeout(r, 3_000));
    await third.idle();
    await third.stop();
    expect(await opCount(s, 'issues/create', beforeRestart)).toBe(0);
    expect(await opCount(s, 'issues/update', beforeRestart)).toBe(0);
    expect(await published(dataDir)).toHaveLength(2);

    // 5. More activity, then two processes on the same data directory ticking at once: one update, one entry, one issue.
    await push(s, 'src/knob.ts', 'export function turn(angle: number): number {\n  return ((angle % 360) + 360) % 360;\n}\n');
    await analyzeInWeek(s, dataDir, 'synchronize', 'weekly-sync-2');
    const beforePair = (await s.requests()).length;
    const [a, b] = await Promise.all([startShippedApp(s, dataDir), startShippedApp(s, dataDir)]);
    await waitFor('the third report.published', async () => ((await published(dataDir)).length >= 3 ? true : undefined), () => a.log() + b.log());
    await new Promise((r) => setTimeout(r, 4_000));
    await Promise.all([a.idle(), b.idle()]);
    await Promise.all([a.stop(), b.stop()]);
    issues = await reportIssues(s);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.number).toBe(created!.number);
    expect(issues[0]!.body).toMatch(new RegExp(`\\| ${WEEK} \\| 3 \\| 1 \\|`));
    entries = await published(dataDir);
    expect(entries).toHaveLength(3);
    expect(entries[2]!.body).toMatchObject({ issue: created!.number, digest: textDigest(issues[0]!.body!) });
    expect(await opCount(s, 'issues/create', beforePair)).toBe(0);
    expect(await opCount(s, 'issues/update', beforePair)).toBe(1);

    // GitHub's side: one issue for the week in all, no product violation; the ledger verifies.
    const { issues: all } = (await s.state()) as { issues: SimIssue[] };
    expect(all.filter((i) => i.title === reportIssueTitle(WEEK))).toHaveLength(1);
    expect(productViolations(await s.violations())).toEqual([]);
    const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'bin/trailmark.js'), 'verify', '--ledger', join(dataDir, 'installations', String(INSTALLATION), 'ledger'), '--key', verifierFile, '--json'], { cwd: REPO_ROOT });
    expect(JSON.parse(stdout)).toMatchObject({ ok: true });
    await rm(dataDir, { recursive: true, force: true });
  }, 300_000);
});
