// An in-memory GitHub git data API (refs, commits, trees, blobs) on 127.0.0.1, for the ledger
// branch store. It keeps GitHub's semantics that matter: ref creation fails with 422 when the
// ref exists, `force: false` updates fail with 422 unless they fast-forward. Request bodies are
// validated against GitHub's OpenAPI description. `beforeRefUpdate` injects a concurrent write.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestBodyErrors } from './openapi.js';
import { check, concretePath, type Expectation } from './expectations.js';

type Obj =
  | { type: 'blob'; bytes: Buffer }
  | { type: 'tree'; files: Map<string, string> }
  | { type: 'commit'; tree: string; parents: string[]; message: string };

export class FakeGitServer {
  readonly objects = new Map<string, Obj>();
  readonly refs = new Map<string, string>();
  readonly problems: string[] = [];
  readonly log: string[] = [];
  /** Called before a ref update is applied (ref name, e.g. `refs/heads/x`); may move refs. */
  beforeRefUpdate: ((ref: string) => void) | undefined;
  #server: Server | undefined;
  /** Other REST calls (checks, pulls, contents) served in order, each consumed once per `times`. */
  readonly #expected: { e: Expectation; left: number }[] = [];

  expect(...expectations: Expectation[]): this {
    for (const e of expectations) this.#expected.push({ e, left: e.times ?? 1 });
    return this;
  }

  /** Throws unless every expectation was consumed and every request body was valid. */
  verify(): void {
    const left = this.#expected.filter((p) => p.left > 0).map((p) => `${p.e.method} ${concretePath(p.e)}`);
    if (left.length > 0) throw new Error(`unconsumed GitHub expectations:\n${left.join('\n')}`);
    if (this.problems.length > 0) throw new Error(`invalid requests:\n${this.problems.join('\n')}`);
  }

