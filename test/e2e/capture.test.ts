// The whole capture path end to end (issue #10), with the shipped artifacts: `npm run build`,
// `node bin/trailmark.js …` for every developer-side step, `npm start` for the App, the GitHub
// simulator for GitHub.
//
// A developer checks out the simulated pull request (same commit ids, test/support/sim-git.ts),
// installs the hooks (`trailmark hooks install --git --claude-code --repo`); Claude Code's
// PostToolUse payloads arrive on stdin of the very command the installed Claude Code settings
// (.claude/settings.local.json) name; a human then edits some of the agent's lines; a real `git commit` runs the installed git
// hooks. The scan of that commit shows `recorded` evidence on the agent's lines only. With the App
// running, `trailmark record register` (alice's user token) and `trailmark record push` send the
// records (receipt verified by the client); the commit is pushed to the simulated PR, the webhook
// delivered, and the App's analysis attests the agent hunk by the recorded evidence; the simulator
// records zero violations. erin (read access) cannot register. Collector down, then up: nothing
// is lost, nothing arrives twice.
//
// Every piece comes from another part of the capture work; a piece not present in this checkout
// skips the test with a printed reason naming it (never a fake pass).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Entry as LedgerEntry } from '../../src/ledger/entry.js';
import { generateNoteKey } from '../../src/ledger/note.js';
import { readEntries } from '../../src/ledger/read.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { freePort } from '../support/free-port.js';
import { REPO_ROOT, simScript, simUnavailable, startSim, type RunningSim } from '../support/github-sim.js';
import { pushToSim, simWorkRepo, type SimWorkRepo } from '../support/sim-git.js';
import { buildDist } from '../support/build-dist.js';

const run = promisify(execFile);
const BIN = join(REPO_ROOT, 'bin/trailmark.js');
const INSTALLATION = 31337;
const MODEL = 'claude-sonnet-4-5-20250929';

/** The pieces of issue #10 the developer-side steps need, and the file each one ships in. */
const LOCAL_PIECES: readonly (readonly [string, string])[] = [
  ['`trailmark capture` (attrib)', 'cli/commands/capture.ts'],
  ['captureEvent and the git-hook logic (attrib)', 'src/capture/commit.ts'],
  ['Claude Code payload parsing (payloads)', 'src/capture/payloads/claude-code.ts'],
  ['`trailmark hooks install` (hooks)', 'cli/commands/hooks.ts'],
];
/** …and the upload to the App. */
const PUSH_PIECES: readonly (readonly [string, string])[] = [
  ['the spool and `trailmark record register/push/status` (spool)', 'cli/commands/record.ts'],
];
const missing = (pieces: readonly (readonly [string, string])[]) => pieces.filter(([, file]) => !existsSync(join(REPO_ROOT, file))).map(([what, file]) => `${what}: ${file} is not in this checkout`);

/** The App's batch collector (POST /trailmark/records/batch, docs/collector-protocol.md), found by its route in app/. */
function collectorMissing(): string | undefined {
  const dir = join(REPO_ROOT, 'app');
  const has = readdirSync(dir).some((n) => n.endsWith('.ts') && readFileSync(join(dir, n), 'utf8').includes('/trailmark/records/batch'));
  return has ? undefined : 'the App\'s batch collector (collector): no route for /trailmark/records/batch in app/';
}

const simMissing = simUnavailable();
const localMissing = missing(LOCAL_PIECES);
const skipLocal = localMissing.length > 0 ? `capture path pieces missing — ${localMissing.join('; ')}` : undefined;
const pushMissing = [...missing(PUSH_PIECES), ...[collectorMissing()].filter((x) => x !== undefined)];
const skipPush = skipLocal ?? (pushMissing.length > 0 ? `upload pieces missing — ${pushMissing.join('; ')}` : undefined);
if (skipLocal !== undefined) process.stdout.write(`skipped (capture e2e): ${skipLocal}\n`);
else if (skipPush !== undefined) process.stdout.write(`skipped (capture e2e, App part): ${skipPush}\n`);

// ---------------------------------------------------------------------------------------------
// The App (`npm start`), as test/e2e/app.test.ts runs it.

let keyDir: string;
let signerKey: string;
let verifierFile: string;

interface AppProcess {
  readonly url: string;
  readonly port: number;
  readonly hook: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
  log(): string;
  idle(): Promise<void>;
  stop(): Promise<void>;
}

