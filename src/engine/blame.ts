// `trailmark blame` and the ledger-only query behind it: for lines of a file, the history of
// AI involvement the ledgers recorded — which analyses covered the commits that introduced
// them (directly, or through the PR head → merge commit mapping of `merge` entries for squash,
// merge and rebase merges), with the evidence, agents, models, approvals, findings, the
// verdict at the time, and where each cited entry sits in which ledger (optionally with its
// inclusion proof).
//
// No I/O of its own: ledger stores and the clone (BlameGit) come in as ports. Ledgers are
// streamed once (readEntries; analyses paired with their pages by engine/analyses.ts) and only
// what the query's repository needs is kept. Nothing is
// verified here: `trailmark verify` (or the proofs) say whether the ledger can be trusted.
import { UsageError } from '../core/errors.js';
import type { EvidenceClass, Verdict } from '../core/types.js';
import { EVIDENCE_CLASSES } from '../core/types.js';
import type { ChangeAnalyzedBody, ChangeAnalyzedHunk, HunkAttribution } from '../ledger/kinds/change-analyzed.js';
import type { FindingBody } from '../ledger/kinds/finding.js';
import type { MergeBody } from '../ledger/kinds/merge.js';
import type { RecordBody } from '../ledger/kinds/record.js';
import type { RemediationBody } from '../ledger/kinds/remediation.js';
import type { ReviewApprovedBody } from '../ledger/kinds/review-approved.js';
import type { InclusionProof } from '../ledger/proof.js';
import { proveInclusion } from '../ledger/prove.js';
import { readEntries, subjectIndex } from '../ledger/read.js';
import type { LedgerStore } from '../ledger/store.js';
import { displaySubject, type SubjectRecord } from '../ledger/subjects.js';
import { AnalysisPages } from './analyses.js';

export const BLAME_SCHEMA = 'trailmark.blame/v1';
export const LEDGER_QUERY_SCHEMA = 'trailmark.blame.query/v1';

// ---------------------------------------------------------------------------------------------
// Output (JSON-serializable: `trailmark blame --format json` prints it, docs/blame.md)

/** Where a cited entry is: its ledger, seq, line hash and kind, and with `proofs` its inclusion proof. */
export interface Citation {
  readonly ledger: string;
  readonly seq: number;
  readonly hash: string;
  readonly kind: string;
  readonly time: string;
  readonly proof?: InclusionProof;
}

export interface ApprovalView {
  readonly entry: Citation;
  /** The reviewer's login, or `[erased]`. */
  readonly reviewer: string;
  readonly review: number;
  readonly head: string;
  /** True when the approval was given on the head the analysis looked at. */
  readonly atAnalyzedHead: boolean;
}

export interface MergeView {
  readonly entry: Citation;
  readonly pullRequest: number;
  readonly mergeCommit: string | null;
  readonly method: MergeBody['method'];
  readonly head: string;
  /** False when the merged diff differs from the approved one (approval drift), null when never approved. */
  readonly approvedAsMerged: boolean | null;
  readonly mergedBy: string | null;
}

export interface RemediationView {
  readonly entry: Citation;
  readonly declaration: string;
  readonly paths: readonly string[];
  readonly declarer: string | null;
}

export interface FindingView {
  readonly entry: Citation;
  readonly finding: FindingBody['finding'];
  readonly level: FindingBody['level'];
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
}

export interface RecordView {
  readonly entry: Citation;
  readonly format: string;
  readonly digest: string;
}

