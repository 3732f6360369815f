// Agent Trace records (cursor/agent-trace, RFC 0.1.0, trace-record.json): a JSON object, a JSON
// array of objects, or JSONL (one object per line, as reference/trace-store.ts appends to
// `.agent-trace/traces.jsonl`). The text is attacker-controlled: every field is checked before
// use and an invalid record becomes a RecordError value naming origin and line, never a throw.
//
// Leniency, on purpose: `version` may be "1.0" (what the reference store writes) or "0.1.0"
// (the README); the spec's uuid `id` and `tool.version` are not enforced; unknown fields are
// ignored. Strictness: required `version`, `id`, `timestamp` (RFC 3339), `files`; contributor
// type human|ai|mixed|unknown; ranges start_line ≤ end_line, both ≥ 1; model_id ≤ 250 chars.

import { RecordError, printable } from '../core/errors.js';

export type ContributorType = 'human' | 'ai' | 'mixed' | 'unknown';
const CONTRIBUTOR_TYPES: readonly string[] = ['human', 'ai', 'mixed', 'unknown'];

/** One attributed line range of one file, flattened out of a record. */
export interface TraceRange {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly contributor: ContributorType;
  readonly modelId?: string;
  /** As written, e.g. `sha256:<hex>` or `murmur3:9f2e8a1b`. */
  readonly contentHash?: string;
  /** `vcs.revision` of the record, when present. */
  readonly revision?: string;
  readonly tool?: string;
  readonly recordId: string;
  /**
   * `metadata["dev.trailmark"].stage` of a record trailmark wrote: "edit" ranges describe the
   * working file at edit time (an audit trail, never matched to hunks); "commit" ranges carry
   * the commit's line numbers. Absent for records written by other tools.
   */
  readonly stage?: 'edit' | 'commit';
  readonly origin: string;
  /** 1-based line of the record in its text (JSONL line; 1 for a single object or array). */
  readonly line: number;
}

/** Largest record accepted (serialised size), 1 MiB. */
export const MAX_RECORD_BYTES = 1024 * 1024;
/** Largest text accepted from one origin (array, object or JSONL), 64 MiB. */
export const MAX_TRACE_TEXT_BYTES = 64 * 1024 * 1024;
/** Agent Trace: model_id maxLength 250. */
const MAX_MODEL_ID = 250;
const MAX_RANGES_PER_RECORD = 100_000;
// RFC 3339 date-time (fixed pattern, not built from input).
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Problems reported per text; the rest are counted in one last problem (keeps summaries short). */
export const MAX_PROBLEMS_PER_TEXT = 20;

export function parseAgentTrace(text: string, origin: string): { ranges: TraceRange[]; problems: RecordError[] } {
  const result = parseAll(text, origin);
  if (result.problems.length <= MAX_PROBLEMS_PER_TEXT) return result;
  const more = result.problems.length - MAX_PROBLEMS_PER_TEXT;
  return {
    ranges: result.ranges,
    problems: [
      ...result.problems.slice(0, MAX_PROBLEMS_PER_TEXT),
      new RecordError('RECORD_INVALID', `agent trace ${printable(origin)}: ${more} more invalid records not listed`),
    ],
  };
}

