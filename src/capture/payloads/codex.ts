// OpenAI Codex CLI payloads. Two sources exist:
//
// 1. Lifecycle hooks (https://developers.openai.com/codex/hooks; openai/codex codex-rs/hooks):
//    one JSON object on stdin, Claude-Code-like, with the common fields `session_id`, `turn_id`,
//    `transcript_path`, `cwd`, `hook_event_name`, `model` (the active model slug). Codex's file
//    edits go through its `apply_patch` tool; since openai/codex#16732 PostToolUse fires for it
//    with `tool_name: "apply_patch"` and the raw patch body in `tool_input.command`. Shell
//    commands (`Bash`) can also write files; those are not edits trailmark can see.
// 2. The legacy `notify` program (docs/config.md `notify`): the JSON is the last argv argument,
//    `{"type":"agent-turn-complete","thread-id","turn-id","cwd","client"?,"input-messages",
//    "last-assistant-message"}`. It names no file and no model, so it yields no edit: skipped.
//
// The apply_patch body (codex-rs/apply-patch, the "*** Begin Patch" envelope):
//   *** Add File: <path>      then `+` lines: the whole new file
//   *** Delete File: <path>
//   *** Update File: <path>   optionally `*** Move to: <path>`, then hunks opened by `@@ …`
//                             whose lines are ` ` context, `-` removed, `+` added
//   *** End of File           marks a hunk anchored at the end of the file
// A hunk has no line numbers, so an update yields replacement pairs (context and removed lines
// -> context and added lines), not ranges.

import { printable } from '../../core/errors.js';
import type { CaptureEdit, CaptureEvent, CaptureSkip } from '../types.js';
import {
  MAX_EDITS, MAX_ID_CHARS, MAX_MODEL_CHARS, MAX_PATH_CHARS, MAX_PAYLOAD_BYTES, agentOf, defined, isObj, isSkip, optional, optString, own, parseObject, readStrings, reqString,
  required, skip,
} from './untrusted.js';

export function parseCodex(payload: string, now: () => Date): CaptureEvent | CaptureSkip {
  const doc = parseObject(payload, 'codex');
  if (isSkip(doc)) return doc;
  const type = own(doc, 'type');
  if (type !== undefined) {
    if (type === 'agent-turn-complete') return skip('codex notify (agent-turn-complete) names no files: nothing to attribute; install the codex PostToolUse hook');
    return skip('codex notify type is not captured');
  }
  const f = readStrings(doc, {
    event: required('hook_event_name', 100),
    sessionId: optional('session_id', MAX_ID_CHARS),
    requestId: optional('turn_id', MAX_ID_CHARS),
    model: optional('model', MAX_MODEL_CHARS),
    cwd: optional('cwd', MAX_PATH_CHARS),
    transcriptPath: optional('transcript_path', MAX_PATH_CHARS),
  });
  if (isSkip(f)) return f;
  const { event, ...ids } = f;
  const base = {
    tool: 'codex' as const,
    agent: agentOf('codex', 'codex'),
    time: now().toISOString(),
    ...defined(ids),
  };
  switch (event) {
    case 'SessionStart':
      return { ...base, kind: 'session-start', edits: [] };
    case 'UserPromptSubmit': {
      const prompt = optString(doc, 'prompt', MAX_PAYLOAD_BYTES);
      if (isSkip(prompt)) return prompt;
      if (prompt === undefined) return skip('prompt missing');
      return { ...base, kind: 'prompt', edits: [], prompt };
    }
    case 'PostToolUse': {
      const toolName = reqString(doc, 'tool_name', 200);
      if (isSkip(toolName)) return toolName;
      if (toolName !== 'apply_patch') return skip('not an edit');
      const input = own(doc, 'tool_input');
      if (!isObj(input)) return skip('tool_input is not an object');
      const body = reqString(input, 'command', MAX_PAYLOAD_BYTES);
      if (isSkip(body)) return skip(`tool_input.${body.skipped}`);
      const edits = parseApplyPatch(body);
      if (isSkip(edits)) return edits;
      return { ...base, kind: 'edit', edits };
    }
    default:
      return skip(`hook event ${printable(event, 40)} is not captured`);
  }
}

