// Body of a `change.analyzed` entry: what trailmark concluded about one change set, hunk by
// hunk, with the versions of everything that produced the conclusion. Digests, never code.
import { EVIDENCE_CLASSES, VERDICTS, type EvidenceClass, type Verdict } from '../../core/types.js';
import { digest, nullable, score, subjects, text, uint } from './common.js';

export const CHANGE_ANALYZED_KIND = 'change.analyzed';
export const CHANGE_ANALYZED_SCHEMA = 'trailmark.change.analyzed/v1';

export type ChangeAnalyzedHunk = {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  /** `sha256:<hex>` of the added lines joined with "\n" (HunkResult.contentDigest). */
  readonly contentDigest: string;
  readonly verdict: Verdict;
  /** Evidence classes present for the hunk, sorted, unique. */
  readonly evidence: readonly EvidenceClass[];
  readonly score: number;
  /**
   * Optional (added in 0.2; v1 readers that predate it refuse entries carrying it): the added
   * lines of the hunk, the commits that introduced them (oldest first, at most 64) and who the
   * non-inferred evidence names (at most 16). Reports and `trailmark blame` read them; entries
   * without them are shown with the agent unknown.
   */
  readonly addedLines?: number;
  readonly commits?: readonly string[];
  readonly attribution?: readonly HunkAttribution[];
};

/** One piece of stated evidence on a hunk: its class and source, and the agent and model it names. */
export type HunkAttribution = {
  readonly class: EvidenceClass;
  /** Evidence source, e.g. `trailer:Assisted-by`, `co-author:anthropic`, `agent-trace`, `remediation`. */
  readonly source: string;
  readonly agent: string | null;
  readonly model: string | null;
  /** The commit the evidence is attached to, when it is commit-level. */
  readonly commit: string | null;
};

export const MAX_HUNK_COMMITS = 64;
export const MAX_HUNK_ATTRIBUTION = 16;

export type ChangeAnalyzedBody = {
  readonly schema: typeof CHANGE_ANALYZED_SCHEMA;
  readonly repository: string | null;
  readonly pullRequest: number | null;
  readonly base: string | null;
  readonly head: string | null;
  readonly tool: { readonly name: string; readonly version: string };
  readonly detectors: readonly { readonly id: string; readonly version: string }[];
  readonly model: string;
  /**
   * Optional (added in 0.3): the commit-message model (`id@version`) whose evidence entered the
   * scores. Calibration counts a score only when both `model` and this match the models in
   * force; an entry without it is treated as scored by another model.
   */
  readonly messageModel?: string;
  readonly thresholds: { readonly low: number; readonly high: number };
  readonly counts: {
    readonly files: number;
    readonly hunks: number;
    readonly addedLines: number;
    readonly commits: number;
    readonly omissions: number;
    readonly verdicts: Readonly<Record<Verdict, number>>;
    readonly findings: Readonly<Record<'unattested' | 'contradicted' | 'approval-drift', number>>;
    readonly evidence: Readonly<Record<EvidenceClass, number>>;
  };
  readonly subjects: Readonly<Record<string, string>>;
  /** Hunks recorded in this entry (the first page when the change is large). */
  readonly hunks: readonly ChangeAnalyzedHunk[];
  /** Number of `change.hunks` entries that follow with the remaining hunks (0 when none). */
  readonly hunkPages: number;
  /**
   * Idempotency key of the analysis (engine/review.ts `analysisKey`, or the App's job key): a
   * re-run finds its entry and does not append the same analysis twice.
   */
  readonly job?: string;
};

const counted = (keys: readonly string[]) => ({
  type: 'object',
  additionalProperties: false,
  required: [...keys],
  properties: Object.fromEntries(keys.map((k) => [k, uint])),
});

export const hunkSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'startLine', 'endLine', 'contentDigest', 'verdict', 'evidence', 'score'],
  properties: {
    path: text(4096),
    startLine: uint,
    endLine: uint,
    contentDigest: digest,
    verdict: { enum: [...VERDICTS] },
    evidence: { type: 'array', uniqueItems: true, items: { enum: [...EVIDENCE_CLASSES] } },
    score,
    addedLines: uint,
    commits: { type: 'array', maxItems: MAX_HUNK_COMMITS, items: { type: 'string', pattern: '^[0-9a-f]{40}([0-9a-f]{24})?$' } },
    attribution: {
      type: 'array',
      maxItems: MAX_HUNK_ATTRIBUTION,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['class', 'source', 'agent', 'model', 'commit'],
        properties: {
          class: { enum: [...EVIDENCE_CLASSES] },
          source: text(128),
          agent: nullable(text(128)),
          model: nullable(text(128)),
          commit: nullable({ type: 'string', pattern: '^[0-9a-f]{40}([0-9a-f]{24})?$' }),
        },
      },
    },
  },
} as const;

export const changeAnalyzedSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['schema', 'repository', 'pullRequest', 'base', 'head', 'tool', 'detectors', 'model', 'thresholds', 'counts', 'subjects', 'hunks', 'hunkPages'],
  properties: {
    schema: { const: CHANGE_ANALYZED_SCHEMA },
    repository: nullable(text(512)),
    pullRequest: nullable(uint),
    base: nullable(text(128)),
    head: nullable(text(128)),
    tool: { type: 'object', additionalProperties: false, required: ['name', 'version'], properties: { name: text(64), version: text(64) } },
    detectors: {
      type: 'array',
      maxItems: 256,
      items: { type: 'object', additionalProperties: false, required: ['id', 'version'], properties: { id: text(128), version: text(64) } },
    },
    model: text(128),
    messageModel: text(128),
    thresholds: { type: 'object', additionalProperties: false, required: ['low', 'high'], properties: { low: score, high: score } },
    counts: {
      type: 'object',
      additionalProperties: false,
      required: ['files', 'hunks', 'addedLines', 'commits', 'omissions', 'verdicts', 'findings', 'evidence'],
      properties: {
        files: uint,
        hunks: uint,
        addedLines: uint,
        commits: uint,
        omissions: uint,
        verdicts: counted(VERDICTS),
        findings: counted(['unattested', 'contradicted', 'approval-drift']),
        evidence: counted(EVIDENCE_CLASSES),
      },
    },
    subjects,
    hunks: { type: 'array', items: hunkSchema },
    hunkPages: uint,
    job: text(200),
  },
} as const;
