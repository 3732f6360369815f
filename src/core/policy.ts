// The effective repository policy, after `.github/trailmark.yml` has been parsed and
// validated by config/. Plain data: every field has a value.

import type { FindingLevel } from './types.js';

export interface ExtraMarker {
  /** `co-author-email` | `co-author-domain` | `author-email` | `trailer-key` | `footer` */
  readonly kind: 'co-author-email' | 'co-author-domain' | 'author-email' | 'trailer-key' | 'footer';
  /** Compared literally (case-insensitive), never as a regular expression. */
  readonly value: string;
  readonly agent: string;
  /** `declared` for trailer keys a human writes, `stamped` for tool identities. */
  readonly class: 'declared' | 'stamped';
}

export interface Policy {
  /** Free-form policy version written into every ledger entry (`policy` field). */
  readonly version: string;
  readonly thresholds: { readonly low: number; readonly high: number };
  /** Globs (picomatch syntax) of sensitive paths: findings there are raised one level. */
  readonly sensitivePaths: readonly string[];
  /** Globs of paths to skip entirely (verdict `skipped`, reason `ignored by config`). */
  readonly ignore: readonly string[];
  readonly annotations: {
    readonly unattested: FindingLevel;
    readonly unattestedSensitive: FindingLevel;
    readonly contradicted: FindingLevel;
  };
  readonly markers: readonly ExtraMarker[];
  readonly ledger: {
    readonly enabled: boolean;
    readonly origin?: string;
    readonly branch: string;
  };
  readonly report: {
    /** `issue` (weekly issue in this repository), `none`. */
    readonly destination: 'issue' | 'none';
  };
  /** Whether the check run may conclude `failure` (opt-in only). */
  readonly blocking: { readonly failOn: 'none' | 'unattested' | 'contradicted' };
  /** How long data is kept (`retention:`); absent, or a rule absent, means kept forever. */
  readonly retention?: RetentionPolicy;
  /** The App's scheduled fire drill (`drill: {every: 30d}`); absent: the App runs none. */
  readonly drill?: { readonly every: RetentionPeriod };
  /** What agent hooks capture (`capture:`): when an edit also keeps the detailed tier. */
  readonly capture: CapturePolicy;
  /**
   * Per-repository calibration (`calibration: auto | off`, docs/calibration.md): with `auto` (or
   * absent) the Action and the App apply the operating point calibrated from the repository's
   * own ledger when there is one; `off` keeps these thresholds.
   */
  readonly calibration?: 'auto' | 'off';
}

/**
 * The detailed tier (prompt and output, secrets redacted, encrypted at rest, off the ledger) is
 * kept for edits of sensitive paths when `sensitive` is true, and for edits of at least
 * `minLines` added lines (0: never by size). Every edit gets the light tier.
 */
export interface CapturePolicy {
  readonly detail: { readonly sensitive: boolean; readonly minLines: number };
}

/** Retention rules: what `trailmark erase --expired` and the Action's report mode erase. */
export type RetentionRule = 'subjects' | 'records' | 'prompts';

export const RETENTION_RULES: readonly RetentionRule[] = ['subjects', 'records', 'prompts'];

export type RetentionUnit = 'd' | 'w' | 'm' | 'y';

/** A retention period as written (`7y`): a positive amount of days, weeks, months or years. */
export interface RetentionPeriod {
  readonly amount: number;
  readonly unit: RetentionUnit;
  /** The period as written in the config, normalized (`7y`). */
  readonly text: string;
}

export type RetentionPolicy = { readonly [R in RetentionRule]?: RetentionPeriod };

const RETENTION_PERIOD = /^([1-9][0-9]{0,4})([dwmy])$/;

/** Parses `7y`, `18m`, `12w`, `30d`; undefined when `text` is not such a period. */
export function parseRetentionPeriod(text: string): RetentionPeriod | undefined {
  const m = RETENTION_PERIOD.exec(text.trim());
  if (m === null) return undefined;
  const amount = Number(m[1]);
  const unit = m[2] as RetentionUnit;
  return { amount, unit, text: `${amount}${unit}` };
}

/**
 * The instant before which data falls out of `period`, counted back from `nowMs` (UTC calendar
 * months and years: `1m` before 31 March is 3 March, as JavaScript's Date rolls the day over).
 */
export function retentionCutoff(period: RetentionPeriod, nowMs: number): number {
  const d = new Date(nowMs);
  switch (period.unit) {
    case 'd':
      return nowMs - period.amount * 86_400_000;
    case 'w':
      return nowMs - period.amount * 7 * 86_400_000;
    case 'm':
      d.setUTCMonth(d.getUTCMonth() - period.amount);
      return d.getTime();
    case 'y':
      d.setUTCFullYear(d.getUTCFullYear() - period.amount);
      return d.getTime();
  }
}

export const DEFAULT_POLICY: Policy = {
  capture: { detail: { sensitive: true, minLines: 200 } },
  version: 'default-1',
  // The scoring model's operating points (detectors/model-weights.json `thresholds`), chosen on
  // the real-commit corpus's training split with the commit-message evidence in the score
  // (scripts/operating-points.ts): ≤10% / ≤1% of the current-era human hunks (2024 on) reach
  // low / high. A test keeps them equal.
  thresholds: { low: 0.7, high: 0.94 },
  sensitivePaths: [],
  ignore: [],
  annotations: { unattested: 'notice', unattestedSensitive: 'warning', contradicted: 'warning' },
  markers: [],
  ledger: { enabled: true, branch: 'trailmark-ledger' },
  report: { destination: 'none' },
  blocking: { failOn: 'none' },
};
