// Recorded evidence: capture records (Agent Trace, git-ai notes) matched to a hunk's added lines.
//
// Approximations, stated:
// - Line numbers in a record refer to the revision it was recorded at. An Agent Trace range is
//   matched by path and line overlap only when its `vcs.revision` is the head, one of the
//   commits that introduced the hunk's lines, or absent; a later commit in between may have
//   shifted lines, and an absent revision is trusted as "recorded on this branch". When the
//   revision is anything else, only a `content_hash` can match: `sha256:<hex>` over the range's
//   lines joined with "\n" (no trailing newline), compared with every window of the same
//   length over the hunk's added lines. `murmur3:<8 hex>` is checked the same way with
//   MurmurHash3 x86_32, seed 0, over the same text: the spec names the algorithm only by its
//   example and defines neither seed nor input, so this is our reading; a record hashed another
//   way simply does not match by hash. Other algorithms are not verified and never match by hash.
//   Records made on the parent of one of those commits (what the reference hook writes) match
//   the same way when the caller passes `parents`.
// - A git-ai note describes the lines of its own commit; it is matched by path and line overlap
//   when that commit is one of the hunk's commits (later commits in the range may shift lines).
//   Within a note, when entries overlap the later one wins the line, as in git-ai's blame.
// - Paths are compared literally (records with absolute paths do not match).
// - Contributor `unknown` (and git-ai untracked lines) produce no evidence: unknown is not human.
// - Ranges of trailmark's own stage "edit" records (`metadata["dev.trailmark"].stage`) are never
//   matched, by line or by hash: they are the audit trail of the working file at edit time. The
//   stage "commit" record of the same lines carries the evidence.

import { createHash } from 'node:crypto';
import type { Evidence } from '../core/types.js';
import { RecordError, printable } from '../core/errors.js';
import type { RawRecord } from '../core/ports.js';
import { parseAgentTrace, type TraceRange } from './agent-trace.js';
import { parseGitAiNote, type GitAiRange } from './git-ai.js';
import { murmur3Hex } from './murmur3.js';
import { normalizeAgent } from './registry.js';

export interface ParsedRecords {
  /** Agent Trace ranges by path, in input order. */
  readonly traces: ReadonlyMap<string, readonly TraceRange[]>;
  /** git-ai ranges by lowercased commit sha, then by path. */
  readonly gitAi: ReadonlyMap<string, { readonly origin: string; readonly byPath: ReadonlyMap<string, readonly GitAiRange[]> }>;
}

export interface HunkLines {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly addedLines: readonly { line: number; text: string }[];
  readonly commits: readonly string[];
  /**
   * Parents of `commits`, when the caller knows them. The Agent Trace reference hook
   * (reference/trace-store.ts) records `git rev-parse HEAD` at edit time, i.e. the parent of
   * the commit that later holds the lines; such records match only when parents are given.
   */
  readonly parents?: readonly string[];
}

/** Budget of lines hashed per hunk when matching content hashes (bounds time on huge hunks). */
const MAX_HASHED_LINES_PER_HUNK = 2_000_000;
const SHA256_PREFIX = 'sha256:';
const MURMUR3_PREFIX = 'murmur3:';

type HashAlgorithm = 'sha256' | 'murmur3';

/** The algorithm and lowercase hex digest of a content hash trailmark can check, else undefined. */
function checkableHash(contentHash: string): { algorithm: HashAlgorithm; hex: string } | undefined {
  const lower = contentHash.toLowerCase();
  if (lower.startsWith(SHA256_PREFIX)) return { algorithm: 'sha256', hex: lower.slice(SHA256_PREFIX.length) };
  if (lower.startsWith(MURMUR3_PREFIX) && lower.length === MURMUR3_PREFIX.length + 8) return { algorithm: 'murmur3', hex: lower.slice(MURMUR3_PREFIX.length) };
  return undefined;
}

