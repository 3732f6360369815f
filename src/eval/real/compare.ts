// One comparison of the real-commit eval: agent against human units (hunks or commits) of the
// test split, with AUROC, operating points whose thresholds come from the train split's negatives,
// and within-repository AUROC. Hunk and commit comparisons share it, so both read the same way.

import { auroc } from '../metrics.js';
import type { RealLabel } from './manifest.js';
import { operatingPoint, withinGroupAuroc, type OperatingPoint, type WithinGroup } from './metrics.js';

/** Target human flag rates for the reported operating points. */
export const TARGET_FPRS: readonly number[] = [0.01, 0.05];
/** Repositories need this many of each class to enter the mean per-repository AUROC. */
export const MIN_PER_REPO = 10;

export interface Comparison {
  /** `all`, `agent:<name>`, `era-matched`, `vs-human-old`. */
  readonly name: string;
  readonly positives: number;
  readonly negatives: number;
  readonly repos: number;
  readonly auroc: number | null;
  readonly operatingPoints: readonly OperatingPoint[];
  readonly withinRepo: WithinGroup;
}

/** What a comparison reads of a unit's provenance. */
export interface UnitLabel {
  readonly repo: string;
  readonly label: RealLabel;
  readonly agent?: string;
}

/** A scored unit: a hunk, or a commit scored as one. */
export interface RankedUnit {
  readonly score: number;
  readonly sample: UnitLabel;
}

export function compare(name: string, train: readonly RankedUnit[], test: readonly RankedUnit[], positive: (s: UnitLabel) => boolean, negative: (s: UnitLabel) => boolean): Comparison {
  const tuning = train.filter((x) => negative(x.sample)).map((x) => x.score);
  const inTest = test.filter((x) => positive(x.sample) || negative(x.sample));
  const samples = inTest.map((x) => ({ score: x.score, positive: positive(x.sample), group: x.sample.repo }));
  return {
    name,
    positives: samples.filter((s) => s.positive).length,
    negatives: samples.filter((s) => !s.positive).length,
    repos: new Set(inTest.map((x) => x.sample.repo)).size,
    auroc: auroc(samples) ?? null,
    operatingPoints: TARGET_FPRS.map((f) => operatingPoint(tuning, samples, f)),
    withinRepo: withinGroupAuroc(samples, MIN_PER_REPO),
  };
}

export const isAgent = (s: UnitLabel): boolean => s.label === 'agent';
export const isHuman = (s: UnitLabel): boolean => s.label !== 'agent';

/**
 * The agent groups reported apart: agents with at least `min` positive test units under their own
 * name, sorted, then `other` when some agents were pooled. `agentOf` maps a unit to its group.
 */
export function agentGroups(test: readonly RankedUnit[], min: number): { readonly names: readonly string[]; readonly agentOf: (s: UnitLabel) => string } {
  const perAgent = new Map<string, number>();
  for (const x of test) if (isAgent(x.sample)) perAgent.set(x.sample.agent ?? 'unknown', (perAgent.get(x.sample.agent ?? 'unknown') ?? 0) + 1);
  const named = new Set([...perAgent].filter(([, n]) => n >= min).map(([a]) => a));
  const names = [...named].sort();
  if (named.size < perAgent.size) names.push('other');
  return { names, agentOf: (s) => (named.has(s.agent ?? 'unknown') ? s.agent ?? 'unknown' : 'other') };
}

/** The comparisons every score gets: all, era-matched, vs-human-old, then one per agent group. */
export function standardComparisons(train: readonly RankedUnit[], test: readonly RankedUnit[], agents: ReturnType<typeof agentGroups>): Comparison[] {
  return [
    compare('all', train, test, isAgent, isHuman),
    compare('era-matched', train, test, isAgent, (s) => s.label === 'human-current'),
    compare('vs-human-old', train, test, isAgent, (s) => s.label === 'human-old'),
    ...agents.names.map((a) => compare(`agent:${a}`, train, test, (s) => isAgent(s) && agents.agentOf(s) === a, isHuman)),
  ];
}
