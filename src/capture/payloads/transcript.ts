// The model and provider request id of a Claude Code edit, from the tail of its transcript.
//
// Claude Code's hook payload names no model (hooks reference, common input fields:
// https://code.claude.com/docs/en/hooks). Its transcript (`transcript_path`, JSONL, one entry per
// line) does: each assistant entry is `{"type":"assistant","requestId":"req_…","message":
// {"model":"claude-…","id":"msg_…",…},…}`. The entry that issued the tool call is the last
// assistant entry written before the PostToolUse hook runs, so the tail of the file suffices.
//
// Limits: at most the last TRANSCRIPT_TAIL_BYTES are read (a transcript grows to many MiB); the
// first line of the tail is dropped when the read started mid-file (it is cut). The transcript
// format is internal to Claude Code and may change: a missing, unreadable or garbled transcript
// yields {} (no model), never an error — a hook must not fail the agent's action.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { MAX_ID_CHARS, MAX_MODEL_CHARS, isObj } from './untrusted.js';

export const TRANSCRIPT_TAIL_BYTES = 256 * 1024;

export interface TranscriptFacts {
  readonly model?: string;
  readonly requestId?: string;
}

/** Reads the tail of a transcript: the text of its last `maxBytes` bytes, or undefined. */
export type TranscriptTailReader = (path: string, maxBytes: number) => { readonly text: string; readonly truncated: boolean } | undefined;

/** The file system reader: a regular file's last `maxBytes` bytes, undefined on any error. */
export const readTranscriptTail: TranscriptTailReader = (path, maxBytes) => {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    const size = st.size;
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    return { text: buf.subarray(0, got).toString('utf8'), truncated: start > 0 };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // A failed close of a read-only descriptor loses nothing.
      }
    }
  }
};

/** Model and request id of the last assistant entry in the tail of `path`; {} when none. */
export function transcriptFacts(path: string, read: TranscriptTailReader = readTranscriptTail): TranscriptFacts {
  const tail = read(path, TRANSCRIPT_TAIL_BYTES);
  if (tail === undefined) return {};
  return lastAssistant(tail.text, tail.truncated);
}

/** The last assistant entry of JSONL `text` (its first line dropped when `cut`). */
export function lastAssistant(text: string, cut: boolean): TranscriptFacts {
  const lines = text.split('\n');
  const first = cut ? 1 : 0;
  for (let i = lines.length - 1; i >= first; i--) {
    const line = lines[i]!.trim();
    // Cheap filter before parsing: an assistant entry names its type.
    if (line.length === 0 || !line.includes('"assistant"')) continue;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isObj(doc) || doc['type'] !== 'assistant') continue;
    const message = doc['message'];
    const model = isObj(message) ? message['model'] : undefined;
    const request = doc['requestId'];
    // Claude Code writes `<synthetic>` as the model of messages it made itself (errors, interrupts).
    const okModel = typeof model === 'string' && model.length > 0 && model.length <= MAX_MODEL_CHARS && model !== '<synthetic>' ? model : undefined;
    const okRequest = typeof request === 'string' && request.length > 0 && request.length <= MAX_ID_CHARS ? request : undefined;
    if (okModel === undefined && okRequest === undefined) continue;
    return { ...(okModel !== undefined ? { model: okModel } : {}), ...(okRequest !== undefined ? { requestId: okRequest } : {}) };
  }
  return {};
}
