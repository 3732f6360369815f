// The report as GitHub-flavoured markdown: for `trailmark report`, the Action's job summary and
// the App's weekly issue. Charts are Mermaid blocks GitHub renders (`xychart-beta` for the
// weekly trend, `pie` for evidence classes). Every untrusted value (repository, path, login,
// ledger location, messages) goes through escape.ts. GitHub refuses issue bodies over 65,536
// characters: tables are cut to fewer rows, with a note saying how many were left out, until
// the text fits.
import type { EvidenceClass, Verdict } from '../core/types.js';
import { markdownCodeCell, markdownText } from './escape.js';
import type { GapRow, OperatingPointRow, ReportModel, VolumeTotals } from './model.js';

/** GitHub's limit on an issue or comment body, in characters. */
export const GITHUB_BODY_LIMIT = 65_536;

export interface WeeklyMarkdownOptions {
  /** Link to the dashboard, shown at the top (https only). */
  readonly dashboardUrl?: string;
  /** Maximum length of the output (default GitHub's 65,536). */
  readonly maxChars?: number;
}

const EVIDENCE: readonly EvidenceClass[] = ['recorded', 'declared', 'stamped', 'inferred'];
const VERDICTS: readonly Verdict[] = ['attested', 'unattested', 'contradicted', 'clear', 'uncertain', 'skipped'];

const int = (n: number): string => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const pct = (r: number | null): string => (r === null ? '–' : `${(r * 100).toFixed(1)}%`);
const t = (s: string): string => markdownText(s);
const p = (s: string): string => markdownCodeCell(s);
const pval = (v: number): string => (v < 0.0001 ? v.toExponential(2) : v.toFixed(4));
const plural = (n: number, one: string, many = `${one}s`): string => `${int(n)} ${n === 1 ? one : many}`;

function table(header: readonly string[], rows: readonly (readonly string[])[], cap: number, what: string): string {
  if (rows.length === 0) return '';
  const shown = rows.slice(0, cap);
  let out = `| ${header.join(' | ')} |\n|${' --- |'.repeat(header.length)}\n`;
  for (const r of shown) out += `| ${r.join(' | ')} |\n`;
  if (rows.length > shown.length) out += `\n_${plural(rows.length - shown.length, `more ${what}`, `more ${what}s`)} not shown (see \`trailmark report --format json\` or the dashboard)._\n`;
  return out;
}

function periodTitle(m: ReportModel): string {
  if (m.period.week !== null) return m.period.week;
  return `${m.period.since.slice(0, 10)} – ${m.period.until.slice(0, 10)} (exclusive)`;
}

function headline(m: ReportModel): string {
  // For a one-week report, the week before (from the trend) for comparison.
  const prev = m.period.week !== null && m.trend.length >= 2 && m.trend.at(-1)!.week === m.period.week ? m.trend.at(-2)! : null;
  const rows: [string, (x: VolumeTotals) => string][] = [
    ['Analyses (including re-analyses)', (x) => int(x.analyses)],
    ['Pull requests analysed', (x) => int(x.pullRequests)],
    ['Push analyses', (x) => int(x.pushes)],
    ['Hunks (latest analysis per change)', (x) => int(x.hunks)],
    ['Added lines', (x) => int(x.addedLines)],
    ['Lines with stated AI involvement', (x) => int(x.statedAiLines)],
    ['Lines inferred AI but not attested', (x) => int(x.unattestedAiLines)],
    ['Stated share of AI lines', (x) => pct(x.statedShare)],
    ['Findings (unattested / contradicted / approval drift)', (x) => `${int(x.findings.unattested)} / ${int(x.findings.contradicted)} / ${int(x.findings['approval-drift'])}`],
  ];
  let out = prev === null ? '| Figure | Value |\n| --- | ---: |\n' : `| Figure | ${m.period.week} | ${prev.week} |\n| --- | ---: | ---: |\n`;
  for (const [k, f] of rows) out += prev === null ? `| ${k} | ${f(m.totals)} |\n` : `| ${k} | ${f(m.totals)} | ${f(prev)} |\n`;
  return out;
}