const running: AppProcess[] = [];
const sims: RunningSim[] = [];
const cleanups: (() => Promise<void>)[] = [];

async function startApp(sim: RunningSim, options: { dataDir?: string; port?: number; env?: Record<string, string> } = {}): Promise<AppProcess> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'trailmark-e2e-capture-app-')));
  const port = options.port ?? (await freePort());
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
    TRAILMARK_CONCURRENCY: '2',
    ...options.env,
  };
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/lib/app/start.js')], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const health = async () => (await (await fetch(`${url}/trailmark/healthz`)).json()) as { pending: number };
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
    url, port, hook: `${url}/api/github/webhooks`, dataDir, child,
    log: () => log,
    idle: async () => {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`the App exited with ${child.exitCode}: ${log}`);
        if ((await health()).pending === 0) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
  running.push(app);
  return app;
}

async function ledger(app: AppProcess): Promise<LedgerEntry[]> {
  const dir = join(app.dataDir, 'installations', String(INSTALLATION), 'ledger');
  if (!existsSync(dir)) return [];
  const out: LedgerEntry[] = [];
  for await (const e of readEntries(openDirStore(dir))) out.push(e.entry);
  return out;
}

async function verifyLedger(app: AppProcess): Promise<void> {
  const dir = join(app.dataDir, 'installations', String(INSTALLATION), 'ledger');
  const { stdout } = await run(process.execPath, [BIN, 'verify', '--ledger', dir, '--key', verifierFile, '--json'], { cwd: REPO_ROOT });
  expect(JSON.parse(stdout)).toMatchObject({ ok: true });
}

async function send(s: RunningSim, app: AppProcess, args: readonly string[]): Promise<void> {
  const out = await simScript('send-webhook.mjs', ['--url', app.hook, '--sim', s.url, ...args]);
  if (out.code !== 0) throw new Error(`send-webhook ${args.join(' ')} failed (${out.code}): ${out.stdout}${out.stderr}\napp log:\n${app.log()}`);
}

// ---------------------------------------------------------------------------------------------
// The developer's machine.

interface Dev {
  readonly work: SimWorkRepo;
  /** TRAILMARK_HOME: device id, spool, collectors, detail, capture.log. */
  readonly home: string;
  readonly transcript: string;
  /** Environment of every developer-side process (git's is the fixture's: no global config, +0000 dates). */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  trailmark(args: readonly string[], options?: { env?: Record<string, string>; input?: string }): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Moves the developer's clock one minute on (commit dates are whole seconds at +0000, as the simulator writes them). */
  advance(): void;
}

async function developer(s: RunningSim): Promise<Dev> {
  const work = await simWorkRepo(s);
  const home = await mkdtemp(join(tmpdir(), 'trailmark-e2e-capture-home-'));
  const transcript = join(home, 'claude-transcript.jsonl');
  cleanups.push(() => work.repo.cleanup(), () => rm(home, { recursive: true, force: true }));
  let clock = Math.floor(Date.parse('2026-01-06T09:00:00Z') / 1000);
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({ ...work.repo.env(clock), TRAILMARK_HOME: home, CLAUDE_PROJECT_DIR: work.repo.dir, ...extra });
  const dev: Dev = {
    work, home, transcript, env,
    trailmark: (args, options = {}) => spawnCollect(process.execPath, [BIN, ...args], { cwd: work.repo.dir, env: env(options.env), ...(options.input !== undefined ? { input: options.input } : {}) }),
    advance: () => void (clock += 60),
  };
  return dev;
}

