// The App under test: a real Probot instance with our app function loaded, GitHub mocked at the
// HTTP edge (nock, net connect disabled, bodies checked against the OpenAPI description),
// real recorded webhook payloads from @octokit/webhooks-examples, a real data directory and
// real Ed25519 ledger keys.
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import examplesJson from '@octokit/webhooks-examples/api.github.com/index.json' with { type: 'json' };
import nock from 'nock';
import { pino, type Logger } from 'pino';
import { afterEach } from 'vitest';
import { Probot, ProbotOctokit, type ApplicationFunctionOptions } from 'probot';

type Handler = Parameters<ApplicationFunctionOptions['addHandler']>[0];
import { createTrailmarkApp, type TrailmarkApp } from '../../app/app.js';
import type { BackoffPolicy } from '../../app/queue.js';
import { FEATURE_COMMITS } from '../../cli/demo/scenario.js';
import { parseSignerKey } from '../../src/ledger/note.js';
import type { Expectation } from '../github/expectations.js';
import { fixedClock, seededRandom, testKey } from '../ledger/fixtures.js';

export const OWNER = 'Codertocat';
export const REPO = 'Hello-World';
export const INSTALLATION = 1;
export const repo = { owner: OWNER, repo: REPO };

const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
export const ledgerKey = testKey('app', 'example.com/trailmark-app');

type Json = Record<string, unknown>;
const examples = examplesJson as unknown as { name: string; examples: Json[] }[];

/** A recorded payload of `name` with `action` that carries an installation, cloned, retargeted at INSTALLATION and OWNER/REPO. */
export function recorded<T = Json>(name: string, action: string): T {
  const found = examples.find((e) => e.name === name)!.examples.find((p) => p.action === action && p.installation !== undefined);
  if (found === undefined) throw new Error(`no recorded ${name}.${action} payload with an installation`);
  const payload = structuredClone(found) as { installation: { id: number }; repository?: { name: string; full_name: string; owner: { login: string } } };
  payload.installation.id = INSTALLATION;
  if (payload.repository !== undefined) {
    payload.repository.name = REPO;
    payload.repository.full_name = `${OWNER}/${REPO}`;
    payload.repository.owner.login = OWNER;
  }
  return payload as T;
}

export interface Harness {
  readonly probot: Probot;
  readonly app: TrailmarkApp;
  readonly dataDir: string;
  readonly sleeps: number[];
  receive(name: string, payload: object, id?: string): Promise<void>;
  /** Serves the App's HTTP routes on 127.0.0.1; returns the base URL and a stop function. */
  serve(): Promise<{ url: string; stop(): Promise<void> }>;
}

let deliveries = 0;

// Every App a test started stops its schedules when the test ends: a schedule tick (one runs at
// start) of an earlier test's App must not queue work that meets the next test's GitHub mocks.
const started: TrailmarkApp[] = [];
afterEach(async () => {
  for (const app of started.splice(0)) await app.close();
});

export async function startApp(options: { dataDir?: string; concurrency?: number; signed?: boolean; backoff?: BackoffPolicy; log?: Logger } = {}): Promise<Harness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'trailmark-app-'));
  const sleeps: number[] = [];
  const probot = newProbot(options.log);
  const app = createTrailmarkApp({
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    settings: { dataDir, signer: options.signed === false ? undefined : parseSignerKey(ledgerKey.signerKey), apiBaseUrl: 'https://api.github.com', concurrency: options.concurrency ?? 2, webhookPath: '/api/github/webhooks', webhookSecret: 'test' },
    clock: fixedClock(),
    random: seededRandom(),
    sleep: (ms) => { sleeps.push(ms); return Promise.resolve(); },
  });
  started.push(app);
  const handlers: Handler[] = [];
  await probot.load(app.appFn, { cwd: dataDir, addHandler: (h) => handlers.push(h) });
  return {
    probot, app, dataDir, sleeps,
    serve: async () => {
      nock.enableNetConnect('127.0.0.1');
      const server = createServer((req, res) => {
        void (async () => {
          for (const h of handlers) if (await h(req, res)) return;
          res.writeHead(404).end();
        })();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      return { url: `http://127.0.0.1:${port}`, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
    },
    receive: (name, payload, id) => probot.receive({ id: id ?? `delivery-${++deliveries}`, name, payload } as Parameters<Probot['receive']>[0]),
  };
}

/** A logger that keeps every line it writes (JSON), for asserting what is and is not logged. */
export function capturingLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { log, lines };
}

/** A Probot instance for App 1 with the test key and webhook secret `test`. */
export function newProbot(log?: Logger): Probot {
  return new Probot({
    appId: 1, privateKey, secret: 'test',
    // Retries are ours (github/client.ts); Probot's own token requests are not retried in tests.
    Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }),
    log: log ?? pino({ level: process.env.TEST_LOG ?? 'silent' }),
  });
}

