// `trailmark report` end to end on the fleet (fleet.ts): real scans of real git repositories
// recorded into signed ledgers, App entries, an erasure, a silent ledger. Golden outputs in
// every format (regenerate with `UPDATE_GOLDEN=1 npx vitest run test/report-weekly`), counts
// checked against the scans themselves, the erased login absent from every output, a tampered
// ledger shown as such (exit 1), usage errors (exit 2).
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportModel } from '../../src/report/model.js';
import { renderReportMarkdown } from '../../src/report/weekly-markdown.js';
import { csvField } from '../../src/report/report-csv.js';
import { runCli } from '../cli-ledger/harness.js';
import { ERASED_LOGIN, INJECTION_PATH, REPORT_NOW, SHOP, TOOLS, WEEK, buildFleet, hunkLines, type Fleet } from './fleet.js';

const addFormats = ajvFormats.default;
const GOLDEN = new URL('../golden/report/', import.meta.url);
const schema = JSON.parse(readFileSync(new URL('../../docs/schemas/report-v1.schema.json', import.meta.url), 'utf8'));
const ENV = { TRAILMARK_REPORT_NOW: REPORT_NOW };
const BASE_ARGS = ['report', '--ledger', 'app', '--ledger', 'old', '--key', 'app.pub', '--key', 'old.pub', '--sensitive', 'src/auth/**', '--sensitive', 'src/billing/**'];

let fleet: Fleet;
const outputs: Record<string, string> = {};

function golden(name: string, actual: string): void {
  const file = new URL(name, GOLDEN);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
  }
  expect(existsSync(file), `missing golden ${name}: run UPDATE_GOLDEN=1 npx vitest run test/report-weekly`).toBe(true);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

beforeAll(async () => {
  fleet = await buildFleet();
  for (const format of ['markdown', 'json', 'csv', 'html']) {
    const r = await runCli([...BASE_ARGS, '--week', WEEK, '--format', format], { cwd: fleet.root, env: ENV });
    // The fleet's two ledgers keep subject openings in clear (no KEK): one at-rest warning each, nothing else.
    expect(r.stderr.split('\n').filter((l) => l !== '')).toEqual([expect.stringMatching(/^trailmark: warning: ledger .*app: subject openings: /), expect.stringMatching(/^trailmark: warning: ledger .*old: subject openings: /)]);
    expect(r.code).toBe(0);
    outputs[format] = r.stdout;
  }
});

afterAll(async () => {
  await fleet?.cleanup();
});

