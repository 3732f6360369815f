// `POST /trailmark/records?repository=OWNER/NAME`: the collector for IDE and agent hooks.
// Accepts one Agent Trace text (a JSON object or JSONL) from a caller holding a GitHub token
// with push access to the repository; the engine validates it, stores it (record-store.ts) and
// appends a `record` entry (engine/outcome.ts recordCaptured). Later analyses of the repository
// use it as `recorded` evidence. Everything in the request is attacker-controlled: the size is
// capped while reading, the repository name is checked against GitHub's name grammar before it
// names a directory, and the text is parsed by attest/ (never evaluated).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError } from '../src/core/errors.js';
import { recordCaptured } from '../src/engine/outcome.js';
import type { InstallationLedgers } from './ledgers.js';
import { isRepositoryName, type Records } from './record-store.js';

export const RECORDS_PATH = '/trailmark/records';
/** Largest accepted request body (ours: an Agent Trace file of a large session is far smaller). */
export const RECORD_MAX_BYTES = 1024 * 1024;

export type Access = 'push' | 'no-push' | 'invalid-token';

export interface CollectorDependencies {
  readonly records: Records;
  readonly ledgers: InstallationLedgers | undefined;
  /** The installation of this App on the repository, or null when it is not installed there. */
  readonly installationOf: (owner: string, repo: string) => Promise<number | null>;
  /** What the caller's GitHub token may do on the repository. */
  readonly accessOf: (token: string, owner: string, repo: string) => Promise<Access>;
}

export function answer(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}

/** The body's bytes, or null when it is over `max` (the rest is not read). */
export function readBytes(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > max) {
        over = true;
        req.destroy();
        resolve(null);
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!over) reject(err);
    });
  });
}

/** The token of an `Authorization: Bearer …` (or `token …`) header, or ''. */
export function bearer(req: IncomingMessage): string {
  const auth = req.headers.authorization ?? '';
  return auth.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : auth.startsWith('token ') ? auth.slice('token '.length).trim() : '';
}

export async function handleRecordPost(req: IncomingMessage, res: ServerResponse, deps: CollectorDependencies): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://collector');
  const repository = url.searchParams.get('repository') ?? '';
  const slash = repository.indexOf('/');
  const owner = repository.slice(0, slash);
  const repo = repository.slice(slash + 1);
  if (slash < 0 || !isRepositoryName(owner, repo)) return answer(res, 400, { error: 'the repository query parameter must be OWNER/NAME' });
  const token = bearer(req);
  if (token === '') return answer(res, 401, { error: 'missing Authorization: Bearer <GitHub token>' });
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > RECORD_MAX_BYTES) return answer(res, 413, { error: `records are limited to ${RECORD_MAX_BYTES} bytes` });

  const access = await deps.accessOf(token, owner, repo);
  if (access === 'invalid-token') return answer(res, 401, { error: 'the GitHub token was not accepted' });
  if (access === 'no-push') return answer(res, 403, { error: `the token's user cannot push to ${owner}/${repo}` });
  const installationId = await deps.installationOf(owner, repo);
  if (installationId === null) return answer(res, 404, { error: `the trailmark App is not installed on ${owner}/${repo}` });

  const bytes = await readBytes(req, RECORD_MAX_BYTES);
  if (bytes === null) return answer(res, 413, { error: `records are limited to ${RECORD_MAX_BYTES} bytes` });
  const outcome = await recordCaptured({
    store: { put: (record) => deps.records.put(installationId, owner, repo, record) },
    ...(deps.ledgers === undefined ? {} : { ledger: deps.ledgers.sinkOf(installationId) }),
  }, { repository: `${owner}/${repo}`, text: bytes.toString('utf8') });
  if (outcome.status === 'invalid') return answer(res, 422, { error: 'not a valid Agent Trace record', problems: outcome.problems });
  if (outcome.status === 'full') return answer(res, 507, { error: `${owner}/${repo} holds the maximum number of records` });
  answer(res, outcome.stored ? 201 : 200, { digest: outcome.digest, ranges: outcome.ranges, stored: outcome.stored });
}

/** Wraps the handler so that a failure answers 500 with a message instead of hanging the request. */
export function collectorRoute(deps: CollectorDependencies, log: (line: string) => void) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== RECORDS_PATH) return false;
    handleRecordPost(req, res, deps).catch((err: unknown) => {
      log(`trailmark collector: ${describeError(err)}`);
      if (!res.headersSent) answer(res, 500, { error: 'the record could not be stored' });
    });
    return true;
  };
}