/** One analysed hunk that covered the lines, with everything the ledgers say around it. */
export interface HunkHistory {
  /** The `change.analyzed` entry. */
  readonly analysis: Citation;
  /** The `change.hunks` page holding the hunk, when it is not in the analysis entry itself. */
  readonly page: Citation | null;
  readonly repository: string | null;
  readonly pullRequest: number | null;
  readonly base: string | null;
  readonly head: string | null;
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  /** The verdict at the time of the analysis. */
  readonly verdict: Verdict;
  readonly evidence: readonly EvidenceClass[];
  readonly score: number;
  readonly addedLines: number | null;
  readonly commits: readonly string[];
  readonly attribution: readonly HunkAttribution[];
  readonly sources: readonly string[];
  readonly agents: readonly string[];
  readonly models: readonly string[];
  /** The pull request author as recorded (login or `[erased]`), when the entry names one. */
  readonly prAuthor: string | null;
  readonly findings: readonly FindingView[];
  readonly approvals: readonly ApprovalView[];
  readonly merge: MergeView | null;
  readonly remediations: readonly RemediationView[];
  /**
   * Agent Trace `record` entries of the repository appended up to the analysis, when the hunk
   * has recorded evidence (the ledger does not link a record entry to a hunk: these are the
   * records the analysis could have used).
   */
  readonly records: readonly RecordView[];
}

/** How a blamed commit was tied to an analysis. */
export type LinkKind =
  /** The analysis lists the commit among the hunk's commits. */
  | 'commit'
  /** The commit is a `merge` entry's merge commit (squash, or a merge commit's own lines): PR head → analysis. */
  | 'merge-commit'
  /** A rebased commit whose patch id equals a pull request commit's. */
  | 'rebase-patch-id'
  /** A rebased commit without its originals in the clone: the nearest later rebase merge on the first-parent chain. */
  | 'rebase-nearest-merge'
  | 'none';

export interface BlameRun {
  readonly startLine: number;
  readonly endLine: number;
  readonly commit: string;
  /** The path and first line in that commit (differs after a rename). */
  readonly origPath: string;
  readonly origStartLine: number;
  /** From git, as git shows it: personal data, never written to the ledger. */
  readonly author: { readonly name: string; readonly email: string };
  readonly summary: string;
  readonly boundary: boolean;
  readonly link: LinkKind;
  readonly pullRequests: readonly number[];
  readonly evidence: readonly EvidenceClass[];
  readonly agents: readonly string[];
  readonly models: readonly string[];
  readonly history: readonly HunkHistory[];
}

export interface LedgerSummary {
  readonly location: string;
  /** Entries read. */
  readonly entries: number;
}

export interface BlameReport {
  readonly schema: typeof BLAME_SCHEMA;
  readonly repository: string | null;
  readonly file: string;
  readonly rev: string;
  readonly range: { readonly start: number; readonly end: number } | null;
  readonly lineCount: number;
  readonly ledgers: readonly LedgerSummary[];
  readonly runs: readonly BlameRun[];
}

export interface LedgerQueryResult {
  readonly schema: typeof LEDGER_QUERY_SCHEMA;
  readonly repository: string | null;
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly ledgers: readonly LedgerSummary[];
  /** Hunks that covered the path and range at their analysed head, newest first. */
  readonly matches: readonly HunkHistory[];
}

// ---------------------------------------------------------------------------------------------
// Ports

export interface BlamedLine {
  readonly line: number;
  readonly commit: string;
  readonly path: string;
  readonly origLine: number;
  readonly author: { readonly name: string; readonly email: string };
  readonly summary: string;
  readonly boundary: boolean;
}

/** What blame needs from a clone (git/blame.ts `localBlameGit`). */
export interface BlameGit {
  blame(path: string, rev: string, range?: { readonly start: number; readonly end: number }): Promise<{ readonly rev: string; readonly lineCount: number; readonly lines: readonly BlamedLine[] }>;
  /** `git patch-id --stable` by commit, for the commits present in the clone. */
  patchIds(commits: readonly string[]): Promise<Map<string, string>>;
  /** First-parent chain of `rev`, newest first. */
  firstParentHistory(rev: string, max: number): Promise<string[]>;
  /** Whether `commit` is in the history of `rev` (false when the clone does not have it). */
  isAncestor(commit: string, rev: string): Promise<boolean>;
  /** Where `path` of commit `from` is at `rev` after a rename; null when deleted. */
  renamedPath(path: string, from: string, rev: string): Promise<string | null>;
}