// ---- GitHub expectations ------------------------------------------------------------------

/**
 * The installation token Probot requests once per installation. Probot posts it without a
 * body, which GitHub accepts but the OpenAPI description does not model, so it is mocked
 * beside NockGitHub (still required to be consumed).
 */
export function mockToken(): nock.Scope {
  return nock('https://api.github.com')
    .post(`/app/installations/${INSTALLATION}/access_tokens`)
    .reply(201, { token: 'ghs_installation', expires_at: '2999-01-01T00:00:00Z', permissions: { checks: 'write' }, repository_selection: 'all' });
}

export interface Pull {
  readonly number: number;
  readonly base: string;
  readonly head: string;
  readonly state?: 'open' | 'closed';
  readonly commits?: number;
  readonly changedFiles?: number;
  readonly fork?: boolean;
}

export const getPull = (p: Pull): Expectation => ({
  method: 'GET', route: '/repos/{owner}/{repo}/pulls/{pull_number}', params: { ...repo, pull_number: p.number },
  reply: {
    status: 200,
    body: {
      number: p.number, state: p.state ?? 'open', draft: false, merged: false, body: 'Adds things', user: { login: 'octocat' },
      commits: p.commits ?? 1, changed_files: p.changedFiles ?? 1,
      base: { sha: p.base, ref: 'main', repo: { full_name: `${OWNER}/${REPO}` } },
      head: { sha: p.head, ref: 'feature', repo: { full_name: p.fork === true ? `mallory/${REPO}` : `${OWNER}/${REPO}` } },
    },
  },
});

export const noConfig = (): Expectation[] => [
  { method: 'GET', route: '/repos/{owner}/{repo}/contents/{path}', params: { ...repo, path: '.github/trailmark.yml' }, reply: { status: 404, body: { message: 'Not Found' } } },
  { method: 'GET', route: '/repos/{owner}/{repo}/contents/{path}', params: { owner: OWNER, repo: '.github', path: '.github/trailmark.yml' }, reply: { status: 404, body: { message: 'Not Found' } } },
];

export const config = (text: string): Expectation => ({
  method: 'GET', route: '/repos/{owner}/{repo}/contents/{path}', params: { ...repo, path: '.github/trailmark.yml' },
  reply: { status: 200, body: { type: 'file', encoding: 'base64', size: text.length, name: 'trailmark.yml', path: '.github/trailmark.yml', content: Buffer.from(text).toString('base64') } },
});

export interface FileSpec {
  readonly filename: string;
  readonly status?: string;
  readonly patch?: string;
  readonly text?: string;
}

/** A whole new file as GitHub lists it: an added-file patch. */
export function addedFile(filename: string, text: string): FileSpec {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return { filename, status: 'added', text, patch: `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}` };
}

const patchCount = (f: FileSpec, marker: string) => (f.patch === undefined ? 1 : f.patch.split('\n').filter((l) => l.startsWith(marker)).length);
const restFile = (f: FileSpec) => ({ sha: 'b'.repeat(40), filename: f.filename, status: f.status ?? 'added', additions: patchCount(f, '+'), deletions: f.patch === undefined ? 0 : patchCount(f, '-'), changes: patchCount(f, '+') + (f.patch === undefined ? 0 : patchCount(f, '-')), blob_url: '', raw_url: '', contents_url: '', ...(f.patch === undefined ? {} : { patch: f.patch }) });

/**
 * The files listing, 100 per page, plus the GraphQL blob reads (100 a request) of the files
 * with text that are not whole added files (those are read off their patch), and the Agent
 * Trace file at the head.
 */