  #replay(method: string, rawPath: string, body: unknown): { status: number; body?: unknown; headers?: Record<string, string> } | undefined {
    const slot = this.#expected.find((p) => p.left > 0 && p.e.method === method && concretePath(p.e) === rawPath);
    if (slot === undefined) return undefined;
    slot.left -= 1;
    if (method !== 'GET' && method !== 'DELETE') check(slot.e, body, this.problems);
    else slot.e.body?.(body);
    return slot.e.reply;
  }

  #put(obj: Obj): string {
    const body = obj.type === 'blob' ? obj.bytes : Buffer.from(JSON.stringify(obj.type === 'tree' ? [...obj.files].sort() : obj));
    const sha = createHash('sha1').update(`${obj.type} ${body.byteLength}\0`).update(body).digest('hex');
    this.objects.set(sha, obj);
    return sha;
  }

  /** Writes a commit with `files` changed on top of `ref` directly (another writer, or a crash). */
  commitFiles(ref: string, files: Record<string, Buffer>, message = 'external'): string {
    const parent = this.refs.get(ref);
    const base = parent === undefined ? new Map<string, string>() : new Map((this.objects.get((this.objects.get(parent) as { tree: string }).tree) as { files: Map<string, string> }).files);
    for (const [path, bytes] of Object.entries(files)) base.set(path, this.#put({ type: 'blob', bytes }));
    const tree = this.#put({ type: 'tree', files: base });
    const commit = this.#put({ type: 'commit', tree, parents: parent === undefined ? [] : [parent], message });
    this.refs.set(ref, commit);
    return commit;
  }

  /** The file at `path` on `ref`, or undefined. */
  file(ref: string, path: string): Buffer | undefined {
    const head = this.refs.get(ref);
    if (head === undefined) return undefined;
    const tree = this.objects.get((this.objects.get(head) as { tree: string }).tree) as { files: Map<string, string> };
    const sha = tree.files.get(path);
    return sha === undefined ? undefined : (this.objects.get(sha) as { bytes: Buffer }).bytes;
  }

  #isAncestor(ancestor: string, commit: string): boolean {
    const todo = [commit];
    while (todo.length > 0) {
      const c = todo.pop()!;
      if (c === ancestor) return true;
      const obj = this.objects.get(c);
      if (obj?.type === 'commit') todo.push(...obj.parents);
    }
    return false;
  }

  #handle(method: string, rawPath: string, query: URLSearchParams, body: unknown): { status: number; body?: unknown; headers?: Record<string, string> } {
    const replayed = this.#replay(method, rawPath, body);
    if (replayed !== undefined) return replayed;
    const path = rawPath;
    if (method === 'POST' && (path === '/graphql' || path === '/api/graphql')) return this.#graphql(body);
    const m = /^\/repos\/([^/]+)\/([^/]+)\/git\/(.*)$/.exec(path);
    if (m === null) {
      this.problems.push(`unexpected request ${method} ${rawPath}`);
      return { status: 404, body: { message: 'Not Found' } };
    }
    const rest = m[3]!;
    const validate = (route: string) => this.problems.push(...requestBodyErrors(method, route, body));
    const b = body as Record<string, unknown>;
    let r: RegExpExecArray | null;
    if (method === 'GET' && (r = /^ref\/(.+)$/.exec(rest))) {
      const ref = `refs/${decodeURIComponent(r[1]!)}`;
      const sha = this.refs.get(ref);
      return sha === undefined ? { status: 404, body: { message: 'Not Found' } } : { status: 200, body: { ref, node_id: 'n', url: 'u', object: { sha, type: 'commit', url: 'u' } } };
    }
    if (method === 'POST' && rest === 'refs') {
      validate('/repos/{owner}/{repo}/git/refs');
      const ref = b.ref as string;
      if (this.refs.has(ref)) return { status: 422, body: { message: 'Reference already exists' } };
      this.beforeRefUpdate?.(ref);
      if (this.refs.has(ref)) return { status: 422, body: { message: 'Reference already exists' } };
      this.refs.set(ref, b.sha as string);
      return { status: 201, body: { ref, node_id: 'n', url: 'u', object: { sha: b.sha, type: 'commit', url: 'u' } } };
    }
    if ((method === 'PATCH' || method === 'DELETE') && (r = /^refs\/(.+)$/.exec(rest))) {
      const ref = `refs/${decodeURIComponent(r[1]!)}`;
      if (method === 'DELETE') {
        if (!this.refs.delete(ref)) return { status: 422, body: { message: 'Reference does not exist' } };
        return { status: 204 };
      }
      validate('/repos/{owner}/{repo}/git/refs/{ref}');
      if (b.force !== false) this.problems.push(`ref update without force: false on ${ref}`);
      this.beforeRefUpdate?.(ref);
      const current = this.refs.get(ref);
      if (current === undefined) return { status: 422, body: { message: 'Reference does not exist' } };
      if (!this.#isAncestor(current, b.sha as string)) return { status: 422, body: { message: 'Update is not a fast forward' } };
      this.refs.set(ref, b.sha as string);
      return { status: 200, body: { ref, node_id: 'n', url: 'u', object: { sha: b.sha, type: 'commit', url: 'u' } } };
    }
    if (method === 'POST' && rest === 'blobs') {
      validate('/repos/{owner}/{repo}/git/blobs');
      const bytes = Buffer.from(b.content as string, b.encoding === 'base64' ? 'base64' : 'utf8');
      return { status: 201, body: { sha: this.#put({ type: 'blob', bytes }), url: 'u' } };
    }
    if (method === 'GET' && (r = /^blobs\/([0-9a-f]{40})$/.exec(rest))) {
      const obj = this.objects.get(r[1]!);
      if (obj?.type !== 'blob') return { status: 404, body: { message: 'Not Found' } };
      return { status: 200, body: { sha: r[1], size: obj.bytes.byteLength, content: obj.bytes.toString('base64'), encoding: 'base64', url: 'u', node_id: 'n' } };
    }
    if (method === 'POST' && rest === 'trees') {
      validate('/repos/{owner}/{repo}/git/trees');
      const baseSha = b.base_tree as string | undefined;
      const base = baseSha === undefined ? undefined : this.objects.get(baseSha);
      if (baseSha !== undefined && base?.type !== 'tree') return { status: 422, body: { message: 'base_tree is not a valid tree' } };
      const files = new Map(base?.type === 'tree' ? base.files : []);
      // Inline `content` is UTF-8 text written as a new blob, as GitHub does.
      for (const e of b.tree as { path: string; sha?: string; content?: string }[]) files.set(e.path, e.content !== undefined ? this.#put({ type: 'blob', bytes: Buffer.from(e.content, 'utf8') }) : e.sha!);
      return { status: 201, body: { sha: this.#put({ type: 'tree', files }), url: 'u', tree: [], truncated: false } };
    }
    if (method === 'GET' && (r = /^trees\/([0-9a-f]{40})$/.exec(rest))) {
      const obj = this.objects.get(r[1]!);
      if (obj?.type !== 'tree' || query.get('recursive') === null) return { status: 404, body: { message: 'Not Found' } };
      return { status: 200, body: { sha: r[1], url: 'u', truncated: false, tree: [...obj.files].sort().map(([p, sha]) => ({ path: p, mode: '100644', type: 'blob', sha, size: (this.objects.get(sha) as { bytes: Buffer }).bytes.byteLength })) } };
    }
    if (method === 'POST' && rest === 'commits') {
      validate('/repos/{owner}/{repo}/git/commits');
      const sha = this.#put({ type: 'commit', tree: b.tree as string, parents: b.parents as string[], message: b.message as string });
      return { status: 201, body: { sha, node_id: 'n', url: 'u', html_url: 'u', message: b.message, tree: { sha: b.tree, url: 'u' }, parents: [], author: { date: '', name: '', email: '' }, committer: { date: '', name: '', email: '' }, verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null } } };
    }
    if (method === 'GET' && (r = /^commits\/([0-9a-f]{40})$/.exec(rest))) {
      const obj = this.objects.get(r[1]!);
      if (obj?.type !== 'commit') return { status: 404, body: { message: 'Not Found' } };
      return { status: 200, body: { sha: r[1], node_id: 'n', url: 'u', html_url: 'u', message: obj.message, tree: { sha: obj.tree, url: 'u' }, parents: obj.parents.map((p) => ({ sha: p, url: 'u', html_url: 'u' })), author: { date: '', name: '', email: '' }, committer: { date: '', name: '', email: '' } } };
    }
    return { status: 404, body: { message: `no fake for ${method} ${path}` } };
  }

  /**
   * The GraphQL subset the ledger branch store uses: aliased `object(expression: $eN)` lookups
   * of `<commit>:<path>` (empty path: the root tree), answering Blob text as GitHub does.
   */
  #graphql(body: unknown): { status: number; body: unknown } {
    const { query, variables } = body as { query: string; variables: Record<string, string> };
    this.graphqlQueries += 1;
    const repository: Record<string, unknown> = {};
    for (const [, alias, variable] of query.matchAll(/(\w+): object\(expression: \$(\w+)\)/g)) {
      const expression = variables[variable!]!;
      const colon = expression.indexOf(':');
      const commit = this.objects.get(expression.slice(0, colon));
      const path = expression.slice(colon + 1);
      if (commit?.type !== 'commit') {
        repository[alias!] = null;
        continue;
      }
      if (path === '') {
        repository[alias!] = { __typename: 'Tree', oid: commit.tree };
        continue;
      }
      const sha = (this.objects.get(commit.tree) as { files: Map<string, string> }).files.get(path);
      const blob = sha === undefined ? undefined : this.objects.get(sha);
      // GitHub cuts Blob.text at 512,000 bytes (isTruncated); binary blobs have no text.
      const cut = blob?.type === 'blob' && blob.bytes.byteLength > 512_000;
      repository[alias!] = blob?.type !== 'blob' ? null : { __typename: 'Blob', oid: sha, text: blob.bytes.includes(0) ? null : blob.bytes.subarray(0, 512_000).toString('utf8'), byteSize: blob.bytes.byteLength, isTruncated: cut };
    }
    return { status: 200, body: { data: { repository } } };
  }

  /** GraphQL requests served. */
  graphqlQueries = 0;

  async start(): Promise<string> {
    this.#server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const text = Buffer.concat(chunks).toString('utf8');
        this.log.push(`${req.method} ${url.pathname}`);
        const out = this.#handle(req.method ?? 'GET', url.pathname, url.searchParams, text === '' ? undefined : JSON.parse(text));
        res.writeHead(out.status, { 'content-type': 'application/json', ...out.headers }).end(out.body === undefined ? '' : typeof out.body === 'string' ? out.body : JSON.stringify(out.body));
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.#server === undefined ? resolve() : this.#server.close(() => resolve())));
  }
}
