// The dashboard: one self-contained HTML file built from the report model (model.ts). No
// request leaves the page: styles and the script are inline and allowed by their SHA-256 in a
// Content-Security-Policy meta tag that forbids everything else (`img-src data:` only), the
// charts are inline SVG rendered in Node (charts.ts), and the data the filters need is embedded
// as JSON. It opens from file://, from an artifact, or from the App (docs/dashboard.md).
import { createHash } from 'node:crypto';
import type { EvidenceClass, Verdict } from '../../core/types.js';
import { EVIDENCE_CLASSES, VERDICTS } from '../../core/types.js';
import type { CaptureGapRow, GapRow, OperatingPointRow, ReportModel, VolumeTotals } from '../model.js';
import { gapsByRepositoryWeek, pathPrefixes, sumByWeek, weeksOf, type CellFilter } from './aggregate.js';
import { barChart, gapsChart, trendChart, verdictChart } from './charts.js';
import { CLIENT_SCRIPT } from './client.js';
import { visibleText } from '../escape.js';
import { htmlText as h, jsonForScript } from './escape.js';
import { DASHBOARD_STYLE } from './style.js';

export interface DashboardOptions {
  /** Page title and heading (default `trailmark: attestation gaps`). */
  readonly title?: string;
  /**
   * URL path the page is served under (the App: `/trailmark/dashboard`). When set, the header
   * links the same report as JSON at `<basePath>/report.json`. Absent for a file.
   */
  readonly basePath?: string;
}

/**
 * Trend and verdict charts are pre-rendered for at most this many repositories (those with the
 * most added lines), each times every path prefix: it bounds the page's size and render time
 * for an organisation with many repositories. For the others, the tables still follow the
 * filter and the chart says it was not pre-rendered.
 */
export const MAX_CHART_REPOSITORIES = 12;

/** Path tables show at most this many rows (the rest is counted, and in the JSON/CSV report). */
export const PATH_TABLE_ROWS = 25;

const VERDICT_LABEL: Readonly<Record<Verdict, string>> = {
  attested: 'attested',
  unattested: 'unattested',
  contradicted: 'contradicted',
  clear: 'clear',
  uncertain: 'uncertain',
  skipped: 'skipped',
};

function num(n: number): string {
  return n.toLocaleString('en-US');
}

function pct(share: number | null): string {
  return share === null ? '–' : `${(Math.round(share * 1000) / 10).toFixed(1)}%`;
}

