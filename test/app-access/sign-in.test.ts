// The dashboard's sign-in, end to end: the App's OAuth web flow against a local OAuth edge
// (authorize + access_token; the token is a simulator user token), then the session cookie on
// the App's routes, whose GitHub side (GET /user, collaborator role) is the simulator. Tampered,
// expired, replayed-kind and state-mismatched cookies are refused and audited.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CookieCodec } from '../../app/auth/session.js';
import { systemRandom } from '../../src/core/ports.js';
import { installSim, simScript, simUnavailable, startSim, type RunningSim } from '../support/github-sim.js';
import { accessEntries, build, ledgerKeys, matrixScenario, SESSION_SECRET, startApp, startOAuthEdge, userToken, verifyLedger, type AppProcess, type Keys, type OAuthEdge } from './support.js';

const unavailable = simUnavailable();
const BLAME = '/trailmark/api/blame?repo=acme/widgets&path=src/math.ts&start=1&end=40';
const QUERY = { repo: 'acme/widgets', path: 'src/math.ts', start: '1', end: '40' };

function cookieOf(res: Response, name: string): { value: string; attributes: string } | undefined {
  for (const line of res.headers.getSetCookie()) {
    if (line.startsWith(`${name}=`)) {
      const semi = line.indexOf(';');
      return { value: line.slice(name.length + 1, semi), attributes: line.slice(semi + 1).trim() };
    }
  }
  return undefined;
}

