// The CLI, the Action and the App on the same change must conclude the same (DESIGN.md §2:
// every entry point is wiring over one review use case). Each case runs in the GitHub
// simulator; the same commits, with the same ids, are recreated in a local repository and
// scanned by the shipped CLI (`node bin/trailmark.js scan --format json --ledger DIR`); the
// committed Action bundle runs from action.yml through the simulator's run-action.mjs; the App
// runs as `npm start` and gets the pull request's `opened` delivery. All three must agree on
// the verdict counts, the findings (path, lines, kind), the hunks their `change.analyzed` entry
// records (path, lines, content digest, verdict, evidence classes, score), and the conclusion
// under the repository policy's fail-on: CLI exit 1 ⇔ Action step failure ⇔ App check `failure`.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { freePort } from '../support/free-port.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_COMMITS } from '../../cli/demo/scenario.js';
import { createGitHubClient } from '../../src/github/client.js';
import { LedgerBranchStore } from '../../src/github/ledger-branch-store.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import type { Entry } from '../../src/ledger/entry.js';
import { generateNoteKey, parseVerifierKey } from '../../src/ledger/note.js';
import { readEntries } from '../../src/ledger/read.js';
import type { LedgerStore } from '../../src/ledger/store.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import type { GitFixture } from '../support/git-fixture.js';
import { installSim, REPO_ROOT, simScript, simUnavailable, startSim, type RunningSim } from '../support/github-sim.js';
import { cloneFromSim, SimApi } from './sim-repo.js';
import { buildDist } from '../support/build-dist.js';

const run = promisify(execFile);
const unavailable = simUnavailable();

const ORIGIN = 'example.com/trailmark-differential';
const KEY = generateNoteKey(ORIGIN, new Uint8Array(32).fill(11));
const VERIFIER = parseVerifierKey(KEY.verifierKey);

const demoFile = (path: string): string => FEATURE_COMMITS.find((c) => c.files[path] !== undefined)!.files[path] as string;
const at = (time: string) => `2026-01-05T${time}:00Z`;
const ALICE = { name: 'Alice Author', email: 'alice@acme.test', login: 'alice' };
const BOB = { name: 'Bob Builder', email: 'bob@acme.test', login: 'bob' };

/**
 * A declared file (Assisted-by), an AI-like file nobody declared (by another author, so the
 * declaration does not cover it), and an AI-like file whose commit says `AI-Assisted: no`; the
 * repository policy fails the check on unattested (and contradicted) hunks.
 */
const MIXED = {
  name: 'entry-points-mixed',
  repository: { files: { '.github/trailmark.yml': 'policy-version: differential-1\nfail-on: unattested\n' } },
  pullRequest: { body: 'Adds session handling, invoices and a summary report.' },
  commits: [
    {
      message: 'feat(report): summary helpers\n\nAssisted-by: Claude:claude-sonnet-4-5',
      author: { ...ALICE, date: at('10:00') },
      files: [{ path: 'src/report/summary.ts', content: demoFile('src/report/summary.ts') }],
    },
    {
      message: 'feat(auth): session tokens',
      author: { ...BOB, date: at('10:20') },
      files: [{ path: 'src/auth/session.ts', content: demoFile('src/auth/session.ts') }],
    },
    {
      message: 'feat(billing): invoices\n\nAI-Assisted: no',
      author: { ...ALICE, date: at('10:40') },
      files: [{ path: 'src/billing/invoice.ts', content: demoFile('src/billing/invoice.ts') }],
    },
  ],
};

interface Case {
  readonly name: string;
  /** A simulator scenario name, or a scenario object (extends basic.json). */
  readonly scenario: string | object;
  /** Whether the policy's fail-on must fail the run. */
  readonly fails: boolean;
  /** What the CLI must find (so that three entry points agreeing on nothing cannot pass). */
  readonly findings: readonly { readonly path: string; readonly kind: string }[];
}

const CASES: readonly Case[] = [
  // The default policy (fail-on none): the Claude-stamped commit's lines are attested, the rest clear.
  { name: 'basic (Claude co-author, AI-Assisted: no, rename, binary; default policy)', scenario: 'basic', fails: false, findings: [] },
  {
    name: 'Assisted-by declaration, an unattested AI-like file, a contradicted hunk; fail-on: unattested',
    scenario: MIXED,
    fails: true,
    findings: [{ path: 'src/auth/session.ts', kind: 'unattested' }, { path: 'src/billing/invoice.ts', kind: 'contradicted' }],
  },
];

interface LedgerHunk { path: string; startLine: number; endLine: number; contentDigest: string; verdict: string; evidence: string[]; score: number | null }
interface LedgerView {
  readonly counts: { readonly verdicts: Record<string, number>; readonly findings: Record<string, number> };
  readonly hunks: readonly LedgerHunk[];
  readonly findings: readonly { path: string; startLine: number; endLine: number; kind: string }[];
  readonly job: string;
}

