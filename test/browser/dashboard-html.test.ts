// The dashboard's HTML without a browser: self-contained (no request can leave the page), the
// CSP hashes match the inline script and style, untrusted strings never form markup, the
// embedded JSON round-trips, the output is deterministic, and the size stays within budget.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { VERDICTS } from '../../src/core/types.js';
import { pathPrefixes } from '../../src/report/dashboard/aggregate.js';
import { compact } from '../../src/report/dashboard/charts.js';
import { htmlText, jsonForScript } from '../../src/report/dashboard/escape.js';
import { MAX_CHART_REPOSITORIES, renderDashboard } from '../../src/report/dashboard/html.js';
import type { ReportModel } from '../../src/report/model.js';
import { HOSTILE_PATHS, makeModel } from '../fixtures/report/generate.js';

const MODEL = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/report/model.json');

// Budgets (bytes). The charts are pre-rendered per (repository, path prefix), so the size grows
// with repositories and prefixes (bounded), while cells cost about 80 bytes each.
const FIXTURE_BUDGET = 1_000_000;
const LARGE_BUDGET = 2_500_000;

function between(html: string, open: string, close: string): string {
  const start = html.indexOf(open);
  expect(start, open).toBeGreaterThan(-1);
  return html.slice(start + open.length, html.indexOf(close, start + open.length));
}

