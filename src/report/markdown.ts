// The markdown summary used as the check-run summary and the job summary. Calm wording, one
// headline, counts, a per-file verdict table, what the evidence classes mean, how to declare
// AI assistance, skipped files, omissions and the ledger checkpoint (an external anchor).
// Every untrusted string is escaped; the result stays under `maxBytes` by dropping table rows
// (whole rows, never a cut inside an escape) and saying how many were left out.

import type { HunkResult, ScanResult, Verdict } from '../core/types.js';
import { VERDICTS } from '../core/types.js';
import { markdownCode, markdownCodeCell, markdownFence, markdownText, truncate } from './escape.js';
import { groupByPath, pluralize, SKIPPED_EXAMPLES, SKIPPED_LISTED, skippedByReason } from './grouping.js';
import { ruleFor } from './rules.js';

export interface MarkdownOptions {
  /** GitHub accepts at most 65,535 characters in a check-run summary. */
  readonly maxBytes?: number;
  readonly detailsUrl?: string;
  /**
   * The repository's opt-in blocking policy (`fail-on`), so the headline never says "nothing
   * blocks" when the check is about to fail. `unattested` also fails on contradicted hunks.
   */
  readonly failOn?: 'none' | 'unattested' | 'contradicted';
}

export const CHECK_RUN_SUMMARY_MAX = 65_535;
// Untrusted text is cut before it is escaped, so a cut never lands inside an escape.
const REASON_MAX = 140;
const PATH_MAX = 300;
const MESSAGE_MAX = 1000;

export function renderMarkdown(result: ScanResult, options: MarkdownOptions = {}): string {
  const maxBytes = options.maxBytes ?? CHECK_RUN_SUMMARY_MAX;
  const head = headSection(result, options.failOn ?? 'none');
  const tail = tailSection(result, options);
  const rows = fileRows(result);
  const tableHeader = ['| file | verdicts | top reason |', '|---|---|---|'];
  const budget = maxBytes - bytes(head) - bytes(tail) - bytes(tableHeader.join('\n')) - 200;
  const kept: string[] = [];
  let used = 0;
  for (const row of rows) {
    const n = bytes(row) + 1;
    if (used + n > budget) break;
    kept.push(row);
    used += n;
  }
  const parts = [head];
  if (rows.length > 0) {
    const omitted = rows.length - kept.length;
    parts.push(['### Files', '', ...tableHeader, ...kept, ...(omitted > 0 ? ['', `_${pluralize(omitted, 'more file')} not shown (summary size limit); see the annotations or \`trailmark scan --format json\`._`] : [])].join('\n'));
  }
  parts.push(tail);
  let text = `${parts.join('\n\n')}\n`;
  // Last resort for pathological inputs (e.g. a huge omissions list): cut at a line boundary.
  if (bytes(text) > maxBytes) {
    const lines = text.split('\n');
    while (lines.length > 1 && bytes(lines.join('\n')) > maxBytes - 80) lines.pop();
    text = `${lines.join('\n')}\n\n_(summary truncated to the size limit)_\n`;
  }
  return text;
}

function headSection(result: ScanResult, failOn: 'none' | 'unattested' | 'contradicted'): string {
  const s = result.summary;
  const lines = [`## trailmark: ${headline(result, failOn)}`, ''];
  // Pull-request-level findings (approval drift) have no file, so no annotation: they go here.
  const pullRequest = result.findings.filter((f) => f.path === '');
  for (const f of pullRequest.slice(0, 10)) lines.push(`> **${ruleFor(f.kind).title}.** ${markdownText(truncate(f.message, MESSAGE_MAX))}`, '');
  lines.push('| verdict | hunks |', '|---|---|');
  for (const v of VERDICTS) if (s.verdicts[v] > 0) lines.push(`| ${VERDICT_LABEL[v]} | ${s.verdicts[v]} |`);
  lines.push('');
  lines.push(`${pluralize(s.files, 'file')}, ${pluralize(s.addedLines, 'added line')}, ${pluralize(s.commits, 'commit')} · thresholds ${s.thresholds.low} / ${s.thresholds.high} · policy ${markdownCode(s.policyVersion)} · model ${markdownCode(s.modelVersion)}`);
  return lines.join('\n');
}

