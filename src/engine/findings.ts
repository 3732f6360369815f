// Findings are what reaches PR authors as annotations, so the wording is calm and actionable:
// why we think so (top reasons), and the one thing to do about it.

import type { Policy } from '../core/policy.js';
import type { Finding, HunkResult } from '../core/types.js';

/** How many reasons a finding message quotes. */
const REASONS_IN_MESSAGE = 3;
/** Contributions smaller than this (log-odds) are context, not reasons worth quoting. */
const MIN_REASON_WEIGHT = 0.15;

export const HOW_TO_DECLARE =
  'If an AI assistant helped, add a trailer such as `Assisted-by: Claude:claude-opus-4-5` to the commit, ' +
  'or comment `/trailmark attest Assisted-by: AGENT:MODEL` on the pull request. ' +
  'If this is your own work, nothing is required; this notice never blocks the merge.';

export function findingFor(hunk: HunkResult, policy: Policy, sensitive: boolean): Finding | undefined {
  if (hunk.verdict !== 'unattested' && hunk.verdict !== 'contradicted') return undefined;
  const reasons = hunk.signals
    .filter((s) => s.weight >= MIN_REASON_WEIGHT)
    .slice(0, REASONS_IN_MESSAGE)
    .map((s) => s.detail);
  const because = reasons.length > 0 ? ` Signals: ${reasons.join('; ')}.` : '';
  const where = sensitive ? ' This path is marked sensitive by the repository policy.' : '';
  const startLine = Math.max(1, hunk.startLine);
  const endLine = Math.max(startLine, hunk.endLine);
  if (hunk.verdict === 'unattested') {
    return {
      kind: 'unattested',
      path: hunk.path,
      startLine,
      endLine,
      level: sensitive ? policy.annotations.unattestedSensitive : policy.annotations.unattested,
      message: `Likely AI-generated (score ${hunk.score.toFixed(2)}) and not declared.${because}${where} ${HOW_TO_DECLARE}`,
      score: hunk.score,
    };
  }
  return {
    kind: 'contradicted',
    path: hunk.path,
    startLine,
    endLine,
    level: policy.annotations.contradicted,
    message: `${capitalize(hunk.reason ?? 'declared human-written, but the evidence says AI')}.${because}${where} ` +
      'Please check the declaration: if an AI assistant was involved, declare it with an `Assisted-by:` trailer or `/trailmark attest`.',
    score: hunk.score,
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