const BEGIN = '*** Begin Patch';
const END = '*** End Patch';
const ADD = '*** Add File: ';
const DELETE = '*** Delete File: ';
const UPDATE = '*** Update File: ';
const MOVE = '*** Move to: ';
const EOF_MARK = '*** End of File';

/** The file edits of an apply_patch body, or a skip naming the first malformed line. */
export function parseApplyPatch(body: string): CaptureEdit[] | CaptureSkip {
  const lines = body.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  if (lines[i]?.trim() !== BEGIN) return skip('apply_patch body does not start with *** Begin Patch');
  i++;
  const edits: CaptureEdit[] = [];
  let ended = false;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === END) {
      ended = true;
      break;
    }
    if (edits.length >= MAX_EDITS) return skip(`apply_patch touches more than ${MAX_EDITS} files`);
    if (line.startsWith(ADD)) {
      const path = pathOf(line.slice(ADD.length), i);
      if (isSkip(path)) return path;
      i++;
      const added: string[] = [];
      while (i < lines.length && lines[i]!.startsWith('+')) added.push(lines[i++]!.slice(1));
      edits.push({ path, operation: 'write', content: added.length === 0 ? '' : `${added.join('\n')}\n` });
      continue;
    }
    if (line.startsWith(DELETE)) {
      const path = pathOf(line.slice(DELETE.length), i);
      if (isSkip(path)) return path;
      edits.push({ path, operation: 'delete' });
      i++;
      continue;
    }
    if (line.startsWith(UPDATE)) {
      const at = i + 1;
      let path = pathOf(line.slice(UPDATE.length), i);
      if (isSkip(path)) return path;
      i++;
      if (i < lines.length && lines[i]!.startsWith(MOVE)) {
        const to = pathOf(lines[i]!.slice(MOVE.length), i);
        if (isSkip(to)) return to;
        path = to;
        i++;
      }
      const replacements: { oldText: string; newText: string }[] = [];
      let oldLines: string[] = [];
      let newLines: string[] = [];
      let open = false;
      const flush = (): void => {
        if (open && (oldLines.length > 0 || newLines.length > 0)) replacements.push({ oldText: oldLines.join('\n'), newText: newLines.join('\n') });
        oldLines = [];
        newLines = [];
      };
      while (i < lines.length && !lines[i]!.startsWith('*** ') && lines[i]!.trim() !== END) {
        const l = lines[i]!;
        if (l.startsWith('@@')) {
          flush();
          open = true;
        } else if (l.startsWith('-')) {
          open = true;
          oldLines.push(l.slice(1));
        } else if (l.startsWith('+')) {
          open = true;
          newLines.push(l.slice(1));
        } else if (l.startsWith(' ') || l === '') {
          open = true;
          oldLines.push(l.slice(1));
          newLines.push(l.slice(1));
        } else {
          return skip(`apply_patch line ${i + 1}: unexpected line in an update hunk`);
        }
        if (replacements.length >= MAX_EDITS) return skip(`apply_patch has more than ${MAX_EDITS} hunks`);
        i++;
        if (i < lines.length && lines[i]!.trim() === EOF_MARK) i++;
      }
      flush();
      if (replacements.length === 0) return skip(`apply_patch line ${at}: update of ${printable(path, 80)} has no hunk`);
      edits.push({ path, operation: replacements.length === 1 ? 'edit' : 'multi-edit', replacements });
      continue;
    }
    if (line.trim() === '') {
      i++;
      continue;
    }
    return skip(`apply_patch line ${i + 1}: expected a file operation`);
  }
  if (!ended) return skip('apply_patch body has no *** End Patch');
  if (edits.length === 0) return skip('apply_patch touches no file');
  return edits;
}

function pathOf(raw: string, index: number): string | CaptureSkip {
  const path = raw.trim();
  if (path.length === 0) return skip(`apply_patch line ${index + 1}: empty path`);
  if (path.length > MAX_PATH_CHARS) return skip(`apply_patch line ${index + 1}: path longer than ${MAX_PATH_CHARS} characters`);
  if (path.includes('\0')) return skip(`apply_patch line ${index + 1}: path holds a nul character`);
  return path;
}
