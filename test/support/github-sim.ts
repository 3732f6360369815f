// The GitHub simulator (../shared/github-sim) for end-to-end and differential tests.
//
// ../shared is read-only in CI, so the simulator is copied into a cache directory under the
// system temp dir (keyed by a digest of its files) and its dependencies installed there once;
// test files running in parallel share the copy (an mkdir lock serializes the install).
// Without ../shared beside the checkout the suites that need it are skipped with a printed
// reason, unless TRAILMARK_CI_STRICT=1 (set by .ci/run), which turns that into a failure.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SIM_SOURCE = resolve(process.env.TRAILMARK_GITHUB_SIM ?? join(REPO_ROOT, '../shared/github-sim'));
export const STRICT = process.env.TRAILMARK_CI_STRICT === '1';

/** Why the simulator cannot be used here, or undefined when it can. Throws under TRAILMARK_CI_STRICT=1. */
export function simUnavailable(): string | undefined {
  const why = existsSync(join(SIM_SOURCE, 'server.mjs')) ? undefined : `the GitHub simulator is not at ${SIM_SOURCE} (../shared/github-sim beside the checkout)`;
  if (why !== undefined && STRICT) throw new Error(`${why}; TRAILMARK_CI_STRICT=1 requires it`);
  if (why !== undefined) process.stdout.write(`skipped: ${why}\n`);
  return why;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name === 'node_modules' || entry.name === 'out' || entry.name.startsWith('.')) continue;
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out;
}

let installed: Promise<string> | undefined;

/** The directory of an installed copy of the simulator (installed on first use). */
export function installSim(): Promise<string> {
  installed ??= (async () => {
    const files = await listFiles(SIM_SOURCE);
    const hash = createHash('sha256');
    for (const f of files) hash.update(f).update('\0').update(await readFile(join(SIM_SOURCE, f))).update('\0');
    const dir = join(tmpdir(), `trailmark-github-sim-${hash.digest('hex').slice(0, 16)}`);
    const ready = join(dir, '.installed');
    if (existsSync(ready)) return dir;
    const lock = `${dir}.lock`;
    for (let waited = 0; ; waited += 200) {
      try {
        await mkdir(lock);
        break;
      } catch {
        if (existsSync(ready)) return dir;
        // A lock older than 5 minutes belongs to a killed run.
        const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
        if (age > 300_000) await rm(lock, { recursive: true, force: true });
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    try {
      if (!existsSync(ready)) {
        await rm(dir, { recursive: true, force: true });
        await cp(SIM_SOURCE, dir, { recursive: true, filter: (src) => !/[/\\](node_modules|out)$/.test(src) });
        await run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, maxBuffer: 64 << 20 });
        await writeFile(ready, new Date().toISOString());
      }
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
    return dir;
  })();
  return installed;
}

export interface SimInfo {
  readonly port: number;
  readonly appId: number;
  readonly installationId: number;
  readonly webhookSecret: string;
  readonly privateKeyPath: string;
  readonly [key: string]: unknown;
}

export interface Violation {
  readonly type: string;
  readonly message?: string;
  readonly [key: string]: unknown;
}

export interface RunningSim {
  /** e.g. http://127.0.0.1:PORT */
  readonly url: string;
  readonly host: string;
  readonly dir: string;
  readonly outDir: string;
  readonly info: SimInfo;
  /** GET /_sim/info (base URLs, PR SHAs, Probot env, roles). */
  simInfo(): Promise<Record<string, unknown>>;
  state(): Promise<Record<string, unknown>>;
  /** Violations recorded so far (product violations and simulator gaps, `type` tells which). */
  violations(): Promise<readonly Violation[]>;
  requests(since?: number): Promise<readonly Record<string, unknown>[]>;
  admin(method: string, path: string, body?: unknown): Promise<unknown>;
  /** node report.mjs over this run's out dir; `json` adds --json. */
  report(args?: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

export interface StartSimOptions {
  /** A path, or a name under the simulator's scenarios/ ("basic", "flaky", ...). */
  readonly scenario?: string;
  readonly checkResponses?: boolean;
  readonly extraArgs?: readonly string[];
}

function scenarioPath(dir: string, scenario: string): string {
  return scenario.includes('/') ? resolve(scenario) : join(dir, 'scenarios', scenario.endsWith('.json') ? scenario : `${scenario}.json`);
}

export async function startSim(options: StartSimOptions = {}): Promise<RunningSim> {
  const dir = await installSim();
  const outDir = await mkdtemp(join(tmpdir(), 'trailmark-sim-out-'));
  const args = [join(dir, 'server.mjs'), '--port', '0', '--out-dir', outDir, '--scenario', scenarioPath(dir, options.scenario ?? 'basic'), '--quiet'];
  if (options.checkResponses !== false) args.push('--check-responses');
  args.push(...(options.extraArgs ?? []));
  const child: ChildProcess = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const infoFile = join(outDir, 'sim-info.json');
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`github-sim exited (${child.exitCode}): ${log}`);
    if (existsSync(infoFile)) {
      try {
        JSON.parse(await readFile(infoFile, 'utf8'));
        break;
      } catch {
        // partly written
      }
    }
    if (i > 300) throw new Error(`github-sim did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const info = JSON.parse(await readFile(infoFile, 'utf8')) as SimInfo;
  const host = `127.0.0.1:${info.port}`;
  const url = `http://${host}`;
  const admin = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  };
  return {
    url, host, dir, outDir, info,
    simInfo: async () => (await admin('GET', '/_sim/info')) as Record<string, unknown>,
    state: async () => (await admin('GET', '/_sim/state')) as Record<string, unknown>,
    violations: async () => {
      const v = (await admin('GET', '/_sim/violations')) as { violations?: Violation[] } | Violation[];
      return Array.isArray(v) ? v : (v.violations ?? []);
    },
    requests: async (since = 0) => {
      const r = (await admin('GET', `/_sim/requests?since=${since}`)) as { requests?: Record<string, unknown>[] } | Record<string, unknown>[];
      return Array.isArray(r) ? r : (r.requests ?? []);
    },
    admin,
    report: async (extra = []) => {
      try {
        const { stdout, stderr } = await run(process.execPath, [join(dir, 'report.mjs'), '--out-dir', outDir, ...extra], { cwd: dir, maxBuffer: 64 << 20 });
        return { code: 0, stdout, stderr };
      } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
      }
    },
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Runs one of the simulator's scripts (send-webhook.mjs, run-action.mjs, report.mjs) with node. */
export async function simScript(script: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; node?: string; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = await installSim();
  try {
    const { stdout, stderr } = await run(options.node ?? process.execPath, [join(dir, script), ...args], {
      cwd: options.cwd ?? dir, env: options.env ?? process.env, maxBuffer: 64 << 20, timeout: options.timeoutMs ?? 300_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/**
 * The simulator's requests since `from`, counted by operation: the OpenAPI operationId, else
 * method and path, and GraphQL requests by their operation name (the ledger's LedgerFiles read,
 * the change source's blob reads).
 */
export async function operations(sim: RunningSim, from = 0): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const r of await sim.requests(from)) {
    const named = typeof r.operationId === 'string' ? r.operationId : `${String(r.method)} ${String(r.path)}`;
    const gql = r.graphql as { operationName?: string } | undefined;
    const op = named === 'graphql' ? `graphql:${gql?.operationName ?? '?'}` : named;
    out[op] = (out[op] ?? 0) + 1;
  }
  return out;
}
