// A hand-built ScanResult covering every verdict and evidence class, with hostile strings in
// every attacker-controlled field.
import type { ScanResult } from '../../src/core/types.js';

export const HOSTILE_PATH = 'src/we|ird `name`\n<img src=x onerror=alert(1)> @org/team #12 \x1b[31mred\u202Etxt.ts';
export const HOSTILE_DETAIL = 'comment says "see @octocat" and `` ` `` [click](javascript:alert(1)) \x1b]8;;http://x\x07 \u200B';

export function sampleResult(overrides: Partial<ScanResult> = {}): ScanResult {
  return {
    schema: 'trailmark.scan/v1',
    base: 'a'.repeat(40),
    head: 'b'.repeat(40),
    summary: {
      files: 4,
      hunks: 6,
      addedLines: 120,
      commits: 3,
      verdicts: { attested: 1, unattested: 1, contradicted: 1, clear: 1, uncertain: 1, skipped: 1 },
      findings: { unattested: 1, contradicted: 1, 'approval-drift': 0 },
      evidence: { recorded: 1, declared: 2, stamped: 1, inferred: 3 },
      thresholds: { low: 0.53, high: 0.63 },
      policyVersion: 'acme-1',
      modelVersion: 'trailmark-logistic@1.0.0',
      detectors: [{ id: 'assistant-text', version: '1.0.0' }],
      omissions: [{ path: 'huge/blob.bin', reason: 'patch missing (file too large for the API)' }],
    },
    hunks: [
      {
        path: HOSTILE_PATH, startLine: 10, endLine: 40, language: 'typescript', score: 0.91,
        signals: [{ id: 'narration/step-comment', weight: 1.2, line: 12, detail: HOSTILE_DETAIL }, { id: 'human-markers/todo', weight: -0.5, detail: 'a TODO' }],
        evidence: [{ class: 'inferred', source: 'detectors', says: 'ai', detail: 'score 0.91' }],
        verdict: 'unattested', reason: 'score 0.91 ≥ 0.63 and nothing declares AI involvement',
        addedLines: 31, deletedLines: 0, commits: ['c'.repeat(40)], units: [{ kind: 'function', name: 'f`<b>`', startLine: 10, endLine: 40, whole: true }],
        contentDigest: `sha256:${'1'.repeat(64)}`,
      },
      {
        path: 'src/billing/invoice.ts', startLine: 1, endLine: 43, language: 'typescript', score: 0.96,
        signals: [{ id: 'defensive/input-guards', weight: 0.4, line: 3, detail: '2 input checks that throw' }],
        evidence: [{ class: 'declared', source: 'trailer:AI-Assisted', says: 'human', detail: 'AI-Assisted: no', commit: 'd'.repeat(40) }],
        verdict: 'contradicted', reason: 'declared human-written, but the code scores 0.96 for AI generation',
        addedLines: 43, deletedLines: 0, commits: ['d'.repeat(40)], units: [], contentDigest: `sha256:${'2'.repeat(64)}`,
      },
      {
        path: 'src/api/users.ts', startLine: 1, endLine: 20, language: 'typescript', score: 0.8,
        signals: [], evidence: [
          { class: 'stamped', source: 'co-author:noreply@anthropic.com', says: 'ai', detail: 'Co-authored-by: Claude <noreply@anthropic.com>' },
          { class: 'recorded', source: 'agent-trace', says: 'ai', detail: 'lines 1-20 by ai' },
          { class: 'declared', source: 'trailer:Assisted-by', says: 'ai', detail: 'Assisted-by: Claude:claude-opus-4-5' },
        ],
        verdict: 'attested', reason: 'AI involvement stated by recorded evidence (agent-trace)',
        addedLines: 20, deletedLines: 2, commits: [], units: [], contentDigest: `sha256:${'3'.repeat(64)}`,
      },
      {
        path: 'src/util/format.ts', startLine: 5, endLine: 6, language: 'typescript', score: 0.2, signals: [], evidence: [],
        verdict: 'clear', reason: 'score 0.20 < 0.53', addedLines: 2, deletedLines: 1, commits: [], units: [], contentDigest: `sha256:${'4'.repeat(64)}`,
      },
      {
        path: 'src/util/format.ts', startLine: 30, endLine: 34, language: 'typescript', score: 0.58, signals: [], evidence: [{ class: 'inferred', source: 'detectors', says: 'ai' }],
        verdict: 'uncertain', reason: 'score 0.58 between 0.53 and 0.63', addedLines: 5, deletedLines: 0, commits: [], units: [], contentDigest: `sha256:${'5'.repeat(64)}`,
      },
      {
        path: 'package-lock.json', startLine: 1, endLine: 19, language: 'unknown', score: 0, signals: [], evidence: [],
        verdict: 'skipped', reason: 'lockfile (package-lock.json)', addedLines: 19, deletedLines: 3, commits: [], units: [], contentDigest: `sha256:${'6'.repeat(64)}`,
      },
    ],
    findings: [
      { kind: 'unattested', path: HOSTILE_PATH, startLine: 10, endLine: 40, level: 'warning', message: `Likely AI-generated. ${HOSTILE_DETAIL}`, score: 0.91 },
      { kind: 'contradicted', path: 'src/billing/invoice.ts', startLine: 1, endLine: 43, level: 'warning', message: 'Declared human-written, but the code scores 0.96.', score: 0.96 },
    ],
    ...overrides,
  };
}