describe('dashboard HTML', () => {
  let model: ReportModel;
  let html: string;
  beforeAll(async () => {
    model = JSON.parse(await readFile(MODEL, 'utf8')) as ReportModel;
    html = await renderDashboard(model);
  });

  /** The page without its two JSON data blocks (data, never parsed as markup). */
  function markup(): string {
    return html.replace(/<script type="application\/json" id="tm-(?:data|charts)">[^<]*<\/script>/g, '');
  }

  it('is self-contained: nothing that loads a resource', () => {
    const page = markup();
    expect(page.length).toBeLessThan(html.length / 2);
    expect(page).not.toMatch(/<link\b/i);
    expect(page).not.toMatch(/<(?:img|iframe|object|embed|audio|video|source)\b/i);
    expect(page).not.toMatch(/\bsrc\s*=/i);
    expect(page).not.toMatch(/url\(/i);
    expect(page).not.toMatch(/@import/i);
    // The only absolute URLs are SVG namespace names, which are never fetched.
    const urls = [...html.matchAll(/https?:\/\/[^\s"'<>)\\]+/g)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink']));
  });

  it('allows exactly its own inline script and style by hash', () => {
    const csp = between(html, '<meta http-equiv="Content-Security-Policy" content="', '"');
    const script = between(html, '<script>', '</script>');
    const style = between(html, '<style>', '</style>');
    const hash = (text: string): string => createHash('sha256').update(text).digest('base64');
    expect(csp.split('; ')).toEqual([
      "default-src 'none'",
      `script-src 'sha256-${hash(script)}'`,
      `style-src 'sha256-${hash(style)}'`,
      'img-src data:',
      "base-uri 'none'",
      "form-action 'none'",
    ]);
    expect(html.match(/<script\b/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(html.match(/<style\b/g)).toHaveLength(1);
    expect(markup()).not.toMatch(/\sstyle="/);
    expect(markup()).not.toMatch(/\son[a-z]+=/i);
  });

  it('never lets an untrusted string form markup', () => {
    for (const path of HOSTILE_PATHS) expect(html).not.toContain(path);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<b>dev</b>');
    expect(html).not.toContain('<!-- tampered');
    expect(html).not.toContain('\u202e');
    expect(html).not.toContain('\u001b');
    expect(html).toContain('mallory-&lt;b&gt;dev&lt;/b&gt;');
    expect(html).toContain('[erased]');
  });

  it('embeds the cells as JSON that round-trips', () => {
    const data = JSON.parse(between(html, '<script type="application/json" id="tm-data">', '</script>')) as { weeks: string[]; repositories: string[]; cells: unknown[][] };
    expect(data.cells).toHaveLength(model.cells.length);
    const first = model.cells[0]!;
    expect(data.cells[0]).toEqual([data.weeks.indexOf(first.week), data.repositories.indexOf(first.repository), first.path, first.sensitive ? 1 : 0, first.hunks, first.addedLines, ...VERDICTS.map((v) => first.linesByVerdict[v]), first.statedAiLines, first.unattestedAiLines, first.unattested, first.contradicted]);
    const charts = JSON.parse(between(html, '<script type="application/json" id="tm-charts">', '</script>')) as { svgs: string[]; trend: Record<string, number> };
    expect(charts.svgs.every((s) => s.startsWith('<svg'))).toBe(true);
    expect(Object.keys(charts.trend)).toContain('-1|-1');
  });

  it('is deterministic', async () => {
    expect(await renderDashboard(model)).toBe(html);
  });

  it('escapes for its sinks', () => {
    expect(htmlText('<a href="x">&\'</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
    expect(htmlText('a\u202eb\u0007')).toBe('a\\u202eb\\x07');
    const hostile = { s: '</script><!--<script>\u2028&' };
    const json = jsonForScript(hostile);
    expect(json).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(json)).toEqual(hostile);
    // compact() rewrites inside tags only; Vega's escaped text stays as it was.
    expect(compact('<g><text fill="#000" opacity="1">a&lt;b 1.23456</text><path aria-label="k:w3" d="M1.23456,2Z"/></g>')).toBe('<g><text>a&lt;b 1.23456</text><path data-key="w3" d="M1.2,2Z"/></g>');
  });

  it('offers the directory prefixes with the most added lines', () => {
    const cell = (path: string, addedLines: number): ReportModel['cells'][number] => ({ ...model.cells[0]!, path, addedLines });
    const cells = [cell('a/b/c.ts', 10), cell('a/d.ts', 5), cell('e.ts', 100), cell('(other)', 100), cell('x/y/z/w.ts', 1), cell('a/b/.*+?.ts', 1)];
    expect(pathPrefixes(cells)).toEqual(['a/', 'a/b/', 'x/', 'x/y/', 'x/y/z/']);
    // Ranked by lines, then cut: the three smallest (x/…, 1 line each) go first.
    expect(pathPrefixes(cells, 2)).toEqual(['a/', 'a/b/']);
  });

  it('stays within its size budget', async () => {
    const large = makeModel({ pathsPerRepository: 170, density: 0.98, seed: 7 });
    expect(new Set(large.cells.map((c) => c.repository)).size).toBe(3);
    expect(large.cells.length).toBeGreaterThan(4900);
    expect(large.cells.length).toBeLessThan(5100);
    const largeHtml = await renderDashboard(large);
    const sizes = { fixture: Buffer.byteLength(html), large: Buffer.byteLength(largeHtml) };
    process.stdout.write(`dashboard size: fixture (${model.cells.length} cells) ${sizes.fixture} bytes; 3 repositories, ${large.cells.length} cells: ${sizes.large} bytes\n`);
    expect(sizes.fixture).toBeLessThan(FIXTURE_BUDGET);
    expect(sizes.large).toBeLessThan(LARGE_BUDGET);
  });

  it('pre-renders charts for a bounded number of repositories', async () => {
    const many: ReportModel = { ...model, cells: model.cells.map((c, i) => ({ ...c, repository: `org/repo-${String(i % 15).padStart(2, '0')}` })) };
    const out = await renderDashboard(many);
    const charts = JSON.parse(between(out, '<script type="application/json" id="tm-charts">', '</script>')) as { trend: Record<string, number>; verdict: Record<string, number> };
    for (const chart of [charts.trend, charts.verdict]) {
      const repos = new Set(Object.keys(chart).map((k) => k.split('|')[0]));
      expect(repos.size).toBe(MAX_CHART_REPOSITORIES + 1);
      expect(repos.has('-1')).toBe(true);
    }
    expect(out.match(/<option value="\d+">org\/repo-/g)).toHaveLength(15);
    expect(out).toContain('class="note chart-missing" hidden');
  });

  it('renders the title and the JSON link when served', async () => {
    const served = await renderDashboard(model, { title: 'acme <gaps>', basePath: '/trailmark/dashboard/' });
    expect(served).toContain('<title>acme &lt;gaps&gt;</title>');
    expect(served).toContain('<a href="/trailmark/dashboard/report.json">');
  });

  it('renders an empty model', async () => {
    const empty: ReportModel = { ...model, cells: [], trend: [], events: [], erasures: [], agents: [], drill: null, gaps: { repositories: [], paths: [], sensitivePaths: [] }, people: { ...model.people, distribution: [], named: [] }, provenance: { ledgers: [], gaps: [] } };
    const out = await renderDashboard(empty);
    expect(out).toContain('No fire drill has been run.');
    expect(out).toContain('no author with enough data');
    expect(out).toContain("no one is named");
  });
  it('shows capture gaps and operating points when the model has them, and no section when it has not', async () => {
    expect(html).not.toContain('id="operating-points"');
    expect(html).not.toContain('id="capture-gaps"');
    const hostile = '<img src=x onerror=alert(1)>';
    const withBoth: ReportModel = {
      ...model,
      captureGaps: [
        { ledger: 'installations/1', device: 'dev-a', records: 40, high: 45, missingCount: 5, missing: [{ from: 3, to: 3 }, { from: 10, to: 13 }] },
        { ledger: 'installations/1', device: 'dev-b', records: 9, high: 9, missingCount: 0, missing: [] },
        { ledger: 'installations/1', device: 'dev-c', records: 100, high: 200, missingCount: 100, missing: [{ from: 1, to: 50 }] },
      ],
      operatingPoints: [
        { repository: 'acme/api', source: 'calibrated', status: 'calibrated', thresholds: { low: 0.41, high: 0.8 }, unattestedFlagRate: 0.0123, attestedRecall: 0.456, hunks: { attested: 120, unattested: 900, otherModel: 0, skipped: 2 }, reason: hostile },
        { repository: 'acme/web', source: 'shipped', status: 'insufficient', thresholds: { low: 0.49, high: 0.85 }, unattestedFlagRate: 0.02, attestedRecall: null, hunks: { attested: 3, unattested: 50, otherModel: 0, skipped: 0 }, reason: 'too few attested hunks' },
      ],
    };
    const out = await renderDashboard(withBoth);
    const points = between(out, '<section id="operating-points"', '</section>');
    expect(points).toContain('<th scope="row">acme/api</th><td>0.41 / 0.8</td><td>calibrated</td><td><span class="ok">calibrated</span></td><td class="num">1.2%</td><td class="num">45.6%</td><td class="num">120 / 900</td>');
    expect(points).toContain('<td class="num">–</td>');
    expect(points).toContain(htmlText(hostile));
    expect(points).not.toContain(hostile);
    const gaps = between(out, '<section id="capture-gaps"', '</section>');
    expect(gaps).toContain('2 of 3 devices');
    expect(gaps).toContain('<code>dev-a</code>');
    expect(gaps).toContain('<td>3, 10–13</td>');
    // dev-c's 100 missing numbers are listed as one range of 50: the rest is marked, not dropped.
    expect(gaps).toContain('<td>1–50, …</td>');
    expect(gaps).not.toContain('dev-b');
    // Sections sit before the fire drill, in the markdown report's order.
    expect(out.indexOf('id="capture-gaps"')).toBeLessThan(out.indexOf('id="operating-points"'));
    expect(out.indexOf('id="operating-points"')).toBeLessThan(out.indexOf('id="drill"'));
    const none = await renderDashboard({ ...model, captureGaps: [], operatingPoints: [] });
    expect(between(none, '<section id="capture-gaps"', '</section>')).toContain('No capture gap: 0 devices');
    expect(between(none, '<section id="operating-points"', '</section>')).toContain("the policy's thresholds apply");
  });
});
