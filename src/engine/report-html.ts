// The dashboard rendering of a report model, kept out of src/engine/report.ts so that the
// Action's bundle (which builds markdown reports) does not carry the charting library.
import { renderDashboard } from '../report/dashboard/html.js';
import type { ReportModel } from '../report/model.js';

/** The dashboard: one self-contained HTML file (src/report/dashboard/html.ts, docs/dashboard.md). */
export function renderReportHtml(model: ReportModel, options: { readonly title?: string } = {}): Promise<string> {
  return renderDashboard(model, options);
}
