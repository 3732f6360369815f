// Fallback when the token cannot write check runs (fork pull requests): findings as workflow
// annotations. GitHub displays only WORKFLOW_ANNOTATIONS_DISPLAYED_PER_STEP of each level per
// step, so the most important go first and the log says how many more exist.
import type { Finding } from '../src/core/types.js';
import { WORKFLOW_ANNOTATIONS_DISPLAYED_PER_STEP } from '../src/github/limits.js';

/** Most important first: contradicted before unattested, warning before notice, higher score, then path and line. */
export function byImportance(a: Finding, b: Finding): number {
  const kind = (f: Finding) => (f.kind === 'contradicted' ? 0 : f.kind === 'unattested' ? 1 : 2);
  const level = (f: Finding) => (f.level === 'warning' ? 0 : 1);
  return kind(a) - kind(b) || level(a) - level(b) || (b.score ?? 0) - (a.score ?? 0) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.startLine - b.startLine;
}

export interface AnnotationSelection {
  readonly shown: readonly Finding[];
  /** How many findings were not emitted as annotations. */
  readonly hidden: number;
}

export function selectWorkflowAnnotations(findings: readonly Finding[], limit = WORKFLOW_ANNOTATIONS_DISPLAYED_PER_STEP): AnnotationSelection {
  const sorted = [...findings].sort(byImportance);
  return { shown: sorted.slice(0, limit), hidden: Math.max(0, sorted.length - limit) };
}
