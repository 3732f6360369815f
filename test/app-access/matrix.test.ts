// The authorization matrix of the dashboard's query endpoints, end to end: the shipped App
// (npm start) against the GitHub simulator, users with no access, read, write, maintain and
// admin (the scenario's collaborator roles), user tokens minted by the simulator. Every request
// must leave its `access` entry (who as a commitment opening to the login, route, query,
// result count, allowed, reason) and the ledger must still verify (`trailmark verify`).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isoWeekOf } from '../../src/report/week.js';
import { installSim, REPO_ROOT, simScript, simUnavailable, startSim, type RunningSim } from '../support/github-sim.js';
import { accessEntries, build, ledgerKeys, matrixScenario, startApp, userToken, verifyLedger, type AppProcess, type Keys } from './support.js';

const run = promisify(execFile);

const unavailable = simUnavailable();

const BLAME = '/trailmark/api/blame?repo=acme/widgets&path=src/math.ts&start=1&end=40';

describe.skipIf(unavailable !== undefined)('audited access: the authorization matrix on the simulator', () => {
  let sim: RunningSim;
  let app: AppProcess;
  let keys: Keys;

  beforeAll(async () => {
    await build();
    keys = await ledgerKeys();
    sim = await startSim({ scenario: await matrixScenario(await installSim()) });
    app = await startApp(sim, keys);
    // An analysis in the ledger, so that an allowed blame has something to count.
    const sent = await simScript('send-webhook.mjs', ['--url', app.hook, '--sim', sim.url, '--event', 'pull_request', '--action', 'opened']);
    expect(sent.code, sent.stdout + sent.stderr).toBe(0);
    await app.idle();
  });
  afterAll(async () => {
    await app?.stop();
    await sim?.stop();
  });

  test('none, read and write are refused (403), maintain and admin are served; unauthenticated and rejected tokens get 401; each request leaves one access entry', async () => {
    const roles = await sim.simInfo();
    expect(JSON.stringify(roles)).toContain('mona');
    const matrix: readonly { login: string; status: number; reason: string }[] = [
      { login: 'nora', status: 403, reason: 'role:none' },
      { login: 'erin', status: 403, reason: 'role:read' },
      { login: 'dave', status: 403, reason: 'role:write' },
      { login: 'mona', status: 200, reason: 'role:maintain' },
      { login: 'olivia', status: 200, reason: 'role:admin' },
    ];
    const before = (await accessEntries(app)).length;
    let served = 0;
    for (const row of matrix) {
      const res = await fetch(`${app.url}${BLAME}`, { headers: { authorization: `Bearer ${await userToken(sim, row.login)}` } });
      const body = (await res.json()) as { error?: string; matches?: unknown[]; schema?: string };
      expect(res.status, `${row.login}: ${JSON.stringify(body)}\n${app.log()}`).toBe(row.status);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      if (row.status === 200) {
        expect(body.schema).toBe('trailmark.blame.query/v1');
        expect(body.matches!.length).toBeGreaterThan(0);
        served = body.matches!.length;
      } else {
        expect(body.error).toContain(`${row.login} needs admin or maintain on acme/widgets`);
      }
    }
    const noCredentials = await fetch(`${app.url}${BLAME}`);
    expect(noCredentials.status).toBe(401);
    expect(noCredentials.headers.get('www-authenticate')).toBe('Bearer realm="trailmark"');
    const badToken = await fetch(`${app.url}${BLAME}`, { headers: { authorization: 'Bearer ghu_not-a-token' } });
    expect(badToken.status).toBe(401);

    const rows = (await accessEntries(app)).slice(before);
    const query = { repo: 'acme/widgets', path: 'src/math.ts', start: '1', end: '40' };
    expect(rows).toEqual([
      ...matrix.map((m) => ({ route: '/trailmark/api/blame', query, repository: 'acme/widgets', allowed: m.status === 200, reason: m.reason, results: m.status === 200 ? served : 0, user: m.login })),
      { route: '/trailmark/api/blame', query, repository: 'acme/widgets', allowed: false, reason: 'no-credentials', results: 0, user: null },
      { route: '/trailmark/api/blame', query, repository: 'acme/widgets', allowed: false, reason: 'token-rejected', results: 0, user: null },
    ]);
    await verifyLedger(app, keys);
  });

  test('bad parameters answer 400 with the problem and are not served; a repository without the App answers 404; other methods 405', async () => {
    const olivia = { authorization: `Bearer ${await userToken(sim, 'olivia')}` };
    const before = (await accessEntries(app)).length;
    for (const [path, problem] of [
      ['/trailmark/api/blame?path=src/math.ts&start=1', 'the repo query parameter is required'],
      ['/trailmark/api/blame?repo=acme&path=src/math.ts&start=1', 'is not OWNER/NAME'],
      ['/trailmark/api/blame?repo=acme/widgets&path=src/math.ts&start=0', 'start must be a line number'],
      ['/trailmark/api/blame?repo=acme/widgets&path=src/math.ts&start=9&end=3', 'end (3) is before start (9)'],
      ['/trailmark/api/blame?repo=acme/widgets&start=1', 'path must be a repository-relative file path'],
      ['/trailmark/api/report?repo=acme/widgets&format=xml', 'format "xml" is not json, csv or markdown'],
      ['/trailmark/api/report?repo=acme/widgets&week=2026-W60', 'is not an ISO week'],
      ['/trailmark/dashboard?repo=../etc', 'is not OWNER/NAME'],
    ] as const) {
      const res = await fetch(`${app.url}${path}`, { headers: olivia });
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain(problem);
    }
    const elsewhere = await fetch(`${app.url}/trailmark/api/blame?repo=someone/else&path=a.ts&start=1`, { headers: olivia });
    expect(elsewhere.status).toBe(404);
    for (let i = 0; i < 50 && !app.log().includes('someone/else: the App is not installed there'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(app.log()).toContain('someone/else: the App is not installed there');
    const post = await fetch(`${app.url}${BLAME}`, { method: 'POST', headers: olivia });
    expect(post.status).toBe(405);
    expect((await accessEntries(app)).length).toBe(before);
  });

  test('the dashboard and the report (json, markdown, csv) for the current week: served to an admin with security headers, refused to a reader, each audited with its result count', async () => {
    const week = isoWeekOf(Date.now());
    const olivia = { authorization: `Bearer ${await userToken(sim, 'olivia')}` };
    const before = (await accessEntries(app)).length;
    const json = await fetch(`${app.url}/trailmark/api/report?repo=acme/widgets&week=${week}&format=json`, { headers: olivia });
    expect(json.status, app.log()).toBe(200);
    expect(json.headers.get('content-type')).toContain('application/json');
    const model = (await json.json()) as { schema: string; cells: unknown[]; repositories: string[]; period: { week: string }; provenance: { ledgers: { verified: boolean }[] } };
    expect(model).toMatchObject({ schema: 'trailmark.report/v1', repositories: ['acme/widgets'], period: { week } });
    expect(model.provenance.ledgers.map((l) => l.verified)).toEqual([true]);
    expect(model.cells.length).toBeGreaterThan(0);

    const dashboard = await fetch(`${app.url}/trailmark/dashboard?repo=acme/widgets&week=${week}`, { headers: olivia });
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await dashboard.text();
    expect(html).toContain('<svg');
    const csp = dashboard.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]{44}'/);
    expect(csp).toContain("default-src 'none'");
    // Every script hash of the page's own meta policy is allowed by the header too.
    const meta = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)![1]!;
    for (const hash of meta.match(/'sha256-[^']+'/g) ?? []) expect(csp).toContain(hash);
    expect(dashboard.headers.get('cache-control')).toBe('no-store');

    const markdown = await fetch(`${app.url}/trailmark/api/report?repo=acme/widgets&week=${week}&format=markdown`, { headers: olivia });
    expect(markdown.headers.get('content-type')).toContain('text/markdown');
    expect(await markdown.text()).toContain('acme/widgets');
    const csv = await fetch(`${app.url}/trailmark/api/report?repo=acme/widgets&week=${week}&format=csv`, { headers: olivia });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const csvRows = (await csv.text()).split('\r\n').filter((l) => l !== '').length - 1;

    const erin = await fetch(`${app.url}/trailmark/dashboard?repo=acme/widgets&week=${week}`, { headers: { authorization: `Bearer ${await userToken(sim, 'erin')}` } });
    expect(erin.status).toBe(403);
    expect(await erin.text()).toContain('erin needs admin or maintain on acme/widgets');

    const base = { repository: 'acme/widgets', user: 'olivia', allowed: true, reason: 'role:admin' };
    expect((await accessEntries(app)).slice(before)).toEqual([
      { ...base, route: '/trailmark/api/report', query: { repo: 'acme/widgets', week, format: 'json' }, results: model.cells.length },
      { ...base, route: '/trailmark/dashboard', query: { repo: 'acme/widgets', week }, results: model.cells.length },
      { ...base, route: '/trailmark/api/report', query: { repo: 'acme/widgets', week, format: 'markdown' }, results: model.cells.length },
      { ...base, route: '/trailmark/api/report', query: { repo: 'acme/widgets', week, format: 'csv' }, results: csvRows },
      { route: '/trailmark/dashboard', query: { repo: 'acme/widgets', week }, repository: 'acme/widgets', user: 'erin', allowed: false, reason: 'role:read', results: 0 },
    ]);
    await verifyLedger(app, keys);
  });

  test('the simulator saw no product violation (the one rejected token is the test\'s own forgery)', async () => {
    const violations = await sim.violations();
    // The App must ask GitHub about the forged token to reject it: GitHub's 401 is the expected answer.
    const forged = violations.filter((v) => v.path === '/user' && v.status === 401);
    expect(forged).toHaveLength(1);
    expect(violations.filter((v) => !forged.includes(v))).toEqual([]);
  });

  test('erasing a login (trailmark erase --app-data, App stopped) shows [erased] in its access entries; the ledger still verifies', async () => {
    await app.stop();
    const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'bin/trailmark.js'), 'erase', '--app-data', app.dataDir, '--subject', 'mona', '--json'], { cwd: REPO_ROOT });
    expect(stdout).toContain('erased');
    const rows = await accessEntries(app);
    expect(rows.filter((r) => r.user === 'mona')).toEqual([]);
    expect(rows.filter((r) => r.user === '[erased]').map((r) => r.reason)).toEqual(['role:maintain']);
    expect(rows.filter((r) => r.user === 'olivia').length).toBeGreaterThan(0);
    await verifyLedger(app, keys);
  });
});
