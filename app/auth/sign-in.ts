// Sign-in for the dashboard: the GitHub App's OAuth web flow (user-to-server tokens), and the
// caller's identity on every request (session cookie or `Authorization: Bearer`).
//   GET  /trailmark/login?return=/trailmark/...  -> 302 to <web>/login/oauth/authorize (state + PKCE S256)
//   GET  /trailmark/callback?code&state          -> code exchanged at <web>/login/oauth/access_token,
//                                                   GET /user, session cookie, 303 back
//   POST /trailmark/logout                       -> session cookie cleared
// The state is random, kept in a signed 10-minute cookie and compared on return; a missing,
// forged, expired or different state is refused (and audited when the sign-in named a repository).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual, createHash } from 'node:crypto';
import { describeError } from '../../src/core/errors.js';
import { hasControl, htmlText, sendJson, sendPage } from '../access-http.js';
import { parseCookies, SESSION_MAX_AGE_MS, setCookie, STATE_MAX_AGE_MS, type CookieCodec } from './session.js';
import type { SignInSettings } from './settings.js';

export const LOGIN_PATH = '/trailmark/login';
export const CALLBACK_PATH = '/trailmark/callback';
export const LOGOUT_PATH = '/trailmark/logout';
export const SESSION_COOKIE = 'trailmark_session';
export const STATE_COOKIE = 'trailmark_oauth_state';
const COOKIE_PATH = '/trailmark';
const DEFAULT_RETURN = '/trailmark/dashboard';

/** Who is asking: a login with a working token, or why not (the login when an expired cookie named one). */
export type Identity =
  | { readonly ok: true; readonly login: string; readonly token: string }
  | { readonly ok: false; readonly reason: 'no-credentials' | 'session-invalid' | 'session-expired' | 'token-rejected'; readonly login: string | null };

/** A refused sign-in callback, for the audit trail (`repository` from the signed return path, when known). */
export interface SignInRefusal {
  readonly repository: string | null;
  readonly reason: string;
  readonly query: Iterable<readonly [string, string]>;
}

export interface SignInDependencies {
  readonly settings: SignInSettings;
  /** Null when the web flow is not configured (then only bearer tokens identify callers). */
  readonly codec: CookieCodec | null;
  /** GET /user with the token: the login, or null when GitHub does not accept the token (401). */
  readonly userOf: (token: string) => Promise<string | null>;
  readonly auditRefusal: (refusal: SignInRefusal) => Promise<void>;
  /** The code exchange's HTTP client (global fetch). */
  readonly fetch: typeof fetch;
  readonly log: (line: string) => void;
}

/** A return path after sign-in: only our own pages (no open redirect to another origin). */
export function safeReturnPath(value: string | null): string {
  if (value === null || !value.startsWith('/trailmark/') || value.includes('\\') || value.includes('//') || hasControl(value)) return DEFAULT_RETURN;
  return value.length > 2000 ? DEFAULT_RETURN : value;
}

/** The first `repo` of a return path (for auditing a refused callback), when it has one. */
function repositoryOfReturn(returnTo: string): string | null {
  const repo = new URL(returnTo, 'http://return').searchParams.get('repo');
  return repo === null || repo === '' ? null : repo;
}

function bearerOf(req: IncomingMessage): string | null {
  const auth = req.headers.authorization ?? '';
  const token = auth.startsWith('Bearer ') ? auth.slice(7).trim() : auth.startsWith('token ') ? auth.slice(6).trim() : '';
  return token === '' ? null : token;
}

/**
 * The caller: `Authorization: Bearer <user token>` first, else the session cookie. The token is
 * checked with GitHub on every request (GET /user), so a revoked token or an uninstalled App
 * stops access at once, whatever the cookie says.
 */
