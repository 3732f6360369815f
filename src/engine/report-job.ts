// The scheduled report run over one ledger (the Action on `schedule` / `workflow_dispatch`):
// read the policy, verify the ledger, apply the policy's retention (only to a ledger that
// verified, and only with the signing key: retention signs `retention` entries), then build the
// report of one ISO week and render it as markdown with Mermaid charts. Delivery (job summary,
// weekly issue) is the adapter's. No I/O of its own: the store, policy source, clock and
// randomness come in.
import type { Policy } from '../core/policy.js';
import type { Clock, Random } from '../core/ports.js';
import { verifierOf } from '../ledger/log.js';
import { parseSignerKey, type NoteSigner, type NoteVerifier } from '../ledger/note.js';
import type { LedgerStore } from '../ledger/store.js';
import type { ReportModel } from '../report/model.js';
import { lastCompleteWeek, weekRange } from '../report/week.js';
import { renderReportMarkdown } from '../report/weekly-markdown.js';
import { isEmptyLedger, verifyLedger } from './ledger.js';
import { buildReport } from './report.js';
import { applyRetention, type RetentionResult } from './retention.js';

export type { ReportModel, RetentionResult };

/** The report run's policy: read as the review reads it (engine/policy.ts). */
export { loadPolicy as loadReportPolicy } from './policy.js';

export interface ReportJobRequest {
  readonly policy: Policy;
  /** The ledger (the Action: its ledger branch). */
  readonly store: LedgerStore;
  /** `owner/repo`: the report covers this repository. */
  readonly repository: string;
  /** ISO week (`2026-W49`); default: the last complete week at `clock.now()`. */
  readonly week?: string;
  /** Signs retention entries (or its `PRIVATE+KEY+…` text); without it retention is not applied (and the ledger is verified with `keys` only). */
  readonly signer?: NoteSigner | string;
  /** Why this run must not write the ledger (the Action's `ledger: none`): retention is skipped with it. */
  readonly readOnly?: string;
  /** Further trusted keys (rotated ones); the signer's public key is always trusted. */
  readonly keys?: readonly NoteVerifier[];
  /** Forgets what the store has read (after losing a race for the ledger, before retention runs again); without it a lost race fails. */
  readonly refresh?: () => void;
  /** Retention attempts when another writer keeps winning the race for the ledger (LedgerError LOCKED). Default 4. */
  readonly retentionAttempts?: number;
  /**
   * Why a retention failure is not fatal (the adapter knows its platform's errors: a token that
   * cannot write the ledger), or undefined to let it fail the job. The report is built either way.
   */
  readonly retentionRefused?: (err: unknown) => string | undefined;
  readonly dashboardUrl?: string;
  readonly clock: Clock;
  readonly random: Random;
}

export interface ReportJobOutcome {
  readonly week: string;
  readonly model: ReportModel;
  /** The report as markdown (Mermaid charts), within GitHub's issue body limit. */
  readonly markdown: string;
  /** What retention did, or why it did not run. */
  readonly retention: { readonly applied: RetentionResult } | { readonly skipped: string; readonly refused?: true } | null;
  /** Log lines: what was verified, skipped, repaired. */
  readonly notes: readonly string[];
}

function isLocked(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'LOCKED';
}

/** Runs the report job; retention failures other than a lost race propagate (the adapter decides). */
export async function runReportJob(req: ReportJobRequest, notes: string[] = []): Promise<ReportJobOutcome> {
  const week = req.week ?? lastCompleteWeek(req.clock.now());
  const range = weekRange(week); // validates the label (W53 exists only in some years)
  const signer = typeof req.signer === 'string' ? parseSignerKey(req.signer) : req.signer;
  const keys = [...(signer === undefined ? [] : [verifierOf(signer)]), ...(req.keys ?? [])];
  if (keys.length === 0) notes.push('no signing key: the report cannot verify the ledger signatures and says so in its provenance');

  let retention: ReportJobOutcome['retention'] = null;
  const rules = req.policy.retention;
  if (rules !== undefined && Object.keys(rules).length > 0) {
    if (req.readOnly !== undefined) retention = { skipped: req.readOnly };
    else if (signer === undefined) retention = { skipped: 'the policy sets retention, but without the signing key no retention entry can be signed: nothing erased' };
    else if (await isEmptyLedger(req.store)) retention = { skipped: 'the ledger is empty' };
    else {
      const { report } = await verifyLedger(req.store, keys);
      if (!report.ok) {
        retention = { skipped: `the ledger does not verify (${report.problems[0]?.message ?? 'unknown problem'}): nothing erased, nothing appended` };
      } else {
        const attempts = req.retentionAttempts ?? 4;
        for (let attempt = 1; ; attempt++) {
          try {
            const applied = await applyRetention({
              store: req.store, policy: rules, clock: req.clock, random: req.random, signer,
              ...(req.policy.ledger.origin === undefined ? {} : { origin: req.policy.ledger.origin }), policyVersion: req.policy.version,
              onRepair: (m) => notes.push(`ledger repaired on open: ${m}`),
            });
            retention = { applied };
            break;
          } catch (err) {
            // Another writer published first: retention is idempotent, so run it again on the new head.
            if (isLocked(err) && attempt < attempts && req.refresh !== undefined) {
              req.refresh();
              notes.push(`retention: another writer changed the ledger first; applying again (attempt ${attempt + 1} of ${attempts})`);
              continue;
            }
            const refused = req.retentionRefused?.(err);
            if (refused === undefined) throw err;
            retention = { skipped: refused, refused: true };
            req.refresh?.();
            break;
          }
        }
      }
    }
  }

  const model = await buildReport([{ store: req.store, keys }], {
    since: range.since, until: range.until, clock: req.clock, repositories: [req.repository], sensitivePaths: req.policy.sensitivePaths,
  });
  const markdown = renderReportMarkdown(model, req.dashboardUrl === undefined ? {} : { dashboardUrl: req.dashboardUrl });
  return { week, model, markdown, retention, notes };
}

