// The one reader of analyses in a ledger: a `change.analyzed` entry and the `change.hunks`
// pages that continue it (record.ts writes them in the same append, right after the change
// entry; each page names its change by seq and hash). `trailmark blame`, the report's
// aggregation and the calibration all read hunks through it: the pairing itself is
// `AnalysisPages` (ledger/kinds/change-hunks.ts, where the report's layer can use it too).
//
// Streaming and bounded: an analysis is remembered only while pages are still expected for it
// (`hunkPages` says how many), and forgotten with its last page; a page whose change is unknown,
// was not wanted, or names another hash is not attributed to any analysis.
import type { ChangeAnalyzedBody, ChangeAnalyzedHunk } from '../ledger/kinds/change-analyzed.js';
import { AnalysisPages } from '../ledger/kinds/change-hunks.js';
import { readEntries, type StoredEntry } from '../ledger/read.js';
import type { LedgerStore } from '../ledger/store.js';

export { AnalysisPages };

const ANALYZED = 'change.analyzed';
const PAGE = 'change.hunks';

/** Where an analysis (or one of its pages) is in its ledger. */
export interface AnalysisAt {
  readonly seq: number;
  readonly hash: string;
  readonly time: string;
}

/** Part of an analysis: the change entry's own hunks (`page` null), or one page's. */
export interface AnalysisPart {
  /** The `change.analyzed` entry. */
  readonly analysis: AnalysisAt & { readonly body: ChangeAnalyzedBody };
  /** The `change.hunks` entry, or null for the hunks inside the change entry. */
  readonly page: AnalysisAt | null;
  readonly hunks: readonly ChangeAnalyzedHunk[];
}

export interface ReadAnalysesOptions {
  /** Which analyses to read (their pages follow); default all. */
  readonly wanted?: (body: ChangeAnalyzedBody) => boolean;
  /** Every entry read, of any kind, before it is interpreted (readers that need other kinds). */
  readonly onEntry?: (stored: StoredEntry) => void;
}

/**
 * Streams the analyses of `store` part by part: each wanted `change.analyzed` entry (its own
 * hunks), then each of its pages as it comes. Memory: the analyses still waiting for pages.
 */
export async function* readAnalyses(store: LedgerStore, options: ReadAnalysesOptions = {}): AsyncIterable<AnalysisPart> {
  const pages = new AnalysisPages<AnalysisPart['analysis']>();
  for await (const stored of readEntries(store)) {
    options.onEntry?.(stored);
    const { seq, hash, entry } = stored;
    if (entry.kind === ANALYZED) {
      const body = entry.body as unknown as ChangeAnalyzedBody;
      if (options.wanted !== undefined && !options.wanted(body)) continue;
      const analysis = { seq, hash, time: entry.time, body };
      pages.analysis(seq, hash, body, analysis);
      yield { analysis, page: null, hunks: Array.isArray(body.hunks) ? body.hunks : [] };
    } else if (entry.kind === PAGE) {
      const found = pages.page(entry.body);
      if (found !== undefined) yield { analysis: found.value, page: { seq, hash, time: entry.time }, hunks: found.hunks };
    }
  }
}
