// The dashboard in a real browser: Debian's Chromium driven by playwright-core (nothing
// downloads a browser). The page is opened from file:// as a user would open the artifact; every
// request other than the page itself is recorded and aborted, and CSP violations, console
// errors, page errors and dialogs (an escaped payload firing alert()) fail the test. Filters are
// checked against sums computed here from the model's cells, independently of the page.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pixelmatch from 'pixelmatch';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERDICTS } from '../../src/core/types.js';
import { renderDashboard } from '../../src/report/dashboard/html.js';
import { visibleText } from '../../src/report/escape.js';
import type { ReportCell, ReportModel } from '../../src/report/model.js';
import { browserUnavailable, launchBrowser, type Browser } from '../support/browser.js';

// Callbacks passed to page.evaluate run in the page. This project compiles without the DOM lib
// (tsconfig.json), so the few page globals they use are declared here, for this file only.
interface PageElement {
  readonly id: string;
  readonly tagName: string;
  readonly children: ArrayLike<PageElement> & Iterable<PageElement>;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): { readonly length: number };
  getBoundingClientRect(): { readonly width: number; readonly height: number };
  readonly textContent: string | null;
  readonly open?: boolean;
  readonly classList: { contains(name: string): boolean };
  getAttribute(name: string): string | null;
}
declare const document: {
  readonly activeElement: unknown;
  readonly documentElement: PageElement & { readonly scrollWidth: number; readonly clientWidth: number };
  querySelector(selector: string): PageElement | null;
  getElementById(id: string): PageElement | null;
  addEventListener(type: 'securitypolicyviolation', listener: (e: { violatedDirective: string; blockedURI: string }) => void): void;
};
declare function getComputedStyle(element: PageElement): { backgroundColor: string; fill: string };

const HERE = dirname(fileURLToPath(import.meta.url));
const MODEL = join(HERE, '../fixtures/report/model.json');
const REFERENCE = join(HERE, '__screenshots__/dashboard.png');
/**
 * Screenshot tolerance. pixelmatch's per-pixel threshold (0.1, its default: YIQ colour distance,
 * anti-aliased pixels ignored) absorbs rasterisation noise; up to 0.2% of the pixels may still
 * differ (about 4,600 of the 1280×1800 clip: a few glyphs), while a moved chart, a missing
 * section or a changed colour scheme changes far more.
 */
const PIXEL_THRESHOLD = 0.1;
const MAX_DIFF_RATIO = 0.002;
const CLIP = { x: 0, y: 0, width: 1280, height: 1800 };

const unavailable = browserUnavailable();

interface Watch {
  readonly problems: string[];
  readonly requests: string[];
}

