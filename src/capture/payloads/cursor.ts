// Cursor agent hook payloads (https://cursor.com/docs/agent/hooks): one JSON object on stdin with
// the common fields `hook_event_name`, `conversation_id`, `generation_id`, `workspace_roots`, and
// optionally `model`, `cursor_version`, `user_email`; per event:
//   afterFileEdit       `file_path`, `edits: [{old_string, new_string}]`
//   beforeSubmitPrompt  `prompt` (and `attachments`)
// Cursor gives no timestamp (the capture time is used) and no provider request id; the
// generation id stands in for it. `afterTabFileEdit` (Tab completions) is not captured: its
// edits are completions the user accepted keystroke by keystroke, not agent edits.

import { printable } from '../../core/errors.js';
import type { CaptureEdit, CaptureEvent, CaptureSkip } from '../types.js';
import {
  MAX_ID_CHARS, MAX_MODEL_CHARS, MAX_PATH_CHARS, MAX_PAYLOAD_BYTES, agentOf, defined, filePath, isSkip, objectList, optional, optString, own, parseObject, readStrings,
  replacement, required, skip,
} from './untrusted.js';

export function parseCursor(payload: string, now: () => Date): CaptureEvent | CaptureSkip {
  const doc = parseObject(payload, 'cursor');
  if (isSkip(doc)) return doc;
  const f = readStrings(doc, {
    event: required('hook_event_name', 100),
    sessionId: optional('conversation_id', MAX_ID_CHARS),
    requestId: optional('generation_id', MAX_ID_CHARS),
    model: optional('model', MAX_MODEL_CHARS),
  });
  if (isSkip(f)) return f;
  const { event } = f;
  const roots = own(doc, 'workspace_roots');
  let cwd: string | undefined;
  if (roots !== undefined && roots !== null) {
    if (!Array.isArray(roots)) return skip('workspace_roots is not an array');
    const first: unknown = roots[0];
    if (first !== undefined) {
      if (typeof first !== 'string' || first.length > MAX_PATH_CHARS) return skip('workspace_roots[0] is not a path');
      if (first.length > 0) cwd = first;
    }
  }
  const base = {
    tool: 'cursor' as const,
    agent: agentOf('cursor', 'cursor'),
    time: now().toISOString(),
    ...defined({ model: f.model, sessionId: f.sessionId, requestId: f.requestId, cwd }),
  };
  switch (event) {
    case 'afterFileEdit': {
      const edit = editOf(doc);
      if (isSkip(edit)) return edit;
      return { ...base, kind: 'edit', edits: [edit] };
    }
    case 'beforeSubmitPrompt': {
      const prompt = optString(doc, 'prompt', MAX_PAYLOAD_BYTES);
      if (isSkip(prompt)) return prompt;
      if (prompt === undefined) return skip('prompt missing');
      return { ...base, kind: 'prompt', edits: [], prompt };
    }
    case 'afterShellExecution':
    case 'afterMCPExecution':
    case 'beforeShellExecution':
    case 'beforeMCPExecution':
    case 'beforeReadFile':
      return skip('not an edit');
    default:
      return skip(`hook event ${printable(event, 40)} is not captured`);
  }
}

function editOf(doc: Record<string, unknown>): CaptureEdit | CaptureSkip {
  const path = filePath(doc, 'file_path');
  if (isSkip(path)) return path;
  const edits = objectList(doc, 'edits', 'edits');
  if (isSkip(edits)) return edits;
  // An edit list Cursor leaves empty still says the agent touched the file: the attribution
  // layer diffs it against its last snapshot.
  if (edits.length === 0) return { path, operation: 'unknown' };
  const replacements: { oldText: string; newText: string }[] = [];
  for (const [i, e] of edits.entries()) {
    const pair = replacement(e, `edits[${i}]`);
    if (isSkip(pair)) return pair;
    replacements.push(pair);
  }
  return { path, operation: replacements.length === 1 ? 'edit' : 'multi-edit', replacements };
}
