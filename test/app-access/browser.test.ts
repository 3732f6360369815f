// A real browser (Debian's Chromium through playwright-core) signs in to the App and opens the
// dashboard: the 401 page's link → the App's /trailmark/login → the OAuth edge's authorize →
// the App's callback → the dashboard, served with the App's headers (its CSP header on top of
// the page's meta policy). No console error, no CSP violation, the charts render, and the
// request left an allowed `access` entry for the signed-in maintainer.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isoWeekOf } from '../../src/report/week.js';
import { browserUnavailable, launchBrowser, type Browser } from '../support/browser.js';
import { installSim, simScript, simUnavailable, startSim, type RunningSim } from '../support/github-sim.js';
import { accessEntries, build, ledgerKeys, matrixScenario, startApp, startOAuthEdge, type AppProcess, type OAuthEdge } from './support.js';

const unavailable = simUnavailable() ?? browserUnavailable();

describe.skipIf(unavailable !== undefined)('audited access: sign-in and the dashboard in Chromium', () => {
  let sim: RunningSim;
  let app: AppProcess;
  let edge: OAuthEdge;
  let browser: Browser;

  beforeAll(async () => {
    await build();
    sim = await startSim({ scenario: await matrixScenario(await installSim()) });
    edge = await startOAuthEdge(sim);
    app = await startApp(sim, await ledgerKeys(), { oauthBaseUrl: edge.url });
    const sent = await simScript('send-webhook.mjs', ['--url', app.hook, '--sim', sim.url, '--event', 'pull_request', '--action', 'opened']);
    expect(sent.code, sent.stdout + sent.stderr).toBe(0);
    await app.idle();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await edge?.stop();
    await sim?.stop();
  });

  test('the maintainer follows the sign-in link and gets the dashboard with no console error or CSP violation', async () => {
    const week = isoWeekOf(Date.now());
    edge.nextLogin = 'mona';
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.addInitScript({ content: "document.addEventListener('securitypolicyviolation', (e) => console.error('csp violation: ' + e.violatedDirective + ' ' + e.blockedURI));" });
    const first = await page.goto(`${app.url}/trailmark/dashboard?repo=acme/widgets&week=${week}`);
    expect(first?.status()).toBe(401);
    // The 401 page itself logs "Failed to load resource: 401" in Chromium: not a page problem.
    problems.splice(0);
    await page.getByRole('link', { name: 'Sign in with GitHub' }).click();
    await page.waitForURL((u) => u.pathname === '/trailmark/dashboard');
    const svgs = await page.locator('svg').count();
    expect(svgs).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    const cookies = await browser.context.cookies(`${app.url}/trailmark/dashboard`);
    expect(cookies.find((c) => c.name === 'trailmark_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/trailmark' });
    const rows = await accessEntries(app);
    expect(rows.at(-1)).toMatchObject({ route: '/trailmark/dashboard', query: { repo: 'acme/widgets', week }, allowed: true, reason: 'role:maintain', user: 'mona' });
    expect(rows.at(-1)!.results).toBeGreaterThan(0);
    await page.close();
  });
});
