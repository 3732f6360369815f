// Interop: the committed Agent Trace records of a commit range, as Agent Trace (JSONL) or as
// git-ai `authorship/3.0.0` notes under refs/notes/ai.
//
// Input: `<git common dir>/trailmark/records.jsonl` (paths.ts repoPaths), one Agent Trace record
// per line, written by the post-commit hook. A record is exported when its
// `metadata["dev.trailmark"].stage` is "commit", its `vcs` is `{type: "git", revision: <full
// commit id>}`, it passes the Agent Trace parser (attest/agent-trace.ts), and its revision is a
// commit of the range. `stage: "edit"` records are working-file audit trail with line numbers of
// no commit: never exported. The file is local but anything on the machine can write it: it is
// parsed defensively, and an invalid line is reported (with its line number) and left out.
//
// git-ai notes: one note per commit, never overwriting one that exists (git-ai, another tool or
// an earlier run may have written it): an identical note is "unchanged", a different one is left
// as it is and reported. Each `git notes add` is one atomic update of refs/notes/ai, so a crash
// leaves the notes of the commits done so far; running the export again completes the rest.

import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { GitError, RecordError, UsageError, printable } from '../core/errors.js';
import { TOOL_NAME, TOOL_VERSION } from '../core/version.js';
import { MAX_TRACE_TEXT_BYTES, parseAgentTrace, type TraceRange } from '../attest/agent-trace.js';
import { formatGitAiNote, type GitAiEntry, type GitAiSession } from '../attest/git-ai.js';
import { Git } from '../git/git.js';
import { GIT_AI_NOTES_REF } from '../git/notes.js';
import { isObjectId, resolveCommit } from '../git/revision.js';
import { repoPaths } from './paths.js';
import { TRACE_METADATA_KEY } from './types.js';

/** A committed record of the records file, validated. */
export interface CommitTrace {
  /** Full commit id, lowercase. */
  readonly revision: string;
  /** The record's line in the records file, as written (exported byte for byte). */
  readonly text: string;
  /** 1-based line number in the records file. */
  readonly line: number;
  readonly ranges: readonly TraceRange[];
  /** `metadata["dev.trailmark"].session`, when present. */
  readonly session?: string;
}

export interface CommitTraces {
  readonly traces: readonly CommitTrace[];
  /** Invalid lines, each naming its line number. */
  readonly problems: readonly RecordError[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const PARSE_ORIGIN = 'records';
const PARSE_PREFIX = `agent trace ${PARSE_ORIGIN}:1: `;

/** The committed records of a records file's text (JSONL); `origin` names it in problems. */
export function readCommitTraces(text: string, origin: string): CommitTraces {
  const traces: CommitTrace[] = [];
  const problems: RecordError[] = [];
  const where = printable(origin);
  if (text.length > MAX_TRACE_TEXT_BYTES) {
    return { traces, problems: [new RecordError('RECORD_TOO_LARGE', `${where}: ${text.length} characters exceed ${MAX_TRACE_TEXT_BYTES}`)] };
  }
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const n = i + 1;
    if (line.length === 0) continue;
    const bad = (msg: string): void => void problems.push(new RecordError('RECORD_INVALID', `${where}:${n}: ${msg}`));
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      bad('not valid json');
      continue;
    }
    if (!isObj(doc)) {
      bad('record is not a json object');
      continue;
    }
    const meta = isObj(doc['metadata']) ? doc['metadata'][TRACE_METADATA_KEY] : undefined;
    if (!isObj(meta)) {
      bad(`metadata["${TRACE_METADATA_KEY}"] missing`);
      continue;
    }
    if (meta['stage'] === 'edit') continue;
    if (meta['stage'] !== 'commit') {
      bad(`metadata["${TRACE_METADATA_KEY}"].stage is neither "edit" nor "commit"`);
      continue;
    }
    const vcs = doc['vcs'];
    if (!isObj(vcs) || vcs['type'] !== 'git' || typeof vcs['revision'] !== 'string' || !isObjectId(vcs['revision'].toLowerCase())) {
      bad('a commit record needs vcs {type: "git", revision: <full commit id>}');
      continue;
    }
    const parsed = parseAgentTrace(line, PARSE_ORIGIN);
    if (parsed.problems.length > 0) {
      // The Agent Trace parser names its origin and line 1 (it saw one line): say the real line.
      bad(parsed.problems.map((p) => (p.message.startsWith(PARSE_PREFIX) ? p.message.slice(PARSE_PREFIX.length) : p.message)).join('; '));
      continue;
    }
    const session = typeof meta['session'] === 'string' && meta['session'].length > 0 && meta['session'].length <= 200 ? meta['session'] : undefined;
    traces.push({ revision: vcs['revision'].toLowerCase(), text: line, line: n, ranges: parsed.ranges, ...(session !== undefined ? { session } : {}) });
  }
  return { traces, problems };
}

