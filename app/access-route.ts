// The dashboard and the query endpoints, behind sign-in, each request audited:
//   GET /trailmark/dashboard?repo=O/R[&repo=…][&week=2026-W49]           HTML (renderDashboard)
//   GET /trailmark/api/report?repo=O/R[&repo=…][&week=…][&format=json|csv|markdown]
//   GET /trailmark/api/blame?repo=O/R&path=P&start=N&end=M                ledger-only blame (JSON)
// Order: parameters (400, nothing read, not audited: no repository is trusted yet), the
// repositories' installations (404 when the App is not installed: logged, no ledger to write),
// the caller (401), the caller's right on each repository (403), then the view. One `access`
// entry per named repository goes to that repository's installation ledger before the answer
// is sent; when the append fails nothing is served (500). Several repositories: every one must
// be allowed, else the whole request is refused (403 naming the refused ones).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { describeError, UsageError } from '../src/core/errors.js';
import { decideAccess, type AccessEvent, type RepositoryRole } from '../src/engine/access.js';
import { hasControl, htmlText, SECURITY_HEADERS, sendBody, sendJson, sendPage } from './access-http.js';
import { LOGIN_PATH, type Identity } from './auth/sign-in.js';
import { isRepositoryName } from './record-store.js';

export const DASHBOARD_PATH = '/trailmark/dashboard';
export const REPORT_API_PATH = '/trailmark/api/report';
export const BLAME_API_PATH = '/trailmark/api/blame';

/** Repositories one dashboard or report request may name. */
export const MAX_REPOSITORIES = 16;
/** Longest path and widest line range a blame query may ask for. */
export const MAX_BLAME_PATH = 1024;
export const MAX_BLAME_LINES = 100_000;

export type ReportFormat = 'json' | 'csv' | 'markdown';

/** An installation's ledger, as the views read it. */
export interface LedgerRef {
  readonly installationId: number;
  readonly dir: string;
}

export interface ReportRequest {
  readonly ledgers: readonly LedgerRef[];
  readonly repositories: readonly string[];
  /** ISO week label; null for the last complete week. */
  readonly week: string | null;
}

export interface BlameRequest {
  readonly ledgers: readonly LedgerRef[];
  readonly repository: string;
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
}

/** What the routes serve (engine use cases over the installation ledgers); `results` is audited. */
export interface AccessViews {
  dashboard(req: ReportRequest): Promise<{ readonly html: string; readonly results: number }>;
  report(req: ReportRequest, format: ReportFormat): Promise<{ readonly body: string; readonly contentType: string; readonly results: number }>;
  blame(req: BlameRequest): Promise<{ readonly body: unknown; readonly results: number }>;
}

export interface AccessRouteDependencies {
  readonly identify: (req: IncomingMessage) => Promise<Identity>;
  readonly installationOf: (owner: string, repo: string) => Promise<number | null>;
  /** `role_name` of the login on the repository, asked with the installation's token. */
  readonly roleOf: (installationId: number, owner: string, repo: string, login: string) => Promise<RepositoryRole>;
  /** The auditors team, when configured: active membership asked with the installation's token. */
  readonly auditorsTeam: { readonly name: string; member(installationId: number, login: string): Promise<boolean> } | null;
  /** Appends the `access` entry to the installation's ledger; throws when it cannot. */
  readonly audit: (installationId: number, event: AccessEvent) => Promise<void>;
  readonly ledgerDir: (installationId: number) => string;
  /** Undefined when the App has no signing key: nothing can be audited, so nothing is served. */
  readonly views: AccessViews | undefined;
  /** Whether the cookie sign-in is configured (the 401 page links to it). */
  readonly signInEnabled: boolean;
  readonly log: (line: string) => void;
}

type Parsed =
  | { readonly route: 'dashboard' | 'report'; readonly repositories: readonly string[]; readonly week: string | null; readonly format: ReportFormat }
  | { readonly route: 'blame'; readonly repositories: readonly [string]; readonly path: string; readonly startLine: number; readonly endLine: number };

class BadRequest extends Error {}

const WEEK = /^(\d{4})-W(\d{2})$/;

function parseRepositories(url: URL, max: number): string[] {
  const repos = url.searchParams.getAll('repo').flatMap((r) => r.split(',')).map((r) => r.trim()).filter((r) => r !== '');
  if (repos.length === 0) throw new BadRequest('the repo query parameter is required (OWNER/NAME)');
  if (repos.length > max) throw new BadRequest(`at most ${max} repositories per request (got ${repos.length})`);
  for (const r of repos) {
    const slash = r.indexOf('/');
    if (slash < 0 || !isRepositoryName(r.slice(0, slash), r.slice(slash + 1))) throw new BadRequest(`repo ${JSON.stringify(r.slice(0, 200))} is not OWNER/NAME`);
  }
  return [...new Set(repos)];
}

