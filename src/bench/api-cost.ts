// GitHub API cost of the committed Action, counted, not timed: dist/action run from action.yml
// by the simulator's run-action.mjs (as the runner runs it) against ../shared/github-sim, and
// the simulator's request log grouped by operation. Three runs per scenario: the first append
// (the ledger branch is created), a re-run of the same analysis (nothing appended), and an
// append on the existing branch after a push. The budget the figures are held to:
// 3 + ⌈files/100⌉ + ⌈annotations/50⌉ + the commit reads, plus the ledger writes.
//
// The simulator must be installed (its node_modules present): the e2e tests install a cached
// copy in the system temp directory; TRAILMARK_GITHUB_SIM_DIR names another one.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateNoteKey } from '../ledger/note.js';

export interface RunCost {
  readonly run: string;
  readonly exitCode: number;
  readonly total: number;
  readonly byOperation: Readonly<Record<string, number>>;
  /** get-ref, GraphQL, create-tree/commit/ref, update-ref and any other git data call. */
  readonly ledger: number;
  readonly findings: number;
}

export interface ScenarioCost {
  readonly scenario: string;
  readonly runs: readonly RunCost[];
}

export interface ApiCost {
  readonly skipped?: string;
  readonly scenarios: readonly ScenarioCost[];
}

/** An installed simulator: server.mjs with its dependencies. */
function installedSim(projectRoot: string): string | undefined {
  const candidates = [
    process.env.TRAILMARK_GITHUB_SIM_DIR,
    process.env.TRAILMARK_GITHUB_SIM,
    join(projectRoot, '..', 'shared', 'github-sim'),
    ...readdirSync(tmpdir()).filter((n) => n.startsWith('trailmark-github-sim-') && !n.endsWith('.lock')).map((n) => join(tmpdir(), n)),
  ];
  return candidates.find((d) => d !== undefined && existsSync(join(d, 'server.mjs')) && existsSync(join(d, 'node_modules')));
}

function node(args: readonly string[], cwd: string): { child: ReturnType<typeof spawn>; done: Promise<number> } {
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'ignore'] });
  return { child, done: new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1))) };
}

async function waitForFile(path: string): Promise<string> {
  for (let i = 0; i < 400; i++) {
    if (existsSync(path)) {
      try {
        return JSON.stringify(JSON.parse(readFileSync(path, 'utf8')));
      } catch {
        // partly written
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path} did not appear`);
}

async function requestsSince(url: string, since: number): Promise<Record<string, unknown>[]> {
  const body = (await (await fetch(`${url}/_sim/requests?since=${since}`)).json()) as { requests?: Record<string, unknown>[] } | Record<string, unknown>[];
  return Array.isArray(body) ? body : (body.requests ?? []);
}

const LEDGER = /^(git\/|graphql$)/;

async function scenarioCost(sim: string, projectRoot: string, scenario: string, signerKey: string): Promise<ScenarioCost> {
  const out = mkdtempSync(join(tmpdir(), 'trailmark-api-cost-'));
  const server = node([join(sim, 'server.mjs'), '--port', '0', '--out-dir', out, '--scenario', join(sim, 'scenarios', `${scenario}.json`), '--quiet'], sim);
  try {
    const info = JSON.parse(await waitForFile(join(out, 'sim-info.json'))) as { port: number };
    const url = `http://127.0.0.1:${info.port}`;
    const runs: RunCost[] = [];
    const measure = async (name: string): Promise<void> => {
      const since = (await requestsSince(url, 0)).length;
      const dir = mkdtempSync(join(tmpdir(), 'trailmark-api-cost-run-'));
      const run = node([join(sim, 'run-action.mjs'), '--action', join(projectRoot, 'action.yml'), '--sim', url, '--out-dir', dir, '--permissions', 'checks=write,contents=write,pull-requests=read', '--input', `signing-key=${signerKey}`], sim);
      const exitCode = await run.done;
      const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as { outputs: Record<string, string> };
      const byOperation: Record<string, number> = {};
      let ledger = 0;
      for (const r of await requestsSince(url, since)) {
        const op = typeof r.operationId === 'string' ? r.operationId : 'other';
        byOperation[op] = (byOperation[op] ?? 0) + 1;
        if (LEDGER.test(op)) ledger++;
      }
      runs.push({ run: name, exitCode, total: Object.values(byOperation).reduce((a, b) => a + b, 0), byOperation, ledger, findings: Number(result.outputs.findings ?? 0) });
    };
    await measure('first append (creates the ledger branch)');
    await measure('re-run of the same analysis');
    // A new head: the same pull request after a push, appended on the existing branch.
    await fetch(`${url}/_sim/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ commits: [{ message: 'chore: touch', author: { name: 'Ann', email: 'ann@example.com', login: 'alice', date: '2026-01-02T00:00:00Z' }, files: [{ path: 'NOTES.md', content: 'notes\n' }] }] }) });
    await measure('append after a push (existing branch)');
    return { scenario, runs };
  } finally {
    server.child.kill('SIGTERM');
    await server.done;
  }
}

export async function benchApiCost(options: { projectRoot: string; scenarios: readonly string[]; log: (line: string) => void }): Promise<ApiCost> {
  const sim = installedSim(options.projectRoot);
  if (sim === undefined) return { skipped: 'no installed github-sim (run the e2e tests once, or set TRAILMARK_GITHUB_SIM_DIR)', scenarios: [] };
  if (!existsSync(join(options.projectRoot, 'dist', 'action', 'index.js'))) return { skipped: 'dist/action is not built (npm run bundle:action)', scenarios: [] };
  const { signerKey } = generateNoteKey('example.com/bench/ledger', new Uint8Array(32).fill(1));
  const scenarios: ScenarioCost[] = [];
  for (const scenario of options.scenarios) {
    options.log(`api cost: ${scenario}…`);
    scenarios.push(await scenarioCost(sim, options.projectRoot, scenario, signerKey));
  }
  return { scenarios };
}