function trend(m: ReportModel): string {
  if (m.trend.length === 0) return '';
  const label = (w: VolumeTotals) => (w.week ?? w.since.slice(0, 10)).replace(/^\d{4}-/, '');
  const stated = m.trend.map((w) => w.statedAiLines);
  const gaps = m.trend.map((w) => w.unattestedAiLines);
  const max = Math.max(1, ...stated.map((s, i) => s + gaps[i]!));
  let out = '```mermaid\nxychart-beta\n';
  out += '    title "AI-involved lines per week: stated (bar) and not attested (line)"\n';
  out += `    x-axis [${m.trend.map((w) => `"${label(w)}"`).join(', ')}]\n`;
  out += `    y-axis "Added lines" 0 --> ${max}\n`;
  out += `    bar [${stated.join(', ')}]\n`;
  out += `    line [${gaps.join(', ')}]\n`;
  out += '```\n\n';
  out += '| Week | Analyses | PRs | Added lines | Stated AI lines | Not attested | Stated share |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n';
  for (const w of m.trend) out += `| ${w.week ?? w.since.slice(0, 10)} | ${int(w.analyses)} | ${int(w.pullRequests)} | ${int(w.addedLines)} | ${int(w.statedAiLines)} | ${int(w.unattestedAiLines)} | ${pct(w.statedShare)} |\n`;
  return out;
}

function evidence(m: ReportModel): string {
  const x = m.totals;
  const slices = EVIDENCE.filter((e) => x.linesByEvidence[e] > 0);
  let out = '';
  if (slices.length > 0) {
    out += '```mermaid\npie title Added lines by evidence class\n';
    for (const e of slices) out += `    "${e}" : ${x.linesByEvidence[e]}\n`;
    out += '```\n\n';
  }
  out += '| Verdict | Hunks | Lines |\n| --- | ---: | ---: |\n';
  for (const v of VERDICTS) out += `| ${v} | ${int(x.hunksByVerdict[v])} | ${int(x.linesByVerdict[v])} |\n`;
  return out;
}

function gapTable(rows: readonly GapRow[], cap: number, withPath: boolean): string {
  const header = withPath ? ['Repository', 'Path', 'Unattested', 'Contradicted', 'Gap lines', 'PRs', 'Sensitive'] : ['Repository', 'Unattested', 'Contradicted', 'Gap lines', 'PRs'];
  const body = rows.map((r) =>
    withPath
      ? [t(r.repository), p(r.path ?? ''), int(r.unattested), int(r.contradicted), int(r.gapLines), int(r.pullRequests), r.sensitive ? 'yes' : '']
      : [t(r.repository), int(r.unattested), int(r.contradicted), int(r.gapLines), int(r.pullRequests)],
  );
  return table(header, body, cap, withPath ? 'path' : 'repository');
}

function people(m: ReportModel, cap: number): string {
  const s = m.people;
  let out = `Attestation rate: the share of an author's AI-involved lines that were stated before the pull request's first approval. `;
  out += `Pooled rate ${pct(s.pooledRate)} over ${plural(s.authors, 'author')}; ${plural(s.authorsTested, 'author')} with at least ${int(s.test.minLines)} AI-involved lines and ${int(s.test.minChanges)} changes tested.\n\n`;
  out += `Test: ${t(s.test.method)}, alpha ${s.test.alpha}. An author is named only when the test says their rate differs from their peers'; erased authors are never named.\n\n`;
  if (s.authorsTested > 0) {
    out += '| Rate | Authors |\n| --- | ---: |\n';
    for (const b of s.distribution) out += `| ${Math.round(b.from * 100)}–${Math.round(b.to * 100)}% | ${int(b.authors)} |\n`;
    out += '\n';
  }
  if (s.named.length === 0) out += '_No author differs significantly from their peers._\n';
  else {
    out += table(
      ['Author', 'AI lines', 'Attested lines', 'Rate', 'Peer rate', 'Adjusted p', 'Direction'],
      s.named.map((n) => [t(n.author), int(n.aiLines), int(n.attestedLines), pct(n.rate), pct(n.peerRate), pval(n.pValue), n.direction]),
      cap,
      'author',
    );
  }
  return out;
}