function parseAll(text: string, origin: string): { ranges: TraceRange[]; problems: RecordError[] } {
  const ranges: TraceRange[] = [];
  const problems: RecordError[] = [];
  const where = printable(origin);
  // The per-text cap comes first, whatever the form (array, object or JSONL).
  if (text.length > MAX_TRACE_TEXT_BYTES) {
    problems.push(new RecordError('RECORD_TOO_LARGE', `agent trace ${where}: ${text.length} characters exceed ${MAX_TRACE_TEXT_BYTES}`));
    return { ranges, problems };
  }
  const trimmed = text.trimStart();

  if (trimmed.startsWith('[')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (cause) {
      problems.push(new RecordError('RECORD_INVALID', `agent trace ${where}:1: not valid json`, { cause }));
      return { ranges, problems };
    }
    if (!Array.isArray(doc)) {
      problems.push(new RecordError('RECORD_INVALID', `agent trace ${where}:1: not a json array`));
      return { ranges, problems };
    }
    doc.forEach((item: unknown, i) => {
      const size = JSON.stringify(item)?.length ?? 0;
      if (size > MAX_RECORD_BYTES) {
        problems.push(new RecordError('RECORD_TOO_LARGE', `agent trace ${where}:1 [${i}]: record of ${size} bytes exceeds ${MAX_RECORD_BYTES}`));
        return;
      }
      collect(item, `${where}:1 [${i}]`, 1);
    });
    return { ranges, problems };
  }

  // One object, possibly pretty-printed over many lines: try the whole text first.
  if (trimmed.startsWith('{') && text.length <= MAX_RECORD_BYTES) {
    let doc: unknown;
    let ok = true;
    try {
      doc = JSON.parse(text);
    } catch {
      ok = false;
    }
    if (ok) {
      collect(doc, `${where}:1`, 1);
      return { ranges, problems };
    }
  }
  // A pretty-printed object opens with a line holding only "{": it is one record, not JSONL.
  const firstLine = trimmed.slice(0, Math.max(0, trimmed.indexOf('\n'))).trim();
  if (firstLine === '{') {
    problems.push(text.length > MAX_RECORD_BYTES
      ? new RecordError('RECORD_TOO_LARGE', `agent trace ${where}:1: record of ${text.length} characters exceeds ${MAX_RECORD_BYTES}`)
      : new RecordError('RECORD_INVALID', `agent trace ${where}:1: not valid json`));
    return { ranges, problems };
  }

  // JSONL: one record per non-blank line.
  let start = 0;
  let lineNo = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line.length === 0) continue;
    if (line.length > MAX_RECORD_BYTES) {
      problems.push(new RecordError('RECORD_TOO_LARGE', `agent trace ${where}:${lineNo}: record of ${line.length} characters exceeds ${MAX_RECORD_BYTES}`));
      continue;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch (cause) {
      problems.push(new RecordError('RECORD_INVALID', `agent trace ${where}:${lineNo}: not valid json`, { cause }));
      continue;
    }
    collect(doc, `${where}:${lineNo}`, lineNo);
  }
  return { ranges, problems };

  function collect(doc: unknown, at: string, line: number): void {
    const result = validateRecord(doc, origin, line);
    if (typeof result === 'string') problems.push(new RecordError('RECORD_INVALID', `agent trace ${at}: ${result}`));
    else ranges.push(...result);
  }
}