// ---------------------------------------------------------------------------------------------
// The ledger index

export interface Located {
  readonly store: number;
  readonly seq: number;
  readonly hash: string;
  readonly kind: string;
  readonly time: string;
}

export interface IndexedHunk {
  readonly analysis: IndexedAnalysis;
  /** The page entry, when not in the analysis entry. */
  readonly page: Located | null;
  readonly hunk: ChangeAnalyzedHunk;
}

export interface IndexedAnalysis {
  readonly at: Located;
  readonly body: Omit<ChangeAnalyzedBody, 'hunks'>;
  readonly hunks: IndexedHunk[];
}

export interface Indexed<B> {
  readonly at: Located;
  readonly body: B;
}

/**
 * Whether an entry's repository is the one asked for. The CLI's scans record the clone's
 * directory name (`payments`), the App `owner/name` (`acme/payments`): a bare name matches
 * an `owner/name` query on its name part. Null asks for every repository.
 */
export function sameRepository(query: string | null, value: string | null): boolean {
  if (query === null) return true;
  if (value === null) return false;
  if (query === value) return true;
  const name = (s: string) => s.slice(s.lastIndexOf('/') + 1);
  return (!query.includes('/') || !value.includes('/')) && name(query) === name(value);
}

/** Everything the blame and drill use cases read from the ledgers, for one repository. */
export class LedgerIndex {
  readonly stores: readonly LedgerStore[];
  readonly summaries: LedgerSummary[] = [];
  readonly analyses: IndexedAnalysis[] = [];
  readonly merges: Indexed<MergeBody>[] = [];
  readonly approvals: Indexed<ReviewApprovedBody>[] = [];
  readonly remediations: Indexed<RemediationBody>[] = [];
  readonly records: Indexed<RecordBody>[] = [];
  readonly findings: Indexed<FindingBody>[] = [];
  private readonly subjects: Map<string, SubjectRecord>[] = [];
  private readonly proofs = new Map<string, Promise<InclusionProof>>();

  private constructor(stores: readonly LedgerStore[]) {
    this.stores = stores;
  }

  /** Streams every ledger once, keeping the entries of `repository` (null: all). */
  static async build(stores: readonly LedgerStore[], repository: string | null): Promise<LedgerIndex> {
    if (stores.length === 0) throw new UsageError('USAGE', 'no ledger given', { hint: 'pass --ledger DIR (repeatable) pointing at a ledger directory' });
    const index = new LedgerIndex(stores);
    for (let s = 0; s < stores.length; s++) {
      const store = stores[s]!;
      const byChange = new Map<number, IndexedAnalysis>();
      const pages = new AnalysisPages<IndexedAnalysis>();
      let entries = 0;
      for await (const { seq, hash, entry } of readEntries(store)) {
        entries++;
        const at: Located = { store: s, seq, hash, kind: entry.kind, time: entry.time };
        const body = entry.body as Readonly<Record<string, unknown>>;
        const repo = typeof body.repository === 'string' ? body.repository : null;
        switch (entry.kind) {
          case 'change.analyzed': {
            if (!sameRepository(repository, repo)) break;
            const { hunks, ...rest } = body as unknown as ChangeAnalyzedBody;
            const analysis: IndexedAnalysis = { at, body: rest, hunks: [] };
            for (const hunk of hunks ?? []) analysis.hunks.push({ analysis, page: null, hunk });
            byChange.set(seq, analysis);
            pages.analysis(seq, hash, body, analysis);
            index.analyses.push(analysis);
            break;
          }
          case 'change.hunks': {
            const page = pages.page(body);
            if (page === undefined) break;
            for (const hunk of page.hunks) page.value.hunks.push({ analysis: page.value, page: at, hunk });
            break;
          }
          case 'finding': {
            const f = body as unknown as FindingBody;
            const analysis = byChange.get(f.change.seq);
            if (analysis === undefined || analysis.at.hash !== f.change.hash) break;
            index.findings.push({ at, body: f });
            break;
          }
          case 'merge':
            if (sameRepository(repository, repo)) index.merges.push({ at, body: body as unknown as MergeBody });
            break;
          case 'review.approved':
            if (sameRepository(repository, repo)) index.approvals.push({ at, body: body as unknown as ReviewApprovedBody });
            break;
          case 'remediation':
            if (sameRepository(repository, repo)) index.remediations.push({ at, body: body as unknown as RemediationBody });
            break;
          case 'record':
            if (sameRepository(repository, repo)) index.records.push({ at, body: body as unknown as RecordBody });
            break;
          default:
            break; // kinds blame does not cite (drill, access, ...)
        }
      }
      index.summaries.push({ location: store.location, entries });
      index.subjects.push(await subjectIndex(store));
    }
    return index;
  }

