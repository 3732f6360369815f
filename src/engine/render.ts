// A review rendered for a terminal or a file (`trailmark scan --format`): the renderers of
// report/ behind one entry point, so adapters need not import report/ themselves.
import type { ScanResult } from '../core/types.js';
import { TOOL_VERSION } from '../core/version.js';
import { renderJson } from '../report/json.js';
import { renderMarkdown } from '../report/markdown.js';
import { renderSarif } from '../report/sarif.js';
import { renderText } from '../report/text.js';
import type { FailOn } from './review.js';

export const REPORT_FORMATS = ['text', 'json', 'sarif', 'markdown'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface RenderOptions {
  /** Text only: ANSI colours. */
  readonly color: boolean;
  /** Text only: list clear hunks too. */
  readonly verbose: boolean;
  /** The fail-on in force (the review's `blocking.failOn`): the headline says when the run fails by it. */
  readonly failOn: FailOn;
}

export function renderReport(result: ScanResult, format: ReportFormat, options: RenderOptions): string {
  switch (format) {
    case 'json':
      return renderJson(result);
    case 'sarif':
      return renderSarif(result, { toolVersion: TOOL_VERSION });
    case 'markdown':
      return renderMarkdown(result, { failOn: options.failOn });
    case 'text':
      return renderText(result, { color: options.color, verbose: options.verbose, failOn: options.failOn });
  }
}
