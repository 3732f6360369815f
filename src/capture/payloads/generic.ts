// `trailmark capture generic`: any other tool, described by its caller rather than by a payload.
// Either command-line arguments (`--agent A [--model M] [--session S] --files F…`, which the
// capture command turns into GenericArgs) or the same fields as a JSON object on stdin
// (`{"agent","model"?,"session"?,"files":[…]}`). The caller names files, not lines: each file
// is an edit with `operation: 'unknown'`, and the attribution layer diffs it against its last
// snapshot.

import { printable } from '../../core/errors.js';
import type { CaptureEvent, CaptureSkip } from '../types.js';
import { MAX_EDITS, MAX_ID_CHARS, MAX_MODEL_CHARS, MAX_PATH_CHARS, agentOf, defined, isSkip, optional, own, parseObject, readStrings, required, skip } from './untrusted.js';

export interface GenericArgs {
  readonly agent: string;
  readonly model?: string;
  readonly session?: string;
  readonly files: readonly string[];
}

/** Agent names are free text here; longer than this is not a name. */
const MAX_AGENT_CHARS = 80;

export function parseGenericArgs(args: GenericArgs, now: () => Date): CaptureEvent | CaptureSkip {
  const agent = typeof args.agent === 'string' ? args.agent.trim() : '';
  if (agent.length === 0) return skip('agent missing');
  if (agent.length > MAX_AGENT_CHARS) return skip(`agent is longer than ${MAX_AGENT_CHARS} characters`);
  if (printable(agent) !== agent) return skip('agent holds control characters');
  if (args.model !== undefined && (typeof args.model !== 'string' || args.model.length > MAX_MODEL_CHARS)) return skip(`model is not a string of at most ${MAX_MODEL_CHARS} characters`);
  if (args.session !== undefined && (typeof args.session !== 'string' || args.session.length > MAX_ID_CHARS)) return skip(`session is not a string of at most ${MAX_ID_CHARS} characters`);
  if (!Array.isArray(args.files)) return skip('files is not an array');
  if (args.files.length === 0) return skip('no files named');
  if (args.files.length > MAX_EDITS) return skip(`more than ${MAX_EDITS} files`);
  const seen = new Set<string>();
  const edits: { path: string; operation: 'unknown' }[] = [];
  for (const [i, f] of (args.files as readonly unknown[]).entries()) {
    if (typeof f !== 'string' || f.length === 0) return skip(`files[${i}] is not a path`);
    if (f.length > MAX_PATH_CHARS) return skip(`files[${i}] is longer than ${MAX_PATH_CHARS} characters`);
    if (f.includes('\0')) return skip(`files[${i}] holds a nul character`);
    if (seen.has(f)) continue;
    seen.add(f);
    edits.push({ path: f, operation: 'unknown' });
  }
  return {
    tool: 'generic',
    kind: 'edit',
    agent: agentOf(agent, agent.toLowerCase()),
    time: now().toISOString(),
    ...(args.model !== undefined && args.model !== '' ? { model: args.model } : {}),
    ...(args.session !== undefined && args.session !== '' ? { sessionId: args.session } : {}),
    edits,
  };
}

/** The stdin form: a JSON object with the fields of GenericArgs. */
export function parseGeneric(payload: string, now: () => Date): CaptureEvent | CaptureSkip {
  const doc = parseObject(payload, 'generic');
  if (isSkip(doc)) return doc;
  const f = readStrings(doc, { agent: required('agent', MAX_AGENT_CHARS), model: optional('model', MAX_MODEL_CHARS), session: optional('session', MAX_ID_CHARS) });
  if (isSkip(f)) return f;
  const files = own(doc, 'files');
  if (!Array.isArray(files)) return skip('files is not an array');
  return parseGenericArgs({ agent: f.agent, files: files as string[], ...defined({ model: f.model, session: f.session }) }, now);
}