  location(store: number): string {
    return this.stores[store]!.location;
  }

  display(store: number, commitment: string | undefined): string | null {
    return commitment === undefined ? null : displaySubject(commitment, this.subjects[store]!);
  }

  async cite(at: Located, proofs: boolean): Promise<Citation> {
    const base: Citation = { ledger: this.location(at.store), seq: at.seq, hash: at.hash, kind: at.kind, time: at.time };
    if (!proofs) return base;
    const key = `${at.store}:${at.seq}`;
    let proof = this.proofs.get(key);
    if (proof === undefined) {
      proof = proveInclusion(this.stores[at.store]!, at.seq);
      this.proofs.set(key, proof);
    }
    return { ...base, proof: await proof };
  }

  private byHead: Map<string, IndexedAnalysis[]> | undefined;
  private byCommit: Map<string, IndexedHunk[]> | undefined;

  /** Analyses whose head is `head`, in ledger order. */
  analysesAtHead(head: string): IndexedAnalysis[] {
    if (this.byHead === undefined) {
      this.byHead = new Map();
      for (const a of this.analyses) {
        if (a.body.head === null) continue;
        const list = this.byHead.get(a.body.head) ?? [];
        list.push(a);
        this.byHead.set(a.body.head, list);
      }
    }
    return this.byHead.get(head) ?? [];
  }

  /** Hunks listing `commit` among the commits that introduced their lines. */
  hunksWithCommit(commit: string): IndexedHunk[] {
    if (this.byCommit === undefined) {
      this.byCommit = new Map();
      for (const a of this.analyses) {
        for (const h of a.hunks) {
          for (const c of h.hunk.commits ?? []) {
            const list = this.byCommit.get(c) ?? [];
            list.push(h);
            this.byCommit.set(c, list);
          }
        }
      }
    }
    return this.byCommit.get(commit) ?? [];
  }

  /** The merge entry of an analysis: same head (and pull request when both name one). */
  mergeOf(a: IndexedAnalysis): Indexed<MergeBody> | null {
    const found = this.merges.filter(
      (m) => m.body.head === a.body.head && sameRepository(m.body.repository, a.body.repository) && (a.body.pullRequest === null || a.body.pullRequest === m.body.pullRequest),
    );
    return found.at(-1) ?? null;
  }

  /** The pull request of an analysis: its own, else its merge entry's. */
  pullRequestOf(a: IndexedAnalysis): number | null {
    return a.body.pullRequest ?? this.mergeOf(a)?.body.pullRequest ?? null;
  }

  approvalsOf(a: IndexedAnalysis): Indexed<ReviewApprovedBody>[] {
    const pr = this.pullRequestOf(a);
    return this.approvals.filter((r) => (pr !== null ? r.body.pullRequest === pr && sameRepository(r.body.repository, a.body.repository) : r.body.head === a.body.head));
  }