function agents(m: ReportModel, cap: number): string {
  if (m.agents.length === 0) return '_No stated agent evidence in the period._\n';
  const window = m.agents[0]!.windowDays;
  let out = table(
    ['Agent', 'Model', 'Changes', 'Hunks', 'Lines', `Rewritten within ${window} days`, 'Share'],
    m.agents.map((a) => [t(a.agent), a.model === null ? '–' : t(a.model), int(a.changes), int(a.hunks), int(a.lines), int(a.rewrittenLines), pct(a.rewrittenShare)]),
    cap,
    'agent',
  );
  out += '\n_Rewritten is a proxy: lines of the agent\'s hunks whose path and line range overlap a hunk of a later analysed change within the window (docs/report.md)._\n';
  return out;
}

function events(m: ReportModel, cap: number): string {
  if (m.events.length === 0) return '_No approval drift, remediation or late declaration in the period._\n';
  return table(
    ['Time', 'Kind', 'Repository', 'PR', 'Actor', 'Detail', 'Ledger seq'],
    m.events.map((e) => [e.time.slice(0, 16).replace('T', ' '), e.kind, t(e.repository), e.pullRequest === null ? '–' : String(e.pullRequest), e.actor === null ? '–' : t(e.actor), t(e.detail), String(e.seq)]),
    cap,
    'event',
  );
}

function erasures(m: ReportModel, cap: number): string {
  if (m.erasures.length === 0) return '_No subject erased in the period._\n';
  return table(
    ['Erased at', 'Subject', 'Role', 'Reason', 'Ledger', 'Seq'],
    m.erasures.map((e) => [e.erasedAt.slice(0, 16).replace('T', ' '), t('[erased]'), e.role === null ? '–' : t(e.role), e.reason, t(e.ledger), String(e.seq)]),
    cap,
    'erasure',
  );
}

function provenance(m: ReportModel, cap: number): string {
  let out = table(
    ['Ledger', 'Origin', 'Size', 'Root', 'Verified', 'Entries in period', 'Last entry'],
    m.provenance.ledgers.map((l) => [
      t(l.location),
      l.origin === null ? '–' : t(l.origin),
      int(l.size),
      l.root === null ? '–' : p(l.root),
      l.verified ? 'yes' : `**NO**: ${t(l.problem ?? 'unknown problem')}`,
      int(l.entriesInPeriod),
      l.lastEntry === null ? '–' : l.lastEntry.slice(0, 16).replace('T', ' '),
    ]),
    cap,
    'ledger',
  );
  if (m.provenance.gaps.length > 0) {
    out += '\n' + table(['Gap', 'Ledger', 'Repository', 'Detail'], m.provenance.gaps.map((g) => [g.kind, t(g.ledger), g.repository === null ? '–' : t(g.repository), t(g.detail)]), cap, 'gap');
  } else out += '\n_No provenance gap._\n';
  return out;
}

function captureGaps(m: ReportModel, cap: number): string {
  const rows = m.captureGaps ?? [];
  const gapped = rows.filter((r) => r.missingCount > 0);
  let out = gapped.length === 0
    ? `_No capture gap: ${plural(rows.length, 'device')} uploaded every record in sequence._\n`
    : `${plural(gapped.length, 'device')} of ${int(rows.length)} lost records before they reached the collector (a wiped spool, a reused device id).\n\n`;
  out += table(
    ['Device', 'Ledger', 'Records', 'Highest seq', 'Missing', 'Missing ranges'],
    gapped.map((r) => [p(r.device), t(r.ledger), int(r.records), int(r.high), int(r.missingCount), r.missing.map((g) => (g.from === g.to ? `${g.from}` : `${g.from}–${g.to}`)).join(', ') + (r.missing.reduce((n, g) => n + g.to - g.from + 1, 0) < r.missingCount ? ', …' : '')]),
    cap,
    'device',
  );
  return out;
}

function drill(m: ReportModel): string {
  const d = m.drill;
  if (d === null) return '_No audit drill has been run._\n';
  let out = `Latest drill ${d.time.slice(0, 16).replace('T', ' ')} UTC: **${d.outcome}**`;
  if (d.repository !== null) out += ` on ${t(d.repository)}${d.pullRequest === null ? '' : ` pull request ${d.pullRequest}`}`;
  out += ` (${t(d.ledger)} seq ${d.seq}).\n`;
  if (d.missing.length > 0) out += `\nMissing links: ${d.missing.map((x) => t(x)).join('; ')}\n`;
  return out;
}