const VERDICT_LABEL: Readonly<Record<Verdict, string>> = {
  unattested: '⚠️ unattested (likely AI, not declared)',
  contradicted: '❗ contradicted (declared human, evidence says AI)',
  attested: '✅ attested (AI involvement declared or recorded)',
  uncertain: '❔ uncertain (counted, not flagged)',
  clear: '✔️ clear',
  skipped: '➖ skipped',
};

/** One line: what was found and whether it blocks, e.g. `1 likely AI-generated hunk not declared — nothing here blocks the merge`. */
export function headline(result: ScanResult, failOn: 'none' | 'unattested' | 'contradicted' = 'none'): string {
  const f = result.summary.findings;
  const parts: string[] = [];
  if (f.unattested > 0) parts.push(`${pluralize(f.unattested, 'likely AI-generated hunk')} not declared`);
  if (f.contradicted > 0) parts.push(`${f.contradicted} contradicted`);
  if (f['approval-drift'] > 0) parts.push(`merged content differs from the approval`);
  if (parts.length === 0) {
    const attested = result.summary.verdicts.attested;
    return attested > 0 ? `no findings; ${pluralize(attested, 'hunk')} with declared or recorded AI involvement` : 'no findings';
  }
  const blocking = failOn === 'contradicted' ? f.contradicted : failOn === 'unattested' ? f.unattested + f.contradicted : 0;
  return blocking > 0
    ? `${parts.join(', ')} — this check fails by repository policy (fail-on: ${failOn})`
    : `${parts.join(', ')} — nothing here blocks the merge`;
}

function fileRows(result: ScanResult): string[] {
  const rows: string[] = [];
  const groups = groupByPath(result.hunks).filter(([, hunks]) => hunks.some((h) => h.verdict !== 'skipped'));
  // Files with findings first, then the rest, each group by path.
  const rank = (hunks: HunkResult[]): number => (hunks.some((h) => h.verdict === 'contradicted') ? 0 : hunks.some((h) => h.verdict === 'unattested') ? 1 : hunks.some((h) => h.verdict === 'attested') ? 2 : 3);
  groups.sort((a, b) => rank(a[1]) - rank(b[1]));
  for (const [path, hunks] of groups) {
    const counts = VERDICTS.filter((v) => v !== 'skipped').map((v) => [v, hunks.filter((h) => h.verdict === v).length] as const).filter(([, n]) => n > 0);
    const flagged = hunks.find((h) => h.verdict === 'contradicted' || h.verdict === 'unattested');
    // A file without findings names what attested it (the strongest evidence class first), so a
    // recorded hook capture shows as such rather than as a bare count.
    const attested = flagged === undefined ? strongestAttested(hunks) : undefined;
    const reason = flagged ? flagged.signals.find((s) => s.weight > 0)?.detail ?? flagged.reason ?? '' : attested?.reason ?? '';
    const where = flagged ? ` (L${flagged.startLine}-${flagged.endLine})` : '';
    rows.push(`| ${markdownCodeCell(truncate(path, PATH_MAX))} | ${counts.map(([v, n]) => `${n} ${v}`).join(', ')}${where} | ${markdownText(truncate(reason, REASON_MAX))} |`);
  }
  return rows;
}

const STATED_RANK: Readonly<Record<string, number>> = { recorded: 0, declared: 1, stamped: 2 };

/** The attested hunk whose AI evidence is of the strongest class (recorded, declared, stamped). */
function strongestAttested(hunks: readonly HunkResult[]): HunkResult | undefined {
  const rank = (h: HunkResult): number => Math.min(...h.evidence.filter((e) => e.says === 'ai').map((e) => STATED_RANK[e.class] ?? 3), 3);
  return hunks.filter((h) => h.verdict === 'attested').sort((a, b) => rank(a) - rank(b))[0];
}

/**
 * Many skipped files (a documentation change, a regenerated client): one line per reason, the
 * most common first, with its file count and the first paths, so the reasons stay readable
 * whatever the number of files.
 */
