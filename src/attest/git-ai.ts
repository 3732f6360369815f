// git-ai authorship notes (Git AI Standard v3.0.0, `specs/git_ai_standard_v3.0.0.md`, schema
// `authorship/3.0.0`, stored under refs/notes/ai): an attestation section, a line that is
// exactly `---`, then JSON metadata.
//
// Attestation section: a file path at column 0 (wrapped in double quotes, without any escaping,
// when it holds spaces, tabs or newlines), then entries indented by two spaces:
// `<key> <ranges>`, ranges 1-based and comma-separated (`1-4,9-10,12`). Keys:
//   s_<14hex>::t_<14hex>  AI session + trace, looked up in metadata.sessions (by the s_ part)
//   h_<14hex>             known human, looked up in metadata.humans
//   <16hex> / <7hex>      legacy AI prompt (before v1.4.0 / before 1.0), in metadata.prompts
//   anything else         looked up in prompts / sessions / humans as written; untracked if absent
// Lines no entry covers are "untracked": unknown, not human; they produce nothing here. When
// entries of one file overlap, the later entry wins (git-ai get_line_attribution); match.ts
// applies that rule.
//
// Parsing mirrors git-ai's own reader (authorship_log_serialization.rs, parse_attestation_section):
// lines are right-trimmed, blank lines skipped, empty parts of a range list skipped, a quoted path
// only loses its quotes. The note is attacker-controlled (anyone who can push refs/notes/ai can
// write one; the spec has no signature). A malformed note is rejected whole, as a RecordError value.
//
// formatGitAiNote writes the same format (for `trailmark export --git-ai-notes`), in a form this
// parser reads back to the same ranges.

import { RecordError, printable } from '../core/errors.js';

export type GitAiContributor =
  | { readonly kind: 'ai'; readonly tool?: string; readonly model?: string }
  | { readonly kind: 'human'; readonly author?: string };

export interface GitAiRange {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly contributor: GitAiContributor;
  /** The attestation key as written (`s_…::t_…`, `h_…`, legacy hex). */
  readonly key: string;
}

export interface GitAiNote {
  readonly ranges: readonly GitAiRange[];
  readonly schemaVersion: string;
  readonly baseCommit?: string;
}

/**
 * Largest note parsed. Legacy prompt records carry whole transcripts (`messages`), so notes are
 * far larger than Agent Trace records; this equals the read cap of git/notes.ts (8 MiB).
 */
export const MAX_NOTE_BYTES = 8 * 1024 * 1024;
const MAX_RANGES = 100_000;
// Fixed patterns from the spec (not built from input).
const SESSION_KEY = /^s_[0-9a-f]{14}::t_[0-9a-f]{14}$/;
const HUMAN_KEY = /^h_[0-9a-f]{14}$/;
const LEGACY_KEY = /^(?:[0-9a-f]{16}|[0-9a-f]{7})$/;
/** `agent_id.tool` presets that denote a person, not a model (git-ai --help). */
const HUMAN_TOOLS: readonly string[] = ['human', 'known_human'];

export function parseGitAiNote(text: string, origin: string): GitAiNote | RecordError {
  const where = printable(origin);
  const fail = (msg: string, cause?: unknown): RecordError =>
    new RecordError('RECORD_INVALID', `git-ai note ${where}: ${msg}`, cause === undefined ? {} : { cause });
  if (text.length > MAX_NOTE_BYTES) {
    return new RecordError('RECORD_TOO_LARGE', `git-ai note ${where}: ${text.length} characters exceed ${MAX_NOTE_BYTES}`);
  }
  const lines = text.split('\n').map(trimEnd);
  const divider = lines.indexOf('---');
  if (divider < 0) return fail('no --- line between attestations and metadata');

  let meta: unknown;
  try {
    meta = JSON.parse(lines.slice(divider + 1).join('\n'));
  } catch (cause) {
    return fail('metadata is not valid json', cause);
  }
  if (!isObj(meta)) return fail('metadata is not a json object');
  const schema = meta['schema_version'];
  if (typeof schema !== 'string') return fail('metadata.schema_version missing');
  if (!schema.startsWith('authorship/3.')) return fail(`unsupported schema_version ${printable(schema, 40)}`);
  // The spec requires `prompts`; git-ai's reader defaults it (serde default) in notes that only
  // carry sessions and humans, and so does this one.
  const prompts = meta['prompts'] ?? {};
  if (!isObj(prompts)) return fail('metadata.prompts is not an object');
  const sessions = meta['sessions'] ?? {};
  const humans = meta['humans'] ?? {};
  if (!isObj(sessions)) return fail('metadata.sessions is not an object');
  if (!isObj(humans)) return fail('metadata.humans is not an object');
  const base = meta['base_commit_sha'];

  const ranges: GitAiRange[] = [];
  let path: string | undefined;
  for (let i = 0; i < divider; i++) {
    const line = lines[i]!;
    const n = i + 1;
    if (line.length === 0) continue;
    if (line.startsWith('  ')) {
      if (path === undefined) return fail(`line ${n}: entry before any file path`);
      const entry = line.slice(2);
      const sp = entry.indexOf(' ');
      if (sp <= 0) return fail(`line ${n}: entry without ranges`);
      const key = entry.slice(0, sp);
      const contributor = contributorFor(key, sessions, humans, prompts);
      const parsed = parseRanges(entry.slice(sp + 1).trim());
      if (typeof parsed === 'string') return fail(`line ${n}: ${parsed}`);
      if (contributor === undefined) continue; // untracked: an unknown key not in the metadata
      for (const [s, e] of parsed) {
        if (ranges.length >= MAX_RANGES) return fail(`more than ${MAX_RANGES} ranges`);
        ranges.push({ path, startLine: s, endLine: e, contributor, key });
      }
    } else if (line.startsWith(' ') || line.startsWith('\t')) {
      return fail(`line ${n}: unexpected indentation`);
    } else {
      const p = line.length >= 2 && line.startsWith('"') && line.endsWith('"') ? line.slice(1, -1) : line;
      if (p.length === 0) return fail(`line ${n}: empty file path`);
      path = p;
    }
  }
  return {
    ranges,
    schemaVersion: schema,
    ...(typeof base === 'string' && base.length > 0 ? { baseCommit: base } : {}),
  };
}

