// What the App's dashboard and query endpoints serve, over the installation ledgers: the report
// (dashboard HTML, JSON, markdown, CSV) for one ISO week and a set of repositories, and the
// ledger-only blame query. The adapter opens the stores; the App's own signing key is the
// trusted verifier key of its ledgers. `results` is what the `access` entry records.
import type { Clock } from '../core/ports.js';
import { formatVerifierKey, parseVerifierKey, type NoteSigner, type NoteVerifier } from '../ledger/note.js';
import type { LedgerStore } from '../ledger/store.js';
import { renderDashboard } from '../report/dashboard/html.js';
import { queryLedger, type LedgerQueryResult } from './blame.js';
import { buildReport, reportFindings, renderWeeklyReport, weekRange, type ReportSource } from './report.js';
import { renderFindingsCsv } from '../report/report-csv.js';
import type { OperatingPointRow, ReportModel } from '../report/model.js';
import { DEFAULT_POLICY } from '../core/policy.js';
import type { CalibrationSource } from './calibration.js';
import { operatingPointsOf } from './report-job.js';

export type AccessReportFormat = 'json' | 'csv' | 'markdown';

/** The verifier key of the App's ledgers: the public half of its signing key. */
export function verifierOf(signer: NoteSigner): NoteVerifier {
  return parseVerifierKey(formatVerifierKey(signer));
}

export interface AccessReportRequest {
  readonly sources: readonly ReportSource[];
  readonly repositories: readonly string[];
  /** ISO week label; null for the last complete week. */
  readonly week: string | null;
  readonly clock: Clock;
  /**
   * The stored calibrations of the ledgers' installations (the App's hourly documents): when
   * given, the dashboard and the JSON and markdown reports show each repository's operating point.
   */
  readonly calibrations?: readonly CalibrationSource[];
}

/** The period: the ISO week asked for (parseWeek's UsageError for a bad label: the route answers 400), else the last complete week. */
function options(req: AccessReportRequest) {
  return { clock: req.clock, repositories: req.repositories, ...(req.week === null ? {} : weekRange(req.week)) };
}

/**
 * The operating points of the stored calibrations, for the request's repositories (all when none
 * is named). They are read, never made here: a calibration reads the whole ledger, the hourly
 * schedule makes it. An installation whose document is missing or unreadable has no rows until
 * the schedule makes it again (it remakes an unreadable one on its next tick).
 */
async function storedOperatingPoints(req: AccessReportRequest): Promise<OperatingPointRow[] | undefined> {
  if (req.calibrations === undefined) return undefined;
  const rows: OperatingPointRow[] = [];
  for (const source of req.calibrations) {
    const report = await source.load().catch(() => undefined);
    if (report === undefined) continue;
    // The App calibrates from the shipped thresholds; a repository whose policy sets its own
    // keeps them in its reviews, which the dashboard cannot see without reading that policy.
    for (const row of operatingPointsOf(report, DEFAULT_POLICY)) {
      if (req.repositories.length === 0 || req.repositories.includes(row.repository)) {
        rows.push({ ...row, reason: `${row.reason} (from the shipped thresholds; a repository whose policy sets its own thresholds keeps them)` });
      }
    }
  }
  return rows.sort((a, b) => (a.repository < b.repository ? -1 : a.repository > b.repository ? 1 : 0));
}

async function modelOf(req: AccessReportRequest): Promise<ReportModel> {
  const [built, points] = await Promise.all([buildReport(req.sources, options(req)), storedOperatingPoints(req)]);
  return points === undefined ? built : { ...built, operatingPoints: points };
}

/** The dashboard; `results`: the report cells (week × repository × path) it was built from. */
export async function dashboardView(req: AccessReportRequest): Promise<{ readonly html: string; readonly results: number }> {
  const model = await modelOf(req);
  return { html: await renderDashboard(model), results: model.cells.length };
}

/**
 * The report as JSON or markdown (`results`: report cells), or the findings as CSV (`results`:
 * rows). The CSV is collected before it is sent, because the access entry recording its row
 * count is appended before the answer.
 */
export async function reportView(req: AccessReportRequest, format: AccessReportFormat): Promise<{ readonly body: string; readonly contentType: string; readonly results: number }> {
  const opts = options(req);
  if (format === 'csv') {
    let rows = 0;
    async function* counted() {
      for await (const row of reportFindings(req.sources, opts)) {
        rows++;
        yield row;
      }
    }
    const chunks: string[] = [];
    for await (const chunk of renderFindingsCsv(counted())) chunks.push(chunk);
    return { body: chunks.join(''), contentType: 'text/csv; charset=utf-8; header=present', results: rows };
  }
  const model = await modelOf(req);
  return format === 'json'
    ? { body: renderWeeklyReport(model, 'json'), contentType: 'application/json; charset=utf-8', results: model.cells.length }
    : { body: renderWeeklyReport(model, 'markdown'), contentType: 'text/markdown; charset=utf-8', results: model.cells.length };
}

/** The ledger-only blame query (`results`: matching hunks). */
export async function blameView(req: { readonly stores: readonly LedgerStore[]; readonly repository: string; readonly path: string; readonly startLine: number; readonly endLine: number }): Promise<{ readonly body: LedgerQueryResult; readonly results: number }> {
  const result = await queryLedger({ repository: req.repository, path: req.path, startLine: req.startLine, endLine: req.endLine, ledgers: req.stores });
  return { body: result, results: result.matches.length };
}
