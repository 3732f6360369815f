// Check-run annotations, one per finding with a path, shared by the Action and the App. Limits
// follow GitHub's check-run `output.annotations[]` object; github/check-run.ts maps the camelCase
// fields to the snake_case wire names (start_line, end_line, annotation_level, raw_details).
// The message is the finding's: why (top reasons) and what to do (declare with `Assisted-by:` or
// `/trailmark attest`), both written by engine/findings.ts.

import type { ScanResult } from '../core/types.js';
import { compareStrings } from './grouping.js';
import { ruleFor } from './rules.js';
import { truncate, visibleText } from './escape.js';

/** A check-run annotation; github/ maps it to GitHub's snake_case wire object. */
export interface Annotation {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly level: 'notice' | 'warning' | 'failure';
  readonly title: string;
  /** Plain text: GitHub does not render markdown in annotations. */
  readonly message: string;
  readonly rawDetails?: string;
}

/** GitHub: annotation `title` is at most 255 characters. */
export const ANNOTATION_TITLE_MAX = 255;
/** GitHub: annotation `message` and `raw_details` are at most 64 KB. */
export const ANNOTATION_MESSAGE_MAX = 64 * 1024 - 1;

export function toAnnotations(result: ScanResult): Annotation[] {
  const byLine = new Map(result.hunks.map((h) => [`${h.path}\0${Math.max(1, h.startLine)}`, h] as const));
  // An annotation needs a file; pull-request-level findings (approval drift) go in the summary.
  return result.findings
    .filter((f) => f.path !== '')
    .sort((a, b) => compareStrings(a.path, b.path) || a.startLine - b.startLine || compareStrings(a.kind, b.kind))
    .map((f) => {
      const hunk = byLine.get(`${f.path}\0${f.startLine}`);
      const evidence = hunk?.evidence.filter((e) => e.class !== 'inferred').map((e) => `${e.class}: ${e.source}${e.detail ? ` (${e.detail})` : ''}`) ?? [];
      const details = [
        ...(f.score !== undefined ? [`score ${f.score.toFixed(2)}`] : []),
        ...evidence,
        ...(hunk?.signals.slice(0, 8).map((s) => `${s.weight >= 0 ? '+' : ''}${s.weight.toFixed(2)} ${s.id}: ${s.detail}`) ?? []),
      ];
      const annotation: Annotation = {
        path: f.path,
        startLine: Math.max(1, f.startLine),
        endLine: Math.max(1, f.startLine, f.endLine),
        level: f.level,
        title: truncate(visibleText(ruleFor(f.kind).title), ANNOTATION_TITLE_MAX),
        // Annotations are rendered as plain text by GitHub; control and bidi characters are made visible.
        message: truncate(visibleText(f.message, { keepNewlines: true }), ANNOTATION_MESSAGE_MAX),
        ...(details.length > 0 ? { rawDetails: truncate(visibleText(details.join('\n'), { keepNewlines: true }), ANNOTATION_MESSAGE_MAX) } : {}),
      };
      return annotation;
    });
}