function contributorFor(key: string, sessions: Obj, humans: Obj, prompts: Obj): GitAiContributor | undefined {
  if (SESSION_KEY.test(key)) {
    const session = own(sessions, key.slice(0, 16)) ?? own(sessions, key);
    return aiFrom(session);
  }
  if (HUMAN_KEY.test(key)) {
    const h = own(humans, key);
    const author = isObj(h) && typeof h['author'] === 'string' ? h['author'] : undefined;
    return author === undefined ? { kind: 'human' } : { kind: 'human', author };
  }
  if (LEGACY_KEY.test(key)) return aiFrom(own(prompts, key));
  if (key.length > 100) return undefined;
  const prompt = own(prompts, key) ?? own(sessions, key);
  if (prompt !== undefined) return aiFrom(prompt);
  const h = own(humans, key);
  if (h === undefined) return undefined;
  const author = isObj(h) && typeof h['author'] === 'string' ? h['author'] : undefined;
  return author === undefined ? { kind: 'human' } : { kind: 'human', author };
}

/** A session or legacy prompt record; `agent_id.tool` `human`/`known_human` means a person. */
function aiFrom(record: unknown): GitAiContributor {
  if (!isObj(record)) return { kind: 'ai' };
  const agent = record['agent_id'];
  if (!isObj(agent)) return { kind: 'ai' };
  const tool = typeof agent['tool'] === 'string' && agent['tool'].length > 0 ? agent['tool'].slice(0, 100) : undefined;
  const model = typeof agent['model'] === 'string' && agent['model'].length > 0 ? agent['model'].slice(0, 250) : undefined;
  if (tool !== undefined && HUMAN_TOOLS.includes(tool)) {
    const author = typeof record['human_author'] === 'string' ? record['human_author'] : undefined;
    return author === undefined ? { kind: 'human' } : { kind: 'human', author };
  }
  return { kind: 'ai', ...(tool !== undefined ? { tool } : {}), ...(model !== undefined ? { model } : {}) };
}

/** `1-4,9-10,12` → [[1,4],[9,10],[12,12]]; every number ≥ 1, start ≤ end. */
export function parseRanges(text: string): [number, number][] | string {
  const out: [number, number][] = [];
  for (const part of text.split(',')) {
    if (part.length === 0) continue;
    const dash = part.indexOf('-');
    const s = toLine(dash < 0 ? part : part.slice(0, dash));
    const e = dash < 0 ? s : toLine(part.slice(dash + 1));
    if (s === undefined || e === undefined) return `malformed range ${printable(part, 40)}`;
    if (s > e) return `range ${s}-${e} runs backwards`;
    out.push([s, e]);
  }
  return out.length > 0 ? out : 'no line ranges';
}

function trimEnd(line: string): string {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 0x20 || line.charCodeAt(end - 1) === 0x09 || line.charCodeAt(end - 1) === 0x0d)) end--;
  return line.slice(0, end);
}

function toLine(s: string): number | undefined {
  const t = s.trim();
  if (t.length === 0 || t.length > 9) return undefined;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  const n = Number(t);
  return n >= 1 ? n : undefined;
}