describe('trailmark report on the fleet', () => {
  it('matches the golden markdown, json and csv', () => {
    golden(`${WEEK}.md`, outputs.markdown!);
    golden(`${WEEK}.json`, outputs.json!);
    golden(`${WEEK}.csv`, outputs.csv!);
  });

  it('writes json valid against docs/schemas/report-v1.schema.json', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const doc = JSON.parse(outputs.json!);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    // A report with every section populated (drill, retention) is covered by aggregate.test.ts;
    // here the schema must also reject what the contract forbids.
    expect(validate({ ...doc, extra: 1 })).toBe(false);
    expect(validate({ ...doc, period: { ...doc.period, week: '2026-W54' } })).toBe(false);
  });

  it('counts what the scans found: latest analysis per change, every analysis once', () => {
    const m = JSON.parse(outputs.json!) as ReportModel;
    const since = Date.parse('2026-11-30T00:00:00Z');
    const until = Date.parse('2026-12-07T00:00:00Z');
    const inWeek = fleet.recorded.filter((r) => Date.parse(r.time) >= since && Date.parse(r.time) < until);
    const latest = new Map<string, (typeof inWeek)[number]>();
    for (const r of inWeek) latest.set(r.pullRequest === null ? `${r.repository}@push` : `${r.repository}#${r.pullRequest}`, r);
    const hunks = [...latest.values()].flatMap((r) => r.result.hunks);
    expect(m.totals.analyses).toBe(inWeek.length);
    expect(m.totals.analyses).toBe(16);
    expect(m.totals.pullRequests).toBe(14);
    expect(m.totals.pushes).toBe(1);
    expect(m.totals.hunks).toBe(hunks.length);
    expect(m.totals.addedLines).toBe(hunks.reduce((n, h) => n + hunkLines(h), 0));
    const gap = hunks.filter((h) => h.verdict === 'unattested' || h.verdict === 'contradicted');
    expect(m.totals.unattestedAiLines).toBe(gap.reduce((n, h) => n + hunkLines(h), 0));
    const stated = hunks.filter((h) => h.verdict !== 'contradicted' && h.evidence.some((e) => e.class !== 'inferred'));
    expect(m.totals.statedAiLines).toBe(stated.reduce((n, h) => n + hunkLines(h), 0));
    expect(m.period).toEqual({ since: '2026-11-30T00:00:00.000Z', until: '2026-12-07T00:00:00.000Z', week: WEEK });
    expect(m.trend.map((w) => w.week)).toEqual(['2026-W42', '2026-W43', '2026-W44', '2026-W45', '2026-W46', '2026-W47', '2026-W48', '2026-W49']);
    expect(m.trend.map((w) => w.analyses)).toEqual([0, 0, 0, 0, 0, 1, 1, 16]);
    // Re-analysed pull request 51: its latest (declared summary) counts, not the first.
    expect(m.cells.find((c) => c.week === WEEK && c.path === 'src/report/summary.ts')!.hunks).toBe(4);
  });

  it('names authors only by the test; events, erasures and provenance as appended', () => {
    const m = JSON.parse(outputs.json!) as ReportModel;
    // bob, carol, alice, dave, erin, and zed's three erased (unlinkable) commitments.
    expect(m.people.authors).toBe(8);
    expect(m.people.authorsTested).toBe(3);
    expect(m.people.named.map((n) => [n.author, n.direction])).toEqual([['bob', 'above'], ['carol', 'above'], ['alice', 'below']]);
    // Dave's approval-time analysis (unattested) counts for him, not the later declared one.
    expect(m.events.map((e) => [e.kind, e.pullRequest, e.actor])).toEqual([['late-declaration', 51, null], ['remediation', 51, 'dave'], ['approval-drift', 31, 'alice']]);
    expect(m.erasures.map((e) => [e.role, e.reason, e.seq])).toHaveLength(3);
    expect(m.erasures.every((e) => e.role === 'pr.author' && e.reason === 'erasure')).toBe(true);
    expect(m.provenance.ledgers.map((l) => [l.location, l.verified, l.entriesInPeriod])).toEqual([['app', true, 30], ['old', true, 0]]);
    expect(m.provenance.gaps.map((g) => [g.kind, g.ledger])).toEqual([['ledger-silent', 'old']]);
    expect(m.gaps.sensitivePaths.map((g) => g.path)).toEqual(['src/auth/session.ts', 'src/billing/invoice.ts']);
    // users.ts hunks (PRs 11, 12, 13, the push) are each rewritten by the next, the push by
    // PR 61 after the week (within 30 days, before the report's clock).
    const opus = m.agents.find((a) => a.model === 'Claude Opus 4.5')!;
    expect(opus).toMatchObject({ agent: 'claude-code', changes: 4, hunks: 4, lines: 4 * 53, rewrittenLines: 4 * 53 });
  });

  it('never shows an erased login, in any format', () => {
    for (const [format, text] of Object.entries(outputs)) expect(text, format).not.toContain(ERASED_LOGIN);
    expect(outputs.markdown).toContain('\\[erased\\]');
    expect(readFileSync(join(fleet.appDir, 'subjects.jsonl'), 'utf8')).not.toContain(ERASED_LOGIN);
  });

  it('guards csv against formula injection and quotes per RFC 4180', () => {
    const lines = outputs.csv!.split('\r\n');
    expect(lines[0]).toBe('time,week,repository,pullRequest,head,path,startLine,endLine,finding,level,score,sensitive,ledger,seq,hash');
    expect(lines.at(-1)).toBe('');
    const tools = lines.filter((l) => l.includes(TOOLS));
    expect(tools).toHaveLength(1);
    expect(tools[0]).toContain(`,'${INJECTION_PATH},`);
    expect(outputs.csv).not.toMatch(/(^|,)=/m);
    // One row per finding entry in the week: 7 from the pull requests and the tools repository.
    expect(lines.length - 2).toBe(8);
    expect(csvField('=1+1')).toBe("'=1+1");
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-1')).toBe("'-1");
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvField('\t=1')).toBe("'\t=1");
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField('line\nbreak')).toBe('line\\nbreak');
    expect(csvField(-1)).toBe('-1');
    expect(csvField(null)).toBe('');
  });

  it('defaults to the last complete ISO week and filters repositories', async () => {
    const r = await runCli([...BASE_ARGS, '--format', 'json'], { cwd: fleet.root, env: ENV });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(outputs.json);
    const tools = await runCli([...BASE_ARGS, '--week', WEEK, '--format', 'json', '--repo', TOOLS, '--trend-weeks', '2'], { cwd: fleet.root, env: ENV });
    const m = JSON.parse(tools.stdout) as ReportModel;
    expect(m.repositories).toEqual([TOOLS]);
    expect(m.totals.addedLines).toBe(77);
    expect(m.trend).toHaveLength(2);
    expect(m.gaps.repositories.map((g) => g.repository)).toEqual([TOOLS]);
    expect(tools.stdout).not.toContain(SHOP);
  });

  it('writes --output files', async () => {
    const r = await runCli([...BASE_ARGS, '--week', WEEK, '--format', 'csv', '--output', 'out.csv'], { cwd: fleet.root, env: ENV });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(join(fleet.root, 'out.csv'), 'utf8')).toBe(outputs.csv);
  });

  it('shows a ledger that fails verification and exits 1, still writing the report', async () => {
    const bad = join(fleet.root, 'tampered');
    cpSync(fleet.appDir, bad, { recursive: true });
    const file = join(bad, 'entries.jsonl');
    const text = readFileSync(file, 'utf8');
    // Inflate the first recorded hunk's added lines: the signature no longer covers the entry.
    writeFileSync(file, text.replace('"addedLines":77', '"addedLines":7'));
    expect(readFileSync(file, 'utf8')).not.toBe(text);
    for (const format of ['json', 'markdown']) {
      const r = await runCli(['report', '--ledger', 'tampered', '--key', 'app.pub', '--week', WEEK, '--format', format], { cwd: fleet.root, env: ENV });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('a ledger failed verification');
      if (format === 'json') {
        const m = JSON.parse(r.stdout) as ReportModel;
        expect(m.provenance.ledgers[0]).toMatchObject({ location: 'tampered', verified: false });
        expect(m.provenance.ledgers[0]!.problem).toMatch(/^BAD_SIGNATURE at entry \d+/);
        expect(m.provenance.gaps[0]!.kind).toBe('unverified');
      } else {
        expect(r.stdout).toContain('> [!CAUTION]');
        expect(r.stdout).toContain('**NO**: BAD\\_SIGNATURE');
      }
    }
    const csv = await runCli(['report', '--ledger', 'tampered', '--key', 'app.pub', '--week', WEEK, '--format', 'csv'], { cwd: fleet.root, env: ENV });
    expect(csv.code).toBe(1);
  });

  it('refuses bad usage with exit 2 and a hint', async () => {
    const cases: [string[], string][] = [
      [['--week', '2026-W54'], '2026 has 53 ISO weeks'],
      [['--week', WEEK, '--since', '2026-11-01'], '--week cannot be combined'],
      [['--since', '2026-11-01'], 'give both --since and --until'],
      [['--since', '2026-12-01', '--until', '2026-11-01'], 'the period is empty'],
      [['--since', 'yesterday', '--until', '2026-11-01'], 'is not a date'],
      [['--trend-weeks', '0'], '--trend-weeks'],
      [['--output', 'no/such/dir/out.md'], 'cannot write --output'],
    ];
    for (const [args, message] of cases) {
      const r = await runCli([...BASE_ARGS, ...args], { cwd: fleet.root, env: ENV });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain('hint:');
    }
    const missing = await runCli(['report', '--ledger', 'nowhere', '--key', 'app.pub'], { cwd: fleet.root, env: ENV });
    expect(missing.code).toBe(2);
  });
});

