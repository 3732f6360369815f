// GitHub mocked at the HTTP edge: an ordered list of expected requests with canned replies,
// served by nock (in-process tests) or by a replay server on 127.0.0.1 (spawned bundle).
// Every request body is validated against GitHub's OpenAPI description; every expectation
// must be consumed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { requestBodyErrors } from './openapi.js';

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface Expectation {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path template as in the OpenAPI description, e.g. `/repos/{owner}/{repo}/check-runs`. */
  readonly route: string;
  readonly params: Readonly<Record<string, string | number>>;
  readonly reply: Reply;
  /** Extra assertion on the JSON body (throw to fail). */
  readonly body?: (body: unknown) => void;
  /** Repeat the same expectation this many times (default 1). */
  readonly times?: number;
}

export function concretePath(e: Pick<Expectation, 'route' | 'params'>): string {
  return e.route.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = e.params[name];
    if (value === undefined) throw new Error(`missing param ${name} for ${e.route}`);
    // Octokit percent-encodes every parameter, slashes included (`src%2Fa.ts`, `heads%2Fmain`).
    return encodeURIComponent(String(value));
  });
}

export interface Recorded {
  readonly method: string;
  readonly route: string;
  readonly body: unknown;
}

/**
 * GraphQL bodies (POST /graphql, outside the REST description): a query string and string
 * variables, none of whose values appear in the query text (attacker-controlled values travel
 * as variables). Schema validation: test/github/change-source-graphql.ts and the simulator.
 */
function graphqlBodyErrors(body: unknown): string[] {
  const { query, variables } = (body ?? {}) as { query?: unknown; variables?: unknown };
  if (typeof query !== 'string') return ['POST /graphql: no query string'];
  const values = variables === undefined ? [] : typeof variables === 'object' && variables !== null ? Object.values(variables) : [null];
  return values.flatMap((v) => (typeof v !== 'string' ? [`POST /graphql: variable ${JSON.stringify(v)} is not a string`] : v.length > 0 && query.includes(v) ? [`POST /graphql: ${JSON.stringify(v)} interpolated into the query`] : []));
}

/** Checks a body against the OpenAPI description and the expectation's own assertion. */
export function check(e: Expectation, body: unknown, problems: string[]): void {
  problems.push(...(e.route === '/graphql' ? graphqlBodyErrors(body) : requestBodyErrors(e.method, e.route, body)));
  try {
    e.body?.(body);
  } catch (err) {
    problems.push(`${e.method} ${e.route}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** In-process GitHub over nock with net connect disabled. Call `verify()` at the end of the test. */
export class NockGitHub {
  readonly problems: string[] = [];
  readonly recorded: Recorded[] = [];
  readonly #scope: nock.Scope;

  constructor(readonly baseUrl = 'https://api.github.com') {
    nock.disableNetConnect();
    this.#scope = nock(baseUrl);
  }

  expect(...expectations: Expectation[]): this {
    for (const e of expectations) {
      const path = concretePath(e);
      const matchBody = (body: unknown) => {
        this.recorded.push({ method: e.method, route: e.route, body });
        check(e, body, this.problems);
        return true;
      };
      const interceptor =
        e.method === 'GET' || e.method === 'DELETE'
          ? this.#scope.intercept((uri) => uri.split('?')[0] === path, e.method)
          : this.#scope.intercept((uri) => uri.split('?')[0] === path, e.method, matchBody);
      interceptor.times(e.times ?? 1).reply(e.reply.status, (e.reply.body ?? '') as nock.Body, e.reply.headers);
    }
    return this;
  }

  /** Throws unless every expectation was consumed and every body was valid. */
  verify(): void {
    const pending = this.#scope.pendingMocks();
    nock.cleanAll();
    if (pending.length > 0) throw new Error(`unconsumed GitHub expectations:\n${pending.join('\n')}`);
    if (this.problems.length > 0) throw new Error(`invalid requests:\n${this.problems.join('\n')}`);
  }
}

/** A replay server for a spawned process: serves expectations in order (matching by method and path). */
export class ReplayServer {
  readonly problems: string[] = [];
  readonly recorded: Recorded[] = [];
  readonly #pending: { e: Expectation; left: number }[] = [];
  #server: Server | undefined;

  expect(...expectations: Expectation[]): this {
    for (const e of expectations) this.#pending.push({ e, left: e.times ?? 1 });
    return this;
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = (req.url ?? '').split('?')[0];
        const slot = this.#pending.find((p) => p.left > 0 && p.e.method === req.method && concretePath(p.e) === path);
        if (slot === undefined) {
          this.problems.push(`unexpected request ${req.method} ${req.url}`);
          res.writeHead(599).end();
          return;
        }
        slot.left -= 1;
        const text = Buffer.concat(chunks).toString('utf8');
        const body: unknown = text === '' ? undefined : JSON.parse(text);
        this.recorded.push({ method: slot.e.method, route: slot.e.route, body });
        if (slot.e.method !== 'GET') check(slot.e, body, this.problems);
        const payload = slot.e.reply.body === undefined ? '' : typeof slot.e.reply.body === 'string' ? slot.e.reply.body : JSON.stringify(slot.e.reply.body);
        res.writeHead(slot.e.reply.status, { 'content-type': 'application/json', ...slot.e.reply.headers }).end(payload);
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  verify(): void {
    const left = this.#pending.filter((p) => p.left > 0).map((p) => `${p.e.method} ${concretePath(p.e)}`);
    if (left.length > 0) throw new Error(`unconsumed GitHub expectations:\n${left.join('\n')}`);
    if (this.problems.length > 0) throw new Error(`invalid requests:\n${this.problems.join('\n')}`);
  }
}
