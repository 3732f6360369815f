// Plain-text rendering of `trailmark.eval-real/v1`.

import type { CommitLevelReport } from './commits.js';
import type { Comparison, RealEvalReport } from './evaluate.js';

function pct(x: number | null): string {
  return x === null ? '  n/a' : `${(x * 100).toFixed(1)}%`;
}

function num(x: number | null): string {
  return x === null ? 'n/a' : x.toFixed(3);
}

function comparisonLines(c: Comparison, unit = 'hunks'): string[] {
  const ops = c.operatingPoints.map((o) =>
    `TPR@${pct(o.targetFpr)} FPR ${pct(o.tpr)} (test FPR ${pct(o.fpr)}, oracle TPR ${pct(o.oracleTpr)})`);
  return [
    `  ${c.name}: ${c.positives} agent vs ${c.negatives} human ${unit}, ${c.repos} repos — AUROC ${num(c.auroc)}`,
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
  const withHumans = s.byRepository.filter((r) => r.humanCurrent + r.humanOld > 0);
  const withFlags = withHumans.filter((r) => r.humanCurrentFlagged + r.humanOldFlagged > 0);
  out.push(`  human hunks flagged in ${withFlags.length} of ${withHumans.length} test repositories${withFlags.length === 0 ? '' : ':'}`);
  for (const r of [...withFlags].sort((a, b) => b.humanCurrentFlagged + b.humanOldFlagged - (a.humanCurrentFlagged + a.humanOldFlagged) || (a.repo < b.repo ? -1 : 1))) {
    out.push(`    ${r.repo}: current ${r.humanCurrentFlagged} of ${r.humanCurrent}, old ${r.humanOldFlagged} of ${r.humanOld}; agent ${r.agentFlagged} of ${r.agent}`);
  }
  out.push('', ...commitLines(r.test.commits));
  return `${out.join('\n')}\n`;
}

function commitLines(k: CommitLevelReport): string[] {
  const out: string[] = [];
  out.push('COMMITS as the unit (the hunks of one commit scored together), test; thresholds chosen on the train split\'s human commits:');
  for (const split of ['train', 'test'] as const) {
    const n = k.counts[split];
    out.push(`  ${split}: ${n.repos} repos; agent ${n.agent}, human-old ${n['human-old']}, human-current ${n['human-current']} commits`);
  }
  if (k.mixedLabels > 0) out.push(`  left out: ${k.mixedLabels} commits whose hunks carry different labels`);
  const c = k.combination;
  out.push(`  commit-fitted: code weight ${c.codeWeight} (message weight 1), chosen on train (train AUROC ${num(c.trainAuroc)})`);
  for (const score of k.scores) {
    out.push('', `${score.name} — ${score.description}:`);
    for (const comp of score.comparisons) out.push(...comparisonLines(comp, 'commits'));
  }
  for (const set of k.hunksInCommitContext) {
    out.push('', `${set.name} in their commit's context (hunks as the unit; thresholds from train hunks), test:`);
    for (const s of set.scores) {
      const c1 = s.comparison;
      const at1 = c1.operatingPoints.find((o) => o.targetFpr === 0.01);
      out.push(`  ${s.name}: AUROC ${num(c1.auroc)}, within-repo mean ${num(c1.withinRepo.meanAuroc)} (${c1.withinRepo.groups} repos), pooled rank ${num(c1.withinRepo.pooledRankAuroc)}, TPR@1% FPR ${pct(at1?.tpr ?? null)} (test FPR ${pct(at1?.fpr ?? null)}) — ${s.description} [${c1.positives} agent vs ${c1.negatives} human]`);
    }
  }
  return out;
}