export function prFiles(number: number, files: readonly FileSpec[], options: { contents?: boolean } = {}): Expectation[] {
  const out: Expectation[] = [];
  for (let i = 0; i === 0 || i < files.length; i += 100) {
    const page = files.slice(i, i + 100);
    const next = i + 100 < files.length;
    out.push({
      method: 'GET', route: '/repos/{owner}/{repo}/pulls/{pull_number}/files', params: { ...repo, pull_number: number },
      reply: { status: 200, body: page.map(restFile), ...(next ? { headers: { link: `<https://api.github.com/repos/${OWNER}/${REPO}/pulls/${number}/files?per_page=100&page=${i / 100 + 2}>; rel="next"` } } : {}) },
    });
  }
  if (options.contents !== false) {
    const read = [...files].sort((a, b) => (a.filename < b.filename ? -1 : 1))
      .filter((f) => f.text !== undefined && !(f.status === 'added' && f.patch !== undefined && f.patch.startsWith('@@ -0,0 ')));
    for (let i = 0; i < read.length; i += 100) {
      const repository = Object.fromEntries(read.slice(i, i + 100).map((f, k) => [`f${k}`, { __typename: 'Blob', oid: 'b'.repeat(40), byteSize: Buffer.byteLength(f.text!), isBinary: false, isTruncated: false, text: f.text }]));
      out.push({ method: 'POST', route: '/graphql', params: {}, reply: { status: 200, body: { data: { repository } } } });
    }
    // The Agent Trace file committed with the change, read at the head (none here).
    out.push({ method: 'GET', route: '/repos/{owner}/{repo}/contents/{path}', params: { ...repo, path: '.agent-trace/traces.jsonl' }, reply: { status: 404, body: { message: 'Not Found' } } });
  }
  return out;
}

export function restCommit(sha: string, parent: string, message = 'feat: add things\n') {
  return { sha, parents: [{ sha: parent }], commit: { message, author: { name: 'Raj', email: 'raj@example.com', date: '2026-01-01T00:00:00Z' }, committer: { name: 'Raj', email: 'raj@example.com', date: '2026-01-01T00:00:00Z' } } };
}

export const prCommits = (number: number, commits: readonly unknown[]): Expectation[] => {
  const out: Expectation[] = [];
  for (let i = 0; i === 0 || i < commits.length; i += 100) {
    const next = i + 100 < commits.length;
    out.push({
      method: 'GET', route: '/repos/{owner}/{repo}/pulls/{pull_number}/commits', params: { ...repo, pull_number: number },
      reply: { status: 200, body: commits.slice(i, i + 100), ...(next ? { headers: { link: `<https://api.github.com/repos/${OWNER}/${REPO}/pulls/${number}/commits?per_page=100&page=${i / 100 + 2}>; rel="next"` } } : {}) },
    });
  }
  return out;
};

/** The head the App tests analyze. */
export const TEST_HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';

/** The list of `ref`'s check runs of the App's name that a publication makes first (src/github/check-run.ts: publishing once). */
export const listChecks = (ref: string, runs: readonly object[] = []): Expectation => ({
  method: 'GET', route: '/repos/{owner}/{repo}/commits/{ref}/check-runs', params: { ...repo, ref },
  reply: { status: 200, body: { total_count: runs.length, check_runs: runs } },
});

/** A check run published on `ref`: the list that finds none there yet, then the create. */
export const createCheck = (capture: (body: unknown) => void, ref: string = TEST_HEAD): Expectation[] => [listChecks(ref), {
  method: 'POST', route: '/repos/{owner}/{repo}/check-runs', params: repo,
  reply: { status: 201, body: { id: 7, html_url: `https://github.com/${OWNER}/${REPO}/runs/7` } },
  body: capture,
}];

export const updateCheck = (times: number, capture: (body: unknown) => void): Expectation => ({
  method: 'PATCH', route: '/repos/{owner}/{repo}/check-runs/{check_run_id}', params: { ...repo, check_run_id: 7 }, times,
  reply: { status: 200, body: { id: 7 } }, body: capture,
});

/** A TypeScript file the model scores as probably AI-written (the demo's undeclared session module). */
export const AI_FILE: string = FEATURE_COMMITS.find((c) => c.files['src/auth/session.ts'] !== undefined)!.files['src/auth/session.ts'] as string;
