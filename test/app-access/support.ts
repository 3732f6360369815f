// The shipped App (dist/lib/app/start.js) against the GitHub simulator, with the dashboard's
// sign-in configured, and a small OAuth edge server standing in for github.com/login/oauth/*
// (the simulator has no web flow): authorize redirects back with a code, access_token checks
// the client credentials and the PKCE verifier and answers a user token minted by the simulator.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { generateNoteKey } from '../../src/ledger/note.js';
import { readEntries, subjectIndex } from '../../src/ledger/read.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { displaySubject } from '../../src/ledger/subjects.js';
import { freePort } from '../support/free-port.js';
import { REPO_ROOT, type RunningSim } from '../support/github-sim.js';
import { buildDist } from '../support/build-dist.js';

const run = promisify(execFile);

export const INSTALLATION = 31337;
export const CLIENT_ID = 'Iv1.trailmarktest';
export const CLIENT_SECRET = 'client-secret-for-tests';
export const SESSION_SECRET = 'a-session-secret-of-more-than-32-characters-for-tests';

export interface Keys {
  readonly signerKey: string;
  readonly verifierFile: string;
}

export async function ledgerKeys(): Promise<Keys> {
  const dir = await mkdtemp(join(tmpdir(), 'trailmark-access-key-'));
  const key = generateNoteKey('example.com/trailmark-access', randomBytes(32));
  const verifierFile = join(dir, 'ledger.pub');
  await writeFile(verifierFile, `${key.verifierKey}\n`);
  return { signerKey: key.signerKey, verifierFile };
}

/** Builds dist/lib from this checkout (the e2e tests run the shipped artifact). */
export async function build(): Promise<void> {
  await buildDist();
}

/** The OAuth edge: github.com's /login/oauth/* for the sign-in, tokens from the simulator. */
export interface OAuthEdge {
  readonly url: string;
  /** Who signs in at the next authorize request. */
  nextLogin: string;
  /** Code exchanges answered, with whether the PKCE verifier matched. */
  readonly exchanges: { code: string; pkce: boolean; redirectUri: string }[];
  stop(): Promise<void>;
}

export async function startOAuthEdge(sim: RunningSim): Promise<OAuthEdge> {
  const codes = new Map<string, { login: string; challenge: string; redirectUri: string }>();
  const port = await freePort();
  const edge: OAuthEdge = {
    url: `http://127.0.0.1:${port}`, nextLogin: '', exchanges: [],
    stop: () => new Promise((r) => server.close(() => r())),
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', edge.url);
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      if (url.searchParams.get('client_id') !== CLIENT_ID || url.searchParams.get('code_challenge_method') !== 'S256') return void res.writeHead(400).end('bad authorize request');
      const code = randomBytes(10).toString('hex');
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      codes.set(code, { login: edge.nextLogin, challenge: url.searchParams.get('code_challenge') ?? '', redirectUri });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      return void res.writeHead(302, { location: back.toString() }).end();
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      let text = '';
      req.on('data', (d: Buffer) => (text += d.toString()));
      req.on('end', () => {
        void (async () => {
          const body = JSON.parse(text) as Record<string, string>;
          const grant = codes.get(body.code ?? '');
          codes.delete(body.code ?? '');
          const pkce = grant !== undefined && createHash('sha256').update(body.code_verifier ?? '').digest('base64url') === grant.challenge;
          edge.exchanges.push({ code: body.code ?? '', pkce, redirectUri: body.redirect_uri ?? '' });
          if (grant === undefined || !pkce || body.client_id !== CLIENT_ID || body.client_secret !== CLIENT_SECRET || body.redirect_uri !== grant.redirectUri) {
            return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'bad_verification_code' }));
          }
          const minted = (await sim.admin('POST', '/_sim/tokens', { kind: 'user', login: grant.login })) as { token: string };
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: minted.token, token_type: 'bearer', expires_in: 28800 }));
        })();
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return edge;
}