function positive(url: URL, name: string): number {
  const text = url.searchParams.get(name);
  if (text === null || !/^[1-9][0-9]{0,8}$/.test(text)) throw new BadRequest(`${name} must be a line number from 1 (got ${JSON.stringify((text ?? '').slice(0, 20))})`);
  return Number(text);
}

/** The request's parameters, or BadRequest. Everything in `url` is attacker-controlled. */
function parse(pathname: string, url: URL): Parsed | null {
  if (pathname === BLAME_API_PATH) {
    const repositories = parseRepositories(url, 1) as [string];
    const path = url.searchParams.get('path') ?? '';
    if (path === '' || path.length > MAX_BLAME_PATH || hasControl(path) || path.startsWith('/')) throw new BadRequest(`path must be a repository-relative file path of at most ${MAX_BLAME_PATH} characters`);
    const startLine = positive(url, 'start');
    const endLine = url.searchParams.has('end') ? positive(url, 'end') : startLine;
    if (endLine < startLine) throw new BadRequest(`end (${endLine}) is before start (${startLine})`);
    if (endLine - startLine + 1 > MAX_BLAME_LINES) throw new BadRequest(`at most ${MAX_BLAME_LINES} lines per query`);
    return { route: 'blame', repositories, path, startLine, endLine };
  }
  const route = pathname === DASHBOARD_PATH ? 'dashboard' : pathname === REPORT_API_PATH ? 'report' : null;
  if (route === null) return null;
  const repositories = parseRepositories(url, MAX_REPOSITORIES);
  const weekText = url.searchParams.get('week');
  let week: string | null = null;
  if (weekText !== null && weekText !== '') {
    const m = WEEK.exec(weekText);
    if (m === null || Number(m[2]) < 1 || Number(m[2]) > 53) throw new BadRequest(`week ${JSON.stringify(weekText.slice(0, 20))} is not an ISO week such as 2026-W49`);
    week = weekText;
  }
  const formatText = url.searchParams.get('format') ?? 'json';
  if (route === 'report' && formatText !== 'json' && formatText !== 'csv' && formatText !== 'markdown') throw new BadRequest(`format ${JSON.stringify(formatText.slice(0, 20))} is not json, csv or markdown`);
  return { route, repositories, week, format: formatText as ReportFormat };
}

function split(repository: string): [string, string] {
  const slash = repository.indexOf('/');
  return [repository.slice(0, slash), repository.slice(slash + 1)];
}