describe.skipIf(unavailable !== undefined)('audited access: GitHub sign-in (OAuth web flow) and the session cookie', () => {
  let sim: RunningSim;
  let app: AppProcess;
  let edge: OAuthEdge;
  let keys: Keys;

  beforeAll(async () => {
    await build();
    keys = await ledgerKeys();
    sim = await startSim({ scenario: await matrixScenario(await installSim()) });
    edge = await startOAuthEdge(sim);
    app = await startApp(sim, keys, { oauthBaseUrl: edge.url });
    const sent = await simScript('send-webhook.mjs', ['--url', app.hook, '--sim', sim.url, '--event', 'pull_request', '--action', 'opened']);
    expect(sent.code, sent.stdout + sent.stderr).toBe(0);
    await app.idle();
  });
  afterAll(async () => {
    await app?.stop();
    await edge?.stop();
    await sim?.stop();
  });

  /** The browser's round trip: login → authorize → callback; returns the session cookie and where it was sent back. */
  async function signIn(login: string, returnPath: string): Promise<{ session: string; attributes: string; location: string }> {
    edge.nextLogin = login;
    const start = await fetch(`${app.url}/trailmark/login?return=${encodeURIComponent(returnPath)}`, { redirect: 'manual' });
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${edge.url}/login/oauth/authorize`);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${app.url}/trailmark/callback`);
    expect(authorize.searchParams.get('state')!.length).toBeGreaterThanOrEqual(43);
    const state = cookieOf(start, 'trailmark_oauth_state')!;
    expect(state.attributes).toContain('HttpOnly');
    const back = await fetch(authorize, { redirect: 'manual' });
    expect(back.status).toBe(302);
    const done = await fetch(back.headers.get('location')!, { redirect: 'manual', headers: { cookie: `trailmark_oauth_state=${state.value}` } });
    expect(done.status, await done.clone().text()).toBe(303);
    const session = cookieOf(done, 'trailmark_session')!;
    expect(cookieOf(done, 'trailmark_oauth_state')?.attributes).toContain('Max-Age=0');
    return { session: session.value, attributes: session.attributes, location: done.headers.get('location')! };
  }

  test('a maintainer signs in through the web flow (state, PKCE S256) and reads with the session cookie; a reader signs in and is refused', async () => {
    const before = (await accessEntries(app)).length;
    const mona = await signIn('mona', BLAME);
    expect(mona.location).toBe(BLAME);
    expect(mona.attributes).toBe('Path=/trailmark; Max-Age=28800; HttpOnly; SameSite=Lax');
    // The token is sealed, not readable in the cookie.
    expect(Buffer.from(mona.session.split('.')[1]!, 'base64url').toString()).not.toContain('ghu_');
    expect(edge.exchanges.at(-1)).toMatchObject({ pkce: true, redirectUri: `${app.url}/trailmark/callback` });
    const served = await fetch(`${app.url}${BLAME}`, { headers: { cookie: `trailmark_session=${mona.session}` } });
    expect(served.status).toBe(200);
    const results = ((await served.json()) as { matches: unknown[] }).matches.length;
    expect(results).toBeGreaterThan(0);

    const erin = await signIn('erin', BLAME);
    const refused = await fetch(`${app.url}${BLAME}`, { headers: { cookie: `trailmark_session=${erin.session}` } });
    expect(refused.status).toBe(403);

    // An absolute or protocol-relative return address is not followed (no open redirect).
    expect((await signIn('mona', 'https://evil.example/x')).location).toBe('/trailmark/dashboard');
    expect((await signIn('mona', '//evil.example/x')).location).toBe('/trailmark/dashboard');

    expect((await accessEntries(app)).slice(before)).toEqual([
      { route: '/trailmark/api/blame', query: QUERY, repository: 'acme/widgets', allowed: true, reason: 'role:maintain', results, user: 'mona' },
      { route: '/trailmark/api/blame', query: QUERY, repository: 'acme/widgets', allowed: false, reason: 'role:read', results: 0, user: 'erin' },
    ]);
  });

  test('a tampered cookie, a cookie of another kind, an expired session and a revoked token are refused (401) and audited', async () => {
    const before = (await accessEntries(app)).length;
    const mona = await signIn('mona', BLAME);
    const [v, payload, mac] = mona.session.split('.') as [string, string, string];
    // Claim to be olivia (admin) with mona's sealed token: the MAC no longer matches.
    const forgedPayload = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('"mona"', '"olivia"')).toString('base64url');
    const tampered = await fetch(`${app.url}${BLAME}`, { headers: { cookie: `trailmark_session=${v}.${forgedPayload}.${mac}` } });
    expect(tampered.status).toBe(401);
    // A state cookie is signed with the same key but for another purpose.
    const start = await fetch(`${app.url}/trailmark/login`, { redirect: 'manual' });
    const stateValue = cookieOf(start, 'trailmark_oauth_state')!.value;
    expect((await fetch(`${app.url}${BLAME}`, { headers: { cookie: `trailmark_session=${stateValue}` } })).status).toBe(401);
    // Sealed with the App's secret 9 hours ago: authentic, but past the 8-hour lifetime.
    const past = new CookieCodec(SESSION_SECRET, { now: () => Date.now() - 9 * 3600_000 }, systemRandom).seal('mona', await userToken(sim, 'mona'));
    const expired = await fetch(`${app.url}/trailmark/dashboard?repo=acme/widgets`, { headers: { cookie: `trailmark_session=${past}` } });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('content-type')).toContain('text/html');
    expect(await expired.text()).toContain('your session expired; sign in again');
    // A well-formed session whose token GitHub no longer accepts.
    const revoked = new CookieCodec(SESSION_SECRET, { now: () => Date.now() }, systemRandom).seal('mona', 'ghu_revoked');
    expect((await fetch(`${app.url}${BLAME}`, { headers: { cookie: `trailmark_session=${revoked}` } })).status).toBe(401);

    expect((await accessEntries(app)).slice(before)).toEqual([
      { route: '/trailmark/api/blame', query: QUERY, repository: 'acme/widgets', allowed: false, reason: 'session-invalid', results: 0, user: null },
      { route: '/trailmark/api/blame', query: QUERY, repository: 'acme/widgets', allowed: false, reason: 'session-invalid', results: 0, user: null },
      { route: '/trailmark/dashboard', query: { repo: 'acme/widgets' }, repository: 'acme/widgets', allowed: false, reason: 'session-expired', results: 0, user: 'mona' },
      { route: '/trailmark/api/blame', query: QUERY, repository: 'acme/widgets', allowed: false, reason: 'token-rejected', results: 0, user: 'mona' },
    ]);
  });

  test('a callback whose state differs from the browser\'s, or comes without one, is refused; the one naming a repository is audited', async () => {
    const before = (await accessEntries(app)).length;
    const start = await fetch(`${app.url}/trailmark/login?return=${encodeURIComponent('/trailmark/dashboard?repo=acme/widgets')}`, { redirect: 'manual' });
    const state = cookieOf(start, 'trailmark_oauth_state')!.value;
    const mismatch = await fetch(`${app.url}/trailmark/callback?code=abc&state=not-the-state`, { redirect: 'manual', headers: { cookie: `trailmark_oauth_state=${state}` } });
    expect(mismatch.status).toBe(400);
    expect(cookieOf(mismatch, 'trailmark_session')).toBeUndefined();
    const missing = await fetch(`${app.url}/trailmark/callback?code=abc&state=whatever`, { redirect: 'manual' });
    expect(missing.status).toBe(400);
    // The log line travels through the child's stdout pipe: it may arrive after the answer.
    for (let i = 0; i < 50 && !app.log().includes('sign-in refused (state-mismatch)'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(app.log()).toContain('sign-in refused (state-mismatch); no installation ledger to record it in');
    // The right state but a code the edge never issued: the exchange fails.
    const again = await fetch(`${app.url}/trailmark/login?return=${encodeURIComponent('/trailmark/dashboard?repo=acme/widgets')}`, { redirect: 'manual' });
    const issued = new URL(again.headers.get('location')!).searchParams.get('state')!;
    const badCode = await fetch(`${app.url}/trailmark/callback?code=never-issued&state=${encodeURIComponent(issued)}`, { redirect: 'manual', headers: { cookie: `trailmark_oauth_state=${cookieOf(again, 'trailmark_oauth_state')!.value}` } });
    expect(badCode.status).toBe(401);
    expect((await accessEntries(app)).slice(before)).toEqual([
      { route: '/trailmark/callback', query: {}, repository: 'acme/widgets', allowed: false, reason: 'state-mismatch', results: 0, user: null },
      { route: '/trailmark/callback', query: {}, repository: 'acme/widgets', allowed: false, reason: 'oauth-exchange-failed', results: 0, user: null },
    ]);
  });

  test('unauthenticated dashboard: a 401 page linking to the sign-in; logout clears the session cookie; the ledger verifies', async () => {
    const page = await fetch(`${app.url}/trailmark/dashboard?repo=acme/widgets`);
    expect(page.status).toBe(401);
    expect(await page.text()).toContain(`<a href="/trailmark/login?return=%2Ftrailmark%2Fdashboard%3Frepo%3Dacme%2Fwidgets">Sign in with GitHub</a>`);
    const out = await fetch(`${app.url}/trailmark/logout`, { method: 'POST' });
    expect(out.status).toBe(200);
    expect(cookieOf(out, 'trailmark_session')?.attributes).toContain('Max-Age=0');
    await verifyLedger(app, keys);
    const violations = await sim.violations();
    const forged = violations.filter((v) => v.path === '/user' && v.status === 401);
    expect(forged).toHaveLength(1); // the test's own 'ghu_revoked'
    expect(violations.filter((v) => !forged.includes(v))).toEqual([]);
  });
});