export interface AppProcess {
  readonly url: string;
  readonly hook: string;
  readonly dataDir: string;
  readonly child: ChildProcess;
  log(): string;
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startApp(sim: RunningSim, keys: Keys, options: { readonly oauthBaseUrl?: string; readonly env?: NodeJS.ProcessEnv } = {}): Promise<AppProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'trailmark-access-app-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, NODE_ENV: 'production', LOG_FORMAT: 'json',
    APP_ID: String(sim.info.appId), PRIVATE_KEY_PATH: sim.info.privateKeyPath, WEBHOOK_SECRET: sim.info.webhookSecret,
    GHE_HOST: sim.host, GHE_PROTOCOL: 'http', PORT: String(port), HOST: '127.0.0.1',
    TRAILMARK_DATA_DIR: dataDir, TRAILMARK_SIGNING_KEY: keys.signerKey, TRAILMARK_CONCURRENCY: '1',
    ...(options.oauthBaseUrl === undefined ? {} : {
      GITHUB_CLIENT_ID: CLIENT_ID, GITHUB_CLIENT_SECRET: CLIENT_SECRET, TRAILMARK_SESSION_SECRET: SESSION_SECRET,
      TRAILMARK_PUBLIC_URL: url, TRAILMARK_OAUTH_BASE_URL: options.oauthBaseUrl,
    }),
    ...options.env,
  };
  const child = spawn(process.execPath, [join(REPO_ROOT, 'dist/lib/app/start.js')], { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
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
  return {
    url, hook: `${url}/api/github/webhooks`, dataDir, child, log: () => log,
    idle: async () => {
      while ((await health()).pending !== 0) await new Promise((r) => setTimeout(r, 100));
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

export function ledgerDir(app: AppProcess): string {
  return join(app.dataDir, 'installations', String(INSTALLATION), 'ledger');
}

export interface AccessRow {
  readonly route: string;
  readonly query: Record<string, string>;
  readonly repository: string | null;
  readonly allowed: boolean;
  readonly reason: string;
  readonly results: number;
  /** The clear login from the side store, null when the entry names no user. */
  readonly user: string | null;
}

/** The `access` entries of the installation ledger, with `subjects.user` opened through the side store. */
export async function accessEntries(app: AppProcess): Promise<AccessRow[]> {
  const dir = ledgerDir(app);
  if (!existsSync(dir)) return [];
  const store = openDirStore(dir);
  const subjects = await subjectIndex(store);
  const out: AccessRow[] = [];
  for await (const { entry } of readEntries(store)) {
    if (entry.kind !== 'access') continue;
    const b = entry.body as unknown as { route: string; query: Record<string, string>; repository: string | null; allowed: boolean; reason: string; results: number; subjects: { user?: string } };
    out.push({ route: b.route, query: b.query, repository: b.repository, allowed: b.allowed, reason: b.reason, results: b.results, user: b.subjects.user === undefined ? null : displaySubject(b.subjects.user, subjects) });
  }
  return out;
}

/** `trailmark verify` over the installation ledger with the test's verifier key. */
export async function verifyLedger(app: AppProcess, keys: Keys): Promise<void> {
  const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'bin/trailmark.js'), 'verify', '--ledger', ledgerDir(app), '--key', keys.verifierFile, '--json'], { cwd: REPO_ROOT });
  expect(JSON.parse(stdout)).toMatchObject({ ok: true });
}

/** A user token for `login`, minted by the simulator. */
export async function userToken(sim: RunningSim, login: string): Promise<string> {
  return ((await sim.admin('POST', '/_sim/tokens', { kind: 'user', login })) as { token: string }).token;
}

/** basic.json plus a maintainer and an explicit no-access user (a public repository: anyone else reads). */
export async function matrixScenario(simDir: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'trailmark-access-scenario-'));
  const file = join(dir, 'matrix.json');
  await writeFile(file, JSON.stringify({ extends: join(simDir, 'scenarios', 'basic.json'), repository: { collaborators: { mona: 'maintain', nora: 'none' } } }));
  return file;
}
