// One entry point from a tool's raw hook payload to a normalized CaptureEvent (types.ts), or a
// CaptureSkip with the reason when the payload is valid but not one trailmark acts on, or is
// malformed. It never throws: `trailmark capture` runs inside the agent's hook and must not fail
// the agent's action. Per-tool shapes and their sources: docs/capture-payloads.md.

import { CAPTURE_TOOLS, type CaptureEvent, type CaptureSkip, type CaptureTool } from '../types.js';
import { parseClaudeCode } from './claude-code.js';
import { parseCodex } from './codex.js';
import { parseCopilot } from './copilot.js';
import { parseCursor } from './cursor.js';
import { parseGeneric } from './generic.js';
import type { TranscriptTailReader } from './transcript.js';
import { MAX_PAYLOAD_BYTES, skip } from './untrusted.js';

export { parseGenericArgs, type GenericArgs } from './generic.js';
export { parseApplyPatch } from './codex.js';
export { transcriptFacts, readTranscriptTail, TRANSCRIPT_TAIL_BYTES, type TranscriptFacts, type TranscriptTailReader } from './transcript.js';
export { MAX_PAYLOAD_BYTES, isSkip } from './untrusted.js';

export interface PayloadOptions {
  /** How the Claude Code transcript tail is read (default: the file system, transcript.ts). */
  readonly readTranscriptTail?: TranscriptTailReader;
  /**
   * The event the installed hook names in its environment (`TRAILMARK_HOOK_EVENT`), for tools
   * whose payload does not name it (Copilot). Ignored by the others.
   */
  readonly hookEvent?: string;
}

export function parsePayload(tool: CaptureTool, text: string, now: () => Date, options: PayloadOptions = {}): CaptureEvent | CaptureSkip {
  if (!(CAPTURE_TOOLS as readonly string[]).includes(tool)) return skip('unknown tool');
  if (typeof text !== 'string') return skip('payload is not text');
  // Characters never outnumber UTF-8 bytes: the cheap test first, the exact one when it passes.
  if (text.length > MAX_PAYLOAD_BYTES) return skip(`payload of ${text.length} characters exceeds ${MAX_PAYLOAD_BYTES} bytes`);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_PAYLOAD_BYTES) return skip(`payload of ${bytes} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
  switch (tool) {
    case 'claude-code':
      return parseClaudeCode(text, now, options.readTranscriptTail);
    case 'cursor':
      return parseCursor(text, now);
    case 'codex':
      return parseCodex(text, now);
    case 'copilot':
      return parseCopilot(text, now, options.hookEvent);
    case 'generic':
      return parseGeneric(text, now);
  }
}