function skippedLines(skipped: readonly (readonly [string, readonly HunkResult[]])[]): string[] {
  const groups = skippedByReason(skipped);
  const shown = groups.slice(0, SKIPPED_LISTED);
  const list = shown.map(([reason, paths]) => {
    const examples = paths.slice(0, SKIPPED_EXAMPLES).map((p) => markdownCode(truncate(p, PATH_MAX))).join(', ');
    return `- ${markdownText(truncate(reason, REASON_MAX))}: ${pluralize(paths.length, 'file')} (${examples}${paths.length > SKIPPED_EXAMPLES ? ', …' : ''})`;
  });
  const rest = groups.slice(shown.length);
  if (rest.length > 0) list.push(`- …and ${pluralize(rest.reduce((n, [, paths]) => n + paths.length, 0), 'more file')} for ${pluralize(rest.length, 'other reason')}`);
  return list;
}

function tailSection(result: ScanResult, options: MarkdownOptions): string {
  const parts: string[] = [];
  const skipped = groupByPath(result.hunks.filter((h) => h.verdict === 'skipped'));
  if (skipped.length > 0) {
    const list = skipped.length <= SKIPPED_LISTED ? skipped.map(([path, hunks]) => `- ${markdownCode(truncate(path, PATH_MAX))}: ${markdownText(truncate(hunks[0]!.reason ?? 'skipped', REASON_MAX))}`) : skippedLines(skipped);
    parts.push([`<details><summary>Skipped files (${skipped.length})</summary>`, '', ...list, '', '</details>'].join('\n'));
  }
  const omissions = result.summary.omissions;
  if (omissions.length > 0) {
    const shown = omissions.slice(0, 30);
    parts.push(['### Not analyzed', '', ...shown.map((o) => `- ${o.path !== undefined ? `${markdownCode(truncate(o.path, PATH_MAX))}: ` : ''}${markdownText(truncate(o.reason, REASON_MAX))}`), ...(omissions.length > shown.length ? [`- …and ${omissions.length - shown.length} more`] : [])].join('\n'));
  }
  parts.push([
    '<details><summary>What the evidence classes mean</summary>',
    '',
    '- **recorded**: an IDE or agent hook captured the edit (Agent Trace record, git-ai note): line-level, the strongest.',
    '- **declared**: a person declared it in the commit (`Assisted-by:`, `Generated-by:`, `AI-Assisted:`) or on the pull request (`/trailmark attest`).',
    '- **stamped**: the tool marked its own output (vendor `Co-authored-by` identity, bot author, "Generated with" footer): commit-level, can be stripped or wrong.',
    '- **inferred**: trailmark\'s detectors scored the code, or the structure of the commit message or PR description: a signal, never proof.',
    '',
    '</details>',
  ].join('\n'));
  parts.push([
    '<details><summary>How to declare AI assistance</summary>',
    '',
    'Add a trailer to the commit message (the form the Linux kernel, Fedora and LLVM use):',
    '',
    '```',
    'Assisted-by: Claude:claude-opus-4-5',
    '```',
    '',
    'or comment `/trailmark attest Assisted-by: AGENT:MODEL` on this pull request (no history rewrite needed). `AI-Assisted: no` declares the change human-written. Findings are notices: they never block the merge unless the repository opts in.',
    '',
    '</details>',
  ].join('\n'));
  if (result.ledger !== undefined) {
    const l = result.ledger;
    parts.push([`### Ledger checkpoint`, '', `${pluralize(l.entries.length, 'entry', 'entries')} appended to ${markdownCode(l.origin)} (tree size ${l.size}). This signed checkpoint is an external anchor: keep it to prove later that the ledger was not rewritten.`, '', markdownFence(l.checkpoint)].join('\n'));
  }
  const details = options.detailsUrl !== undefined ? linkDestination(options.detailsUrl) : undefined;
  if (details !== undefined) parts.push(`[Details](${details})`);
  return parts.join('\n\n');
}

/**
 * An http(s) URL as a markdown link destination, or undefined for anything else (`javascript:`,
 * relative or unparsable): parentheses, spaces and angle brackets are percent-encoded so the
 * destination cannot end early.
 */
function linkDestination(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  return parsed.href.replaceAll('(', '%28').replaceAll(')', '%29').replaceAll('<', '%3C').replaceAll('>', '%3E').replaceAll(' ', '%20');
}

function bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