function ratio(a: number, b: number): string {
  return b === 0 ? '–' : pct(a / b);
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

interface Column {
  readonly label: string;
  /** Right-aligned numbers. */
  readonly numeric?: boolean;
}

/** A table whose first column is the row header. Cells are already-escaped HTML. */
function table(caption: string, columns: readonly Column[], rows: readonly (readonly string[])[], options: { tbodyId?: string; empty?: string } = {}): string {
  const head = columns.map((c) => `<th scope="col"${c.numeric === true ? ' class="num"' : ''}>${h(c.label)}</th>`).join('');
  const body = rows.length === 0
    ? `<tr><td colspan="${columns.length}">${h(options.empty ?? 'none')}</td></tr>`
    : rows.map((r) => `<tr>${r.map((cell, i) => (i === 0 ? `<th scope="row">${cell}</th>` : `<td${columns[i]?.numeric === true ? ' class="num"' : ''}>${cell}</td>`)).join('')}</tr>`).join('\n');
  return `<div class="table-wrap"><table><caption>${h(caption)}</caption><thead><tr>${head}</tr></thead><tbody${options.tbodyId !== undefined ? ` id="${options.tbodyId}"` : ''}>${body}</tbody></table></div>`;
}

/** A chart with its accessible table: the SVG is one image labelled by the caption; the table (in a disclosure) holds the same data. */
function figure(id: string, caption: string, svg: string, tableHtml: string, options: { chart?: string; variant?: number; note?: string } = {}): string {
  const chartAttrs = options.chart !== undefined ? ` data-chart="${options.chart}" data-variant="${options.variant ?? 0}"` : '';
  return `<figure class="chart" id="${id}">
<figcaption id="${id}-cap">${h(caption)}</figcaption>
<div class="svg" role="img" aria-labelledby="${id}-cap"${chartAttrs}>${svg}</div>
${options.chart !== undefined ? `<p class="note chart-missing" hidden>This chart is pre-rendered for the ${MAX_CHART_REPOSITORIES} repositories with the most changes; the table below has the figures for this one.</p>` : ''}${options.note !== undefined ? `<p class="note">${h(options.note)}</p>` : ''}<details><summary>Table: ${h(caption)}</summary>
${tableHtml}
</details>
</figure>`;
}

function gapTableRows(rows: readonly GapRow[]): string[][] {
  return rows.slice(0, PATH_TABLE_ROWS).map((r) => [h(r.path ?? ''), h(r.repository), num(r.unattested), num(r.contradicted), num(r.gapLines)]);
}

const GAP_PATH_COLUMNS: readonly Column[] = [{ label: 'path' }, { label: 'repository' }, { label: 'unattested hunks', numeric: true }, { label: 'contradicted hunks', numeric: true }, { label: 'gap lines', numeric: true }];

/** Every chart variant the filters can select, deduplicated (many combinations draw the same). */
class SvgStore {
  readonly svgs: string[] = [];
  private readonly index = new Map<string, number>();
  add(svg: string): number {
    const at = this.index.get(svg);
    if (at !== undefined) return at;
    this.svgs.push(svg);
    this.index.set(svg, this.svgs.length - 1);
    return this.svgs.length - 1;
  }
}

export async function renderDashboard(model: ReportModel, options: DashboardOptions = {}): Promise<string> {
  const title = options.title ?? 'trailmark: attestation gaps';
  const weeks = weeksOf(model.trend.map((t) => t.week), model.cells);
  const repositories = [...new Set(model.cells.map((c) => c.repository))].sort();
  const prefixes = pathPrefixes(model.cells);
  const weekIndex = new Map(weeks.map((w, i) => [w, i]));
  const repoIndex = new Map(repositories.map((r, i) => [r, i]));

  // Pre-rendered chart variants: trend and verdict per (repository, prefix), gaps per prefix
  // (it compares repositories); index -1 is "all".
  const store = new SvgStore();
  const variants = { trend: {} as Record<string, number>, verdict: {} as Record<string, number>, gaps: {} as Record<string, number> };
  const linesOf = new Map<string, number>();
  for (const c of model.cells) linesOf.set(c.repository, (linesOf.get(c.repository) ?? 0) + c.addedLines);
  const charted = new Set([...repositories].sort((a, b) => (linesOf.get(b) ?? 0) - (linesOf.get(a) ?? 0) || (a < b ? -1 : 1)).slice(0, MAX_CHART_REPOSITORIES));
  for (let p = -1; p < prefixes.length; p++) {
    const prefix = p < 0 ? null : prefixes[p]!;
    for (let r = -1; r < repositories.length; r++) {
      if (r >= 0 && !charted.has(repositories[r]!)) continue;
      const filter: CellFilter = { repository: r < 0 ? null : repositories[r]!, prefix };
      const rows = sumByWeek(model.cells, weeks, filter);
      variants.trend[`${r}|${p}`] = store.add(await trendChart(rows));
      variants.verdict[`${r}|${p}`] = store.add(await verdictChart(rows));
    }
    variants.gaps[String(p)] = store.add(await gapsChart(gapsByRepositoryWeek(model.cells, { repository: null, prefix }), repositories, weeks));
  }
  const initial = (chart: 'trend' | 'verdict'): number => variants[chart]['-1|-1']!;

  const allWeeks = sumByWeek(model.cells, weeks, { repository: null, prefix: null });
  const t = model.totals;

  // --- filters. The week starts on the report's period when it is one ISO week, so the gap
  // tables open on the same figures as the markdown report; Reset returns here.
  const defaultWeek = model.period.week !== null ? weeks.indexOf(model.period.week) : -1;
  const option = (value: number, label: string, selected: boolean): string => `<option value="${value}"${selected ? ' selected' : ''}>${h(label)}</option>`;
  const filters = `<form id="filters" class="filters" aria-label="Filters" role="search">
<label>Repository <select id="f-repo" data-default="-1">${option(-1, 'all repositories', true)}${repositories.map((r, i) => option(i, r, false)).join('')}</select></label>
<label>Path prefix <select id="f-path" data-default="-1">${option(-1, 'all paths', true)}${prefixes.map((p, i) => option(i, p, false)).join('')}</select></label>
<label>Week <select id="f-week" data-default="${defaultWeek}">${option(-1, 'all weeks', defaultWeek < 0)}${weeks.map((w, i) => option(i, w, i === defaultWeek)).join('')}</select></label>
<button type="button" id="f-reset">Reset</button>
<output id="f-status" aria-live="polite"></output>
</form>`;
  const inView = defaultWeek < 0 ? allWeeks : allWeeks.filter((w) => w.week === weeks[defaultWeek]);

  // --- headline
  const headline = `<section id="headline" aria-labelledby="headline-h"><h2 id="headline-h">Headline figures</h2>
<p class="lede">For ${h(periodLabel(model))}${model.repositories.length > 0 ? ` in ${model.repositories.map((r) => `<code>${h(r)}</code>`).join(', ')}` : ''}.</p>
<dl class="figures">
${figureItem('stated AI share', pct(t.statedShare), 'of AI-involved added lines were recorded, declared or stamped')}
${figureItem('unattested AI lines', num(t.unattestedAiLines), 'inferred AI, not declared (unattested or contradicted hunks)')}
${figureItem('stated AI lines', num(t.statedAiLines), 'recorded, declared or stamped')}
${figureItem('added lines', num(t.addedLines), `in ${num(t.hunks)} hunks`)}
${figureItem('pull requests', num(t.pullRequests), `${num(t.pushes)} pushes, ${num(t.analyses)} analyses`)}
${figureItem('findings', num(t.findings.unattested + t.findings.contradicted + t.findings['approval-drift']), `${num(t.findings.unattested)} unattested, ${num(t.findings.contradicted)} contradicted, ${num(t.findings['approval-drift'])} approval drift`)}
</dl>
<p class="inview"><strong>Under the filters:</strong> <span id="inview">${h(`${num(sum(inView, (w) => w.hunks))} hunks, ${num(sum(inView, (w) => w.addedLines))} added lines`)}</span></p>
</section>`;

  // --- trend
  const trendTable = table('Stated and unattested AI lines per week', [{ label: 'week' }, { label: 'stated AI lines', numeric: true }, { label: 'unattested AI lines', numeric: true }, { label: 'stated share', numeric: true }, { label: 'added lines', numeric: true }],
    allWeeks.map((w) => [h(w.week), num(w.statedAiLines), num(w.unattestedAiLines), ratio(w.statedAiLines, w.statedAiLines + w.unattestedAiLines), num(w.addedLines)]), { tbodyId: 't-trend' });
  const verdictTable = table('Added lines by verdict per week', [{ label: 'week' }, ...VERDICTS.map((v) => ({ label: VERDICT_LABEL[v], numeric: true }))],
    allWeeks.map((w) => [h(w.week), ...VERDICTS.map((v) => num(w.linesByVerdict[v]))]), { tbodyId: 't-verdict' });
  const trend = `<section id="trend" aria-labelledby="trend-h"><h2 id="trend-h">Trend</h2>
${figure('fig-trend', 'Weekly added lines: stated AI involvement against inferred AI not attested', store.svgs[initial('trend')]!, trendTable, { chart: 'trend', variant: initial('trend') })}
${figure('fig-verdict', 'Weekly added lines by verdict', store.svgs[initial('verdict')]!, verdictTable, { chart: 'verdict', variant: initial('verdict') })}
${await evidenceFigure(t)}
</section>`;

  // --- gaps
  const gapsRepoRows = model.gaps.repositories.map((r) => [h(r.repository), num(r.unattested), num(r.contradicted), num(r.gapLines)]);
  const gaps = `<section id="gaps" aria-labelledby="gaps-h"><h2 id="gaps-h">Where the gaps are</h2>
<p class="note">Ranked by gap lines: added lines of unattested and contradicted hunks. The tables follow the filters, which open on the report's week.</p>
${figure('fig-gaps', 'Gap lines (unattested and contradicted) per repository, by week', store.svgs[variants.gaps['-1']!]!, table('Gaps per repository', [{ label: 'repository' }, { label: 'unattested hunks', numeric: true }, { label: 'contradicted hunks', numeric: true }, { label: 'gap lines', numeric: true }], gapsRepoRows, { tbodyId: 't-gaps-repo', empty: 'no gaps' }), { chart: 'gaps', variant: variants.gaps['-1']! })}
<h3 id="paths-h">Paths</h3>
${table(`Paths ranked by gap lines (first ${PATH_TABLE_ROWS})`, GAP_PATH_COLUMNS, gapTableRows(model.gaps.paths), { tbodyId: 't-gaps-path', empty: 'no gaps' })}
<p class="note" id="gaps-path-more">${model.gaps.paths.length > PATH_TABLE_ROWS ? `${model.gaps.paths.length - PATH_TABLE_ROWS} more paths not shown.` : ''}</p>
<h3 id="sensitive-h">Sensitive paths</h3>
<p class="note">Paths matching a repository policy's sensitive paths, listed apart from the rest.</p>
${table(`Sensitive paths ranked by gap lines (first ${PATH_TABLE_ROWS})`, GAP_PATH_COLUMNS, gapTableRows(model.gaps.sensitivePaths), { tbodyId: 't-gaps-sensitive', empty: 'no sensitive path with gaps' })}
<p class="note" id="gaps-sensitive-more">${model.gaps.sensitivePaths.length > PATH_TABLE_ROWS ? `${model.gaps.sensitivePaths.length - PATH_TABLE_ROWS} more sensitive paths not shown.` : ''}</p>
</section>`;

  const sections = [filters, '<main>', headline, trend, gaps, await peopleSection(model), await agentsSection(model), eventsSection(model), erasuresSection(model), provenanceSection(model), ...optionalSections(model), drillSection(model), '</main>'];

  // Paths, prefixes and repositories are shown with textContent, which would let a bidi
  // override reorder the text: the page gets them already made visible (escape.ts visibleText),
  // a character-by-character mapping, so prefix matching is unchanged.
  const data = {
    weeks,
    repositories: repositories.map((r) => visibleText(r)),
    prefixes: prefixes.map((p) => visibleText(p)),
    verdicts: VERDICTS,
    pathRows: PATH_TABLE_ROWS,
    // Compact cells (client.ts): about a third of the size of the model's objects.
    cells: model.cells.map((c) => [weekIndex.get(c.week)!, repoIndex.get(c.repository)!, visibleText(c.path), c.sensitive ? 1 : 0, c.hunks, c.addedLines, ...VERDICTS.map((v) => c.linesByVerdict[v]), c.statedAiLines, c.unattestedAiLines, c.unattested, c.contradicted]),
  };
  const chartData = { svgs: store.svgs, ...variants };

  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${sha256(CLIENT_SCRIPT)}'`,
    `style-src 'sha256-${sha256(DASHBOARD_STYLE)}'`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const json = options.basePath !== undefined ? ` · <a href="${h(`${options.basePath.replace(/\/+$/, '')}/report.json`)}">this report as JSON</a>` : '';

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="${h(`${model.tool.name} ${model.tool.version}`)}">
<title>${h(title)}</title>
<style>${DASHBOARD_STYLE}</style>
</head>
<body>
<header class="page">
<h1>${h(title)}</h1>
<p class="meta">${h(periodLabel(model))} · generated ${h(model.generatedAt)} by ${h(`${model.tool.name} ${model.tool.version}`)} · schema <code>${h(model.schema)}</code>${json}</p>
<p class="meta">Every figure comes from signed ledger entries; <a href="#provenance">provenance</a> says which ledgers and whether each verified.</p>
</header>
${sections.join('\n')}
<footer class="page"><p>Charts are drawn from the figures in their tables. Figures under the filters are recomputed in this page from per-week, per-path aggregates of the same entries.</p></footer>
<script type="application/json" id="tm-data">${jsonForScript(data)}</script>
<script type="application/json" id="tm-charts">${jsonForScript(chartData)}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}

function sum<T>(rows: readonly T[], f: (row: T) => number): number {
  let n = 0;
  for (const r of rows) n += f(r);
  return n;
}

function periodLabel(model: ReportModel): string {
  const p = model.period;
  return `${p.week !== null ? `week ${p.week}, ` : ''}${p.since} to ${p.until}`;
}

function figureItem(label: string, value: string, detail: string): string {
  return `<div class="figure"><dt>${h(label)}</dt><dd><span class="value">${h(value)}</span><span class="detail">${h(detail)}</span></dd></div>`;
}

const EVIDENCE_MEANING: Readonly<Record<EvidenceClass, string>> = {
  recorded: 'an IDE or agent hook captured the edit',
  declared: 'a person declared it (trailer or /trailmark attest)',
  stamped: 'the tool marked its own output',
  inferred: 'detectors scored the code (a signal, never proof)',
};

async function evidenceFigure(t: VolumeTotals): Promise<string> {
  const rows = EVIDENCE_CLASSES.map((c) => ({ label: c, value: t.linesByEvidence[c] }));
  const tableHtml = table('Added lines by evidence class (a hunk can carry several)', [{ label: 'evidence class' }, { label: 'added lines', numeric: true }, { label: 'meaning' }], EVIDENCE_CLASSES.map((c) => [h(c), num(t.linesByEvidence[c]), h(EVIDENCE_MEANING[c])]));
  return figure('fig-evidence', 'Added lines by evidence class, whole period', await barChart(rows, 'added lines'), tableHtml, { note: 'Whole period, all repositories: evidence classes are not broken down per path, so the filters do not apply.' });
}

async function peopleSection(model: ReportModel): Promise<string> {
  const p = model.people;
  const bins = p.distribution.map((d) => ({ label: `${Math.round(d.from * 100)}–${Math.round(d.to * 100)}%`, value: d.authors }));
  const hist = figure('fig-people', 'Authors by attestation rate (no names)', await barChart(bins, 'authors', '#7b61a8'),
    table('Authors by attestation rate', [{ label: 'attestation rate' }, { label: 'authors', numeric: true }], bins.map((b) => [h(b.label), num(b.value)]), { empty: 'no author with enough data' }),
    { note: 'Whole period: per-author rates are not broken down per path or week, so the filters do not apply.' });
  const named = p.named.length === 0
    ? `<p>No author's rate differs from their peers' beyond the test, so no one is named.</p>`
    : table('Authors whose attestation rate differs significantly from their peers\'', [{ label: 'author' }, { label: 'AI-involved lines', numeric: true }, { label: 'attested lines', numeric: true }, { label: 'rate', numeric: true }, { label: 'peer rate', numeric: true }, { label: 'p-value', numeric: true }, { label: 'direction' }],
      p.named.map((n) => [n.author === '[erased]' ? '<span class="erased">[erased]</span>' : h(n.author), num(n.aiLines), num(n.attestedLines), pct(n.rate), pct(n.peerRate), h(n.pValue.toPrecision(2)), h(n.direction)]));
  return `<section id="people" aria-labelledby="people-h"><h2 id="people-h">People, fairly</h2>
<p>Attestation rate: the share of an author's AI-involved lines that were declared or recorded before review. Pooled over ${num(p.authors)} authors: <strong>${pct(p.pooledRate)}</strong>. ${num(p.authorsTested)} authors had enough data to be tested (at least ${num(p.test.minLines)} AI-involved lines in ${num(p.test.minChanges)} changes).</p>
<p class="note">Test: ${h(p.test.method)}, α = ${h(String(p.test.alpha))}. An author is named only when the test says their rate differs; otherwise only the distribution is shown.</p>
${hist}
<h3>Named authors</h3>
${named}
</section>`;
}

async function agentsSection(model: ReportModel): Promise<string> {
  const label = (a: { agent: string; model: string | null }): string => (a.model === null ? a.agent : `${a.agent} · ${a.model}`);
  const rows = model.agents.map((a) => ({ label: label(a), value: a.lines }));
  const tableHtml = table('Agents and models in stated evidence', [{ label: 'agent · model' }, { label: 'changes', numeric: true }, { label: 'hunks', numeric: true }, { label: 'lines', numeric: true }, { label: 'rewritten lines', numeric: true }, { label: 'rewritten share', numeric: true }, { label: 'window (days)', numeric: true }],
    model.agents.map((a) => [h(label(a)), num(a.changes), num(a.hunks), num(a.lines), num(a.rewrittenLines), pct(a.rewrittenShare), num(a.windowDays)]), { empty: 'no agent named in stated evidence' });
  return `<section id="agents" aria-labelledby="agents-h"><h2 id="agents-h">Models and agents</h2>
${figure('fig-agents', 'Added lines per agent and model (stated evidence)', await barChart(rows, 'lines', '#2e7d32'), tableHtml, { note: 'Rewritten share: lines rewritten in review or by a follow-up change within the window, a quality signal. Whole period; the filters do not apply.' })}
</section>`;
}

function actorHtml(actor: string | null): string {
  if (actor === null) return '<span class="muted">not recorded</span>';
  return actor === '[erased]' ? '<span class="erased">[erased]</span>' : h(actor);
}

function eventsSection(model: ReportModel): string {
  const kind = { 'approval-drift': 'approval drift', remediation: 'remediation', 'late-declaration': 'late declaration' } as const;
  const rows = model.events.map((e) => [h(e.time), h(kind[e.kind]), h(e.repository), e.pullRequest === null ? '–' : `#${h(String(e.pullRequest))}`, actorHtml(e.actor), h(e.detail), `<code>${h(e.ledger)}</code>`, num(e.seq)]);
  return `<section id="events" aria-labelledby="events-h"><h2 id="events-h">Events</h2>
${table('Approval drift, remediations and late declarations', [{ label: 'time' }, { label: 'event' }, { label: 'repository' }, { label: 'pull request' }, { label: 'by' }, { label: 'detail' }, { label: 'ledger' }, { label: 'seq', numeric: true }], rows, { empty: 'no events in the period' })}
</section>`;
}

function erasuresSection(model: ReportModel): string {
  const rows = model.erasures.map((e) => [`<code>${h(e.commitment)}</code>`, '<span class="erased">[erased]</span>', h(e.role ?? '–'), h(e.erasedAt), h(e.reason), `<code>${h(e.ledger)}</code>`, num(e.seq)]);
  return `<section id="erasures" aria-labelledby="erasures-h"><h2 id="erasures-h">Erasures</h2>
<p class="note">Erased subjects are shown as erased: the ledger keeps the salted commitment, the value is gone, and verification still passes.</p>
${table('Erased subjects', [{ label: 'commitment' }, { label: 'value' }, { label: 'role' }, { label: 'erased at' }, { label: 'reason' }, { label: 'ledger' }, { label: 'seq', numeric: true }], rows, { empty: 'nothing erased' })}
</section>`;
}

function provenanceSection(model: ReportModel): string {
  const ledgers = model.provenance.ledgers.map((l) => [`<code>${h(l.location)}</code>`, h(l.origin ?? '–'), num(l.size), l.root === null ? '–' : `<code class="hash">${h(l.root)}</code>`,
    l.verified ? '<span class="ok">verified</span>' : `<span class="bad">not verified</span>${l.problem !== null ? `: ${h(l.problem)}` : ''}`,
    h(l.firstEntry ?? '–'), h(l.lastEntry ?? '–'), num(l.entriesInPeriod)]);
  const kind = { unverified: 'unverified', 'ledger-silent': 'ledger silent', 'capture-gap': 'capture gap', 'analysis-failed': 'analysis failed', omissions: 'omissions' } as const;
  const gapsRows = model.provenance.gaps.map((g) => [h(kind[g.kind]), `<code>${h(g.ledger)}</code>`, h(g.repository ?? '–'), h(g.detail)]);
  const unverified = model.provenance.ledgers.filter((l) => !l.verified).length;
  return `<section id="provenance" aria-labelledby="provenance-h"><h2 id="provenance-h">Provenance of this report</h2>
<p>${unverified === 0 ? 'Every ledger this report was built from verified.' : `<strong class="bad">${unverified} of ${model.provenance.ledgers.length} ledgers did not verify</strong>: figures from them are not backed by a verified chain.`}</p>
${table('Ledgers and checkpoints', [{ label: 'ledger' }, { label: 'origin' }, { label: 'tree size', numeric: true }, { label: 'checkpoint root' }, { label: 'verification' }, { label: 'first entry' }, { label: 'last entry' }, { label: 'entries in period', numeric: true }], ledgers, { empty: 'no ledger' })}
<h3>Gaps</h3>
${table('Gaps in what the report could see', [{ label: 'kind' }, { label: 'ledger' }, { label: 'repository' }, { label: 'detail' }], gapsRows, { empty: 'no gaps' })}
</section>`;
}

/**
 * The sections a model carries only where its source had them (both optional in the model, as
 * in the markdown report): capture gaps when some `record` entry carried a device sequence, and
 * operating points when the report run calibrated from the ledger (docs/calibration.md).
 */
function optionalSections(model: ReportModel): string[] {
  const out: string[] = [];
  if (model.captureGaps !== undefined) out.push(captureGapsSection(model.captureGaps));
  if (model.operatingPoints !== undefined) out.push(operatingPointsSection(model.operatingPoints));
  return out;
}

function captureGapsSection(rows: readonly CaptureGapRow[]): string {
  const gapped = rows.filter((r) => r.missingCount > 0);
  const ranges = (r: CaptureGapRow): string => {
    const shown = r.missing.map((g) => (g.from === g.to ? `${g.from}` : `${g.from}–${g.to}`)).join(', ');
    // `missing` holds at most 50 ranges while `missingCount` stays exact: say when some are not listed.
    return r.missing.reduce((n, g) => n + g.to - g.from + 1, 0) < r.missingCount ? `${shown}, …` : shown;
  };
  const lead = gapped.length === 0
    ? `No capture gap: ${num(rows.length)} ${rows.length === 1 ? 'device' : 'devices'} uploaded every record in sequence.`
    : `<strong class="bad">${num(gapped.length)} of ${num(rows.length)} devices</strong> lost records before they reached the collector (a wiped spool, a reused device id).`;
  return `<section id="capture-gaps" aria-labelledby="capture-gaps-h"><h2 id="capture-gaps-h">Capture gaps</h2>
<p>${lead}</p>
${table('Devices with missing record sequence numbers', [{ label: 'device' }, { label: 'ledger' }, { label: 'records', numeric: true }, { label: 'highest seq', numeric: true }, { label: 'missing', numeric: true }, { label: 'missing ranges' }],
    gapped.map((r) => [`<code>${h(r.device)}</code>`, `<code>${h(r.ledger)}</code>`, num(r.records), num(r.high), num(r.missingCount), h(ranges(r))]), { empty: 'no device lost a record' })}
</section>`;
}

function operatingPointsSection(rows: readonly OperatingPointRow[]): string {
  const body = rows.length === 0
    ? '<p>No analysed hunk in the ledger yet: the policy\'s thresholds apply.</p>'
    : table('Thresholds in force per repository, and what they cost on its own history', [{ label: 'repository' }, { label: 'thresholds (low / high)' }, { label: 'source' }, { label: 'status' }, { label: 'flag rate (unattested)', numeric: true }, { label: 'recall (attested)', numeric: true }, { label: 'hunks (attested / unattested)', numeric: true }, { label: 'why' }],
      rows.map((r) => [h(r.repository), h(`${r.thresholds.low} / ${r.thresholds.high}`), h(r.source), r.status === 'calibrated' ? '<span class="ok">calibrated</span>' : h(r.status), pct(r.unattestedFlagRate), pct(r.attestedRecall), `${num(r.hunks.attested)} / ${num(r.hunks.unattested)}`, h(r.reason)]));
  return `<section id="operating-points" aria-labelledby="operating-points-h"><h2 id="operating-points-h">Operating points</h2>
<p class="note">Flag rate: the share of a repository's unattested hunks at or above <code>high</code>. Recall: the share of its attested hunks at or above it. A repository is calibrated from its own stamped and declared history once there is enough of it (docs/calibration.md).</p>
${body}
</section>`;
}

function drillSection(model: ReportModel): string {
  const d = model.drill;
  const body = d === null
    ? '<p>No fire drill has been run. <code>trailmark drill</code> traces a random merged change end to end.</p>'
    : `<p>Last drill ${h(d.time)}: <strong class="${d.outcome === 'passed' ? 'ok' : 'bad'}">${h(d.outcome)}</strong>${d.repository !== null ? ` on ${h(d.repository)}${d.pullRequest !== null ? ` #${h(String(d.pullRequest))}` : ''}` : ''} (<code>${h(d.ledger)}</code> seq ${num(d.seq)}).</p>
${d.missing.length === 0 ? '' : `<p>Missing links:</p><ul>${d.missing.map((m) => `<li>${h(m)}</li>`).join('')}</ul>`}`;
  return `<section id="drill" aria-labelledby="drill-h"><h2 id="drill-h">Fire drill</h2>
${body}
</section>`;
}