type Obj = Record<string, unknown>;
function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function own(o: Obj, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

/** One AI session of a note written by trailmark: the metadata.sessions record of its key. */
export interface GitAiSession {
  /** `s_<14hex>`: the session part of the attestation keys that point at it. */
  readonly key: string;
  readonly tool: string;
  /** The tool's own session or conversation id. */
  readonly id: string;
  readonly model: string;
}

/** One attestation entry: a key (`s_<14hex>::t_<14hex>`) and the lines it covers in one file. */
export interface GitAiEntry {
  readonly path: string;
  readonly key: string;
  readonly ranges: readonly (readonly [number, number])[];
}

export interface GitAiNoteDraft {
  /** The commit the note attaches to (metadata.base_commit_sha). */
  readonly baseCommit: string;
  readonly sessions: readonly GitAiSession[];
  readonly entries: readonly GitAiEntry[];
  /** metadata.git_ai_version: the writer, e.g. `trailmark 0.1.0`. */
  readonly writer: string;
}

export const GIT_AI_SCHEMA_VERSION = 'authorship/3.0.0';

/**
 * The text of an `authorship/3.0.0` note, in the form parseGitAiNote (and git-ai's own reader)
 * reads back to the same ranges: files in path order, entries in key order, each entry's ranges
 * sorted and merged. A path is quoted when it holds a space or a tab, or would otherwise read as
 * something else (`---`, or a path that is itself wrapped in quotes); a path with a line break
 * cannot be written (the format has no escaping) and is a RecordError, as are keys or sessions
 * that do not match the spec's patterns.
 */
export function formatGitAiNote(draft: GitAiNoteDraft): string | RecordError {
  const fail = (msg: string): RecordError => new RecordError('RECORD_INVALID', `git-ai note for ${printable(draft.baseCommit, 64)}: ${msg}`);
  const sessions: Record<string, { agent_id: { tool: string; id: string; model: string } }> = {};
  for (const s of [...draft.sessions].sort((a, b) => cmp(a.key, b.key))) {
    if (!/^s_[0-9a-f]{14}$/.test(s.key)) return fail(`session key ${printable(s.key, 40)} is not s_<14 hex>`);
    if (HUMAN_TOOLS.includes(s.tool)) return fail(`session tool ${printable(s.tool, 40)} denotes a person`);
    sessions[s.key] = { agent_id: { tool: s.tool, id: s.id, model: s.model } };
  }
  const byPath = new Map<string, Map<string, [number, number][]>>();
  for (const e of draft.entries) {
    if (!SESSION_KEY.test(e.key)) return fail(`entry key ${printable(e.key, 60)} is not s_<14 hex>::t_<14 hex>`);
    if (!Object.prototype.hasOwnProperty.call(sessions, e.key.slice(0, 16))) return fail(`entry key ${e.key} has no session`);
    if (e.path.length === 0) return fail('empty file path');
    if (e.path.includes('\n') || e.path.includes('\r')) return fail(`file path ${printable(e.path, 80)} holds a line break`);
    for (const [s, t] of e.ranges) {
      if (!Number.isSafeInteger(s) || !Number.isSafeInteger(t) || s < 1 || t < s) return fail(`range ${s}-${t} of ${printable(e.path, 80)} is not 1-based and ascending`);
    }
    const keys = byPath.get(e.path) ?? new Map<string, [number, number][]>();
    byPath.set(e.path, keys);
    keys.set(e.key, [...(keys.get(e.key) ?? []), ...e.ranges.map(([s, t]): [number, number] => [s, t])]);
  }
  const lines: string[] = [];
  for (const path of [...byPath.keys()].sort(cmp)) {
    lines.push(quotePath(path));
    const keys = byPath.get(path)!;
    for (const key of [...keys.keys()].sort(cmp)) lines.push(`  ${key} ${formatRanges(keys.get(key)!)}`);
  }
  lines.push('---');
  const meta = {
    schema_version: GIT_AI_SCHEMA_VERSION,
    git_ai_version: draft.writer,
    base_commit_sha: draft.baseCommit,
    prompts: {},
    sessions,
    humans: {},
  };
  lines.push(JSON.stringify(meta, null, 2));
  return `${lines.join('\n')}\n`;
}

function quotePath(path: string): string {
  const wrapped = path.length >= 2 && path.startsWith('"') && path.endsWith('"');
  return path.includes(' ') || path.includes('\t') || path === '---' || wrapped ? `"${path}"` : path;
}

/** Sorted, overlapping and adjacent ranges merged: `1-4,9,12-13`. */
function formatRanges(ranges: readonly [number, number][]): string {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && s <= last[1] + 1) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  return merged.map(([s, e]) => (s === e ? `${s}` : `${s}-${e}`)).join(',');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
