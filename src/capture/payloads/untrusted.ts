// Readers for fields of a hook payload. A payload is attacker-controlled in the weak sense that
// any process can run `trailmark capture` with any stdin, and tools change their shapes between
// releases: every field is checked for type and size here, and a wrong one becomes a skip reason
// (a string), never a throw.

import { printable } from '../../core/errors.js';
import { normalizeAgent } from '../../attest/registry.js';
import type { CaptureSkip, LineRange } from '../types.js';

/** Largest payload parsed (a Claude Write carries the whole file; Edit carries originalFile too). */
export const MAX_PAYLOAD_BYTES = 8 * 1024 * 1024;
/** Longest file path accepted (Linux PATH_MAX). */
export const MAX_PATH_CHARS = 4096;
/** Longest id (session, conversation, request, generation) kept. */
export const MAX_ID_CHARS = 200;
/** Agent Trace model_id maxLength. */
export const MAX_MODEL_CHARS = 250;
/** Most edits accepted in one payload (MultiEdit, Cursor edits, an apply_patch with many hunks). */
export const MAX_EDITS = 10_000;

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function own(o: Obj, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

export function skip(reason: string): CaptureSkip {
  return { skipped: reason };
}

export function isSkip(v: unknown): v is CaptureSkip {
  return isObj(v) && typeof v['skipped'] === 'string';
}

/** The payload text as a JSON object, or a skip naming what is wrong. */
export function parseObject(text: string, what: string): Obj | CaptureSkip {
  if (text.length > MAX_PAYLOAD_BYTES) return skip(`${what} payload of ${text.length} characters exceeds ${MAX_PAYLOAD_BYTES}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return skip(`${what} payload is not valid json`);
  }
  if (!isObj(doc)) return skip(`${what} payload is not a json object`);
  return doc;
}

/**
 * An optional string field: undefined when absent, null or empty; a skip when present with a
 * wrong type or over `max` characters.
 */
export function optString(o: Obj, key: string, max: number): string | undefined | CaptureSkip {
  const v = own(o, key);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') return skip(`${key} is not a string`);
  if (v.length > max) return skip(`${key} is longer than ${max} characters`);
  return v;
}

/** A required non-empty string field. */
export function reqString(o: Obj, key: string, max: number): string | CaptureSkip {
  const v = optString(o, key, max);
  if (v === undefined) return skip(`${key} missing`);
  return v;
}

/** One string field of a payload: the key it is read from, whether it must be there, its longest length. */
export interface StringField<R extends boolean = boolean> {
  readonly key: string;
  readonly required: R;
  readonly max: number;
}

/** A string field that must be present and non-empty. */
export const required = (key: string, max: number): StringField<true> => ({ key, required: true, max });
/** A string field that may be absent, null or empty (read as undefined). */
export const optional = (key: string, max: number): StringField<false> => ({ key, required: false, max });

/** The values `readStrings` gives for a spec: a string for a required field, maybe undefined for an optional one. */
export type StringValues<S extends Readonly<Record<string, StringField>>> = {
  readonly [K in keyof S]: S[K] extends StringField<true> ? string : string | undefined;
};

/**
 * The string fields `spec` names, each checked by `reqString` or `optString`, in the spec's
 * order: the first wrong one is the skip. One place for the field checks every tool's payload
 * shares (event name, session, request and model ids, paths).
 */
export function readStrings<S extends Readonly<Record<string, StringField>>>(o: Obj, spec: S): StringValues<S> | CaptureSkip {
  const out: Record<string, string | undefined> = {};
  for (const [name, field] of Object.entries(spec)) {
    const v = field.required ? reqString(o, field.key, field.max) : optString(o, field.key, field.max);
    if (isSkip(v)) return v;
    out[name] = v;
  }
  return out as StringValues<S>;
}

/** `o` without its undefined entries, so an absent optional field is absent from the event too. */
export function defined<T extends Readonly<Record<string, unknown>>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/**
 * An array of objects at `o[key]` (MultiEdit's or Cursor's `edits`), at most MAX_EDITS long;
 * `at` names it in the skip reasons (`tool_input.edits`, `edits`).
 */
export function objectList(o: Obj, key: string, at: string): Obj[] | CaptureSkip {
  const list = own(o, key);
  if (!Array.isArray(list)) return skip(`${at} is not an array`);
  if (list.length > MAX_EDITS) return skip(`${at} has more than ${MAX_EDITS} entries`);
  const out: Obj[] = [];
  for (let i = 0; i < list.length; i++) {
    const e: unknown = list[i];
    if (!isObj(e)) return skip(`${at}[${i}] is not an object`);
    out.push(e);
  }
  return out;
}

/** A replacement `{old_string, new_string}` (Claude Code Edit and MultiEdit, Cursor afterFileEdit); `at` prefixes the skip reasons. */
export function replacement(o: Obj, at: string): { oldText: string; newText: string } | CaptureSkip {
  const oldText = text(o, 'old_string');
  if (isSkip(oldText)) return skip(`${at}.${oldText.skipped}`);
  const newText = text(o, 'new_string');
  if (isSkip(newText)) return skip(`${at}.${newText.skipped}`);
  return { oldText, newText };
}

/** A file path as the payload gives it: non-empty, no NUL, at most MAX_PATH_CHARS. */
export function filePath(o: Obj, key: string): string | CaptureSkip {
  const v = reqString(o, key, MAX_PATH_CHARS);
  if (isSkip(v)) return v;
  if (v.includes('\0')) return skip(`${key} ${printable(v, 80)} holds a nul character`);
  return v;
}

/** Any string field of an edit (old or new text); size is bounded by MAX_PAYLOAD_BYTES. */
export function text(o: Obj, key: string): string | CaptureSkip {
  const v = own(o, key);
  if (typeof v !== 'string') return skip(`${key} is not a string`);
  return v;
}

/** RFC 3339 UTC of a Unix time in milliseconds, or undefined when it is not a plausible one. */
export function fromMillis(v: unknown): string | undefined {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The registry id of `name`, else `fallback` (the tool's own registry id). */
export function agentOf(name: string, fallback: string): string {
  return normalizeAgent(name) ?? fallback;
}

/**
 * Changed lines of the new file from unified-diff hunks (`structuredPatch`, an apply_patch
 * hunk): each `+` line at its new-file number, merged into ranges. `-` lines have no new-file
 * line; ` ` lines are context. The caller has checked the hunks' types.
 */
export function addedRanges(hunks: readonly { readonly newStart: number; readonly lines: readonly string[] }[]): LineRange[] {
  const lines: number[] = [];
  for (const h of hunks) {
    let n = h.newStart;
    for (const l of h.lines) {
      const c = l.charAt(0);
      if (c === '+') lines.push(n++);
      else if (c === ' ' || c === '') n++;
      // '-' and '\' (no newline at end of file) take no new-file line.
    }
  }
  lines.sort((a, b) => a - b);
  const out: LineRange[] = [];
  for (const l of lines) {
    const last = out[out.length - 1];
    if (last !== undefined && l <= last.end + 1) out[out.length - 1] = { start: last.start, end: Math.max(last.end, l) };
    else out.push({ start: l, end: l });
  }
  return out;
}
