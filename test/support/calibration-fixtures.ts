// Shared inputs of the calibration tests (engine, review, the Action's report run, the App):
// one small added file, a vendor stamp that attests it, and spread-out scores.
import { DEFAULT_POLICY } from '../../src/core/policy.js';
import type { Evidence, HunkResult, ScanResult } from '../../src/core/types.js';
import { digestLines } from '../../src/engine/analyze.js';

/** A whole new three-line TypeScript file, as a plain patch. */
export const PATCH = `diff --git a/src/a.ts b/src/a.ts
new file mode 100644
--- /dev/null
+++ b/src/a.ts
@@ -0,0 +1,3 @@
+export function add(a: number, b: number): number {
+  return a + b;
+}
`;

/** A Claude Code co-author stamp: stated AI evidence, so its hunks count as attested. */
export const STAMP: Evidence = { class: 'stamped', source: 'co-author:anthropic', says: 'ai', agent: 'claude-code', commit: 'a'.repeat(40) };

/** `n` scores spread evenly over [from, to) in a fixed scrambled order. */
export function spread(n: number, from: number, to: number): number[] {
  return Array.from({ length: n }, (_, i) => from + ((to - from) * ((i * 7919) % n)) / n);
}

/**
 * The template scan with these hunks in its place: each with its score, its evidence (attested
 * when it has any), a distinct range and a content digest of its id; no findings.
 */
export function resultWith(template: ScanResult, hunks: readonly { score: number; id: string; evidence?: readonly Evidence[] }[]): ScanResult {
  const base = template.hunks[0]!;
  const high = DEFAULT_POLICY.thresholds.high;
  return {
    ...template,
    hunks: hunks.map((h, i): HunkResult => ({
      ...base, path: `src/f${i % 7}.ts`, startLine: 1 + i, endLine: 3 + i, score: h.score, evidence: h.evidence ?? [],
      verdict: h.evidence !== undefined ? 'attested' : h.score >= high ? 'unattested' : 'clear', contentDigest: digestLines([h.id]),
    })),
    findings: [],
  };
}