export function parseRecords(raw: readonly RawRecord[]): { records: ParsedRecords; problems: RecordError[] } {
  const traces = new Map<string, TraceRange[]>();
  const gitAi = new Map<string, { origin: string; byPath: Map<string, GitAiRange[]> }>();
  const problems: RecordError[] = [];
  for (const r of raw) {
    if (r.format === 'agent-trace') {
      const parsed = parseAgentTrace(r.text, r.origin);
      problems.push(...parsed.problems);
      for (const range of parsed.ranges) push(traces, range.path, range);
    } else if (r.format === 'git-ai') {
      if (r.commit === undefined || r.commit.length === 0) {
        problems.push(new RecordError('RECORD_INVALID', `git-ai note ${printable(r.origin)}: no commit attached`));
        continue;
      }
      const note = parseGitAiNote(r.text, r.origin);
      if (note instanceof RecordError) {
        problems.push(note);
        continue;
      }
      const commit = r.commit.toLowerCase();
      if (gitAi.has(commit)) {
        // The spec allows at most one note per commit; a second one is ignored, not merged.
        problems.push(new RecordError('RECORD_INVALID', `git-ai note ${printable(r.origin)}: second note for commit ${printable(commit, 40)}`));
        continue;
      }
      const byPath = new Map<string, GitAiRange[]>();
      for (const range of note.ranges) push(byPath, range.path, range);
      gitAi.set(commit, { origin: r.origin, byPath });
    } else {
      const format: unknown = (r as { format: unknown }).format;
      problems.push(new RecordError('RECORD_INVALID', `record ${printable(r.origin)}: unknown format ${printable(String(format), 40)}`));
    }
  }
  return { records: { traces, gitAi }, problems };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/**
 * `recorded` evidence for one hunk, one item per (record, contributor) that covers at least one
 * added line, sorted by source then detail.
 */
export function recordedEvidence(hunk: HunkLines, records: ParsedRecords, head: string | null): Evidence[] {
  if (hunk.addedLines.length === 0) return [];
  const commits = new Set(hunk.commits.map((c) => c.toLowerCase()));
  const headSha = head?.toLowerCase();
  const groups = new Map<string, { evidence: Omit<Evidence, 'detail'>; what: string; lines: Set<number>; how: string }>();
  const windows = new WindowHashes(hunk.addedLines);

  for (const range of records.traces.get(hunk.path) ?? []) {
    if (range.contributor === 'unknown' || range.stage === 'edit') continue;
    const revisionCommit = range.revision === undefined ? undefined : resolveRevision(range.revision, headSha, hunk.commits);
    const onParent = range.revision !== undefined && revisionCommit === undefined && resolveRevision(range.revision, undefined, hunk.parents ?? []) !== undefined;
    const revisionOk = range.revision === undefined || revisionCommit !== undefined || onParent;
    let covered: number[] = [];
    let how = '';
    if (revisionOk) {
      covered = overlap(hunk.addedLines, range.startLine, range.endLine);
      how = range.revision === undefined ? 'lines, no revision' : onParent ? 'lines, recorded on the parent' : 'lines';
    }
    const hash = covered.length === 0 && range.contentHash !== undefined ? checkableHash(range.contentHash) : undefined;
    if (hash !== undefined) {
      covered = windows.find(hash.algorithm, range.endLine - range.startLine + 1, hash.hex);
      how = `content ${hash.algorithm}`;
    }
    if (covered.length === 0) continue;
    const says = range.contributor === 'human' ? 'human' : 'ai';
    const agent = range.tool !== undefined ? normalizeAgent(range.tool) ?? range.tool.toLowerCase() : undefined;
    const key = `agent-trace\0${range.origin}\0${range.recordId}\0${says}\0${range.contributor}\0${range.modelId ?? ''}\0${how}`;
    const who = [range.contributor, range.modelId, range.tool !== undefined ? `tool ${range.tool}` : undefined].filter((x) => x !== undefined).join(', ');
    addTo(groups, key, {
      evidence: {
        class: 'recorded',
        source: 'agent-trace',
        says,
        ...(revisionCommit !== undefined && commits.has(revisionCommit) ? { commit: revisionCommit } : {}),
        ...(agent !== undefined ? { agent } : {}),
        ...(range.modelId !== undefined ? { model: range.modelId } : {}),
      },
      what: `${who} in ${range.origin}:${range.line} record ${range.recordId}`,
      how,
    }, covered);
  }

  for (const commit of commits) {
    const note = records.gitAi.get(commit);
    if (note === undefined) continue;
    for (const [range, covered] of latestWins(hunk.addedLines, note.byPath.get(hunk.path) ?? [])) {
      const c = range.contributor;
      const says = c.kind === 'human' ? 'human' : 'ai';
      const tool = c.kind === 'ai' ? c.tool : undefined;
      const model = c.kind === 'ai' ? c.model : undefined;
      const agent = tool !== undefined ? normalizeAgent(tool) ?? tool.toLowerCase() : undefined;
      const who = c.kind === 'human'
        ? ['human', c.author].filter((x) => x !== undefined).join(' ')
        : ['ai', tool !== undefined ? `tool ${tool}` : undefined, model].filter((x) => x !== undefined).join(', ');
      // Grouped by who, not by key: entries of one session (several traces) read as one claim.
      addTo(groups, `git-ai\0${commit}\0${says}\0${who}`, {
        evidence: {
          class: 'recorded',
          source: 'git-ai',
          says,
          commit,
          ...(agent !== undefined ? { agent } : {}),
          ...(model !== undefined ? { model } : {}),
        },
        what: `${who} in ${note.origin}`,
        how: 'lines',
      }, covered);
    }
  }

  const out: Evidence[] = [];
  for (const g of groups.values()) {
    out.push({ ...g.evidence, detail: `${g.lines.size} of ${hunk.addedLines.length} added lines by ${g.what} (${g.how})` });
  }
  return out.sort((a, b) => cmp(a.source, b.source) || cmp(a.says, b.says) || cmp(a.detail ?? '', b.detail ?? ''));
}

/** Shortest abbreviated revision accepted (git's default abbreviation length). */
const MIN_ABBREV = 7;

/**
 * The full sha a record revision names: the head or one of the hunk's commits, equal or an
 * abbreviation of at least MIN_ABBREV characters. Undefined for anything else.
 */
function resolveRevision(revision: string, head: string | undefined, commits: readonly string[]): string | undefined {
  const names = (sha: string): boolean => sha === revision || (revision.length >= MIN_ABBREV && sha.startsWith(revision));
  for (const c of commits) {
    const sha = c.toLowerCase();
    if (names(sha)) return sha;
  }
  if (head !== undefined && names(head)) return head;
  return undefined;
}

function addTo(
  groups: Map<string, { evidence: Omit<Evidence, 'detail'>; what: string; lines: Set<number>; how: string }>,
  key: string,
  value: { evidence: Omit<Evidence, 'detail'>; what: string; how: string },
  covered: readonly number[],
): void {
  let g = groups.get(key);
  if (g === undefined) {
    g = { ...value, lines: new Set() };
    groups.set(key, g);
  }
  for (const l of covered) g.lines.add(l);
}

/** Added line numbers inside [start, end]. Added lines are ascending (diff order). */
function overlap(added: readonly { line: number }[], start: number, end: number): number[] {
  const out: number[] = [];
  for (let i = lowerBound(added, start); i < added.length && added[i]!.line <= end; i++) out.push(added[i]!.line);
  return out;
}

/** Index of the first added line ≥ `line`. */
function lowerBound(added: readonly { line: number }[], line: number): number {
  let lo = 0;
  let hi = added.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (added[mid]!.line < line) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * git-ai's rule for overlapping entries of one file: the later entry wins a line
 * (get_line_attribution walks entries in reverse). Ranges are visited last to first and each
 * added line is claimed once; a "next unclaimed" forest keeps this O((ranges + lines) log lines).
 * Returns each range with the added lines it wins, ranges without any left out.
 */
function latestWins<R extends { readonly startLine: number; readonly endLine: number }>(
  added: readonly { line: number }[],
  ranges: readonly R[],
): [R, number[]][] {
  const next = new Int32Array(added.length + 1);
  for (let i = 0; i <= added.length; i++) next[i] = i;
  const find = (i: number): number => {
    let root = i;
    while (next[root] !== root) root = next[root]!;
    while (next[i] !== root) {
      const up = next[i]!;
      next[i] = root;
      i = up;
    }
    return root;
  };
  const out: [R, number[]][] = [];
  for (let r = ranges.length - 1; r >= 0; r--) {
    const range = ranges[r]!;
    const won: number[] = [];
    for (let i = find(lowerBound(added, range.startLine)); i < added.length && added[i]!.line <= range.endLine; i = find(i)) {
      won.push(added[i]!.line);
      next[i] = i + 1;
    }
    if (won.length > 0) out.push([range, won]);
  }
  return out.reverse();
}

/**
 * The digest of every run of `n` consecutive added lines (consecutive line numbers), joined
 * with "\n", computed once per algorithm, length and hunk, within MAX_HASHED_LINES_PER_HUNK.
 */
class WindowHashes {
  private readonly byLength = new Map<string, Map<string, number[]>>();
  private budget = MAX_HASHED_LINES_PER_HUNK;

  constructor(private readonly added: readonly { line: number; text: string }[]) {}

  find(algorithm: HashAlgorithm, n: number, hex: string): number[] {
    return this.windows(algorithm, n).get(hex) ?? [];
  }

  private windows(algorithm: HashAlgorithm, n: number): Map<string, number[]> {
    let m = this.byLength.get(`${algorithm}:${n}`);
    if (m !== undefined) return m;
    m = new Map();
    this.byLength.set(`${algorithm}:${n}`, m);
    const a = this.added;
    if (n > a.length || n * (a.length - n + 1) > this.budget) return m;
    this.budget -= n * (a.length - n + 1);
    for (let i = 0; i + n <= a.length; i++) {
      if (a[i + n - 1]!.line - a[i]!.line !== n - 1) continue;
      const text = a.slice(i, i + n).map((l) => l.text).join('\n');
      const hex = algorithm === 'sha256' ? createHash('sha256').update(text, 'utf8').digest('hex') : murmur3Hex(text);
      if (!m.has(hex)) m.set(hex, a.slice(i, i + n).map((l) => l.line));
    }
    return m;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
