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
