// Claude Code hook payloads (hooks reference, https://code.claude.com/docs/en/hooks): one JSON
// object on stdin with the common fields `session_id`, `transcript_path`, `cwd`,
// `hook_event_name`, and per event:
//   PostToolUse       `tool_name`, `tool_input`, `tool_response` (`tool_use_id`)
//                       Write      tool_input {file_path, content}
//                       Edit       tool_input {file_path, old_string, new_string, replace_all?}
//                       MultiEdit  tool_input {file_path, edits: [{old_string, new_string, replace_all?}]}
//                       tool_response of Edit/MultiEdit/Write-over-a-file: {filePath, …,
//                       structuredPatch: [{oldStart, oldLines, newStart, newLines, lines}]}
//   UserPromptSubmit  `prompt`
//   SessionStart      `source` (startup | resume | clear | compact), `model`
//   SessionEnd        `reason`
// No payload has a timestamp (the time is the capture time), and only SessionStart names the
// model: an edit's model and request id come from the transcript (transcript.ts).

import { printable } from '../../core/errors.js';
import type { CaptureEdit, CaptureEvent, CaptureSkip, LineRange } from '../types.js';
import { transcriptFacts, type TranscriptTailReader } from './transcript.js';
import {
  MAX_ID_CHARS, MAX_MODEL_CHARS, MAX_PATH_CHARS, MAX_PAYLOAD_BYTES, addedRanges, agentOf, defined, filePath, isObj, isSkip, objectList, optional, optString, own, parseObject,
  readStrings, reqString, replacement, required, skip, text, type Obj,
} from './untrusted.js';

const EDIT_TOOLS: readonly string[] = ['Write', 'Edit', 'MultiEdit'];
const MAX_HUNKS = 100_000;

export function parseClaudeCode(payload: string, now: () => Date, readTail?: TranscriptTailReader): CaptureEvent | CaptureSkip {
  const doc = parseObject(payload, 'claude-code');
  if (isSkip(doc)) return doc;
  const f = readStrings(doc, {
    event: required('hook_event_name', 100),
    sessionId: optional('session_id', MAX_ID_CHARS),
    cwd: optional('cwd', MAX_PATH_CHARS),
    transcriptPath: optional('transcript_path', MAX_PATH_CHARS),
  });
  if (isSkip(f)) return f;
  const { event, transcriptPath } = f;

  const base = {
    tool: 'claude-code' as const,
    agent: agentOf('claude-code', 'claude-code'),
    time: now().toISOString(),
    ...defined({ sessionId: f.sessionId, cwd: f.cwd, transcriptPath }),
  };

  switch (event) {
    case 'SessionStart': {
      // SessionStart is the one event whose input names the model (hooks reference, SessionStart input).
      const model = optString(doc, 'model', MAX_MODEL_CHARS);
      if (isSkip(model)) return model;
      return { ...base, ...defined({ model }), kind: 'session-start', edits: [] };
    }
    case 'SessionEnd':
      return { ...base, kind: 'session-end', edits: [] };
    case 'UserPromptSubmit': {
      const prompt = optString(doc, 'prompt', MAX_PAYLOAD_BYTES);
      if (isSkip(prompt)) return prompt;
      if (prompt === undefined) return skip('prompt missing');
      return { ...base, kind: 'prompt', edits: [], prompt };
    }
    case 'PostToolUse': {
      const toolName = reqString(doc, 'tool_name', 200);
      if (isSkip(toolName)) return toolName;
      if (!EDIT_TOOLS.includes(toolName)) return skip('not an edit');
      const edit = editOf(toolName, own(doc, 'tool_input'), own(doc, 'tool_response'));
      if (isSkip(edit)) return edit;
      const facts = transcriptPath === undefined ? {} : transcriptFacts(transcriptPath, readTail);
      return { ...base, ...facts, kind: 'edit', edits: [edit] };
    }
    default:
      return skip(`hook event ${printable(event, 40)} is not captured`);
  }
}

function editOf(toolName: string, input: unknown, response: unknown): CaptureEdit | CaptureSkip {
  if (!isObj(input)) return skip('tool_input is not an object');
  const path = filePath(input, 'file_path');
  if (isSkip(path)) return path;
  const ranges = isObj(response) ? rangesOf(response) : undefined;
  const withRanges = ranges === undefined ? {} : { newRanges: ranges };
  if (toolName === 'Write') {
    const content = text(input, 'content');
    if (isSkip(content)) return skip(`tool_input.${content.skipped}`);
    return { path, operation: 'write', content, ...withRanges };
  }
  if (toolName === 'Edit') {
    const pair = replacement(input, 'tool_input');
    if (isSkip(pair)) return pair;
    return { path, operation: 'edit', replacements: [pair], ...withRanges };
  }
  const edits = objectList(input, 'edits', 'tool_input.edits');
  if (isSkip(edits)) return edits;
  if (edits.length === 0) return skip('tool_input.edits is empty');
  const replacements: { oldText: string; newText: string }[] = [];
  for (const [i, e] of edits.entries()) {
    const pair = replacement(e, `tool_input.edits[${i}]`);
    if (isSkip(pair)) return pair;
    replacements.push(pair);
  }
  return { path, operation: 'multi-edit', replacements, ...withRanges };
}

/**
 * The new-file lines `structuredPatch` adds, or undefined when it is absent or malformed. It is
 * an optional enrichment: a malformed one is ignored (the replacements still describe the edit,
 * and the attribution layer diffs the file), never a reason to lose the edit.
 */
function rangesOf(response: Obj): LineRange[] | undefined {
  const patch = own(response, 'structuredPatch');
  // A Write that creates a file answers `structuredPatch: []`: no ranges, the content says it all.
  if (!Array.isArray(patch) || patch.length === 0 || patch.length > MAX_HUNKS) return undefined;
  const hunks: { newStart: number; lines: string[] }[] = [];
  for (const h of patch as unknown[]) {
    if (!isObj(h)) return undefined;
    const newStart = h['newStart'];
    const lines = h['lines'];
    if (typeof newStart !== 'number' || !Number.isSafeInteger(newStart) || newStart < 0) return undefined;
    if (!Array.isArray(lines) || !lines.every((l): l is string => typeof l === 'string')) return undefined;
    hunks.push({ newStart, lines });
  }
  return addedRanges(hunks);
}
