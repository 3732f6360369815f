// Cross-check: evidence × inferred score → verdict (DESIGN.md §1). Pure and table-tested.
//
// Precedence, strongest first:
//   1. contradicted — a human declared "no AI" (declared, says human) while line-level records
//      say AI or a tool stamped the *same commit* as AI; or a human claim (declared, or a
//      record saying human) stands against an inferred score ≥ `high` with nothing saying AI.
//      Records are unsigned and may come from the change itself, so a "human" record never
//      silences strong inference: it turns the finding into a contradiction to look at.
//   2. attested     — any recorded, declared or stamped evidence (or a remediation) says AI.
//      Weak evidence (a branch prefix) is shown but never decides.
//   3. clear        — a human claim stands unchallenged.
//   4. unattested   — inferred score ≥ high and nothing says AI: the finding that matters. The
//      score includes the commit message's ratio when the message leans toward agents' (it
//      never lowers the score); when the message or the PR description is at the message
//      model's operating point it is inferred evidence (sources commit-message /
//      pr-description), and the reason (here and for a contradiction) names it. Inferred
//      evidence never attests.
//   5. uncertain    — low ≤ score < high: counted, never flagged.
//   6. clear        — otherwise.

import type { Evidence, Verdict } from '../core/types.js';

export interface Thresholds {
  readonly low: number;
  readonly high: number;
}

export interface CrosscheckResult {
  readonly verdict: Exclude<Verdict, 'skipped'>;
  readonly reason: string;
  /** The verdict follows from the score (not from stated evidence alone). */
  readonly fromScore?: true;
}

export function crosscheck(score: number, evidence: readonly Evidence[], thresholds: Thresholds): CrosscheckResult {
  const aiClaims = evidence.filter((e) => e.says === 'ai' && e.class !== 'inferred' && e.weak !== true);
  const humanDeclarations = evidence.filter((e) => e.says === 'human' && e.class === 'declared');
  const humanRecords = evidence.filter((e) => e.says === 'human' && e.class === 'recorded');

  if (score >= thresholds.high && aiClaims.length === 0 && humanDeclarations.length === 0 && humanRecords.length > 0) {
    return { verdict: 'contradicted', reason: `recorded as human-written by ${describe(humanRecords[0]!)}, but it scores ${score.toFixed(2)} for AI generation${messageNote(evidence)}`, fromScore: true };
  }
  if (humanDeclarations.length > 0) {
    const recordedAi = aiClaims.find((e) => e.class === 'recorded');
    if (recordedAi) {
      return { verdict: 'contradicted', reason: `declared human-written, but ${describe(recordedAi)} records AI` };
    }
    const declaredCommits = new Set(humanDeclarations.map((e) => e.commit).filter((c) => c !== undefined));
    const stampedSameCommit = aiClaims.find((e) => e.class === 'stamped' && e.commit !== undefined && declaredCommits.has(e.commit));
    if (stampedSameCommit) {
      return { verdict: 'contradicted', reason: `declared human-written, but the same commit carries ${describe(stampedSameCommit)}` };
    }
    if (score >= thresholds.high && aiClaims.length === 0) {
      return { verdict: 'contradicted', reason: `declared human-written, but it scores ${score.toFixed(2)} for AI generation${messageNote(evidence)}`, fromScore: true };
    }
  }
  if (aiClaims.length > 0) {
    return { verdict: 'attested', reason: `AI involvement stated by ${describe(strongest(aiClaims))}` };
  }
  if (humanRecords.length > 0) {
    return { verdict: 'clear', reason: `recorded as human-written by ${describe(humanRecords[0]!)}` };
  }
  if (humanDeclarations.length > 0) {
    return { verdict: 'clear', reason: 'declared human-written' };
  }
  if (score >= thresholds.high) {
    return { verdict: 'unattested', reason: `score ${score.toFixed(2)} ≥ ${thresholds.high}${messageNote(evidence)} and nothing declares AI involvement`, fromScore: true };
  }
  if (score >= thresholds.low) {
    return { verdict: 'uncertain', reason: `score ${score.toFixed(2)} between ${thresholds.low} and ${thresholds.high}`, fromScore: true };
  }
  return { verdict: 'clear', reason: `score ${score.toFixed(2)} < ${thresholds.low}`, fromScore: true };
}

/** " (with commit 1a2b3c4's agent-like message)" when an agent-like message is in the score. */
function messageNote(evidence: readonly Evidence[]): string {
  const message = evidence.find((e) => e.class === 'inferred' && e.says === 'ai' && (e.source === 'commit-message' || e.source === 'pr-description'));
  if (message === undefined) return '';
  return message.commit !== undefined ? ` (with commit ${message.commit.slice(0, 7)}'s agent-like message)` : ' (with the agent-like pull request description)';
}

const CLASS_RANK: Readonly<Record<Evidence['class'], number>> = { recorded: 0, declared: 1, stamped: 2, inferred: 3 };

function strongest(evidence: readonly Evidence[]): Evidence {
  return [...evidence].sort((a, b) => CLASS_RANK[a.class] - CLASS_RANK[b.class])[0]!;
}

function describe(e: Evidence): string {
  return `${e.class} evidence (${e.source})`;
}
