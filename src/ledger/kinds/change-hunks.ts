// Body of a `change.hunks` entry: a continuation page of a large `change.analyzed` entry, so
// that no line exceeds the 64 KiB entry limit whatever the size of the change.
import type { ChangeAnalyzedHunk } from './change-analyzed.js';
import { hunkSchema } from './change-analyzed.js';
import { entryRef, uint, type EntryRef } from './common.js';

export const CHANGE_HUNKS_KIND = 'change.hunks';
export const CHANGE_HUNKS_SCHEMA = 'trailmark.change.hunks/v1';

export type ChangeHunksBody = {
  readonly schema: typeof CHANGE_HUNKS_SCHEMA;
  /** The `change.analyzed` entry this page continues. */
  readonly change: EntryRef;
  /** 1-based page number (page 0 is the hunks inside the change entry itself). */
  readonly page: number;
  readonly hunks: readonly ChangeAnalyzedHunk[];
};

export const changeHunksSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'change', 'page', 'hunks'],
  properties: {
    schema: { const: CHANGE_HUNKS_SCHEMA },
    change: entryRef,
    page: { ...uint, minimum: 1 },
    hunks: { type: 'array', minItems: 1, items: hunkSchema },
  },
} as const;

// ---------------------------------------------------------------------------------------------
// Pairing pages with their change (engine/analyses.ts streams with it; report/aggregate.ts and
// engine/blame.ts, fed entry by entry, use it directly).

function isObject(x: unknown): x is Readonly<Record<string, unknown>> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function count(x: unknown): number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x > 0 ? x : 0;
}

/**
 * Pairs pages with their analysis, one entry at a time (for readers fed entry by entry, such as
 * the report's aggregation). `T` is what the reader keeps for an analysis.
 */
export class AnalysisPages<T> {
  readonly #open = new Map<number, { readonly hash: string; remaining: number; readonly value: T }>();

  /**
   * `byHash` false pairs by seq alone (the report's aggregation, which counts what the ledger
   * holds and says separately whether it verified); default true: a page naming another hash
   * continues nothing.
   */
  constructor(readonly options: { readonly byHash?: boolean } = {}) {}

  /** A `change.analyzed` entry at `seq`/`hash`: its pages will be attributed to `value`. */
  analysis(seq: number, hash: string, body: unknown, value: T): void {
    const pages = isObject(body) ? count(body.hunkPages) : 0;
    if (pages > 0) this.#open.set(seq, { hash, remaining: pages, value });
  }

  /**
   * A `change.hunks` entry: the value of its analysis and its hunks, or undefined when it
   * continues no analysis this reader saw (or all its pages were already read).
   */
  page(body: unknown): { readonly value: T; readonly hunks: readonly ChangeAnalyzedHunk[] } | undefined {
    if (!isObject(body) || !isObject(body.change)) return undefined;
    const { seq, hash } = body.change;
    if (typeof seq !== 'number') return undefined;
    const open = this.#open.get(seq);
    if (open === undefined || (this.options.byHash !== false && hash !== open.hash)) return undefined;
    if (--open.remaining <= 0) this.#open.delete(seq);
    return { value: open.value, hunks: Array.isArray(body.hunks) ? (body.hunks as ChangeAnalyzedHunk[]) : [] };
  }

  /** Analyses still waiting for pages (a bound on what is held). */
  get waiting(): number {
    return this.#open.size;
  }
}