describe.skipIf(unavailable !== undefined)('dashboard in Chromium', () => {
  let browser: Browser;
  let model: ReportModel;
  let dir: string;
  let url: string;

  beforeAll(async () => {
    model = JSON.parse(await readFile(MODEL, 'utf8')) as ReportModel;
    dir = await mkdtemp(join(tmpdir(), 'trailmark-dashboard-'));
    const file = join(dir, 'dashboard.html');
    await writeFile(file, await renderDashboard(model));
    url = pathToFileURL(file).href;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function open(): Promise<{ page: Page; watch: Watch }> {
    const page = await browser.context.newPage();
    const watch: Watch = { problems: [], requests: [] };
    await page.route('**/*', async (route) => {
      if (route.request().url() === url) await route.continue();
      else await route.abort('blockedbyclient');
    });
    page.on('request', (r) => watch.requests.push(r.url()));
    page.on('requestfailed', (r) => watch.problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') watch.problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => watch.problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      watch.problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`csp violation: ${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.goto(url, { waitUntil: 'load' });
    return { page, watch };
  }

  it('loads from file:// with no console error, no CSP violation and no request but the page', async () => {
    const { page, watch } = await open();
    expect(await page.title()).toBe('trailmark: attestation gaps');
    // The script ran (it marks the document and fills the status line).
    expect(await page.evaluate(() => document.documentElement.classList.contains('js'))).toBe(true);
    expect(await page.textContent('#f-status')).toBe('Showing week 2026-W49.');
    expect(watch.problems).toEqual([]);
    expect(watch.requests).toEqual([url]);
    await page.close();
  });

  it('draws every chart with a sane size and viewBox', async () => {
    const { page, watch } = await open();
    const charts = await page.$$eval('figure.chart', (figures: PageElement[]) => figures.map((f) => {
      const svg = f.querySelector('.svg > svg');
      const box = svg?.getBoundingClientRect();
      return { id: f.id, viewBox: svg?.getAttribute('viewBox') ?? null, width: box?.width ?? 0, height: box?.height ?? 0, marks: svg?.querySelectorAll('path, line, text').length ?? 0 };
    }));
    expect(charts.map((c) => c.id)).toEqual(['fig-trend', 'fig-verdict', 'fig-evidence', 'fig-gaps', 'fig-people', 'fig-agents']);
    for (const c of charts) {
      expect(c.width, c.id).toBeGreaterThan(200);
      expect(c.height, c.id).toBeGreaterThan(40);
      const [x, y, w, h] = (c.viewBox ?? '').split(' ').map(Number);
      expect([x, y], c.id).toEqual([0, 0]);
      expect(w, c.id).toBeGreaterThan(100);
      expect(w, c.id).toBeLessThan(2000);
      expect(h, c.id).toBeGreaterThan(40);
      expect(h, c.id).toBeLessThan(2000);
      // Rendered at the viewBox's aspect ratio.
      expect(Math.abs(c.width / c.height - w! / h!), c.id).toBeLessThan(0.02);
      expect(c.marks, c.id).toBeGreaterThan(10);
    }
    expect(watch.problems).toEqual([]);
    await page.close();
  });

  it('puts an accessible table behind every chart, reachable by keyboard', async () => {
    const { page, watch } = await open();
    const figures = await page.$$eval('figure.chart', (list: PageElement[]) => list.map((f) => {
      const img = f.querySelector('[role="img"]');
      const label = img?.getAttribute('aria-labelledby');
      const table = f.querySelector('details > .table-wrap > table');
      return {
        caption: label !== null && label !== undefined ? document.getElementById(label)?.tagName ?? null : null,
        captionText: f.querySelector('figcaption')?.textContent ?? '',
        tableCaption: table?.querySelector('caption')?.textContent ?? null,
        colHeaders: table?.querySelectorAll('thead th[scope="col"]').length ?? 0,
        rows: table?.querySelectorAll('tbody tr').length ?? 0,
      };
    }));
    expect(figures).toHaveLength(6);
    for (const f of figures) {
      expect(f.caption, f.captionText).toBe('FIGCAPTION');
      expect(f.tableCaption, f.captionText).not.toBeNull();
      expect(f.colHeaders, f.captionText).toBeGreaterThanOrEqual(2);
      expect(f.rows, f.captionText).toBeGreaterThan(0);
    }
    // Tab from the top of the page reaches the trend chart's table; Enter opens it.
    let reached = false;
    for (let i = 0; i < 30 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement === document.querySelector('#fig-trend summary'));
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    expect(await page.$eval('#fig-trend details', (d: PageElement) => d.open)).toBe(true);
    expect(await page.isVisible('#t-trend tr')).toBe(true);
    expect(watch.problems).toEqual([]);
    await page.close();
  });

  it("opens on the report's week, with the report's own gap figures", async () => {
    const { page, watch } = await open();
    expect(await page.inputValue('#f-week')).toBe(String(model.trend.length - 1));
    expect(await tableRows(page, 't-gaps-repo')).toEqual(model.gaps.repositories.map((r) => [r.repository, fmt(r.unattested), fmt(r.contradicted), fmt(r.gapLines)]));
    const paths = (rows: readonly { path: string | null; repository: string; gapLines: number }[]): string[] => rows.slice(0, 25).map((r) => `${visibleText(r.path ?? '')} ${r.repository} ${r.gapLines}`).sort();
    expect((await tableRows(page, 't-gaps-sensitive')).map((r) => `${r[0]} ${r[1]} ${r[4]}`).sort()).toEqual(paths(model.gaps.sensitivePaths));
    expect((await tableRows(page, 't-gaps-path')).map((r) => `${r[0]} ${r[1]} ${r[4]}`).sort()).toEqual(paths(model.gaps.paths));
    const t = model.totals;
    expect(await page.textContent('#inview')).toContain(`${fmt(t.hunks)} hunks, ${fmt(t.addedLines)} added lines, ${fmt(t.statedAiLines)} with stated AI involvement, ${fmt(t.unattestedAiLines)} inferred AI but not attested`);
    expect(watch.problems).toEqual([]);
    await page.close();
  });

  it('filters by repository: tables and charts follow the cells', async () => {
    const { page, watch } = await open();
    await page.selectOption('#f-week', { label: 'all weeks' });
    const weeks = model.trend.map((t) => t.week!);
    const before = await page.getAttribute('[data-chart="verdict"]', 'data-variant');
    await page.selectOption('#f-repo', { label: 'acme/api' });
    const keep = (c: ReportCell): boolean => c.repository === 'acme/api';
    expect(await tableRows(page, 't-trend')).toEqual(weeks.map((w) => {
      const s = sums(model.cells.filter((c) => keep(c) && c.week === w));
      return [w, fmt(s.stated), fmt(s.unattestedAi), share(s.stated, s.unattestedAi), fmt(s.added)];
    }));
    expect(await page.getAttribute('[data-chart="verdict"]', 'data-variant')).not.toBe(before);
    await expectVerdictChartMatches(page, weeks, model.cells.filter(keep));
    await expectTrendChartMatches(page, weeks, model.cells.filter(keep));
    // Paths are only this repository's; the repository table still compares repositories.
    const paths = await tableRows(page, 't-gaps-path');
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.every((r) => r[1] === 'acme/api')).toBe(true);
    expect(paths).toEqual(expectedPaths(model.cells.filter((c) => keep(c) && !c.sensitive)));
    expect(await tableRows(page, 't-gaps-sensitive')).toEqual(expectedPaths(model.cells.filter((c) => keep(c) && c.sensitive)));
    // On the repository chart only this repository's segments stay lit.
    const lit = await page.$$eval('[data-chart="gaps"] [data-key]', (marks: PageElement[]) => marks.map((m) => [m.getAttribute('data-key'), m.classList.contains('dim')] as const));
    expect(lit.length).toBeGreaterThan(10);
    for (const [key, dim] of lit) expect(dim, key ?? '').toBe(!key!.startsWith('r0w'));
    expect(await page.textContent('#f-status')).toBe('Showing repository acme/api.');
    expect(watch.problems).toEqual([]);
    await page.close();
  });

  it('filters by path prefix: only paths under it, charts redrawn from them', async () => {
    const { page, watch } = await open();
    const weeks = model.trend.map((t) => t.week!);
    await page.selectOption('#f-week', { label: 'all weeks' });
    await page.selectOption('#f-path', { label: 'src/auth/' });
    const keep = (c: ReportCell): boolean => c.path.startsWith('src/auth/');
    expect(await tableRows(page, 't-gaps-path')).toEqual([]);
    const sensitive = await tableRows(page, 't-gaps-sensitive');
    expect(sensitive.length).toBe(3);
    expect(sensitive).toEqual(expectedPaths(model.cells.filter((c) => keep(c) && c.sensitive)));
    expect(await tableRows(page, 't-gaps-repo')).toEqual(expectedRepos(model.cells.filter(keep)));
    await expectVerdictChartMatches(page, weeks, model.cells.filter(keep));
    await expectTrendChartMatches(page, weeks, model.cells.filter(keep));
    expect(watch.problems).toEqual([]);
    await page.close();
  });

  it('filters by week: gap tables for that week, other weeks dimmed in the charts', async () => {
    const { page, watch } = await open();
    const week = '2026-W45';
    const index = model.trend.findIndex((t) => t.week === week);
    await page.selectOption('#f-week', { label: week });
    const keep = (c: ReportCell): boolean => c.week === week;
    expect(await tableRows(page, 't-gaps-repo')).toEqual(expectedRepos(model.cells.filter(keep)));
    expect(await tableRows(page, 't-gaps-path')).toEqual(expectedPaths(model.cells.filter((c) => keep(c) && !c.sensitive)).slice(0, 25));
    expect(await page.$$eval('#t-trend tr.current th', (th: PageElement[]) => th.map((t) => t.textContent))).toEqual([week]);
    for (const chart of ['trend', 'verdict']) {
      const marks = await page.$$eval(`[data-chart="${chart}"] [data-key]`, (list: PageElement[]) => list.map((m) => [m.getAttribute('data-key'), m.classList.contains('dim')] as const));
      expect(marks.length, chart).toBeGreaterThan(0);
      for (const [key, dim] of marks) expect(dim, `${chart} ${key}`).toBe(key !== `w${index}`);
    }
    // Combined with a repository: the in-view line sums exactly the matching cells.
    await page.selectOption('#f-repo', { label: 'acme/web' });
    const s = sums(model.cells.filter((c) => keep(c) && c.repository === 'acme/web'));
    expect(await page.textContent('#inview')).toContain(`${s.hunks.toLocaleString('en-US')} hunks, ${s.added.toLocaleString('en-US')} added lines`);
    await page.click('#f-reset');
    expect(await page.textContent('#f-status')).toBe('Showing week 2026-W49.');
    expect([await page.inputValue('#f-repo'), await page.inputValue('#f-path'), await page.inputValue('#f-week')]).toEqual(['-1', '-1', String(model.trend.length - 1)]);
    await page.selectOption('#f-week', { label: 'all weeks' });
    expect(await page.textContent('#f-status')).toBe('Showing everything.');
    expect(await page.$$eval('.svg .dim', (d: PageElement[]) => d.length)).toBe(0);
    expect(watch.problems).toEqual([]);
    await page.close();
  });

  it('shows hostile paths as text, never as markup', async () => {
    const { page, watch } = await open();
    await page.selectOption('#f-week', { label: 'all weeks' });
    await page.selectOption('#f-repo', { label: 'acme/web' });
    const shown = await page.$$eval('#t-gaps-path th', (th: PageElement[]) => th.map((t) => t.textContent ?? ''));
    expect(shown).toContain('docs/</script><script>alert("x")</script>.md');
    // A bidi override is shown as an escape, not obeyed.
    expect(shown).toContain(visibleText('src/evil\u202etxt.js'));
    expect(shown).toContain('src/evil\\u202etxt.js');
    await page.selectOption('#f-repo', { label: 'acme/api' });
    expect(await page.$$eval('#t-gaps-path th', (th: PageElement[]) => th.map((t) => t.textContent ?? ''))).toContain('src/<img src=x onerror=alert(1)>.ts');
    expect(await page.$$eval('img', (imgs: PageElement[]) => imgs.length)).toBe(0);
    expect(await page.$$eval('script', (s: PageElement[]) => s.length)).toBe(3);
    expect(await page.textContent('#people')).toContain('mallory-<b>dev</b>');
    expect(await page.textContent('#people')).toContain('[erased]');
    expect(watch.problems).toEqual([]);
    await page.close();
  });

  it('says so when a repository has no pre-rendered chart, and still filters the tables', async () => {
    // 15 repositories: the 12 with the most added lines get chart variants.
    const many: ReportModel = { ...model, cells: model.cells.map((c, i) => ({ ...c, repository: `org/repo-${String(i % 15).padStart(2, '0')}` })) };
    const lines = new Map<string, number>();
    for (const c of many.cells) lines.set(c.repository, (lines.get(c.repository) ?? 0) + c.addedLines);
    const least = [...lines.entries()].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? 1 : -1))[0]![0];
    const file = join(dir, 'many.html');
    await writeFile(file, await renderDashboard(many));
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(pathToFileURL(file).href);
    await page.selectOption('#f-week', { label: 'all weeks' });
    await page.selectOption('#f-repo', { label: least });
    expect(await page.isVisible('#fig-trend .chart-missing')).toBe(true);
    expect(await page.isVisible('#fig-trend .svg')).toBe(false);
    expect(await page.isVisible('#fig-gaps .svg')).toBe(true);
    const weeks = model.trend.map((t) => t.week!);
    expect(await tableRows(page, 't-trend')).toEqual(weeks.map((w) => {
      const s = sums(many.cells.filter((c) => c.repository === least && c.week === w));
      return [w, fmt(s.stated), fmt(s.unattestedAi), share(s.stated, s.unattestedAi), fmt(s.added)];
    }));
    await page.selectOption('#f-repo', { label: 'all repositories' });
    expect(await page.isVisible('#fig-trend .chart-missing')).toBe(false);
    expect(await page.isVisible('#fig-trend .svg')).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('fits a phone-width viewport and prints without the filters', async () => {
    const { page, watch } = await open();
    await page.setViewportSize({ width: 390, height: 844 });
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth }));
    expect(widths.page).toBeLessThanOrEqual(widths.viewport);
    const chart = await page.$eval('#fig-verdict .svg > svg', (svg: PageElement) => svg.getBoundingClientRect().width);
    expect(chart).toBeGreaterThan(200);
    expect(chart).toBeLessThanOrEqual(390);
    await page.emulateMedia({ media: 'print' });
    expect(await page.isVisible('#filters')).toBe(false);
    expect(await page.isVisible('#fig-trend svg')).toBe(true);
    expect(watch.problems).toEqual([]);
    await page.close();
  });

  it('follows the dark colour scheme', async () => {
    const dark = await launchBrowser({ colorScheme: 'dark' });
    try {
      const page = await dark.context.newPage();
      await page.goto(url);
      const colours = await page.evaluate(() => ({
        background: getComputedStyle(document.documentElement).backgroundColor,
        axisText: getComputedStyle(document.querySelector('#fig-trend svg text')!).fill,
      }));
      expect(colours.background).toBe('rgb(13, 17, 23)');
      expect(colours.axisText).toBe('rgb(230, 237, 243)');
    } finally {
      await dark.close();
    }
  });

  it('matches the reference screenshot within the tolerance', async () => {
    const { page, watch } = await open();
    const actual = await page.screenshot({ clip: CLIP, fullPage: true, animations: 'disabled', caret: 'hide', scale: 'css' });
    await page.close();
    expect(watch.problems).toEqual([]);
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      await mkdir(dirname(REFERENCE), { recursive: true });
      await writeFile(REFERENCE, actual);
      process.stdout.write(`updated ${REFERENCE}\n`);
      return;
    }
    if (!existsSync(REFERENCE)) throw new Error(`no reference screenshot at ${REFERENCE}; run UPDATE_SCREENSHOTS=1 npx vitest run test/browser`);
    const want = PNG.sync.read(await readFile(REFERENCE));
    const got = PNG.sync.read(actual);
    expect([got.width, got.height]).toEqual([want.width, want.height]);
    const diff = new PNG({ width: want.width, height: want.height });
    const different = pixelmatch(want.data, got.data, diff.data, want.width, want.height, { threshold: PIXEL_THRESHOLD });
    const ratio = different / (want.width * want.height);
    if (ratio > MAX_DIFF_RATIO) {
      const out = await mkdtemp(join(tmpdir(), 'trailmark-screenshot-'));
      await writeFile(join(out, 'actual.png'), actual);
      await writeFile(join(out, 'diff.png'), PNG.sync.write(diff));
      process.stdout.write(`screenshot differs in ${different} pixels (${(ratio * 100).toFixed(3)}%): ${join(out, 'actual.png')} ${join(out, 'diff.png')}\n`);
    }
    expect(ratio).toBeLessThanOrEqual(MAX_DIFF_RATIO);
  });
});

