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
}

export const DEFAULT_POLICY: Policy = {
  version: 'default-1',
  // The scoring model's operating points (detectors/model-weights.json `thresholds`, chosen on
  // the training split: ≤10% / ≤2% of human hunks reach low / high). A test keeps them equal.
  thresholds: { low: 0.53, high: 0.63 },
  sensitivePaths: [],
  ignore: [],
  annotations: { unattested: 'notice', unattestedSensitive: 'warning', contradicted: 'warning' },
  markers: [],
  ledger: { enabled: true, branch: 'trailmark-ledger' },
  report: { destination: 'none' },
  blocking: { failOn: 'none' },
};
