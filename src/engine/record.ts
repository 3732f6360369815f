// recordScan: writes what a scan concluded into the ledger, in one atomic append:
//   change.analyzed   (versions, counts, per-hunk digest/verdict/evidence classes/score)
//   change.hunks...   (continuation pages, only when the hunks do not fit in one 64 KiB entry)
//   finding...        (one per finding, each referencing the change entry by seq and hash)
// Personal values (PR author, ...) enter only as salted commitments via the ledger.
import { EVIDENCE_CLASSES, type EvidenceClass, type HunkResult, type LedgerRef, type ScanResult } from '../core/types.js';
import { TOOL_NAME, TOOL_VERSION } from '../core/version.js';
import { canonicalize } from '../ledger/canonical.js';
import { MAX_LINE_BYTES } from '../ledger/entry.js';
import {
  CHANGE_ANALYZED_KIND,
  CHANGE_ANALYZED_SCHEMA,
  MAX_HUNK_ATTRIBUTION,
  MAX_HUNK_COMMITS,
  type ChangeAnalyzedBody,
  type ChangeAnalyzedHunk,
  type HunkAttribution,
} from '../ledger/kinds/change-analyzed.js';
import { CHANGE_HUNKS_KIND, CHANGE_HUNKS_SCHEMA, type ChangeHunksBody } from '../ledger/kinds/change-hunks.js';
import { FINDING_KIND, FINDING_SCHEMA, type FindingBody } from '../ledger/kinds/finding.js';
import type { AppendResult, DraftContext, EntryDraft, Ledger } from '../ledger/log.js';
import { DEFAULT_MESSAGE_MODEL } from '../../detectors/commit-message.js';

export interface RecordMeta {
  /** `owner/name`, when known. */
  readonly repository?: string;
  readonly pullRequest?: number;
  /** Policy version written into every entry's `policy` field. */
  readonly policy: string;
  /**
   * Personal values by role, e.g. `{ "pr.author": "octocat" }` (roles: lowercase, dots and
   * dashes). Written only as salted commitments; the clear values go to the side store.
   */
  readonly subjects?: Readonly<Record<string, string>>;
  /** Idempotency key written into the `change.analyzed` body (`job`). */
  readonly job?: string;
}

/**
 * Room kept for the envelope of an entry around its hunks: fields, a 20-digit seq, the time, the
 * signature. Measured generously against a real envelope (see `envelopeBytes`).
 */
const ENVELOPE_SLACK = 512;

const COMMIT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const clip = (s: string | undefined, n: number): string | null => (s === undefined || s === '' ? null : s.slice(0, n));

/** Stated (non-inferred, non-weak) evidence that says AI, one per class/source/agent/model/commit. */
function attributionOf(h: HunkResult): HunkAttribution[] {
  const seen = new Set<string>();
  const out: HunkAttribution[] = [];
  for (const e of h.evidence) {
    if (e.class === 'inferred' || e.weak === true || e.says !== 'ai') continue;
    const a: HunkAttribution = {
      class: e.class,
      source: e.source.slice(0, 128),
      agent: clip(e.agent, 128),
      model: clip(e.model, 128),
      commit: e.commit !== undefined && COMMIT_ID.test(e.commit) ? e.commit : null,
    };
    const key = JSON.stringify(a);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(a);
    if (out.length === MAX_HUNK_ATTRIBUTION) break;
  }
  return out;
}

function hunkOf(h: HunkResult): ChangeAnalyzedHunk {
  const classes = new Set<EvidenceClass>(h.evidence.map((e) => e.class));
  const commits = h.commits.filter((c) => COMMIT_ID.test(c));
  const attribution = attributionOf(h);
  return {
    path: h.path,
    startLine: h.startLine,
    endLine: h.endLine,
    contentDigest: h.contentDigest,
    verdict: h.verdict,
    evidence: EVIDENCE_CLASSES.filter((c) => classes.has(c)),
    score: h.score,
    addedLines: h.addedLines,
    // The newest commits matter most to blame: keep the last ones when there are too many.
    ...(commits.length === 0 ? {} : { commits: commits.slice(-MAX_HUNK_COMMITS) }),
    ...(attribution.length === 0 ? {} : { attribution }),
  };
}

function bytesOf(value: unknown): number {
  return Buffer.byteLength(canonicalize(value), 'utf8');
}