// --- expectations computed here from the cells (not by the page's code)

interface Sums {
  hunks: number;
  added: number;
  stated: number;
  unattestedAi: number;
  gap: number;
  unattested: number;
  contradicted: number;
}

function sums(cells: readonly ReportCell[]): Sums {
  const s: Sums = { hunks: 0, added: 0, stated: 0, unattestedAi: 0, gap: 0, unattested: 0, contradicted: 0 };
  for (const c of cells) {
    s.hunks += c.hunks;
    s.added += c.addedLines;
    s.stated += c.statedAiLines;
    s.unattestedAi += c.unattestedAiLines;
    s.gap += c.linesByVerdict.unattested + c.linesByVerdict.contradicted;
    s.unattested += c.unattested;
    s.contradicted += c.contradicted;
  }
  return s;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function share(a: number, b: number): string {
  return a + b === 0 ? '–' : `${(Math.round((1000 * a) / (a + b)) / 10).toFixed(1)}%`;
}

function groupBy(cells: readonly ReportCell[], key: (c: ReportCell) => string): Map<string, ReportCell[]> {
  const out = new Map<string, ReportCell[]>();
  for (const c of cells) out.set(key(c), [...(out.get(key(c)) ?? []), c]);
  return out;
}

function expectedPaths(cells: readonly ReportCell[]): string[][] {
  return [...groupBy(cells, (c) => `${c.repository}\0${c.path}`).values()]
    .map((group) => ({ repository: group[0]!.repository, path: group[0]!.path, s: sums(group) }))
    .filter((r) => r.s.unattested > 0 || r.s.contradicted > 0)
    .sort((a, b) => b.s.gap - a.s.gap || b.s.unattested + b.s.contradicted - a.s.unattested - a.s.contradicted || (a.repository + a.path < b.repository + b.path ? -1 : 1))
    .slice(0, 25)
    .map((r) => [visibleText(r.path), r.repository, fmt(r.s.unattested), fmt(r.s.contradicted), fmt(r.s.gap)]);
}

function expectedRepos(cells: readonly ReportCell[]): string[][] {
  return [...groupBy(cells, (c) => c.repository).entries()]
    .map(([repository, group]) => ({ repository, s: sums(group) }))
    .filter((r) => r.s.gap > 0 || r.s.unattested > 0 || r.s.contradicted > 0)
    .sort((a, b) => b.s.gap - a.s.gap || (a.repository < b.repository ? -1 : 1))
    .map((r) => [r.repository, fmt(r.s.unattested), fmt(r.s.contradicted), fmt(r.s.gap)]);
}

async function tableRows(page: Page, tbody: string): Promise<string[][]> {
  const rows = await page.$$eval(`#${tbody} tr`, (trs: PageElement[]) => trs.map((tr) => [...tr.children].map((c) => c.textContent ?? '')));
  // A single spanning cell is the "nothing here" row.
  return rows.filter((r) => r.length > 1);
}

/** Bar heights of the stacked verdict chart, per week, are proportional to the cells' lines. */
async function expectVerdictChartMatches(page: Page, weeks: readonly string[], cells: readonly ReportCell[]): Promise<void> {
  const bars = await page.$$eval('[data-chart="verdict"] [data-key]', (list: PageElement[]) => list.map((m) => ({ key: m.getAttribute('data-key')!, d: m.getAttribute('d') ?? '' })));
  const height = new Map<string, number>();
  for (const b of bars) {
    const v = /v(-?[0-9.]+)h/.exec(b.d);
    if (v !== null) height.set(b.key, (height.get(b.key) ?? 0) + Math.abs(Number(v[1])));
  }
  const lines = weeks.map((w) => cells.filter((c) => c.week === w).reduce((n, c) => n + VERDICTS.reduce((m, v) => m + c.linesByVerdict[v], 0), 0));
  expectProportional(weeks.map((_, i) => height.get(`w${i}`) ?? 0), lines, 'verdict chart');
}

/**
 * Points of the trend chart follow stated and unattested lines per week: on a linear scale from
 * 0, (y of zero − y) / value is the same for every point.
 */
async function expectTrendChartMatches(page: Page, weeks: readonly string[], cells: readonly ReportCell[]): Promise<void> {
  const points = await page.$$eval('[data-chart="trend"] [data-key]', (list: PageElement[]) => list.map((m) => ({ key: m.getAttribute('data-key')!, transform: m.getAttribute('transform') ?? '' })));
  const byKey = new Map<string, number[]>();
  for (const p of points) {
    const y = Number(/translate\([^,]+,([^)]+)\)/.exec(p.transform)?.[1]);
    expect(Number.isFinite(y), p.transform).toBe(true);
    byKey.set(p.key, [...(byKey.get(p.key) ?? []), y]);
  }
  expect(byKey.size).toBe(weeks.length);
  // Per week, the stated point comes before the unattested one (series order).
  const flat = weeks.flatMap((w, i) => {
    const s = sums(cells.filter((c) => c.week === w));
    const [stated, unattested] = byKey.get(`w${i}`) ?? [];
    return [{ value: s.stated, y: stated! }, { value: s.unattestedAi, y: unattested! }];
  });
  const hi = flat.reduce((m, p) => (p.value > m.value ? p : m));
  const lo = flat.reduce((m, p) => (p.value < m.value ? p : m));
  expect(hi.value).toBeGreaterThan(lo.value);
  const scale = (lo.y - hi.y) / (hi.value - lo.value);
  const zeroY = lo.y + lo.value * scale;
  for (const p of flat) expect(Math.abs(zeroY - p.y - p.value * scale), `trend point ${p.value}`).toBeLessThan(0.6);
}

function expectProportional(heights: readonly number[], values: readonly number[], what: string): void {
  const max = values.indexOf(Math.max(...values));
  const k = heights[max]! / values[max]!;
  expect(k, what).toBeGreaterThan(0);
  // Each segment is rounded to 0.1 px; a stack of six can be off by 0.6 px.
  heights.forEach((h, i) => expect(Math.abs(h - values[i]! * k), `${what} week ${i}`).toBeLessThan(0.8));
}