function spawnCollect(cmd: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Where `hooks install --claude-code --repo` puts the hooks: `.claude/settings.local.json` (the
 * repository's uncommitted Claude Code settings, docs/hooks.md), or `.claude/settings.json`.
 */
const claudeSettings = (repoDir: string): string => [join(repoDir, '.claude', 'settings.local.json'), join(repoDir, '.claude', 'settings.json')].find((f) => existsSync(f)) ?? join(repoDir, '.claude', 'settings.local.json');

/** The trailmark commands the repository's Claude Code settings name for an event (what Claude Code runs). */
async function claudeHookCommands(repoDir: string, event: string, tool?: string): Promise<string[]> {
  const settings = JSON.parse(await readFile(claudeSettings(repoDir), 'utf8')) as {
    hooks?: Record<string, { matcher?: string; hooks?: { type?: string; command?: string }[] }[]>;
  };
  const out: string[] = [];
  for (const group of settings.hooks?.[event] ?? []) {
    // Claude Code matchers are tool-name regular expressions (`Write|Edit|MultiEdit`); the test's
    // own tool names are fixed literals, so this is a lookup, not a pattern built from input.
    const names = (group.matcher ?? '').split('|');
    if (tool !== undefined && group.matcher !== undefined && group.matcher !== '' && group.matcher !== '*' && !names.includes(tool)) continue;
    for (const h of group.hooks ?? []) if (h.type === 'command' && typeof h.command === 'string' && h.command.includes('trailmark')) out.push(h.command);
  }
  return out;
}

/**
 * Claude Code's transcript as the hook reads it for the model: JSONL, the last assistant entry's
 * `message.model` and `requestId` (shape of ~/.claude/projects/<project>/<session>.jsonl).
 */
async function writeTranscript(dev: Dev, session: string): Promise<void> {
  const lines = [
    { type: 'user', sessionId: session, uuid: 'u-1', message: { role: 'user', content: 'add mean and median helpers to the stats module' } },
    { type: 'assistant', sessionId: session, uuid: 'a-1', requestId: 'req_011CVz8c9wXq3Lk2mN4pR7sT', message: { id: 'msg_01Hk', type: 'message', role: 'assistant', model: MODEL, content: [{ type: 'text', text: 'Adding the helpers.' }] } },
  ];
  await writeFile(dev.transcript, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
}

/**
 * A PostToolUse payload for Claude Code's Write tool, in the documented shape
 * (https://code.claude.com/docs/en/hooks, "PostToolUse input"): the common fields, then
 * tool_name / tool_input / tool_response. The file is written first, as the tool does before the
 * hook runs.
 */
async function agentWrites(dev: Dev, session: string, path: string, content: string): Promise<{ code: number; stdout: string; stderr: string }[]> {
  const file = join(dev.work.repo.dir, path);
  const existed = existsSync(file);
  await dev.work.repo.write(path, content);
  const payload = {
    session_id: session,
    transcript_path: dev.transcript,
    cwd: dev.work.repo.dir,
    permission_mode: 'acceptEdits',
    hook_event_name: 'PostToolUse',
    tool_name: 'Write',
    tool_input: { file_path: file, content },
    tool_response: { type: existed ? 'update' : 'create', filePath: file, content, structuredPatch: [] },
  };
  const commands = await claudeHookCommands(dev.work.repo.dir, 'PostToolUse', 'Write');
  expect(commands.length).toBeGreaterThan(0);
  const results = [];
  for (const command of commands) results.push(await spawnCollect('/bin/sh', ['-c', command], { cwd: dev.work.repo.dir, env: dev.env(), input: JSON.stringify(payload) }));
  return results;
}

/** `git commit` with the installed hooks (no --no-verify), at the fixture's +0000 clock. */
async function commit(dev: Dev, message: string): Promise<string> {
  await dev.work.repo.run(['add', '-A'], { env: dev.env() });
  await dev.work.repo.run(['commit', '-q', '-m', message], { env: dev.env() });
  dev.advance();
  return dev.work.repo.git(['rev-parse', 'HEAD']);
}

// An agent's module: helpful comments and whole functions, as the detectors see agent code.
const STATS_AGENT = [
  '/**',
  ' * Returns the arithmetic mean of the values, or NaN for an empty list.',
  ' */',
  'export function mean(values: readonly number[]): number {',
  '  // Guard against an empty input to avoid dividing by zero',
  '  if (values.length === 0) return Number.NaN;',
  '  // Sum all values and divide by the count',
  '  return values.reduce((sum, value) => sum + value, 0) / values.length;',
  '}',
  '',
  '/**',
  ' * Returns the median of the values, or NaN for an empty list.',
  ' */',
  'export function median(values: readonly number[]): number {',
  '  // Guard against an empty input',
  '  if (values.length === 0) return Number.NaN;',
  '  // Sort a copy so the caller\'s array is not mutated',
  '  const sorted = [...values].sort((a, b) => a - b);',
  '  const middle = Math.floor(sorted.length / 2);',
  '  // For an even count, average the two middle values',
  '  return sorted.length % 2 === 0 ? (sorted[middle - 1]! + sorted[middle]!) / 2 : sorted[middle]!;',
  '}',
  '',
];
/** The human's changes to two of the agent's lines (1-based 18 and 19 of the file). */
const STATS_HUMAN = STATS_AGENT.map((line, i) => (i === 17 ? '  const sorted = values.toSorted((a, b) => a - b);' : i === 18 ? '  const middle = sorted.length >> 1;' : line));
const HUMAN_LINES = new Set([18, 19]);
const AGENT_LINES = STATS_AGENT.map((_, i) => i + 1).filter((n) => n <= STATS_AGENT.length - 1 && !HUMAN_LINES.has(n));

interface ScanHunk {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly verdict: string;
  readonly evidence: readonly { readonly class: string; readonly source: string; readonly detail?: string; readonly model?: string }[];
}

/**
 * The developer's side up to the commit: hooks installed, the agent's Write through the installed
 * PostToolUse command, the human's edits, `git commit` with the installed git hooks.
 */
async function captureAndCommit(s: RunningSim): Promise<{ dev: Dev; sha: string }> {
  const dev = await developer(s);
  const repo = dev.work.repo;

  const install = await dev.trailmark(['hooks', 'install', '--git', '--claude-code', '--repo', '--json']);
  expect(install.code, install.stderr).toBe(0);
  expect(existsSync(claudeSettings(repo.dir))).toBe(true);
  // The installed Claude Code settings are the developer's own: not part of the commit.
  await writeFile(join(repo.dir, '.git', 'info', 'exclude'), '.claude/\n', { flag: 'a' });

  const session = '6f1c2b9e-4d7a-4e1b-9a31-2c5d8e7f0a14';
  await writeTranscript(dev, session);
  for (const r of await agentWrites(dev, session, 'src/stats.ts', STATS_AGENT.join('\n'))) {
    expect(r.code, r.stderr).toBe(0);
  }
  // The human: two of the agent's lines rewritten, and a hunk of their own in another file.
  await repo.write('src/stats.ts', STATS_HUMAN.join('\n'));
  const readme = await readFile(join(repo.dir, 'README.md'), 'utf8');
  await repo.write('README.md', `${readme}\n## Statistics\n\nSee src/stats.ts for mean and median.\n`);
  const sha = await commit(dev, 'feat(stats): mean and median helpers');
  return { dev, sha };
}

/** `trailmark record push --json` (trailmark.record-push/v1), one entry per registered collector. */
interface PushJson {
  readonly schema: string;
  readonly busy: boolean;
  readonly ok: boolean;
  readonly collectors: readonly { readonly url: string; readonly sent: number; readonly accepted: number; readonly duplicates: number; readonly rejected: readonly unknown[]; readonly cursor: number; readonly pending: number; readonly error?: { readonly message: string } }[];
}
/** `trailmark record status --json` (trailmark.record-status/v1). */
interface StatusJson {
  readonly lastSeq: number;
  readonly collectors: readonly { readonly url: string; readonly cursor: number; readonly pending: number }[];
}

/**
 * `trailmark record push --json`; when a push the git hooks started in the background holds the
 * lock (`busy`), waits for it and pushes again, so the result is this push's own.
 */
async function push(dev: Dev, extra: readonly string[] = []): Promise<{ code: number; json: PushJson; out: string }> {
  for (;;) {
    const r = await dev.trailmark(['record', 'push', '--json', ...extra]);
    const json = JSON.parse(r.stdout) as PushJson;
    if (!json.busy) return { code: r.code, json, out: `${r.stdout}${r.stderr}` };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function status(dev: Dev): Promise<StatusJson> {
  const r = await dev.trailmark(['record', 'status', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as StatusJson;
}

describe.skipIf(simMissing !== undefined)('capture end to end: hook → commit → scan → push → the App (npm start) against the GitHub simulator', () => {
  beforeAll(async () => {
    await buildDist();
    keyDir = await mkdtemp(join(tmpdir(), 'trailmark-e2e-capture-key-'));
    const key = generateNoteKey('example.com/trailmark-e2e-capture', randomBytes(32));
    signerKey = key.signerKey;
    verifierFile = join(keyDir, 'ledger.pub');
    await writeFile(verifierFile, `${key.verifierKey}\n`);
  });
  afterEach(async () => {
    for (const app of running.splice(0)) await app.stop();
    for (const s of sims.splice(0)) await s.stop();
    for (const c of cleanups.splice(0)) await c();
  });
  afterAll(async () => {
    await rm(keyDir, { recursive: true, force: true });
  });

  test.skipIf(skipLocal !== undefined)('an agent edit on stdin of the installed hook, a human edit, git commit with the installed hooks: one Assisted-by trailer; the record and the scan give recorded evidence on the agent\'s lines only', async () => {
    const s = await startSim({ scenario: 'basic' });
    sims.push(s);
    const { dev, sha } = await captureAndCommit(s);
    const repo = dev.work.repo;

    // One Assisted-by trailer naming the agent and the model from the transcript.
    const message = await repo.git(['log', '-1', '--format=%B', sha]);
    const trailers = message.split('\n').filter((l) => /^assisted-by:/i.test(l));
    expect(trailers).toHaveLength(1);
    expect(trailers[0]).toMatch(/^Assisted-by: claude-code(:claude-sonnet-4-5)?/i);

    // The committed record: the agent's lines only, in the commit's line numbers.
    const commonDir = join(repo.dir, '.git');
    const records = (await readFile(join(commonDir, 'trailmark', 'records.jsonl'), 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { vcs?: { revision?: string }; files?: { path: string; conversations: { ranges: { start_line: number; end_line: number }[] }[] }[] });
    const mine = records.filter((r) => r.vcs?.revision === sha);
    expect(mine).toHaveLength(1);
    const recorded = new Set<number>();
    for (const f of mine[0]!.files ?? []) {
      expect(f.path).toBe('src/stats.ts');
      for (const c of f.conversations) for (const r of c.ranges) for (let n = r.start_line; n <= r.end_line; n++) recorded.add(n);
    }
    for (const n of HUMAN_LINES) expect(recorded.has(n), `human line ${n}`).toBe(false);
    // Blank lines may or may not be claimed; every non-blank agent line is.
    for (const n of AGENT_LINES) if (STATS_AGENT[n - 1] !== '') expect(recorded.has(n), `agent line ${n}`).toBe(true);

    // The scan of the branch: recorded evidence on the agent's lines, none on the human's README hunk.
    const scan = await dev.trailmark(['scan', '--base', 'main', '--format', 'json']);
    expect(scan.code, scan.stderr).toBe(0);
    const hunks = (JSON.parse(scan.stdout) as { hunks: ScanHunk[] }).hunks;
    const stats = hunks.filter((h) => h.path === 'src/stats.ts');
    expect(stats).toHaveLength(1);
    const rec = stats[0]!.evidence.filter((e) => e.class === 'recorded');
    expect(rec).toHaveLength(1);
    expect(rec[0]!.source).toBe('agent-trace');
    const nonBlankAgent = AGENT_LINES.filter((n) => STATS_AGENT[n - 1] !== '').length;
    expect(rec[0]!.detail).toMatch(new RegExp(`^(${nonBlankAgent}|${AGENT_LINES.length}) of ${STATS_HUMAN.length - 1} added lines`));
    expect(stats[0]!.verdict).toBe('attested');
    const readmeHunks = hunks.filter((h) => h.path === 'README.md' && h.startLine > 10);
    for (const h of readmeHunks) expect(h.evidence.filter((e) => e.class === 'recorded')).toEqual([]);
    expect(await s.violations()).toEqual([]);
  });

  test.skipIf(skipPush !== undefined)('register (alice; erin refused), push with a verified receipt, the commit pushed to the simulated PR: the App (npm start) attests the agent hunk by recorded evidence; zero violations', async () => {
    const s = await startSim({ scenario: 'basic' });
    sims.push(s);
    const { dev, sha } = await captureAndCommit(s);
    const repo = dev.work.repo;

    // The App: register the device with alice's user token, push the spool, verified receipt.
    const app = await startApp(s);
    const userToken = async (login: string) => ((await s.admin('POST', '/_sim/tokens', { kind: 'user', login })) as { token: string }).token;
    const erin = await dev.trailmark(['record', 'register', '--collector', app.url, '--repository', 'acme/widgets'], { env: { GITHUB_TOKEN: await userToken('erin') } });
    expect(erin.code).not.toBe(0);
    expect(`${erin.stdout}${erin.stderr}`).toMatch(/403|push access|write access/i);
    const alice = await dev.trailmark(['record', 'register', '--collector', app.url, '--repository', 'acme/widgets'], { env: { GITHUB_TOKEN: await userToken('alice') } });
    expect(alice.code, alice.stderr).toBe(0);
    // The user token is read from the environment, never stored.
    const stored = await readFile(join(dev.home, 'collectors.json'), 'utf8');
    expect(stored).not.toContain('ghu_');
    const pushed = await push(dev);
    expect(pushed.code, pushed.out).toBe(0);
    expect(pushed.json.schema).toBe('trailmark.record-push/v1');
    expect(pushed.json.collectors).toHaveLength(1);
    const sent = pushed.json.collectors[0]!;
    expect(sent.rejected).toEqual([]);
    expect(sent.pending).toBe(0);
    // At least the agent's edit record and the commit record.
    expect(sent.accepted).toBeGreaterThanOrEqual(2);
    expect(sent.cursor).toBe((await status(dev)).lastSeq);
    const receipts = (await readFile(join(dev.home, 'spool', 'receipts.jsonl'), 'utf8')).split('\n').filter((l) => l !== '');
    expect(receipts.length).toBeGreaterThan(0);
    expect(JSON.parse(receipts.at(-1)!)).toMatchObject({ schema: 'trailmark.receipt/v1', installation: INSTALLATION });

    // The commit goes to the simulated PR with the same id; the App analyzes the PR.
    const head = await pushToSim(s, repo, dev.work.headSha, sha, 'alice');
    expect(head).toBe(sha);
    await send(s, app, ['--event', 'pull_request', '--action', 'opened']);
    await app.idle();
    const st = (await s.state()) as { checkRuns: { name: string; head_sha: string; id: number; conclusion: string | null; output: { summary: string | null } }[] };
    const checks = st.checkRuns.filter((c) => c.name === 'trailmark' && c.head_sha === sha).sort((a, b) => b.id - a.id);
    expect(checks.length).toBeGreaterThan(0);
    expect(checks[0]!.output.summary).toMatch(/\| `src\/stats\.ts` \| 1 attested \| AI involvement stated by recorded evidence \(agent-trace\) \|/);
    // The App's own conclusion, from its ledger: the agent hunk carries recorded evidence from the collector.
    const entries = await ledger(app);
    const analyzed = entries.filter((e) => e.kind === 'change.analyzed' && (e.body as { head?: string }).head === sha);
    expect(analyzed).toHaveLength(1);
    type AppHunk = { path: string; verdict: string; evidence: string[]; attribution?: { source: string; model: string | null }[] };
    const hunksOf = (e: LedgerEntry): AppHunk[] => (e.body as unknown as { hunks: AppHunk[] }).hunks;
    const appHunks = [...hunksOf(analyzed[0]!), ...entries.filter((e) => e.kind === 'change.hunks').flatMap(hunksOf)];
    const appStats = appHunks.filter((h) => h.path === 'src/stats.ts');
    expect(appStats).toHaveLength(1);
    expect(appStats[0]!.verdict).toBe('attested');
    expect(appStats[0]!.evidence).toContain('recorded');
    expect(appStats[0]!.attribution?.some((a) => a.source === 'agent-trace')).toBe(true);
    for (const h of appHunks.filter((x) => x.path === 'README.md')) expect(h.evidence).not.toContain('recorded');
    // One `record` ledger entry per accepted record, carrying device and seq.
    const recordEntries = entries.filter((e) => e.kind === 'record');
    expect(recordEntries.length).toBe(sent.accepted);
    await verifyLedger(app);
    const report = await s.report(['--fail-on-violations']);
    expect(report.code, report.stdout).toBe(0);
    expect(await s.violations()).toEqual([]);
  });

  test.skipIf(skipPush !== undefined)('collector down, then up: a push while the App is stopped loses nothing; the next push delivers every record once', async () => {
    const s = await startSim({ scenario: 'basic' });
    sims.push(s);
    const dev = await developer(s);
    const repo = dev.work.repo;
    expect((await dev.trailmark(['hooks', 'install', '--git', '--claude-code', '--repo'])).code).toBe(0);
    await writeFile(join(repo.dir, '.git', 'info', 'exclude'), '.claude/\n', { flag: 'a' });
    const first = await startApp(s);
    const alice = ((await s.admin('POST', '/_sim/tokens', { kind: 'user', login: 'alice' })) as { token: string }).token;
    expect((await dev.trailmark(['record', 'register', '--collector', first.url, '--repository', 'acme/widgets'], { env: { GITHUB_TOKEN: alice } })).code).toBe(0);
    await first.stop();

    const session = '0b8e1f3a-2c4d-4f6e-8a1b-3c5d7e9f1a2b';
    await writeTranscript(dev, session);
    for (const r of await agentWrites(dev, session, 'src/stats.ts', STATS_AGENT.join('\n'))) expect(r.code, r.stderr).toBe(0);
    await commit(dev, 'feat(stats): mean and median');
    for (const r of await agentWrites(dev, session, 'src/range.ts', 'export const span = (xs: readonly number[]): number => Math.max(...xs) - Math.min(...xs);\n')) expect(r.code, r.stderr).toBe(0);
    await commit(dev, 'feat(stats): span');

    const before = await status(dev);
    const pending = before.collectors[0]!.pending;
    // Two edit records and two commit records at least, none acknowledged.
    expect(pending).toBeGreaterThanOrEqual(4);
    expect(pending).toBe(before.lastSeq);
    // One try: the retries and their backoff are the push tests' subject, not this one's.
    const down = await push(dev, ['--attempts', '1']);
    expect(down.code, down.out).not.toBe(0);
    expect(down.json.collectors[0]!.error).toBeDefined();
    // Nothing acknowledged, nothing lost: the cursor did not move.
    const afterDown = await status(dev);
    expect(afterDown.collectors[0]).toMatchObject({ cursor: before.collectors[0]!.cursor, pending });
    expect(afterDown.lastSeq).toBe(before.lastSeq);

    const second = await startApp(s, { dataDir: first.dataDir, port: first.port });
    const up = await push(dev);
    expect(up.code, up.out).toBe(0);
    expect(up.json.collectors[0]).toMatchObject({ accepted: pending, duplicates: 0, rejected: [], pending: 0, cursor: before.lastSeq });
    // Pushing again sends nothing; the App holds each record once.
    const again = await push(dev);
    expect(again.json.collectors[0]).toMatchObject({ sent: 0, accepted: 0, pending: 0 });
    const recordEntries = (await ledger(second)).filter((e) => e.kind === 'record');
    expect(recordEntries).toHaveLength(pending);
    const ids = recordEntries.map((e) => JSON.stringify([(e.body as { device?: string }).device, (e.body as { seq?: number }).seq]));
    expect(new Set(ids).size).toBe(ids.length);
    await verifyLedger(second);
    expect(await s.violations()).toEqual([]);
  });

  test.skipIf(skipPush !== undefined)('the App SIGKILLed mid-replay, several rounds: every record reaches its ledger exactly once, the ledger verifies, the spool loses nothing', async () => {
    const s = await startSim({ scenario: 'basic' });
    sims.push(s);
    const dev = await developer(s);
    const repo = dev.work.repo;
    expect((await dev.trailmark(['hooks', 'install', '--git', '--claude-code', '--repo'])).code).toBe(0);
    await writeFile(join(repo.dir, '.git', 'info', 'exclude'), '.claude/\n', { flag: 'a' });
    // One record per batch, so a replay is many requests and a kill lands between or inside them.
    const env = { TRAILMARK_COLLECTOR_BATCH_RECORDS: '1' };
    let app = await startApp(s, { env });
    const { dataDir, port } = app;

    // The records first (no collector registered yet, so the hooks start no background push).
    const session = '5d2a7c1e-9b3f-4a6d-8e2c-1f4b6a8d0c3e';
    await writeTranscript(dev, session);
    for (let i = 1; i <= 5; i++) {
      for (const r of await agentWrites(dev, session, `src/part${i}.ts`, `export const part${i} = (x: number): number => x * ${i};\n`)) expect(r.code, r.stderr).toBe(0);
      await commit(dev, `feat: part ${i}`);
    }
    const alice = ((await s.admin('POST', '/_sim/tokens', { kind: 'user', login: 'alice' })) as { token: string }).token;
    expect((await dev.trailmark(['record', 'register', '--collector', app.url, '--repository', 'acme/widgets'], { env: { GITHUB_TOKEN: alice } })).code).toBe(0);
    const total = (await status(dev)).lastSeq;
    // Five edit records and five commit records at least.
    expect(total).toBeGreaterThanOrEqual(10);

    const cursorFile = join(dev.home, 'spool', 'cursor.json');
    const acknowledged = (): number => {
      if (!existsSync(cursorFile)) return 0;
      const doc = JSON.parse(readFileSync(cursorFile, 'utf8')) as { cursors: Record<string, number> };
      return Math.max(0, ...Object.values(doc.cursors));
    };
    // Each round: a push starts; as soon as the collector has acknowledged one more record, the
    // App is killed (SIGKILL: no shutdown handler runs) while the push sends the next batch, then
    // started again on the same data directory.
    let interrupted = 0;
    for (let round = 0; round < 4 && acknowledged() < total; round++) {
      const from = acknowledged();
      let settled = false;
      const pushing = dev.trailmark(['record', 'push', '--json', '--attempts', '1']).finally(() => void (settled = true));
      while (!settled && acknowledged() <= from) await new Promise((r) => setTimeout(r, 1));
      const exited = new Promise((r) => app.child.once('exit', r));
      app.child.kill('SIGKILL');
      await exited;
      const r = await pushing;
      const json = JSON.parse(r.stdout) as PushJson;
      expect(json.busy).toBe(false);
      const c = json.collectors[0]!;
      // Whatever the push saw acknowledged is in the spool's cursor; nothing was rejected.
      expect(c.rejected).toEqual([]);
      expect(c.cursor).toBe(acknowledged());
      if (r.code !== 0 && c.pending > 0) {
        interrupted++;
        expect(c.error).toBeDefined();
      }
      app = await startApp(s, { dataDir, port, env });
    }
    // At least one push was cut off in the middle of its replay.
    expect(interrupted).toBeGreaterThanOrEqual(1);

    const last = await push(dev);
    expect(last.code, last.out).toBe(0);
    expect(last.json.collectors[0]).toMatchObject({ rejected: [], pending: 0, cursor: total });
    expect((await push(dev)).json.collectors[0]).toMatchObject({ sent: 0, accepted: 0, pending: 0 });
    // The App's ledger: one `record` entry per spool record, seqs 1..total each once.
    const entries = (await ledger(app)).filter((e) => e.kind === 'record');
    const seqs = entries.map((e) => (e.body as { seq?: number }).seq);
    expect([...seqs].sort((a, b) => a! - b!)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(entries.map((e) => (e.body as { device?: string }).device)).size).toBe(1);
    await verifyLedger(app);
    expect(await s.violations()).toEqual([]);
  });
});

describe.skipIf(simMissing !== undefined)('the simulated pull request round-trips through a local repository with identical commit ids', () => {
  afterEach(async () => {
    for (const s of sims.splice(0)) await s.stop();
    for (const c of cleanups.splice(0)) await c();
  });

  test('clone the PR head, commit locally at +0000, push: the simulator\'s new head is the local commit; a non-+0000 commit is refused', async () => {
    const s = await startSim({ scenario: 'basic' });
    sims.push(s);
    const work = await simWorkRepo(s);
    cleanups.push(() => work.repo.cleanup());
    expect(await work.repo.git(['rev-parse', 'HEAD'])).toBe(work.headSha);
    expect(await work.repo.git(['status', '--porcelain'])).toBe('');
    await work.repo.write('src/stats.ts', STATS_AGENT.join('\n'));
    await work.repo.write('README.md', 'replaced\n');
    await work.repo.remove('src/index.ts');
    const a = await work.repo.commit('feat: stats\n\nAssisted-by: claude-code:claude-sonnet-4-5\n', { time: 1_767_690_000 });
    await work.repo.write('src/stats.ts', STATS_HUMAN.join('\n'));
    const b = await work.repo.commit('fix: stats\n', { time: 1_767_690_060 });
    expect(await pushToSim(s, work.repo, work.headSha, b, 'alice')).toBe(b);
    const pr = (await s.state()) as { pullRequest: { headSha: string; commits: string[] } };
    expect(pr.pullRequest.headSha).toBe(b);
    expect(pr.pullRequest.commits.slice(-2)).toEqual([a, b]);
    await work.repo.write('src/stats.ts', 'export {};\n');
    const c = await work.repo.commit('chore: tz\n', { time: 1_767_690_120, tz: '+0200' });
    await expect(pushToSim(s, work.repo, b, c, 'alice')).rejects.toThrow(/timezone \+0200/);
    expect(await s.violations()).toEqual([]);
  });
});