  remediationsOf(a: IndexedAnalysis, path: string): Indexed<RemediationBody>[] {
    const pr = this.pullRequestOf(a);
    if (pr === null) return [];
    return this.remediations.filter(
      (r) => r.body.pullRequest === pr && sameRepository(r.body.repository, a.body.repository) && (r.body.paths.length === 0 || r.body.paths.includes(path)),
    );
  }

  findingsOf(h: IndexedHunk): Indexed<FindingBody>[] {
    const a = h.analysis.at;
    return this.findings.filter(
      (f) => f.at.store === a.store && f.body.change.seq === a.seq && f.body.path === h.hunk.path && f.body.startLine <= h.hunk.endLine && f.body.endLine >= h.hunk.startLine,
    );
  }

  recordsBefore(a: IndexedAnalysis): Indexed<RecordBody>[] {
    return this.records.filter((r) => r.at.store === a.at.store && r.at.seq < a.at.seq && sameRepository(r.body.repository, a.body.repository));
  }

  /** Everything around one hunk, ready to print. */
  async history(h: IndexedHunk, proofs: boolean): Promise<HunkHistory> {
    const a = h.analysis;
    const s = a.at.store;
    const attribution = h.hunk.attribution ?? [];
    const merge = this.mergeOf(a);
    const uniq = (xs: readonly (string | null)[]) => [...new Set(xs.filter((x): x is string => x !== null))].sort();
    return {
      analysis: await this.cite(a.at, proofs),
      page: h.page === null ? null : await this.cite(h.page, proofs),
      repository: a.body.repository,
      pullRequest: this.pullRequestOf(a),
      base: a.body.base,
      head: a.body.head,
      path: h.hunk.path,
      startLine: h.hunk.startLine,
      endLine: h.hunk.endLine,
      verdict: h.hunk.verdict,
      evidence: h.hunk.evidence,
      score: h.hunk.score,
      addedLines: h.hunk.addedLines ?? null,
      commits: h.hunk.commits ?? [],
      attribution,
      sources: uniq(attribution.map((x) => x.source)),
      agents: uniq(attribution.map((x) => x.agent)),
      models: uniq(attribution.map((x) => x.model)),
      prAuthor: this.display(s, a.body.subjects['pr.author']),
      findings: await Promise.all(
        this.findingsOf(h).map(async (f) => ({ entry: await this.cite(f.at, proofs), finding: f.body.finding, level: f.body.level, path: f.body.path, startLine: f.body.startLine, endLine: f.body.endLine })),
      ),
      approvals: await Promise.all(
        this.approvalsOf(a).map(async (r) => ({
          entry: await this.cite(r.at, proofs),
          reviewer: this.display(r.at.store, r.body.subjects.reviewer) ?? '[erased]',
          review: r.body.review,
          head: r.body.head,
          atAnalyzedHead: r.body.head === a.body.head,
        })),
      ),
      merge:
        merge === null
          ? null
          : {
              entry: await this.cite(merge.at, proofs),
              pullRequest: merge.body.pullRequest,
              mergeCommit: merge.body.mergeCommit,
              method: merge.body.method,
              head: merge.body.head,
              approvedAsMerged: merge.body.approvedDigest === null ? null : merge.body.approvedDigest === merge.body.diffDigest,
              mergedBy: this.display(merge.at.store, merge.body.subjects['merged-by']),
            },
      remediations: await Promise.all(
        this.remediationsOf(a, h.hunk.path).map(async (r) => ({
          entry: await this.cite(r.at, proofs),
          declaration: r.body.declaration,
          paths: r.body.paths,
          declarer: this.display(r.at.store, r.body.subjects['declared-by']),
        })),
      ),
      records: h.hunk.evidence.includes('recorded')
        ? await Promise.all(this.recordsBefore(a).map(async (r) => ({ entry: await this.cite(r.at, proofs), format: r.body.format, digest: r.body.digest })))
        : [],
    };
  }
}