describe('trailmark report --format html', () => {
  it('writes the dashboard of the same model: self-contained, charts, the erased login nowhere', () => {
    const html = outputs.html!;
    const m = JSON.parse(outputs.json!) as ReportModel;
    expect(html.startsWith('<!doctype html>') || html.startsWith('<!DOCTYPE html>')).toBe(true);
    // No external fetch of any kind: nothing loads from another origin.
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?(https?:)?\/\//i);
    expect((html.match(/<svg[\s>]/g) ?? []).length).toBeGreaterThanOrEqual(6);
    // The model's cells are embedded for the filters, as the JSON report has them.
    const embedded = /<script type="application\/json"[^>]*>([\s\S]*?)<\/script>/.exec(html);
    expect(embedded).not.toBeNull();
    expect(html).toContain(m.period.week!);
    for (const r of m.gaps.repositories) expect(html).toContain(r.repository);
    expect(html).not.toContain(ERASED_LOGIN);
  });

  it('shows the operating points that the markdown and json reports list', () => {
    const m = JSON.parse(outputs.json!) as ReportModel;
    expect(m.operatingPoints?.length).toBeGreaterThan(0);
    const start = outputs.html!.indexOf('<section id="operating-points"');
    expect(start).toBeGreaterThan(-1);
    const section = outputs.html!.slice(start, outputs.html!.indexOf('</section>', start));
    for (const r of m.operatingPoints!) {
      expect(section).toContain(`<th scope="row">${r.repository}</th><td>${r.thresholds.low} / ${r.thresholds.high}</td><td>${r.source}</td>`);
    }
  });
});