/** Absolute `git rev-parse --git-common-dir` of the repository at `repo`. */
export async function gitCommonDir(git: Git): Promise<string> {
  const dir = await git.text(['rev-parse', '--git-common-dir']);
  return isAbsolute(dir) ? dir : resolve(git.repo, dir);
}

/** The records file's text, '' when it does not exist. */
export async function readRecordsFile(git: Git): Promise<{ readonly path: string; readonly text: string }> {
  const path = repoPaths(await gitCommonDir(git)).records;
  try {
    const st = await stat(path);
    if (st.size > MAX_TRACE_TEXT_BYTES) {
      throw new UsageError('BAD_INPUT', `${path} is ${st.size} bytes, more than ${MAX_TRACE_TEXT_BYTES}`, { hint: 'export a smaller range from a trimmed copy, or report this' });
    }
    return { path, text: await readFile(path, 'utf8') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path, text: '' };
    throw err;
  }
}

/**
 * The commits of `range` (`BASE..HEAD`, both sides resolved first), oldest first; without a
 * range, every commit reachable from HEAD.
 */
export async function commitsInRange(git: Git, range?: string): Promise<string[]> {
  let spec: string;
  if (range === undefined) {
    spec = await resolveCommit(git, 'HEAD');
  } else {
    const dots = range.indexOf('..');
    if (dots <= 0 || range.includes('...') || range.indexOf('..', dots + 2) >= 0 || dots + 2 >= range.length) {
      throw new UsageError('USAGE', `range ${printable(range, 100)} is not BASE..HEAD`, { hint: 'pass two revisions joined by two dots, e.g. --range main..HEAD' });
    }
    const base = await resolveCommit(git, range.slice(0, dots));
    const head = await resolveCommit(git, range.slice(dots + 2));
    spec = `${base}..${head}`;
  }
  const out = await git.text(['rev-list', '--reverse', spec]);
  return out.length === 0 ? [] : out.split('\n');
}

export interface TraceExport {
  /** JSONL: one record per line, in commit order (oldest first), then records-file order. */
  readonly text: string;
  readonly records: number;
  /** Commits of the range that have at least one record. */
  readonly commits: number;
  readonly problems: readonly RecordError[];
  readonly recordsPath: string;
}

/** The committed records of the range's commits, as Agent Trace JSONL. */
export async function exportAgentTrace(repo: string, range?: string): Promise<TraceExport> {
  const git = new Git(repo);
  const { selected, problems, recordsPath } = await selectTraces(git, range);
  const text = selected.map((t) => `${t.text}\n`).join('');
  return { text, records: selected.length, commits: new Set(selected.map((t) => t.revision)).size, problems, recordsPath };
}

async function selectTraces(git: Git, range?: string): Promise<{ selected: CommitTrace[]; problems: readonly RecordError[]; recordsPath: string }> {
  const commits = await commitsInRange(git, range);
  const order = new Map(commits.map((c, i) => [c, i]));
  const file = await readRecordsFile(git);
  const { traces, problems } = readCommitTraces(file.text, file.path);
  const selected = traces.filter((t) => order.has(t.revision)).sort((a, b) => order.get(a.revision)! - order.get(b.revision)! || a.line - b.line);
  return { selected, problems, recordsPath: file.path };
}