function newestFirst(a: IndexedHunk, b: IndexedHunk): number {
  const t = b.analysis.at.time.localeCompare(a.analysis.at.time);
  if (t !== 0) return t;
  if (a.analysis.at.store !== b.analysis.at.store) return a.analysis.at.store - b.analysis.at.store;
  return b.analysis.at.seq - a.analysis.at.seq;
}

// ---------------------------------------------------------------------------------------------
// Ledger-only query (no clone): what the App serves over HTTP.

export interface LedgerQuery {
  /** `owner/name` (or a bare name, as the CLI records it); null for every repository. */
  readonly repository: string | null;
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly ledgers: readonly LedgerStore[];
  /** Attach the inclusion proof of every cited entry. */
  readonly proofs?: boolean;
}

function checkRange(startLine: number, endLine: number): void {
  if (!Number.isSafeInteger(startLine) || !Number.isSafeInteger(endLine) || startLine < 1 || endLine < startLine) {
    throw new UsageError('BAD_INPUT', `invalid line range ${startLine},${endLine}`, { hint: 'give 1 <= START <= END' });
  }
}

/**
 * The hunks that covered `path` lines `startLine..endLine` at their analysed head, newest
 * first, from the ledgers alone. Line numbers are those of each analysis's head: code that
 * moved since is found by `blame` (which follows it through the clone), not by this query.
 */