/** Splits hunks into pages so that each entry (envelope + body) stays under the line limit. */
function paginate(hunks: readonly ChangeAnalyzedHunk[], firstBodyBytes: number, laterBodyBytes: number, policy: string): ChangeAnalyzedHunk[][] {
  const envelope = ENVELOPE_SLACK + Buffer.byteLength(JSON.stringify(policy), 'utf8');
  const pages: ChangeAnalyzedHunk[][] = [[]];
  let used = envelope + firstBodyBytes;
  for (const h of hunks) {
    const n = bytesOf(h) + 1;
    const page = pages[pages.length - 1]!;
    if (used + n > MAX_LINE_BYTES && (page.length > 0 || pages.length > 1)) {
      pages.push([h]);
      used = envelope + laterBodyBytes + n;
    } else {
      page.push(h);
      used += n;
    }
  }
  return pages;
}

/** The entries that record `result`, in append order: `change.analyzed`, its pages, the findings. */
export function scanDrafts(result: ScanResult, meta: RecordMeta): EntryDraft[] {
  const s = result.summary;
  const hunks = result.hunks.map(hunkOf);
  const roles = Object.keys(meta.subjects ?? {}).sort();
  const changeBody = (ctx: DraftContext | null, pageHunks: readonly ChangeAnalyzedHunk[], hunkPages: number): ChangeAnalyzedBody => ({
    schema: CHANGE_ANALYZED_SCHEMA,
    repository: meta.repository ?? null,
    pullRequest: meta.pullRequest ?? null,
    base: result.base,
    head: result.head,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    detectors: [...s.detectors].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((d) => ({ id: d.id, version: d.version })),
    model: s.modelVersion,
    // The review scores with the shipped commit-message model (engine/analyze.ts default).
    messageModel: `${DEFAULT_MESSAGE_MODEL.id}@${DEFAULT_MESSAGE_MODEL.version}`,
    thresholds: { low: s.thresholds.low, high: s.thresholds.high },
    counts: {
      files: s.files,
      hunks: s.hunks,
      addedLines: s.addedLines,
      commits: s.commits,
      omissions: s.omissions.length,
      verdicts: { ...s.verdicts },
      findings: { ...s.findings },
      evidence: { ...s.evidence },
    },
    // Commitments are 71 characters whatever the value: a placeholder sizes them exactly.
    subjects: Object.fromEntries(roles.map((r) => [r, ctx === null ? `sha256:${'0'.repeat(64)}` : ctx.commit(meta.subjects![r]!)])),
    hunks: pageHunks,
    hunkPages,
    ...(meta.job === undefined ? {} : { job: meta.job }),
  });
  const pageSkeleton: ChangeHunksBody = { schema: CHANGE_HUNKS_SCHEMA, change: { seq: Number.MAX_SAFE_INTEGER, hash: '0'.repeat(64) }, page: Number.MAX_SAFE_INTEGER, hunks: [] };
  const pages = paginate(hunks, bytesOf(changeBody(null, [], Number.MAX_SAFE_INTEGER)), bytesOf(pageSkeleton), meta.policy);

  const changeRef = (ctx: DraftContext) => ({ seq: ctx.previous[0]!.seq, hash: ctx.previous[0]!.hash });
  const drafts: EntryDraft[] = [{ kind: CHANGE_ANALYZED_KIND, policy: meta.policy, body: (ctx) => changeBody(ctx, pages[0]!, pages.length - 1) }];
  pages.slice(1).forEach((page, i) => {
    drafts.push({
      kind: CHANGE_HUNKS_KIND,
      policy: meta.policy,
      body: (ctx): ChangeHunksBody => ({ schema: CHANGE_HUNKS_SCHEMA, change: changeRef(ctx), page: i + 1, hunks: page }),
    });
  });
  for (const f of result.findings) {
    drafts.push({
      kind: FINDING_KIND,
      policy: meta.policy,
      body: (ctx): FindingBody => ({
        schema: FINDING_SCHEMA,
        change: changeRef(ctx),
        finding: f.kind,
        path: f.path,
        startLine: f.startLine,
        endLine: f.endLine,
        level: f.level,
        score: f.score ?? null,
        message: f.message,
      }),
    });
  }
  return drafts;
}

/** Where an append of `scanDrafts` went. */
export function ledgerRefOf(appended: AppendResult, location: string, origin: string): LedgerRef {
  return {
    dir: location,
    origin,
    size: appended.size,
    root: appended.root,
    checkpoint: appended.checkpoint,
    entries: appended.entries.map((e) => ({ seq: e.seq, kind: e.kind })),
  };
}

export async function recordScan(result: ScanResult, ledger: Ledger, meta: RecordMeta): Promise<LedgerRef> {
  return ledgerRefOf(await ledger.append(scanDrafts(result, meta)), ledger.store.location, ledger.origin);
}
