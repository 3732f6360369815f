// The whole evaluation result (`trailmark.eval/v1`) and its plain-text rendering.

import type { SplitReport, Thresholds } from './evaluate.js';

export interface EvalReport {
  readonly schema: 'trailmark.eval/v1';
  readonly model: { readonly id: string; readonly version: string; readonly trainedOn: string };
  readonly detectorsVersion: string;
  readonly thresholds: Thresholds & { readonly source: 'model' | 'default-policy' };
  /** The split never used for tuning: weights and thresholds must not be chosen on it. */
  readonly neverTuned: 'test';
  readonly humanFlagBudget: number;
  readonly splits: readonly SplitReport[];
}

function pct(x: number | null): string {
  return x === null ? '   n/a' : `${(x * 100).toFixed(1).padStart(5)}%`;
}

function num(x: number | null, digits = 3): string {
  return x === null ? 'n/a' : x.toFixed(digits);
}

export function renderText(report: EvalReport): string {
  const out: string[] = [];
  const t = report.thresholds;
  out.push(`trailmark eval — model ${report.model.id} ${report.model.version}, detectors ${report.detectorsVersion}`);
  out.push(`thresholds: low ${t.low}, high ${t.high} (from ${t.source}); flagged = score ≥ high, uncertain = low ≤ score < high`);
  out.push(`NOTE: the "test" split is never used for tuning; figures on "train" are optimistic.`);
  for (const s of report.splits) {
    out.push('');
    out.push(`== ${s.split}${s.split === report.neverTuned ? ' (never tuned on)' : ' (tuning split)'} ==`);
    out.push(`hunks: ${s.counts.human} human, ${s.counts.ai} ai    AUROC ${num(s.auroc)}`);
    out.push(`human: flagged ${pct(s.human.flaggedRate)} (${s.human.flagged}/${s.human.total})  uncertain ${pct(s.human.uncertainRate)} (${s.human.uncertain})`);
    out.push(`ai:    flagged ${pct(s.ai.flaggedRate)} (${s.ai.flagged}/${s.ai.total})  uncertain ${pct(s.ai.uncertainRate)} (${s.ai.uncertain})`);
    const op = s.operatingPoint;
    out.push(`at the train cut for ≤${report.humanFlagBudget * 100}% human flags (score ≥ ${num(op.threshold, 4)}): human ${pct(op.humanFlagged)}, ai recall ${pct(op.aiRecall)}`);
    if (s.detectorFailures > 0) out.push(`detector failures: ${s.detectorFailures}`);
    out.push('ai recall by style:');
    for (const g of s.aiByStyle) out.push(`  ${g.name.padEnd(28)} ${pct(g.flaggedRate)}  (${g.flagged}/${g.total})`);
    out.push('human flag rate by span kind:');
    for (const g of s.humanBySpan) out.push(`  ${g.name.padEnd(28)} ${pct(g.flaggedRate)}  (${g.flagged}/${g.total})`);
    out.push('flag rate by added lines:      ai            human');
    for (const bucket of s.aiBySize.map((g) => g.name)) {
      const a = s.aiBySize.find((g) => g.name === bucket);
      const h = s.humanBySize.find((g) => g.name === bucket);
      out.push(`  ${bucket.padEnd(26)} ${pct(a?.flaggedRate ?? null)} (${a?.total ?? 0})  ${pct(h?.flaggedRate ?? null)} (${h?.total ?? 0})`);
    }
    out.push('detectors: mean log-odds contribution on ai / human, AUROC alone (weighted, unweighted)');
    for (const d of s.detectors) {
      out.push(`  ${d.id.padEnd(28)} ${num(d.meanAi).padStart(7)} / ${num(d.meanHuman).padStart(7)}   ${num(d.auroc)}  ${num(d.aurocUnweighted)}`);
    }
  }
  return `${out.join('\n')}\n`;
}
