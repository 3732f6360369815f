// The terminal report: grouped by file, flagged and uncertain hunks with their reasons, clear
// hunks collapsed to a count, skipped files with their reasons, then a summary. Colour only
// when asked (the CLI asks on a TTY without NO_COLOR). Every untrusted string goes through
// terminalText, so no escape sequence from a commit or a file ever reaches the terminal.

import type { Evidence, HunkResult, ScanResult, Verdict } from '../core/types.js';
import { EVIDENCE_CLASSES, VERDICTS } from '../core/types.js';
import { terminalText, truncate } from './escape.js';
import { compareHunks, groupByPath, pluralize, SKIPPED_EXAMPLES, SKIPPED_LISTED, skippedByReason } from './grouping.js';

export interface TextOptions {
  readonly color: boolean;
  readonly verbose?: boolean;
  /** The opt-in blocking policy; findings are called non-blocking unless it makes them block. */
  readonly failOn?: 'none' | 'unattested' | 'contradicted';
}

/** How many signals a flagged hunk lists as reasons. */
const REASONS_SHOWN = 4;
const DETAIL_MAX = 160;

type Style = 'red' | 'yellow' | 'green' | 'cyan' | 'dim' | 'bold' | 'magenta';
const ANSI: Readonly<Record<Style, string>> = {
  red: '\x1b[31m', yellow: '\x1b[33m', green: '\x1b[32m', cyan: '\x1b[36m', dim: '\x1b[2m', bold: '\x1b[1m', magenta: '\x1b[35m',
};
const VERDICT_STYLE: Readonly<Record<Verdict, Style>> = {
  attested: 'cyan', unattested: 'yellow', contradicted: 'red', clear: 'green', uncertain: 'magenta', skipped: 'dim',
};

export function renderText(result: ScanResult, options: TextOptions): string {
  const paint = (style: Style, text: string): string => (options.color ? `${ANSI[style]}${text}\x1b[0m` : text);
  const out: string[] = [];
  const range = result.base === null ? 'patch' : `${short(result.base)}..${short(result.head)}`;
  out.push(paint('bold', `trailmark scan ${range}`));
  out.push('');

  let clearFiles = 0;
  let clearHunks = 0;
  const files = groupByPath(result.hunks);
  const whollySkipped = (hunks: readonly HunkResult[]): boolean => hunks.every((h) => h.verdict === 'skipped');
  // Many skipped files (a documentation change) are collapsed to one line per reason unless
  // verbose, as clear files are collapsed to a count.
  const collapseSkipped = options.verbose !== true && files.filter(([, hunks]) => whollySkipped(hunks)).length > SKIPPED_LISTED;
  const collapsed: (readonly [string, HunkResult[]])[] = [];
  for (const [path, hunks] of files) {
    if (collapseSkipped && whollySkipped(hunks)) {
      collapsed.push([path, hunks]);
      continue;
    }
    const shown = hunks.filter((h) => options.verbose === true || (h.verdict !== 'clear' && h.verdict !== 'skipped'));
    const skipped = hunks.filter((h) => h.verdict === 'skipped');
    const clear = hunks.filter((h) => h.verdict === 'clear');
    // Files with nothing but clear hunks are counted, not listed, unless verbose.
    if (shown.length === 0 && skipped.length === 0 && options.verbose !== true) {
      clearFiles += 1;
      clearHunks += clear.length;
      continue;
    }
    if (shown.length === 0 && skipped.length === hunks.length) {
      const reasons = [...new Set(skipped.map((h) => h.reason ?? 'skipped'))];
      out.push(`${paint('dim', '–')} ${terminalText(path)} ${paint('dim', `skipped: ${terminalText(reasons.join('; '))}`)}`);
      continue;
    }
    out.push(paint('bold', terminalText(path)));
    for (const h of [...shown].sort(compareHunks)) out.push(...hunkLines(h, paint));
    if (options.verbose !== true && clear.length > 0) out.push(paint('dim', `  ${pluralize(clear.length, 'more hunk')} clear`));
    if (options.verbose !== true && skipped.length > 0) out.push(paint('dim', `  ${pluralize(skipped.length, 'hunk')} skipped: ${terminalText(skipped[0]!.reason ?? '')}`));
  }

  for (const [reason, paths] of skippedByReason(collapsed)) {
    const examples = paths.slice(0, SKIPPED_EXAMPLES).map((p) => terminalText(p)).join(', ');
    const more = paths.length > SKIPPED_EXAMPLES ? `, … ${paths.length - SKIPPED_EXAMPLES} more` : '';
    out.push(`${paint('dim', '–')} ${paint('dim', `${pluralize(paths.length, 'file')} skipped: ${terminalText(reason)}`)} (${examples}${more})`);
  }
  if (collapsed.length > 0) out.push(paint('dim', `  (${pluralize(collapsed.length, 'skipped file')}; --verbose lists them one by one)`));
  if (clearFiles > 0) out.push(`${paint('green', '✓')} ${paint('dim', `${pluralize(clearFiles, 'more file')} clear (${pluralize(clearHunks, 'hunk')}; --verbose lists them)`)}`);
  out.push('');
  out.push(...summaryLines(result, paint, options.failOn ?? 'none'));
  return `${out.join('\n')}\n`;
}