export async function queryLedger(q: LedgerQuery): Promise<LedgerQueryResult> {
  checkRange(q.startLine, q.endLine);
  if (q.path.length === 0 || q.path.length > 4096) throw new UsageError('BAD_INPUT', 'invalid path', { hint: 'give a repository-relative file path' });
  const index = await LedgerIndex.build(q.ledgers, q.repository);
  const path = q.path.replace(/^\.\//, '');
  const hits: IndexedHunk[] = [];
  for (const a of index.analyses) {
    for (const h of a.hunks) if (h.hunk.path === path && h.hunk.startLine <= q.endLine && h.hunk.endLine >= q.startLine) hits.push(h);
  }
  hits.sort(newestFirst);
  const matches: HunkHistory[] = [];
  for (const h of hits) matches.push(await index.history(h, q.proofs === true));
  return { schema: LEDGER_QUERY_SCHEMA, repository: q.repository, path, startLine: q.startLine, endLine: q.endLine, ledgers: index.summaries, matches };
}

// ---------------------------------------------------------------------------------------------
// blame: clone + ledgers

export interface BlameInput {
  readonly repository: string | null;
  readonly file: string;
  readonly range?: { readonly start: number; readonly end: number };
  readonly rev: string;
  readonly ledgers: readonly LedgerStore[];
  readonly git: BlameGit;
  readonly proofs?: boolean;
  /** How far back the first-parent chain is walked for a rebase merge without its originals (default 10,000). */
  readonly historyLimit?: number;
}

interface Resolution {
  readonly link: LinkKind;
  /** Candidate analyses: hunks listing the commit (link commit), or analyses at a PR head. */
  readonly hunks: readonly IndexedHunk[];
}

/** Picks the hunks covering a line: path and line range first, then path, then the commit alone. */
function coveringHunks(candidates: readonly IndexedHunk[], path: string, line: number, commit: string): IndexedHunk[] {
  const byAnalysis = new Map<IndexedAnalysis, IndexedHunk[]>();
  for (const h of candidates) {
    const list = byAnalysis.get(h.analysis) ?? [];
    list.push(h);
    byAnalysis.set(h.analysis, list);
  }
  const out: IndexedHunk[] = [];
  for (const hunks of byAnalysis.values()) {
    const exact = hunks.filter((h) => h.hunk.path === path && h.hunk.startLine <= line && h.hunk.endLine >= line);
    if (exact.length > 0) {
      out.push(...exact);
      continue;
    }
    // The line moved between the commit and the analysed head, or the file was renamed within
    // the pull request: fall back to the hunks of that path, then to those naming the commit.
    const samePathWithCommit = hunks.filter((h) => h.hunk.path === path && h.hunk.commits?.includes(commit) === true);
    if (samePathWithCommit.length > 0) {
      out.push(...samePathWithCommit);
      continue;
    }
    const withCommit = hunks.filter((h) => h.hunk.commits?.includes(commit) === true);
    if (withCommit.length === 1) {
      out.push(...withCommit);
      continue;
    }
    // A squash or rebased commit whose file the base branch changed meanwhile: its line numbers
    // differ from the analysed head's. Blame says the commit introduced the line, so it is one of
    // the pull request's added lines in that file: unambiguous when the analysis has one hunk there.
    const samePath = hunks.filter((h) => h.hunk.path === path);
    if (samePath.length === 1) out.push(...samePath);
  }
  return out;
}

async function resolveCommits(index: LedgerIndex, git: BlameGit, rev: string, commits: readonly string[], historyLimit: number): Promise<Map<string, Resolution>> {
  const out = new Map<string, Resolution>();
  const unresolved: string[] = [];
  const rebaseMerges = index.merges.filter((m) => m.body.method !== 'merge' && m.body.mergeCommit !== null);
  for (const c of commits) {
    const direct = index.hunksWithCommit(c);
    if (direct.length > 0) {
      out.set(c, { link: 'commit', hunks: direct });
      continue;
    }
    const merge = index.merges.filter((m) => m.body.mergeCommit === c);
    const viaMerge = merge.flatMap((m) => index.analysesAtHead(m.body.head)).flatMap((a) => a.hunks);
    if (viaMerge.length > 0) {
      out.set(c, { link: 'merge-commit', hunks: viaMerge });
      continue;
    }
    unresolved.push(c);
  }
  if (unresolved.length === 0 || rebaseMerges.length === 0) {
    for (const c of unresolved) out.set(c, { link: 'none', hunks: [] });
    return out;
  }
  // Rebase merges: the commits on the base branch are new objects. Match their patch ids with
  // those of the pull request commits the analyses list, when the clone still has them.
  const prCommits = new Map<string, IndexedHunk[]>();
  for (const m of rebaseMerges) {
    for (const a of index.analysesAtHead(m.body.head)) {
      for (const h of a.hunks) for (const c of h.hunk.commits ?? []) prCommits.set(c, [...(prCommits.get(c) ?? []), h]);
    }
  }
  const ids = await git.patchIds([...unresolved, ...prCommits.keys()]);
  const byPatch = new Map<string, IndexedHunk[]>();
  for (const [c, hunks] of prCommits) {
    const p = ids.get(c);
    if (p !== undefined) byPatch.set(p, [...(byPatch.get(p) ?? []), ...hunks]);
  }
  let history: string[] | undefined;
  const mergeAt = new Map<string, Indexed<MergeBody>>();
  for (const m of rebaseMerges) mergeAt.set(m.body.mergeCommit!, m);
  for (const c of unresolved) {
    const p = ids.get(c);
    const matched = p === undefined ? undefined : byPatch.get(p);
    if (matched !== undefined && matched.length > 0) {
      // All hunks of those analyses, so coveringHunks can pick by path and line.
      const analyses = new Set(matched.map((h) => h.analysis));
      out.set(c, { link: 'rebase-patch-id', hunks: [...analyses].flatMap((a) => a.hunks) });
      continue;
    }
    // Originals gone (branch deleted, shallow clone): the nearest later commit on the first-parent
    // chain that a squash-or-rebase merge entry names as its merge commit (GitHub records the last
    // rebased commit). Marked as such: it is an inference from position, not from content.
    history ??= await git.firstParentHistory(rev, historyLimit);
    const at = history.indexOf(c);
    let found: Indexed<MergeBody> | undefined;
    for (let i = at; at >= 0 && i >= 0; i--) {
      const m = mergeAt.get(history[i]!);
      if (m !== undefined) {
        found = m;
        break;
      }
    }
    const hunks = found === undefined ? [] : index.analysesAtHead(found.body.head).flatMap((a) => a.hunks);
    out.set(c, hunks.length > 0 ? { link: 'rebase-nearest-merge', hunks } : { link: 'none', hunks: [] });
  }
  return out;
}

/**
 * Blames the file at `rev` in the clone, ties every blamed commit to the analyses that covered
 * it, and groups consecutive lines with the same commit and the same covering hunks into runs.
 */
export async function blame(input: BlameInput): Promise<BlameReport> {
  if (input.range !== undefined) checkRange(input.range.start, input.range.end);
  const blamed = await input.git.blame(input.file, input.rev, input.range);
  return blameWithIndex(await LedgerIndex.build(input.ledgers, input.repository), input, blamed);
}

/** blame over an index already built (the fire drill blames several files of one change). */
export async function blameWithIndex(
  index: LedgerIndex,
  input: Omit<BlameInput, 'ledgers'>,
  known?: Awaited<ReturnType<BlameGit['blame']>>,
): Promise<BlameReport> {
  const blamed = known ?? (await input.git.blame(input.file, input.rev, input.range));
  const commits = [...new Set(blamed.lines.filter((l) => !l.boundary).map((l) => l.commit))];
  const resolved = await resolveCommits(index, input.git, blamed.rev, commits, input.historyLimit ?? 10_000);
  const proofs = input.proofs === true;

  interface Pending {
    first: BlamedLine;
    end: number;
    link: LinkKind;
    hunks: IndexedHunk[];
    key: string;
  }
  const pending: Pending[] = [];
  for (const line of blamed.lines) {
    const r = line.boundary ? undefined : resolved.get(line.commit);
    const hunks = r === undefined ? [] : coveringHunks(r.hunks, line.path, line.origLine, line.commit).sort(newestFirst);
    const link: LinkKind = r === undefined || hunks.length === 0 ? 'none' : r.link;
    const key = `${line.commit}\0${line.path}\0${link}\0${hunks.map((h) => `${h.analysis.at.store}:${h.analysis.at.seq}:${h.hunk.startLine}:${h.hunk.path}`).join(',')}`;
    const last = pending.at(-1);
    if (last !== undefined && last.key === key && last.end + 1 === line.line) last.end = line.line;
    else pending.push({ first: line, end: line.line, link, hunks, key });
  }
  const runs: BlameRun[] = [];
  for (const p of pending) {
    const history: HunkHistory[] = [];
    for (const h of p.hunks) history.push(await index.history(h, proofs));
    const classes = new Set(history.flatMap((h) => h.evidence));
    const uniq = (xs: readonly string[]) => [...new Set(xs)].sort();
    runs.push({
      startLine: p.first.line,
      endLine: p.end,
      commit: p.first.commit,
      origPath: p.first.path,
      origStartLine: p.first.origLine,
      author: p.first.author,
      summary: p.first.summary,
      boundary: p.first.boundary,
      link: p.link,
      pullRequests: [...new Set(history.map((h) => h.pullRequest).filter((n): n is number => n !== null))].sort((a, b) => a - b),
      evidence: EVIDENCE_CLASSES.filter((c) => classes.has(c)),
      agents: uniq(history.flatMap((h) => h.agents)),
      models: uniq(history.flatMap((h) => h.models)),
      history,
    });
  }
  return {
    schema: BLAME_SCHEMA,
    repository: input.repository,
    file: input.file.replace(/^\.\//, ''),
    rev: blamed.rev,
    range: input.range === undefined ? null : { start: input.range.start, end: Math.min(input.range.end, blamed.lineCount) },
    lineCount: blamed.lineCount,
    ledgers: index.summaries,
    runs,
  };
}
