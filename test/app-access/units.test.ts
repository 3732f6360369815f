// Units of the audited access: the auditors-team lookup (nock, every call mocked), the access
// decision and entry, the session and state cookies, the sign-in settings, the dashboard's CSP.
import { createHash, randomBytes } from 'node:crypto';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { dashboardPolicy } from '../../app/access-route.js';
import { readSignInSettings } from '../../app/auth/settings.js';
import { CookieCodec, parseCookies, SESSION_MAX_AGE_MS } from '../../app/auth/session.js';
import { safeReturnPath } from '../../app/auth/sign-in.js';
import type { Random } from '../../src/core/ports.js';
import { accessDraft, decideAccess, recordedQuery, repositoryRole, RECORDED_QUERY_KEYS } from '../../src/engine/access.js';
import { createGitHubClient } from '../../src/github/client.js';
import { isActiveTeamMember, repositoryRoleName } from '../../src/github/teams.js';
import { bodyProblem } from '../../src/ledger/body.js';
import type { DraftContext } from '../../src/ledger/log.js';

const API = 'https://api.github.com';
const client = () => createGitHubClient({ token: 'ghs_installation', sleep: () => Promise.resolve() });

describe('auditors team membership (GET /orgs/{org}/teams/{slug}/memberships/{user})', () => {
  beforeEach(() => nock.disableNetConnect());
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  test.each([
    [200, { state: 'active', role: 'member', url: '' }, true],
    [200, { state: 'pending', role: 'member', url: '' }, false],
    [404, { message: 'Not Found' }, false],
  ] as const)('status %i %j → member %s', async (status, body, member) => {
    const scope = nock(API).get('/orgs/octo-org/teams/auditors/memberships/mona').reply(status, body);
    expect(await isActiveTeamMember(client(), { org: 'octo-org', slug: 'auditors' }, 'mona')).toBe(member);
    expect(scope.pendingMocks()).toEqual([]);
  });

  test('a 403 (the App lacks members: read) is an error, not a silent refusal', async () => {
    const scope = nock(API).get('/orgs/octo-org/teams/auditors/memberships/mona').reply(403, { message: 'Resource not accessible by integration' });
    await expect(isActiveTeamMember(client(), { org: 'octo-org', slug: 'auditors' }, 'mona')).rejects.toThrow(/status 403/);
    expect(scope.pendingMocks()).toEqual([]);
  });

  test('role_name is read from the collaborator permission API; 404 is none', async () => {
    const scope = nock(API)
      .get('/repos/acme/widgets/collaborators/mona/permission').reply(200, { permission: 'write', role_name: 'maintain', user: { login: 'mona' } })
      .get('/repos/acme/widgets/collaborators/ghost/permission').reply(404, { message: 'Not Found' });
    expect(await repositoryRoleName(client(), 'acme', 'widgets', 'mona')).toBe('maintain');
    expect(await repositoryRoleName(client(), 'acme', 'widgets', 'ghost')).toBe('none');
    expect(scope.pendingMocks()).toEqual([]);
  });
});

describe('the access decision', () => {
  const team = (member: boolean) => {
    const asked: string[] = [];
    return { asked, team: { name: 'octo-org/auditors', member: () => (asked.push('asked'), Promise.resolve(member)) } };
  };
  test.each([
    ['admin', null, { allowed: true, reason: 'role:admin' }],
    ['maintain', null, { allowed: true, reason: 'role:maintain' }],
    ['write', null, { allowed: false, reason: 'role:write' }],
    ['triage', null, { allowed: false, reason: 'role:triage' }],
    ['read', null, { allowed: false, reason: 'role:read' }],
    ['none', null, { allowed: false, reason: 'role:none' }],
    ['read', true, { allowed: true, reason: 'auditors-team:octo-org/auditors' }],
    ['none', false, { allowed: false, reason: 'role:none' }],
  ] as const)('%s, team member %s → %j', async (role, member, decision) => {
    const t = member === null ? null : team(member);
    expect(await decideAccess(role, t?.team ?? null)).toEqual(decision);
  });
  test('the team is not asked when the role suffices', async () => {
    const t = team(true);
    await decideAccess('admin', t.team);
    expect(t.asked).toEqual([]);
  });
  test('custom and unknown role names are none', () => {
    expect(['admin', 'maintain', 'write', 'triage', 'read', 'security-manager', 42, null].map(repositoryRole)).toEqual(['admin', 'maintain', 'write', 'triage', 'read', 'none', 'none', 'none']);
  });
});