/** The one analysis a ledger holds: its change.analyzed entry (with continuation pages) and its findings; the ledger must verify. */
async function ledgerView(store: LedgerStore): Promise<LedgerView> {
  const report = await verifyStore(store, [VERIFIER]);
  expect(report.problems).toEqual([]);
  const entries: Entry[] = [];
  for await (const e of readEntries(store)) entries.push(e.entry);
  const changes = entries.filter((e) => e.kind === 'change.analyzed');
  expect(changes).toHaveLength(1);
  const change = changes[0]!.body as unknown as { counts: LedgerView['counts']; hunks: LedgerHunk[]; job: string };
  const pages = entries.filter((e) => e.kind === 'change.hunks').flatMap((e) => (e.body as unknown as { hunks: LedgerHunk[] }).hunks);
  const findings = entries.filter((e) => e.kind === 'finding').map((e) => {
    const b = e.body as unknown as { path: string; startLine: number; endLine: number; finding: string };
    return { path: b.path, startLine: b.startLine, endLine: b.endLine, kind: b.finding };
  });
  return { counts: { verdicts: change.counts.verdicts, findings: change.counts.findings }, hunks: [...change.hunks, ...pages], findings: sortFindings(findings), job: change.job };
}

const sortFindings = <T extends { path: string; startLine: number; kind: string }>(f: readonly T[]): T[] =>
  [...f].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.startLine - b.startLine || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0)));

interface Observed {
  /** CLI exit 1, Action step failure, App check `failure`. */
  readonly failed: boolean;
  /** The check run's conclusion (the CLI has none; it is derived the same way from its exit code and findings). */
  readonly conclusion: string;
  readonly ledger: LedgerView;
  /** Where findings show: the CLI's JSON report, the check run's annotations. */
  readonly shown: readonly { path: string; startLine: number; endLine: number }[];
  /** Requests the run made to GitHub (the Action and the App). */
  readonly requests?: number;
}

interface SimCheckRun { name: string; head_sha: string; conclusion: string; annotations: { path: string; start_line: number; end_line: number }[] }

async function theCheckRun(sim: RunningSim, head: string): Promise<SimCheckRun> {
  const runs = ((await sim.state()).checkRuns as SimCheckRun[]).filter((c) => c.name === 'trailmark');
  expect(runs.map((c) => c.head_sha)).toEqual([head]);
  return runs[0]!;
}

const shownOf = (annotations: readonly { path: string; start_line: number; end_line: number }[]) =>
  sortFindings(annotations.map((a) => ({ path: a.path, startLine: a.start_line, endLine: a.end_line, kind: '' }))).map(({ path, startLine, endLine }) => ({ path, startLine, endLine }));

async function viaCli(dir: string, repo: GitFixture, base: string, head: string): Promise<Observed> {
  const ledgerDir = join(await mkdtemp(join(dir, 'cli-')), 'ledger');
  const args = [join(REPO_ROOT, 'bin/trailmark.js'), 'scan', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json', '--ledger', ledgerDir];
  const r = await run(process.execPath, args, { cwd: dir, env: { PATH: process.env.PATH, TRAILMARK_SIGNING_KEY: KEY.signerKey }, maxBuffer: 64 << 20 })
    .then((ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }), (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }));
  expect([0, 1], r.stderr).toContain(r.code);
  const json = JSON.parse(r.stdout) as { summary: { verdicts: Record<string, number>; findings: Record<string, number> }; findings: { path: string; startLine: number; endLine: number; kind: string }[] };
  const ledger = await ledgerView(openDirStore(ledgerDir));
  // The report and the ledger say the same.
  expect(json.summary.verdicts).toEqual(ledger.counts.verdicts);
  expect(sortFindings(json.findings.map((f) => ({ path: f.path, startLine: f.startLine, endLine: f.endLine, kind: f.kind })))).toEqual(ledger.findings);
  const failed = r.code === 1;
  return {
    failed,
    conclusion: failed ? 'failure' : json.findings.length > 0 ? 'neutral' : 'success',
    ledger,
    shown: sortFindings(json.findings).map((f) => ({ path: f.path, startLine: Math.max(1, f.startLine), endLine: Math.max(1, f.startLine, f.endLine) })),
  };
}

async function viaAction(dir: string, sim: RunningSim, head: string): Promise<Observed> {
  const out = await mkdtemp(join(dir, 'action-run-'));
  const from = (await sim.requests()).length;
  const r = await simScript('run-action.mjs', [
    '--action', join(REPO_ROOT, 'action.yml'), '--sim', sim.url, '--out-dir', out,
    '--permissions', 'checks=write,contents=write,pull-requests=read', '--input', `signing-key=${KEY.signerKey}`,
  ], { timeoutMs: 240_000 });
  const requests = (await sim.requests()).length - from;
  const check = await theCheckRun(sim, head);
  const { token } = (await sim.admin('POST', '/_sim/tokens', { kind: 'actions', permissions: { contents: 'read' } })) as { token: string };
  const store = new LedgerBranchStore({ client: createGitHubClient({ token, baseUrl: sim.url }), owner: 'acme', repo: 'widgets', branch: 'trailmark-ledger', holder: 'differential' });
  return { failed: r.code !== 0, conclusion: check.conclusion, ledger: await ledgerView(store), shown: shownOf(check.annotations), requests };
}

