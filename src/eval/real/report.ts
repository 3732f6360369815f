// Plain-text rendering of `trailmark.eval-real/v1`.

import type { Comparison, RealEvalReport } from './evaluate.js';

function pct(x: number | null): string {
  return x === null ? '  n/a' : `${(x * 100).toFixed(1)}%`;
}

function num(x: number | null): string {
  return x === null ? 'n/a' : x.toFixed(3);
}

function comparisonLines(c: Comparison): string[] {
  const ops = c.operatingPoints.map((o) =>
    `TPR@${pct(o.targetFpr)} FPR ${pct(o.tpr)} (test FPR ${pct(o.fpr)}, oracle TPR ${pct(o.oracleTpr)})`);
  return [
    `  ${c.name}: ${c.positives} agent vs ${c.negatives} human hunks, ${c.repos} repos — AUROC ${num(c.auroc)}`,
    `    ${ops.join('; ')}`,
    `    within repos: mean AUROC ${num(c.withinRepo.meanAuroc)} over ${c.withinRepo.groups} repos with ≥ 10 of each; pooled within-repo rank AUROC ${num(c.withinRepo.pooledRankAuroc)}`,
  ];
}

export function renderRealText(r: RealEvalReport): string {
  const out: string[] = [];
  out.push(`trailmark eval --real — model ${r.model.id} ${r.model.version}, detectors ${r.detectorsVersion}`);
  const c = r.corpus;
  if (c.subsample !== undefined) out.push(`subsample: the hunks of at most ${c.subsample.maxCommits} commits (of ${c.subsample.manifestSamples} manifest hunks), chosen by hash`);
  out.push(`corpus: ${c.samples} hunks in the manifest, ${c.loaded} loaded, ${c.scored} scored`);
  for (const [reason, n] of Object.entries(c.loadSkipped)) out.push(`  not loaded: ${n} (${reason})`);
  if (c.missingRepos.length > 0) out.push(`  mirrors missing: ${c.missingRepos.join(', ')}`);
  if (Object.keys(c.notScored).length === 0) out.push('  hunks not scored: none');
  for (const [reason, n] of Object.entries(c.notScored)) out.push(`  hunks not scored: ${n} (${reason})`);
  for (const split of ['train', 'test'] as const) {
    const s = c.bySplit[split];
    out.push(`  ${split}: ${s.repos} repos; agent ${s.agent}, human-old ${s['human-old']}, human-current ${s['human-current']}`);
  }
  out.push('');
  out.push('TEST split (repositories never used for tuning); operating-point thresholds chosen on the train split\'s human hunks; code and commit message together:');
  for (const comp of r.test.comparisons) out.push(...comparisonLines(comp));
  out.push('');
  out.push('the code alone (commit-message log-odds taken out), test:');
  for (const comp of r.test.codeOnly) out.push(...comparisonLines(comp));
  out.push('');
  out.push('by added lines (test):');
  for (const b of r.test.bySize) out.push(`  ${b.name}: agent ${b.agent}, human ${b.human}, no signal fired on ${b.noSignal}, AUROC ${num(b.auroc)}`);
  const s = r.test.shipped;
  out.push('');
  out.push(`shipped thresholds (low ${s.low}, high ${s.high}), test: agent recall ${pct(s.agentRecall)}; human flagged ${pct(s.humanFlagged)} (old ${pct(s.humanOldFlagged)}, current ${pct(s.humanCurrentFlagged)})`);
  return `${out.join('\n')}\n`;
}
