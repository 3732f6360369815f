// GitHub Copilot CLI and Copilot coding agent hooks (hooks configuration reference,
// https://docs.github.com/en/copilot/reference/hooks-configuration, source
// github/docs content/copilot/reference/hooks-configuration.md). One JSON object on stdin; the
// payload does not name its event (the hook file binds a command to an event), so the shape
// tells them apart:
//   postToolUse           `timestamp` (Unix ms), `cwd`, `toolName`, `toolArgs` (a JSON *string*),
//                         `toolResult: {resultType: success|failure|denied, textResultForLlm}`
//   preToolUse            the same without `toolResult` (not captured: the edit has not happened)
//   userPromptSubmitted   `timestamp`, `cwd`, `prompt`
//   sessionStart          `timestamp`, `cwd`, `source` (new|resume|startup), `initialPrompt?`
//   sessionEnd            `timestamp`, `cwd`, `reason`
// The documented tool names that write files are `edit` and `create`; the reference documents
// `toolArgs.path` (its example reads `.toolArgs | .path`) but not the argument that carries the
// text, so an edit is `operation: 'unknown'` and the attribution layer diffs the file.
// The payload carries no session id, no model and no request id.
// The hooks trailmark installs name the event in the handler's env (`TRAILMARK_HOOK_EVENT`,
// docs/hooks.md); when it is given, the payload must have that event's shape, else the shape
// alone tells the event (a hook someone wrote by hand).

import { printable } from '../../core/errors.js';
import type { CaptureEvent, CaptureSkip } from '../types.js';
import { MAX_PATH_CHARS, MAX_PAYLOAD_BYTES, agentOf, filePath, fromMillis, isObj, isSkip, optString, own, parseObject, reqString, skip } from './untrusted.js';

const EDIT_TOOLS: readonly string[] = ['edit', 'create'];

/** The events of the hooks configuration reference, and the field that marks each one's payload. */
const EVENT_FIELDS: Readonly<Record<string, string>> = {
  postToolUse: 'toolResult',
  preToolUse: 'toolName',
  userPromptSubmitted: 'prompt',
  sessionStart: 'source',
  sessionEnd: 'reason',
  errorOccurred: 'error',
};

export function parseCopilot(payload: string, now: () => Date, hookEvent?: string): CaptureEvent | CaptureSkip {
  const doc = parseObject(payload, 'copilot');
  if (isSkip(doc)) return doc;
  if (hookEvent !== undefined && hookEvent !== '') {
    const field = Object.prototype.hasOwnProperty.call(EVENT_FIELDS, hookEvent) ? EVENT_FIELDS[hookEvent] : undefined;
    if (field === undefined) return skip(`hook event ${printable(hookEvent, 40)} is not captured`);
    if (hookEvent === 'preToolUse') return skip('preToolUse: the edit has not happened yet');
    if (own(doc, field) === undefined) return skip(`${hookEvent} payload without ${field}`);
  }
  const cwd = optString(doc, 'cwd', MAX_PATH_CHARS);
  if (isSkip(cwd)) return cwd;
  const base = {
    tool: 'copilot' as const,
    agent: agentOf('copilot', 'copilot'),
    time: fromMillis(own(doc, 'timestamp')) ?? now().toISOString(),
    ...(cwd !== undefined ? { cwd } : {}),
  };
  if (own(doc, 'toolName') !== undefined) {
    const toolName = reqString(doc, 'toolName', 200);
    if (isSkip(toolName)) return toolName;
    const result = own(doc, 'toolResult');
    if (result === undefined) return skip('preToolUse: the edit has not happened yet');
    if (!EDIT_TOOLS.includes(toolName)) return skip('not an edit');
    if (!isObj(result)) return skip('toolResult is not an object');
    if (result['resultType'] !== 'success') return skip(`tool result is ${typeof result['resultType'] === 'string' ? printable(result['resultType'], 20) : 'not a string'}, not success`);
    const argsText = reqString(doc, 'toolArgs', MAX_PAYLOAD_BYTES);
    if (isSkip(argsText)) return argsText;
    let args: unknown;
    try {
      args = JSON.parse(argsText);
    } catch {
      return skip('toolArgs is not valid json');
    }
    if (!isObj(args)) return skip('toolArgs is not a json object');
    const path = filePath(args, 'path');
    if (isSkip(path)) return skip(`toolArgs.${path.skipped}`);
    return { ...base, kind: 'edit', edits: [{ path, operation: 'unknown' }] };
  }
  if (own(doc, 'prompt') !== undefined) {
    const prompt = reqString(doc, 'prompt', MAX_PAYLOAD_BYTES);
    if (isSkip(prompt)) return prompt;
    return { ...base, kind: 'prompt', edits: [], prompt };
  }
  if (own(doc, 'source') !== undefined) return { ...base, kind: 'session-start', edits: [] };
  if (own(doc, 'reason') !== undefined) return { ...base, kind: 'session-end', edits: [] };
  if (own(doc, 'error') !== undefined) return skip('errorOccurred is not captured');
  return skip('copilot payload of no known hook shape');
}