async function viaApp(dir: string, sim: RunningSim, head: string): Promise<Observed> {
  const dataDir = await mkdtemp(join(dir, 'app-data-'));
  const port = await freePort();
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/lib/app/start.js')], {
    cwd: dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH, NODE_ENV: 'production', LOG_FORMAT: 'json',
      APP_ID: String(sim.info.appId), PRIVATE_KEY_PATH: sim.info.privateKeyPath, WEBHOOK_SECRET: sim.info.webhookSecret,
      GHE_HOST: sim.host, GHE_PROTOCOL: 'http', PORT: String(port), HOST: '127.0.0.1',
      TRAILMARK_DATA_DIR: dataDir, TRAILMARK_SIGNING_KEY: KEY.signerKey, TRAILMARK_CONCURRENCY: '1',
    },
  });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const pending = async (): Promise<number | undefined> => {
    if (child.exitCode !== null) throw new Error(`the App exited with ${child.exitCode}: ${log}`);
    try {
      return ((await (await fetch(`${url}/trailmark/healthz`)).json()) as { pending: number }).pending;
    } catch {
      return undefined;
    }
  };
  try {
    while ((await pending()) === undefined) await new Promise((r) => setTimeout(r, 100));
    const sent = await simScript('send-webhook.mjs', ['--url', `${url}/api/github/webhooks`, '--sim', sim.url, '--event', 'pull_request', '--action', 'opened']);
    if (sent.code !== 0) throw new Error(`send-webhook failed (${sent.code}): ${sent.stdout}${sent.stderr}\n${log}`);
    while ((await pending()) !== 0) await new Promise((r) => setTimeout(r, 100));
    const check = await theCheckRun(sim, head);
    return {
      requests: (await sim.requests()).length,
      failed: check.conclusion === 'failure',
      conclusion: check.conclusion,
      ledger: await ledgerView(openDirStore(join(dataDir, 'installations', String(sim.info.installationId), 'ledger'))),
      shown: shownOf(check.annotations),
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

describe.skipIf(unavailable !== undefined)('the CLI, the Action and the App conclude the same on the same change', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trailmark-entry-points-'));
    // The shipped artifacts: bin/trailmark.js and `npm start` run dist/lib, built from this checkout.
    await buildDist();
  }, 300_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(c.name, async () => {
      let scenario = c.scenario as string;
      if (typeof c.scenario !== 'string') {
        scenario = join(dir, `${(c.scenario as { name: string }).name}.json`);
        await writeFile(scenario, JSON.stringify({ extends: join(await installSim(), 'scenarios', 'basic.json'), ...c.scenario }));
      }
      const sim = await startSim({ scenario });
      let repo: GitFixture | undefined;
      try {
        const { baseSha: base, headSha: head } = ((await sim.simInfo()) as { pullRequest: { baseSha: string; headSha: string } }).pullRequest;
        repo = await cloneFromSim(await SimApi.open(sim), [head, base]);

        const cli = await viaCli(dir, repo, base, head);
        const action = await viaAction(dir, sim, head);
        expect(await sim.violations()).toEqual([]);
        await sim.admin('POST', '/_sim/reset', {});
        const app = await viaApp(dir, sim, head);
        expect(await sim.violations()).toEqual([]);

        // The change the CLI saw is the pull request, and it found what the case is about.
        expect(cli.ledger.job).toMatch(new RegExp(`^analysis:cli:.*:${base}\\.\\.${head}:`));
        expect(cli.ledger.findings.map((f) => ({ path: f.path, kind: f.kind }))).toEqual(c.findings);
        expect(cli.ledger.hunks.length).toBeGreaterThan(0);
        expect(cli.failed).toBe(c.fails);
        expect(cli.conclusion).toBe(c.fails ? 'failure' : c.findings.length > 0 ? 'neutral' : 'success');

        for (const [name, other] of [['Action', action], ['App', app]] as const) {
          expect(other.ledger.counts, `${name}: verdict and finding counts`).toEqual(cli.ledger.counts);
          expect(other.ledger.findings, `${name}: findings (path, lines, kind)`).toEqual(cli.ledger.findings);
          expect(other.ledger.hunks, `${name}: change.analyzed hunks (digests, verdicts, evidence classes, scores)`).toEqual(cli.ledger.hunks);
          expect(other.shown, `${name}: annotations`).toEqual(cli.shown);
          expect(other.failed, `${name}: fails by policy`).toBe(cli.failed);
          expect(other.conclusion, `${name}: conclusion`).toBe(cli.conclusion);
        }
        process.stdout.write(`${c.name}: ${cli.ledger.hunks.length} hunks, verdicts ${JSON.stringify(cli.ledger.counts.verdicts)}, conclusion ${cli.conclusion}; GitHub requests: Action ${action.requests}, App ${app.requests}; keys ${[cli, action, app].map((o) => o.ledger.job.split(':').slice(0, 2).join(':')).join(', ')}\n`);
      } finally {
        await repo?.cleanup();
        await sim.stop();
      }
    }, 600_000);
  }
});