export async function identify(req: IncomingMessage, deps: Pick<SignInDependencies, 'codec' | 'userOf'>): Promise<Identity> {
  const bearer = bearerOf(req);
  if (bearer !== null) {
    const login = await deps.userOf(bearer);
    return login === null ? { ok: false, reason: 'token-rejected', login: null } : { ok: true, login, token: bearer };
  }
  const cookie = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
  if (cookie === undefined || cookie === '') return { ok: false, reason: 'no-credentials', login: null };
  if (deps.codec === null) return { ok: false, reason: 'session-invalid', login: null };
  const opened = deps.codec.open(cookie);
  if (!opened.ok) return { ok: false, reason: opened.reason, login: opened.login };
  const login = await deps.userOf(opened.value.token);
  if (login === null) return { ok: false, reason: 'token-rejected', login: opened.value.login };
  // GitHub logins are case-insensitive; a token of another user than the sealed login is a forgery.
  if (login.toLowerCase() !== opened.value.login.toLowerCase()) return { ok: false, reason: 'session-invalid', login: opened.value.login };
  return { ok: true, login, token: opened.value.token };
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Handles the three sign-in routes; false for any other request. */
export function signInRoute(deps: SignInDependencies) {
  const web = deps.settings.webFlow;
  const secure = web !== null && web.publicUrl.startsWith('https:');
  const redirectUri = web === null ? '' : `${web.publicUrl}${CALLBACK_PATH}`;
  const clearState = setCookie(STATE_COOKIE, '', { maxAgeSeconds: 0, secure, path: COOKIE_PATH });

  const login = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    if (web === null || deps.codec === null) return sendJson(res, 404, { error: 'sign-in is not configured on this App (GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET, TRAILMARK_SESSION_SECRET, TRAILMARK_PUBLIC_URL); use Authorization: Bearer <GitHub user token>' });
    const { cookie, state } = deps.codec.sealState(safeReturnPath(url.searchParams.get('return')));
    const authorize = new URL(`${deps.settings.oauthBaseUrl}/login/oauth/authorize`);
    authorize.searchParams.set('client_id', web.clientId);
    authorize.searchParams.set('redirect_uri', redirectUri);
    authorize.searchParams.set('state', state.state);
    authorize.searchParams.set('code_challenge', createHash('sha256').update(state.verifier).digest('base64url'));
    authorize.searchParams.set('code_challenge_method', 'S256');
    authorize.searchParams.set('allow_signup', 'false');
    res.writeHead(302, {
      location: authorize.toString(),
      'set-cookie': setCookie(STATE_COOKIE, cookie, { maxAgeSeconds: STATE_MAX_AGE_MS / 1000, secure, path: COOKIE_PATH }),
      'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff',
    }).end();
  };

  const callback = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (web === null || deps.codec === null) return sendJson(res, 404, { error: 'sign-in is not configured on this App' });
    // `code` and `state` are attacker-controlled (anyone can send a link to this URL).
    const code = url.searchParams.get('code') ?? '';
    const returned = url.searchParams.get('state') ?? '';
    const stateCookie = parseCookies(req.headers.cookie).get(STATE_COOKIE) ?? '';
    const opened = stateCookie === '' ? null : deps.codec.openState(stateCookie);
    const repository = opened?.ok === true ? repositoryOfReturn(opened.value.returnTo) : null;
    const refuse = async (status: number, reason: string, message: string): Promise<void> => {
      await deps.auditRefusal({ repository, reason, query: [] });
      sendPage(res, status, 'Sign-in refused', [htmlText(message), `<a href="${htmlText(LOGIN_PATH)}">Sign in again</a>`], { 'set-cookie': clearState });
    };
    if (opened === null || !opened.ok || returned === '' || !sameString(returned, opened.value.state)) {
      return refuse(400, opened?.ok === false && opened.reason === 'session-expired' ? 'state-expired' : 'state-mismatch', 'The sign-in could not be matched to this browser (state missing, expired or different).');
    }
    if (url.searchParams.has('error') || code === '') return refuse(401, 'oauth-denied', 'GitHub did not authorize the sign-in.');
    let token: string | null = null;
    try {
      const answer = await deps.fetch(`${deps.settings.oauthBaseUrl}/login/oauth/access_token`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: web.clientId, client_secret: web.clientSecret, code, redirect_uri: redirectUri, code_verifier: opened.value.verifier }),
      });
      const data = (await answer.json()) as { access_token?: unknown };
      token = answer.ok && typeof data.access_token === 'string' && data.access_token !== '' ? data.access_token : null;
    } catch (err) {
      deps.log(`trailmark sign-in: code exchange failed: ${describeError(err)}`);
    }
    if (token === null) return refuse(401, 'oauth-exchange-failed', 'GitHub did not exchange the sign-in code for a token.');
    const user = await deps.userOf(token);
    if (user === null) return refuse(401, 'token-rejected', 'GitHub did not accept the token it issued.');
    res.writeHead(303, {
      location: opened.value.returnTo,
      'set-cookie': [clearState, setCookie(SESSION_COOKIE, deps.codec.seal(user, token), { maxAgeSeconds: SESSION_MAX_AGE_MS / 1000, secure, path: COOKIE_PATH })],
      'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff',
    }).end();
  };

  const logout = (res: ServerResponse): void => {
    sendPage(res, 200, 'Signed out', [`<a href="${htmlText(LOGIN_PATH)}">Sign in again</a>`], { 'set-cookie': setCookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure, path: COOKIE_PATH }) });
  };

  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = new URL(req.url ?? '/', 'http://app');
    const route = `${req.method ?? ''} ${url.pathname}`;
    if (route === `GET ${LOGIN_PATH}`) login(req, res, url);
    else if (route === `POST ${LOGOUT_PATH}`) logout(res);
    else if (route === `GET ${CALLBACK_PATH}`) {
      callback(req, res, url).catch((err: unknown) => {
        deps.log(`trailmark sign-in: ${describeError(err)}`);
        if (!res.headersSent) sendJson(res, 500, { error: 'sign-in failed' });
      });
    } else return false;
    return true;
  };
}