describe('the access entry', () => {
  const ctx: DraftContext = { previous: [], seq: 7, commit: (value) => `sha256:${Buffer.from(value.padEnd(32, '.')).toString('hex').slice(0, 64)}` };
  const build = (draft: ReturnType<typeof accessDraft>) => (typeof draft.body === 'function' ? draft.body(ctx) : draft.body);

  test('keeps only the route\'s query parameters, joins repeats, bounds values; the login only as a commitment; valid against the schema', () => {
    const body = build(accessDraft({
      route: '/trailmark/dashboard',
      query: [['repo', 'acme/widgets'], ['repo', 'acme/api'], ['token', 'ghu_secret'], ['code', 'x'], ['week', '2026-W49'], ['path', 'a'.repeat(600)]],
      repository: 'acme/widgets', login: 'mona', allowed: true, reason: 'role:maintain', results: 12,
    }));
    expect(body).toMatchObject({ schema: 'trailmark.access/v1', route: '/trailmark/dashboard', repository: 'acme/widgets', allowed: true, reason: 'role:maintain', results: 12 });
    expect(body.query).toEqual({ path: 'a'.repeat(512), repo: 'acme/widgets,acme/api', week: '2026-W49' });
    expect(JSON.stringify(body)).not.toContain('mona');
    expect(JSON.stringify(body)).not.toContain('ghu_secret');
    expect(body.subjects).toEqual({ user: ctx.commit('mona') });
    expect(bodyProblem('access', body)).toBeNull();
  });

  test('an unidentified caller has no subject; the schema refuses unknown fields and unbounded queries', () => {
    const body = build(accessDraft({ route: '/trailmark/api/blame', query: [], repository: null, login: null, allowed: false, reason: 'no-credentials', results: 0 }));
    expect(body.subjects).toEqual({});
    expect(bodyProblem('access', body)).toBeNull();
    expect(bodyProblem('access', { ...body, login: 'mona' })).toMatch(/additional properties/);
    expect(bodyProblem('access', { ...body, query: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) })).toMatch(/more than 16/);
    expect(bodyProblem('access', { ...body, query: { Token: 'x' } })).toMatch(/must match pattern/);
  });

  test('recordedQuery keeps at most 16 sorted keys of the known names', () => {
    expect(Object.keys(recordedQuery(RECORDED_QUERY_KEYS.map((k) => [k, 'v'] as const), RECORDED_QUERY_KEYS))).toEqual([...RECORDED_QUERY_KEYS].sort());
  });
});

describe('session and state cookies', () => {
  const secret = 'x'.repeat(40);
  const random: Random = { bytes: (n) => new Uint8Array(randomBytes(n)) };
  let now = 1_800_000_000_000;
  const clock = { now: () => now };
  beforeEach(() => {
    now = 1_800_000_000_000;
  });

  test('a sealed session opens with the same secret, not with another; the token is not readable', () => {
    const value = new CookieCodec(secret, clock, random).seal('mona', 'ghu_token123');
    expect(new CookieCodec(secret, clock, random).open(value)).toEqual({ ok: true, value: { login: 'mona', token: 'ghu_token123', issuedAt: now, expiresAt: now + SESSION_MAX_AGE_MS } });
    expect(new CookieCodec('y'.repeat(40), clock, random).open(value)).toEqual({ ok: false, reason: 'session-invalid', login: null });
    expect(Buffer.from(value.split('.')[1]!, 'base64url').toString()).not.toContain('ghu_token123');
  });

  test('expiry: valid until 8 hours, then expired with the login kept for the audit', () => {
    const codec = new CookieCodec(secret, clock, random);
    const value = codec.seal('mona', 'ghu_t');
    now += SESSION_MAX_AGE_MS - 1;
    expect(codec.open(value).ok).toBe(true);
    now += 1;
    expect(codec.open(value)).toEqual({ ok: false, reason: 'session-expired', login: 'mona' });
  });

  test('every tampering is refused: payload, MAC, version, truncation, oversize, state cookie as session', () => {
    const codec = new CookieCodec(secret, clock, random);
    const value = codec.seal('mona', 'ghu_t');
    const [v, payload, mac] = value.split('.') as [string, string, string];
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    for (const bad of [`${v}.${flip(payload, 5)}.${mac}`, `${v}.${payload}.${flip(mac, 3)}`, `v2.${payload}.${mac}`, `${v}.${payload}`, `${value}.x`, 'x'.repeat(5000), '', codec.sealState('/trailmark/dashboard').cookie]) {
      expect(codec.open(bad)).toMatchObject({ ok: false, reason: 'session-invalid' });
    }
    expect(codec.openState(value)).toMatchObject({ ok: false, reason: 'session-invalid' });
  });

  test('a state cookie carries a 43-character random state and verifier and expires after 10 minutes', () => {
    const codec = new CookieCodec(secret, clock, random);
    const { cookie, state } = codec.sealState('/trailmark/dashboard?repo=a/b');
    expect(state.state).toHaveLength(43);
    expect(state.verifier).toHaveLength(43);
    expect(codec.openState(cookie)).toEqual({ ok: true, value: state });
    now += 10 * 60 * 1000;
    expect(codec.openState(cookie)).toMatchObject({ ok: false, reason: 'session-expired' });
  });

  test('cookie header parsing keeps the first of duplicates', () => {
    expect([...parseCookies('a=1; trailmark_session=v1.x.y; a=2; junk')]).toEqual([['a', '1'], ['trailmark_session', 'v1.x.y']]);
  });

  test('return paths stay on /trailmark/', () => {
    expect(['/trailmark/dashboard?repo=a/b', 'https://evil.example/', '//evil.example/', '/trailmark/..//evil', '/\\evil', '/trailmark/\u0000', null].map(safeReturnPath))
      .toEqual(['/trailmark/dashboard?repo=a/b', '/trailmark/dashboard', '/trailmark/dashboard', '/trailmark/dashboard', '/trailmark/dashboard', '/trailmark/dashboard', '/trailmark/dashboard']);
  });
});