export interface NotesExport {
  readonly written: readonly string[];
  /** The commit already had exactly this note. */
  readonly unchanged: readonly string[];
  readonly skipped: readonly { readonly commit: string; readonly reason: string }[];
  readonly problems: readonly RecordError[];
  readonly recordsPath: string;
}

/** Writes one git-ai note per commit of the range that has committed AI ranges. */
export async function exportGitAiNotes(repo: string, range?: string): Promise<NotesExport> {
  const git = new Git(repo);
  const { selected, problems, recordsPath } = await selectTraces(git, range);
  const byCommit = new Map<string, CommitTrace[]>();
  for (const t of selected) byCommit.set(t.revision, [...(byCommit.get(t.revision) ?? []), t]);
  const written: string[] = [];
  const unchanged: string[] = [];
  const skipped: { commit: string; reason: string }[] = [];
  for (const [commit, traces] of byCommit) {
    const note = gitAiNoteOf(commit, traces);
    if (typeof note !== 'string') {
      skipped.push({ commit, reason: note instanceof RecordError ? note.message : note.reason });
      continue;
    }
    const existing = await git.run(['notes', `--ref=${GIT_AI_NOTES_REF}`, 'show', commit], { allowExitCodes: [1] });
    if (existing.exitCode === 0) {
      if (existing.stdout.toString('utf8') === note) unchanged.push(commit);
      else skipped.push({ commit, reason: `commit ${commit} already has a different note under ${GIT_AI_NOTES_REF}; left as it is` });
      continue;
    }
    // No -f: should a note appear between the check and here, git refuses instead of replacing it.
    const added = await git.run(['notes', `--ref=${GIT_AI_NOTES_REF}`, 'add', '-F', '-', commit], { input: note, allowExitCodes: [1, 128] });
    if (added.exitCode !== 0) {
      const now = await git.run(['notes', `--ref=${GIT_AI_NOTES_REF}`, 'show', commit], { allowExitCodes: [1] });
      if (now.exitCode === 0) {
        skipped.push({ commit, reason: `commit ${commit} got a note under ${GIT_AI_NOTES_REF} while exporting; left as it is` });
        continue;
      }
      throw new GitError('GIT_FAILED', `git notes add for ${commit} failed: ${printable(added.stderr.trim(), 300)}`, {
        hint: 'git needs user.name and user.email to write the notes commit (git config user.email …)',
      });
    }
    written.push(commit);
  }
  return { written, unchanged, skipped, problems, recordsPath };
}

/**
 * The git-ai note of one commit's records: AI (and mixed) ranges only. Human ranges are left
 * untracked: git-ai's `h_` keys name a known human by identity, which a record does not carry,
 * and untracked means unknown, not human. Keys are derived, not random, so the same records
 * give the same note: `s_` + 14 hex of SHA-256(tool, session, model), `t_` + 14 hex of
 * SHA-256(record id).
 */
export function gitAiNoteOf(commit: string, traces: readonly CommitTrace[]): string | RecordError | { readonly reason: string } {
  const sessions = new Map<string, GitAiSession>();
  const entries: GitAiEntry[] = [];
  for (const t of traces) {
    for (const r of t.ranges) {
      if (r.contributor !== 'ai' && r.contributor !== 'mixed') continue;
      const tool = r.tool ?? 'unknown';
      const model = r.modelId ?? 'unknown';
      const id = t.session ?? r.recordId;
      const s = `s_${hex14(`${tool}\0${id}\0${model}`)}`;
      sessions.set(s, { key: s, tool, id, model });
      entries.push({ path: r.path, key: `${s}::t_${hex14(r.recordId)}`, ranges: [[r.startLine, r.endLine]] });
    }
  }
  if (entries.length === 0) return { reason: `commit ${commit}: its records attribute no line to ai` };
  return formatGitAiNote({ baseCommit: commit, sessions: [...sessions.values()], entries, writer: `${TOOL_NAME} ${TOOL_VERSION}` });
}

function hex14(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 14);
}