type Obj = Record<string, unknown>;
function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Flattened ranges, or the first problem found (a lowercase message naming the field). */
function validateRecord(doc: unknown, origin: string, line: number): TraceRange[] | string {
  if (!isObj(doc)) return 'record is not a json object';
  const version = doc['version'];
  if (typeof version !== 'string') return 'missing version';
  if (!supportedVersion(version)) return `unsupported version ${printable(version, 40)}`;
  const id = doc['id'];
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) return 'missing or invalid id';
  const timestamp = doc['timestamp'];
  if (typeof timestamp !== 'string' || !RFC3339.test(timestamp)) return 'missing or invalid timestamp (rfc 3339)';
  const files = doc['files'];
  if (!Array.isArray(files)) return 'missing files array';

  let revision: string | undefined;
  const vcs = doc['vcs'];
  if (vcs !== undefined) {
    if (!isObj(vcs)) return 'vcs is not an object';
    const rev = vcs['revision'];
    if (rev !== undefined && typeof rev !== 'string') return 'vcs.revision is not a string';
    if (typeof rev === 'string' && rev.length > 0) revision = rev.toLowerCase();
  }
  let tool: string | undefined;
  const t = doc['tool'];
  if (t !== undefined) {
    if (!isObj(t)) return 'tool is not an object';
    const name = t['name'];
    if (name !== undefined && typeof name !== 'string') return 'tool.name is not a string';
    if (typeof name === 'string' && name.length > 0) tool = name.slice(0, 100);
  }

  const stage = trailmarkStage(doc['metadata']);
  const out: TraceRange[] = [];
  for (let fi = 0; fi < files.length; fi++) {
    const f: unknown = files[fi];
    const at = `files[${fi}]`;
    if (!isObj(f)) return `${at} is not an object`;
    const path = f['path'];
    if (typeof path !== 'string' || path.length === 0) return `${at}.path missing`;
    const conversations = f['conversations'];
    if (!Array.isArray(conversations)) return `${at}.conversations missing`;
    for (let ci = 0; ci < conversations.length; ci++) {
      const c: unknown = conversations[ci];
      const cat = `${at}.conversations[${ci}]`;
      if (!isObj(c)) return `${cat} is not an object`;
      const conv = contributorOf(c['contributor'], `${cat}.contributor`);
      if (typeof conv === 'string') return conv;
      const rs = c['ranges'];
      if (!Array.isArray(rs)) return `${cat}.ranges missing`;
      for (let ri = 0; ri < rs.length; ri++) {
        const r: unknown = rs[ri];
        const rat = `${cat}.ranges[${ri}]`;
        if (!isObj(r)) return `${rat} is not an object`;
        const s = r['start_line'];
        const e = r['end_line'];
        if (!isLine(s) || !isLine(e)) return `${rat}: start_line and end_line must be integers >= 1`;
        if (s > e) return `${rat}: start_line ${s} > end_line ${e}`;
        const hash = r['content_hash'];
        if (hash !== undefined && (typeof hash !== 'string' || hash.length > 200)) return `${rat}.content_hash is not a string`;
        const own = r['contributor'] === undefined ? conv : contributorOf(r['contributor'], `${rat}.contributor`);
        if (typeof own === 'string') return own;
        if (out.length >= MAX_RANGES_PER_RECORD) return `more than ${MAX_RANGES_PER_RECORD} ranges`;
        out.push({
          path: normalizePath(path),
          startLine: s,
          endLine: e,
          contributor: own.type,
          ...(own.modelId !== undefined ? { modelId: own.modelId } : {}),
          ...(typeof hash === 'string' ? { contentHash: hash } : {}),
          ...(revision !== undefined ? { revision } : {}),
          ...(tool !== undefined ? { tool } : {}),
          recordId: id,
          ...(stage !== undefined ? { stage } : {}),
          origin,
          line,
        });
      }
    }
  }
  return out;
}

/** `metadata["dev.trailmark"].stage` when it is "edit" or "commit"; anything else is ignored. */
function trailmarkStage(metadata: unknown): 'edit' | 'commit' | undefined {
  if (!isObj(metadata)) return undefined;
  const own = metadata['dev.trailmark'];
  if (!isObj(own)) return undefined;
  const stage = own['stage'];
  return stage === 'edit' || stage === 'commit' ? stage : undefined;
}

function contributorOf(v: unknown, at: string): { type: ContributorType; modelId?: string } | string {
  if (v === undefined) return { type: 'unknown' };
  if (!isObj(v)) return `${at} is not an object`;
  const type = v['type'];
  if (typeof type !== 'string' || !CONTRIBUTOR_TYPES.includes(type)) return `${at}.type must be human, ai, mixed or unknown`;
  const model = v['model_id'];
  if (model !== undefined && (typeof model !== 'string' || model.length > MAX_MODEL_ID)) return `${at}.model_id must be a string of at most ${MAX_MODEL_ID} characters`;
  return typeof model === 'string' && model.length > 0 ? { type: type as ContributorType, modelId: model } : { type: type as ContributorType };
}

function isLine(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
}

/** Major 0 or 1, written `M.m` or `M.m.p` (the spec's pattern and the reference store disagree). */
function supportedVersion(v: string): boolean {
  // Any dotted number (`^\d+(\.\d+)*$`, at most 4 parts of 6 digits): the spec's pattern, its
  // zod schema and its reference store disagree ("0.1.0", "1.0"), so the version is not trusted
  // to select semantics; the required fields are checked instead.
  const parts = v.split('.');
  if (parts.length > 4) return false;
  for (const p of parts) {
    if (p.length === 0 || p.length > 6) return false;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      if (c < 0x30 || c > 0x39) return false;
    }
  }
  return true;
}

/** Paths are repository-relative with "/" separators; a leading "./" is dropped. */
function normalizePath(p: string): string {
  let out = p;
  while (out.startsWith('./')) out = out.slice(2);
  return out;
}
