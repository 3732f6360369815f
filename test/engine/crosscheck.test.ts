import { describe, expect, it } from 'vitest';
import type { Evidence } from '../../src/core/types.js';
import { crosscheck } from '../../src/engine/crosscheck.js';

const T = { low: 0.5, high: 0.8 };
const declaredAi: Evidence = { class: 'declared', source: 'trailer:Assisted-by', says: 'ai', commit: 'c1' };
const declaredHuman: Evidence = { class: 'declared', source: 'trailer:AI-Assisted', says: 'human', commit: 'c1' };
const stampedC1: Evidence = { class: 'stamped', source: 'co-author:noreply@anthropic.com', says: 'ai', commit: 'c1' };
const stampedC2: Evidence = { class: 'stamped', source: 'co-author:noreply@anthropic.com', says: 'ai', commit: 'c2' };
const recordedAi: Evidence = { class: 'recorded', source: 'agent-trace', says: 'ai' };
const recordedHuman: Evidence = { class: 'recorded', source: 'agent-trace', says: 'human' };
const remediation: Evidence = { class: 'declared', source: 'remediation', says: 'ai' };
const weakBranch: Evidence = { class: 'stamped', source: 'branch:claude/', says: 'ai', weak: true };
const inferred: Evidence = { class: 'inferred', source: 'detectors', says: 'ai' };

describe('crosscheck', () => {
  it.each([
    ['nothing, low score', 0.1, [], 'clear'],
    ['nothing, at low', 0.5, [], 'uncertain'],
    ['nothing, just under high', 0.7999, [], 'uncertain'],
    ['nothing, at high', 0.8, [], 'unattested'],
    ['inferred evidence alone is not an attestation', 0.95, [inferred], 'unattested'],
    ['declared AI', 0.95, [declaredAi], 'attested'],
    ['declared AI, low score', 0.1, [declaredAi], 'attested'],
    ['stamped AI', 0.9, [stampedC1], 'attested'],
    ['recorded AI', 0.2, [recordedAi], 'attested'],
    ['remediation', 0.9, [remediation], 'attested'],
    ['human declaration, low score', 0.2, [declaredHuman], 'clear'],
    ['human declaration, uncertain score', 0.6, [declaredHuman], 'clear'],
    ['human declaration, high score', 0.85, [declaredHuman], 'contradicted'],
    ['human declaration vs recorded AI', 0.1, [declaredHuman, recordedAi], 'contradicted'],
    ['human declaration vs stamp on the same commit', 0.1, [declaredHuman, stampedC1], 'contradicted'],
    ['human declaration on c1, stamp on another commit c2', 0.1, [declaredHuman, stampedC2], 'attested'],
    ['an unsigned human record does not silence strong inference', 0.95, [recordedHuman], 'contradicted'],
    ['human record, uncertain score', 0.6, [recordedHuman], 'clear'],
    ['weak evidence alone does not attest', 0.95, [weakBranch], 'unattested'],
    ['weak evidence alone, low score', 0.1, [weakBranch], 'clear'],
    ['AI record beats a human record elsewhere in the hunk', 0.95, [recordedHuman, recordedAi], 'attested'],
  ] as const)('%s → %s', (_name, score, evidence, verdict) => {
    expect(crosscheck(score, evidence, T).verdict).toBe(verdict);
  });

  it('explains every verdict', () => {
    expect(crosscheck(0.9, [], T).reason).toContain('0.90');
    expect(crosscheck(0.1, [declaredHuman, recordedAi], T).reason).toContain('agent-trace');
  });

  it('names an agent-like message in the score, for an unattested and a contradicted hunk alike', () => {
    const message: Evidence = { class: 'inferred', source: 'commit-message', says: 'ai', commit: 'b520935aa' };
    const pr: Evidence = { class: 'inferred', source: 'pr-description', says: 'ai' };
    expect(crosscheck(0.9, [message], T).reason).toBe("score 0.90 ≥ 0.8 (with commit b520935's agent-like message) and nothing declares AI involvement");
    expect(crosscheck(0.9, [pr], T).reason).toBe('score 0.90 ≥ 0.8 (with the agent-like pull request description) and nothing declares AI involvement');
    expect(crosscheck(0.9, [declaredHuman, message], T)).toEqual({ verdict: 'contradicted', reason: "declared human-written, but it scores 0.90 for AI generation (with commit b520935's agent-like message)", fromScore: true });
    // Without agent-like message evidence the reason names no message (a message below the
    // operating point may still be in the score: the reason says the hunk scores, not the code).
    expect(crosscheck(0.9, [declaredHuman], T).reason).toBe('declared human-written, but it scores 0.90 for AI generation');
  });

  it('respects configured thresholds', () => {
    expect(crosscheck(0.6, [], { low: 0.3, high: 0.6 }).verdict).toBe('unattested');
    expect(crosscheck(0.29, [], { low: 0.3, high: 0.6 }).verdict).toBe('clear');
  });
});

describe('default thresholds', () => {
  it('are the scoring model operating points', async () => {
    const { DEFAULT_POLICY } = await import('../../src/core/policy.js');
    const { DEFAULT_MODEL } = await import('../../detectors/model.js');
    expect(DEFAULT_POLICY.thresholds).toEqual(DEFAULT_MODEL.thresholds);
  });
});
