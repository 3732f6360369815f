// Work the App does after acknowledging a webhook, and the weekly report schedule's. Plain JSON:
// jobs are persisted in the queue.
import { retentionJobKey } from '../src/engine/app-retention.js';
import { weeklyReportJobKey } from '../src/engine/weekly-report.js';

export interface PullRef {
  readonly installationId: number;
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
}

export type Job =
  /**
   * Analyze the pull request's newest head and publish the check run. Coalesced per pull
   * request. `head`: the head the webhook named, where a final failure is reported when the
   * pull request itself cannot be read.
   */
  /**
   * `rerun`: the delivery of a check run or suite that a person asked to re-run (GitHub expects a
   * new check run then): it goes into the check run's external id, so that run is new while a
   * job that runs twice still completes its own.
   */
  | ({ readonly kind: 'analyze'; readonly head?: string; readonly rerun?: string } & PullRef)
  | ({ readonly kind: 'review-approved'; readonly review: number; readonly head: string; readonly reviewer: string } & PullRef)
  | ({ readonly kind: 'merged'; readonly head: string; readonly mergeCommit: string | null; readonly mergedBy: string } & PullRef)
  /** `head`: the head the user saw when the webhook names it (the check-run button); a declaration covers that head. */
  | ({ readonly kind: 'command'; readonly user: string; readonly body: string; readonly head?: string } & PullRef)
  /** Publish the weekly attestation-gap report of one repository and ISO week (app/weekly-report.ts). */
  | { readonly kind: 'weekly-report'; readonly installationId: number; readonly owner: string; readonly repo: string; readonly week: string }
  /** Apply the installation's retention policy for a UTC day (app/retention.ts). */
  | { readonly kind: 'retention'; readonly installationId: number; readonly day: string };

export type PullJob = Exclude<Job, { readonly kind: 'weekly-report' } | { readonly kind: 'retention' }>;

/** Jobs with the same key are coalesced: only the newest one runs. */
export function jobKey(job: Job, deliveryId: string): string {
  if (job.kind === 'retention') return retentionJobKey(job.installationId, job.day);
  if (job.kind === 'weekly-report') return weeklyReportJobKey(job.installationId, `${job.owner}/${job.repo}`, job.week);
  const pull = `${job.installationId}/${job.owner}/${job.repo}#${job.number}`;
  return job.kind === 'analyze' ? `analyze:${pull}` : `${job.kind}:${deliveryId}`;
}

export function pullKey(p: PullRef): string {
  return `${p.owner}/${p.repo}#${p.number}`;
}