export async function handleAccess(req: IncomingMessage, res: ServerResponse, url: URL, parsed: Parsed, deps: AccessRouteDependencies): Promise<void> {
  const html = parsed.route === 'dashboard';
  const refuse = (status: number, message: string, extra: Readonly<Record<string, string>> = {}): void => {
    if (!html) return sendJson(res, status, { error: message }, extra);
    const signIn = status === 401 && deps.signInEnabled ? [`<a href="${htmlText(`${LOGIN_PATH}?return=${encodeURIComponent(`${url.pathname}${url.search}`)}`)}">Sign in with GitHub</a>`] : [];
    sendPage(res, status, status === 401 ? 'Sign-in required' : status === 403 ? 'Access refused' : 'trailmark', [htmlText(message), ...signIn], extra);
  };
  if (deps.views === undefined) return refuse(503, 'the dashboard needs the ledger signing key (TRAILMARK_SIGNING_KEY): every access is recorded in the signed ledger');

  const installations = new Map<string, number>();
  for (const repository of parsed.repositories) {
    const id = await deps.installationOf(...split(repository));
    if (id === null) {
      deps.log(`trailmark access: ${url.pathname} for ${repository}: the App is not installed there; nothing to audit into, answered 404`);
      return refuse(404, `the trailmark App is not installed on ${repository}`);
    }
    installations.set(repository, id);
  }
  const audit = async (login: string | null, decisions: ReadonlyMap<string, { allowed: boolean; reason: string }>, results: number): Promise<void> => {
    for (const [repository, id] of installations) {
      const d = decisions.get(repository) ?? { allowed: false, reason: 'unknown' };
      await deps.audit(id, { route: url.pathname, query: url.searchParams, repository, login, allowed: d.allowed, reason: d.reason, results: d.allowed ? results : 0 });
    }
  };
  const all = (reason: string) => new Map([...installations.keys()].map((r) => [r, { allowed: false, reason }]));

  const who = await deps.identify(req);
  if (!who.ok) {
    await audit(who.login, all(who.reason), 0);
    const message = who.reason === 'no-credentials' ? 'sign in with GitHub, or send Authorization: Bearer <GitHub user token>'
      : who.reason === 'session-expired' ? 'your session expired; sign in again'
        : who.reason === 'token-rejected' ? 'GitHub did not accept the token (revoked or expired); sign in again'
          : 'the session cookie is not valid; sign in again';
    return refuse(401, message, { 'www-authenticate': 'Bearer realm="trailmark"' });
  }

  const decisions = new Map<string, { allowed: boolean; reason: string }>();
  for (const [repository, id] of installations) {
    const [owner, repo] = split(repository);
    const role = await deps.roleOf(id, owner, repo, who.login);
    const team = deps.auditorsTeam;
    decisions.set(repository, await decideAccess(role, team === null ? null : { name: team.name, member: () => team.member(id, who.login) }));
  }
  const refused = [...decisions].filter(([, d]) => !d.allowed).map(([r]) => r);
  if (refused.length > 0) {
    // The whole request is refused: the allowed repositories of it are recorded as refused too.
    const recorded = new Map([...decisions].map(([r, d]) => [r, d.allowed ? { allowed: false, reason: 'refused-with-other-repositories' } : d]));
    await audit(who.login, recorded, 0);
    return refuse(403, `${who.login} needs admin or maintain${deps.auditorsTeam === null ? '' : ` or membership in ${deps.auditorsTeam.name}`} on ${refused.join(', ')}`);
  }

  const ledgers = [...new Set(installations.values())].sort((a, b) => a - b).map((installationId) => ({ installationId, dir: deps.ledgerDir(installationId) }));
  try {
    if (parsed.route === 'blame') {
      const out = await deps.views.blame({ ledgers, repository: parsed.repositories[0], path: parsed.path, startLine: parsed.startLine, endLine: parsed.endLine });
      await audit(who.login, decisions, out.results);
      return sendJson(res, 200, out.body);
    }
    const request: ReportRequest = { ledgers, repositories: parsed.repositories, week: parsed.week };
    if (parsed.route === 'dashboard') {
      const out = await deps.views.dashboard(request);
      await audit(who.login, decisions, out.results);
      return sendBody(res, 200, 'text/html; charset=utf-8', out.html, { 'content-security-policy': dashboardPolicy(out.html) });
    }
    const out = await deps.views.report(request, parsed.format);
    await audit(who.login, decisions, out.results);
    return sendBody(res, 200, out.contentType, out.body);
  } catch (err) {
    // A usage error of the engine (a week it cannot build) is the caller's; it is still recorded.
    if (err instanceof UsageError) {
      await audit(who.login, new Map([...decisions].map(([r]) => [r, { allowed: false, reason: 'bad-request' }])), 0);
      return sendJson(res, 400, { error: err.message });
    }
    throw err;
  }
}

/**
 * The dashboard's Content-Security-Policy header: nothing from the network; its own inline
 * scripts and style sheets by hash (sha256 of each `<script>` and `<style>` element's text,
 * computed over the HTML served, as the page's own meta policy does); images only as data:
 * URLs. The page's meta policy applies as well: a browser enforces both.
 */
export function dashboardPolicy(html: string): string {
  // The HTML is ours (renderDashboard escapes every untrusted value), so its script and style
  // elements are exactly the ones it wrote.
  const hashes = (tag: string) => [...html.matchAll(tag === 'script' ? /<script\b[^>]*>([\s\S]*?)<\/script>/gi : /<style\b[^>]*>([\s\S]*?)<\/style>/gi)].map((m) => `'sha256-${sha256Base64(m[1] ?? '')}'`);
  const scripts = hashes('script');
  const styles = hashes('style');
  return `default-src 'none'; script-src ${scripts.length === 0 ? "'none'" : scripts.join(' ')}; style-src ${styles.length === 0 ? "'none'" : styles.join(' ')}; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`;
}

function sha256Base64(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

/** The route: false for any other request. A failure answers 500 (nothing served unaudited). */
export function accessRoute(deps: AccessRouteDependencies) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = new URL(req.url ?? '/', 'http://app');
    if (url.pathname !== DASHBOARD_PATH && url.pathname !== REPORT_API_PATH && url.pathname !== BLAME_API_PATH) return false;
    if (req.method !== 'GET') {
      sendJson(res, 405, { error: `${url.pathname} answers GET only` }, { allow: 'GET' });
      return true;
    }
    let parsed: Parsed | null;
    try {
      parsed = parse(url.pathname, url);
    } catch (err) {
      if (!(err instanceof BadRequest)) throw err;
      sendJson(res, 400, { error: err.message });
      return true;
    }
    if (parsed === null) return false;
    handleAccess(req, res, url, parsed, deps).catch((err: unknown) => {
      deps.log(`trailmark access: ${url.pathname}: ${describeError(err)}`);
      if (!res.headersSent) res.writeHead(500, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' }).end('{"error":"the request failed; nothing was served"}\n');
    });
    return true;
  };
}