describe('sign-in settings', () => {
  const full = { GITHUB_CLIENT_ID: 'Iv1.x', GITHUB_CLIENT_SECRET: 's', TRAILMARK_SESSION_SECRET: 'z'.repeat(32), TRAILMARK_PUBLIC_URL: 'https://trailmark.example.com/' };
  test('github.com, GHES and the override as the OAuth web base', () => {
    expect(readSignInSettings({})).toEqual({ webFlow: null, oauthBaseUrl: 'https://github.com', auditorsTeam: null });
    expect(readSignInSettings({ GHE_HOST: 'ghe.example.com' }).oauthBaseUrl).toBe('https://ghe.example.com');
    expect(readSignInSettings({ GHE_HOST: 'ghe.example.com', GHE_PROTOCOL: 'http', TRAILMARK_OAUTH_BASE_URL: 'http://127.0.0.1:9/' }).oauthBaseUrl).toBe('http://127.0.0.1:9');
  });
  test('the web flow needs all four settings; the public URL loses its trailing slash', () => {
    expect(readSignInSettings(full).webFlow).toEqual({ clientId: 'Iv1.x', clientSecret: 's', sessionSecret: 'z'.repeat(32), publicUrl: 'https://trailmark.example.com' });
    expect(() => readSignInSettings({ ...full, GITHUB_CLIENT_SECRET: '' })).toThrow(/partly configured: GITHUB_CLIENT_SECRET not set/);
    // The weekly report's dashboard link uses the public URL alone: that is not a partial sign-in.
    expect(readSignInSettings({ TRAILMARK_PUBLIC_URL: 'https://trailmark.example.com' }).webFlow).toBeNull();
    expect(() => readSignInSettings({ ...full, TRAILMARK_PUBLIC_URL: '' })).toThrow(/partly configured: TRAILMARK_PUBLIC_URL not set/);
    expect(() => readSignInSettings({ ...full, TRAILMARK_SESSION_SECRET: 'short' })).toThrow(/shorter than 32/);
    expect(() => readSignInSettings({ ...full, TRAILMARK_PUBLIC_URL: 'ftp://x' })).toThrow(/not an http\(s\) URL/);
  });
  test('the auditors team is ORG/SLUG', () => {
    expect(readSignInSettings({ TRAILMARK_AUDITORS_TEAM: 'octo-org/security-auditors' }).auditorsTeam).toEqual({ org: 'octo-org', slug: 'security-auditors' });
    for (const bad of ['octo-org', 'octo-org/a/b', '/x', 'o rg/x']) expect(() => readSignInSettings({ TRAILMARK_AUDITORS_TEAM: bad })).toThrow(/is not ORG\/TEAM-SLUG/);
  });
});

test('the dashboard CSP allows exactly the page\'s own scripts and styles by hash', () => {
  const h = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
  const policy = dashboardPolicy('<style>a{}</style><script type="application/json">{}</script><script>go()</script>');
  expect(policy).toBe(`default-src 'none'; script-src ${h('{}')} ${h('go()')}; style-src ${h('a{}')}; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`);
  expect(dashboardPolicy('<p>no script</p>')).toContain("script-src 'none'; style-src 'none'");
});