function hunkLines(h: HunkResult, paint: (s: Style, t: string) => string): string[] {
  const lines: string[] = [];
  const where = h.startLine === h.endLine ? `L${h.startLine}` : `L${h.startLine}-${h.endLine}`;
  const unit = h.units.find((u) => u.name !== undefined);
  const label = paint(VERDICT_STYLE[h.verdict], h.verdict.padEnd(12));
  const score = h.verdict === 'skipped' ? '' : ` score ${h.score.toFixed(2)}`;
  lines.push(`  ${where.padEnd(12)} ${label}${score}${unit ? paint('dim', `  in ${unit.kind} ${terminalText(unit.name!)}`) : ''}`);
  if (h.reason !== undefined && h.verdict !== 'clear') lines.push(paint('dim', `      ${terminalText(truncate(h.reason, DETAIL_MAX))}`));
  for (const e of h.evidence.filter((x) => x.class !== 'inferred')) lines.push(`      ${evidenceLine(e)}`);
  if (h.verdict === 'unattested' || h.verdict === 'contradicted' || h.verdict === 'uncertain') {
    for (const s of h.signals.filter((x) => x.weight > 0).slice(0, REASONS_SHOWN)) {
      const at = s.line !== undefined ? `L${s.line} ` : '';
      lines.push(paint('dim', `      · ${at}${terminalText(truncate(s.detail, DETAIL_MAX))} (+${s.weight.toFixed(2)})`));
    }
  }
  return lines;
}

function evidenceLine(e: Evidence): string {
  const says = e.says === 'human' ? ' (says human)' : '';
  const detail = e.detail !== undefined ? `: ${terminalText(truncate(e.detail, DETAIL_MAX))}` : '';
  return `${e.class.padEnd(9)} ${terminalText(e.source)}${says}${detail}`;
}

function summaryLines(result: ScanResult, paint: (s: Style, t: string) => string, failOn: 'none' | 'unattested' | 'contradicted'): string[] {
  const s = result.summary;
  const lines: string[] = [];
  const verdicts = VERDICTS.filter((v) => s.verdicts[v] > 0).map((v) => paint(VERDICT_STYLE[v], `${s.verdicts[v]} ${v}`));
  lines.push(`${pluralize(s.files, 'file')}, ${pluralize(s.hunks, 'hunk')}, ${pluralize(s.addedLines, 'added line')}, ${pluralize(s.commits, 'commit')}: ${verdicts.join(', ') || 'nothing to analyze'}`);
  const evidence = EVIDENCE_CLASSES.filter((c) => s.evidence[c] > 0).map((c) => `${c} ${s.evidence[c]}`);
  if (evidence.length > 0) lines.push(`evidence (hunks): ${evidence.join(', ')}`);
  const findings = s.findings.unattested + s.findings.contradicted + s.findings['approval-drift'];
  const blocking = failOn === 'contradicted' ? s.findings.contradicted : failOn === 'unattested' ? s.findings.unattested + s.findings.contradicted : 0;
  lines.push(findings === 0
    ? paint('green', 'no findings')
    : paint('yellow', `${pluralize(findings, 'finding')}: ${s.findings.unattested} unattested, ${s.findings.contradicted} contradicted${s.findings['approval-drift'] > 0 ? `, ${s.findings['approval-drift']} approval drift` : ''} (${blocking > 0 ? `blocking: fail-on ${failOn}` : 'non-blocking'})`));
  lines.push(paint('dim', `thresholds low ${s.thresholds.low} / high ${s.thresholds.high}, policy ${terminalText(s.policyVersion)}, model ${s.modelVersion}`));
  for (const f of result.findings.filter((x) => x.path === '')) lines.push(paint('yellow', `pull request: ${terminalText(truncate(f.message, DETAIL_MAX * 2))}`));
  for (const o of s.omissions) lines.push(paint('yellow', `not analyzed: ${o.path !== undefined ? `${terminalText(o.path)}: ` : ''}${terminalText(o.reason)}`));
  if (findings > 0) lines.push(paint('dim', 'To declare AI assistance, add a trailer such as `Assisted-by: Claude:claude-opus-4-5` to the commit.'));
  if (result.ledger !== undefined) {
    const l = result.ledger;
    lines.push('');
    lines.push(`ledger ${terminalText(l.origin)}: ${pluralize(l.entries.length, 'entry', 'entries')} appended (seq ${l.entries.map((e) => e.seq).join(', ')}), size ${l.size}, root ${l.root}`);
    lines.push(...l.checkpoint.split('\n').filter((x) => x !== '').map((x) => `    ${terminalText(x)}`));
  }
  return lines;
}

function short(sha: string | null): string {
  return sha === null ? '?' : sha.slice(0, 12);
}