describe('markdown renderer', () => {
  it('escapes untrusted text and keeps Mermaid blocks free of it', () => {
    const m = JSON.parse(outputs.json!) as ReportModel;
    const hostile = '<img src=x onerror=alert(1)> @team #12 [x](javascript:alert(1)) | `';
    const bad: ReportModel = {
      ...m,
      gaps: { ...m.gaps, paths: [{ ...m.gaps.paths[0]!, path: hostile, repository: hostile }] },
      events: [{ ...m.events[0]!, detail: hostile, actor: hostile }],
      provenance: { ...m.provenance, ledgers: [{ ...m.provenance.ledgers[0]!, location: hostile }] },
    };
    const md = renderReportMarkdown(bad);
    // Outside code spans (paths are shown as code, where GitHub renders text literally) no
    // raw HTML, mention, issue reference or link survives.
    const prose = md.replace(/(`+)[^`][\s\S]*?\1/g, '');
    expect(prose).not.toContain('<img');
    expect(prose).not.toContain('@team');
    expect(prose).not.toContain('#12');
    expect(prose).not.toMatch(/(?<!\\)\]\(javascript/);
    expect(prose).toContain('\\[x\\](javascript&#58;');
    expect(prose).toContain('&lt;img');
    for (const line of md.split('\n').filter((l) => l.includes('<img'))) {
      for (const cell of line.split(/(?<!\\)\|/).filter((c) => c.includes('<img'))) expect(cell.trim().startsWith('``')).toBe(true);
    }
    const mermaid = [...md.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((x) => x[1]!).join('\n');
    expect(mermaid).toContain('xychart-beta');
    expect(mermaid).toContain('pie title');
    expect(mermaid).not.toMatch(/img|team|acme/);
  });

  it('fits GitHub\'s body limit by cutting tables, and says so', () => {
    const m = JSON.parse(outputs.json!) as ReportModel;
    const many: ReportModel = { ...m, gaps: { ...m.gaps, paths: Array.from({ length: 300 }, (_, i) => ({ ...m.gaps.paths[0]!, path: `src/${i}/${'x'.repeat(3000)}.ts` })) } };
    const full = renderReportMarkdown(many, { maxChars: 10_000_000 });
    expect(full.length).toBeGreaterThan(65_536);
    const md = renderReportMarkdown(many);
    expect(md.length).toBeLessThanOrEqual(65_536);
    expect(md).toMatch(/_[\d,]+ more paths not shown/);
    const tiny = renderReportMarkdown(many, { maxChars: 2_000 });
    expect(tiny.length).toBeLessThanOrEqual(2_000);
    expect(tiny).toContain('Report truncated to fit the size limit');
  });

  it('links the dashboard only over http(s)', () => {
    const m = JSON.parse(outputs.json!) as ReportModel;
    expect(renderReportMarkdown(m, { dashboardUrl: 'https://reports.example.com/w49 (x)' })).toContain('[Open the dashboard](https://reports.example.com/w49%20%28x%29)');
    expect(renderReportMarkdown(m, { dashboardUrl: 'javascript:alert(1)' })).not.toContain('Open the dashboard');
  });
});