function safeUrl(url: string | undefined): string | null {
  if (url === undefined) return null;
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
    // Parentheses and spaces would end the markdown link early: percent-encode them.
    return u.href.replace(/[()\s<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  } catch {
    return null;
  }
}

function operatingPoints(rows: readonly OperatingPointRow[], cap: number): string {
  if (rows.length === 0) return '_No analysed hunk in the ledger yet: the policy\'s thresholds apply._\n';
  const pct = (x: number | null): string => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);
  let out = '| Repository | Thresholds in force | Source | Status | Flag rate (unattested) | Recall (attested) | Hunks (attested / unattested) | Why |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n';
  for (const r of rows.slice(0, cap)) {
    out += `| ${p(r.repository)} | ${r.thresholds.low} / ${r.thresholds.high} | ${r.source} | ${r.status} | ${pct(r.unattestedFlagRate)} | ${pct(r.attestedRecall)} | ${r.hunks.attested} / ${r.hunks.unattested} | ${t(r.reason).replaceAll('|', '\\|')} |\n`;
  }
  if (rows.length > cap) out += `\n_${rows.length - cap} more repositories not shown._\n`;
  return out;
}

function render(m: ReportModel, o: WeeklyMarkdownOptions, cap: number): string {
  const unverified = m.provenance.ledgers.filter((l) => !l.verified);
  let out = `# Attestation-gap report: ${periodTitle(m)}\n\n`;
  out += `Period ${m.period.since} to ${m.period.until} (exclusive)`;
  out += m.repositories.length > 0 ? `, repositories ${m.repositories.map((r) => t(r)).join(', ')}` : ', all repositories';
  out += `. Generated ${m.generatedAt} by ${m.tool.name} ${m.tool.version} from ${plural(m.provenance.ledgers.length, 'ledger')}.\n\n`;
  const url = safeUrl(o.dashboardUrl);
  if (url !== null) out += `[Open the dashboard](${url})\n\n`;
  if (unverified.length > 0) out += `> [!CAUTION]\n> ${plural(unverified.length, 'ledger')} did not verify: ${unverified.map((l) => t(l.location)).join(', ')}. Figures from ${unverified.length === 1 ? 'it are' : 'them are'} shown but cannot be trusted (see Provenance).\n\n`;
  out += `## Headline\n\n${headline(m)}\n`;
  out += `## Trend\n\n${trend(m)}\n`;
  out += `## Evidence\n\n${evidence(m)}\n`;
  out += `## Gaps by repository\n\n${gapTable(m.gaps.repositories, cap, false) || '_No analysed change in the period._\n'}\n`;
  out += `## Gaps by path\n\n${gapTable(m.gaps.paths, cap, true) || '_No unattested or contradicted hunk in the period._\n'}\n`;
  out += `## Sensitive paths\n\n${gapTable(m.gaps.sensitivePaths, cap, true) || '_No sensitive path changed in the period._\n'}\n`;
  out += `## People\n\n${people(m, cap)}\n`;
  out += `## Agents and models\n\n${agents(m, cap)}\n`;
  out += `## Events\n\n${events(m, cap)}\n`;
  out += `## Erasures\n\n${erasures(m, cap)}\n`;
  out += `## Provenance\n\n${provenance(m, cap)}\n`;
  if (m.captureGaps !== undefined) out += `## Capture gaps\n\n${captureGaps(m, cap)}\n`;
  if (m.operatingPoints !== undefined) out += `## Operating points\n\n${operatingPoints(m.operatingPoints, cap)}\n`;
  out += `## Audit drill\n\n${drill(m)}`;
  return out;
}

/** The report as markdown, within `maxChars` (GitHub's issue body limit by default). */
export function renderReportMarkdown(model: ReportModel, options: WeeklyMarkdownOptions = {}): string {
  const max = options.maxChars ?? GITHUB_BODY_LIMIT;
  for (const cap of [50, 25, 10, 5, 2, 0]) {
    const out = render(model, options, cap);
    if (out.length <= max) return out;
  }
  // Even without table rows it does not fit (very long untrusted names): cut, and say so.
  const note = '\n\n_Report truncated to fit the size limit; see `trailmark report --format json`._\n';
  const out = render(model, options, 0);
  let end = Math.max(0, max - note.length);
  const code = out.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return out.slice(0, end) + note;
}
