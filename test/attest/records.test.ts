// Record formats: Agent Trace (valid and invalid records) and git-ai authorship/3.0.0 notes.
// Fixtures are written from the specs: cursor/agent-trace README (trace-record.json) and
// git-ai `specs/git_ai_standard_v3.0.0.md` (§1.2.5 complete example) plus the s_/h_ key forms.

import { describe, expect, it } from 'vitest';
import { MAX_PROBLEMS_PER_TEXT, MAX_TRACE_TEXT_BYTES, MAX_RECORD_BYTES, parseAgentTrace } from '../../src/attest/agent-trace.js';
import { MAX_NOTE_BYTES, parseGitAiNote, parseRanges } from '../../src/attest/git-ai.js';
import { RecordError } from '../../src/core/errors.js';

const RECORD = {
  version: '0.1.0',
  id: '550e8400-e29b-41d4-a716-446655440000',
  timestamp: '2026-01-23T14:30:00Z',
  vcs: { type: 'git', revision: 'A1B2C3D4E5F6A1B2C3D4E5F6A1B2C3D4E5F6A1B2' },
  tool: { name: 'cursor', version: '2.4.0' },
  files: [
    {
      path: 'src/utils/parser.ts',
      conversations: [
        {
          url: 'https://api.cursor.com/v1/conversations/12345',
          contributor: { type: 'ai', model_id: 'anthropic/claude-opus-4-5-20251101' },
          ranges: [
            { start_line: 42, end_line: 67, content_hash: 'murmur3:9f2e8a1b' },
            { start_line: 70, end_line: 70, contributor: { type: 'human' } },
          ],
          related: [{ type: 'session', url: 'https://api.cursor.com/v1/sessions/67890' }],
        },
      ],
    },
    { path: './src/b.ts', conversations: [{ ranges: [{ start_line: 1, end_line: 2 }] }] },
  ],
  metadata: { 'dev.cursor': { workspace_id: 'ws-1' } },
};

describe('parseAgentTrace', () => {
  it('flattens a valid record into ranges (range contributor overrides the conversation)', () => {
    const { ranges, problems } = parseAgentTrace(JSON.stringify(RECORD, null, 2), '.agent-trace/traces.jsonl');
    expect(problems).toEqual([]);
    expect(ranges).toEqual([
      {
        path: 'src/utils/parser.ts', startLine: 42, endLine: 67, contributor: 'ai', modelId: 'anthropic/claude-opus-4-5-20251101',
        contentHash: 'murmur3:9f2e8a1b', revision: 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2', tool: 'cursor',
        recordId: RECORD.id, origin: '.agent-trace/traces.jsonl', line: 1,
      },
      {
        path: 'src/utils/parser.ts', startLine: 70, endLine: 70, contributor: 'human',
        revision: 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2', tool: 'cursor', recordId: RECORD.id, origin: '.agent-trace/traces.jsonl', line: 1,
      },
      { path: 'src/b.ts', startLine: 1, endLine: 2, contributor: 'unknown', revision: 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2', tool: 'cursor', recordId: RECORD.id, origin: '.agent-trace/traces.jsonl', line: 1 },
    ]);
  });

  it.each(['1', '1.0', '0.1.0', '2.0.0', '10.20.30.40'])('accepts any dotted-number version: %s', (version) => {
    expect(parseAgentTrace(JSON.stringify({ ...RECORD, version }), 'v.json').problems).toEqual([]);
  });

  it('rejects a text over the per-text cap in every form, before parsing', () => {
    const big = `${JSON.stringify(RECORD)}\n`.repeat(Math.ceil((MAX_TRACE_TEXT_BYTES + 1) / (JSON.stringify(RECORD).length + 1)));
    const r = parseAgentTrace(big, 'big.jsonl');
    expect(r.ranges).toEqual([]);
    expect(r.problems.map((p) => p.code)).toEqual(['RECORD_TOO_LARGE']);
  });

  it('accepts version "1.0" (reference store), arrays and JSONL', () => {
    const v1 = { ...RECORD, version: '1.0' };
    expect(parseAgentTrace(JSON.stringify([RECORD, v1]), 'a.json').ranges).toHaveLength(6);
    const jsonl = `${JSON.stringify(RECORD)}\n\n${JSON.stringify(v1)}\n`;
    const { ranges, problems } = parseAgentTrace(jsonl, 'traces.jsonl');
    expect(problems).toEqual([]);
    expect(ranges.map((r) => r.line)).toEqual([1, 1, 1, 3, 3, 3]);
  });

  const invalid: [string, unknown, string][] = [
    ['missing version', { ...RECORD, version: undefined }, 'missing version'],
    ['version v1', { ...RECORD, version: 'v1' }, 'unsupported version'],
    ['version 1..0', { ...RECORD, version: '1..0' }, 'unsupported version'],
    ['version 1.0-beta', { ...RECORD, version: '1.0-beta' }, 'unsupported version'],
    ['missing id', { ...RECORD, id: undefined }, 'id'],
    ['bad timestamp', { ...RECORD, timestamp: 'yesterday' }, 'timestamp'],
    ['missing files', { ...RECORD, files: undefined }, 'files'],
    ['bad contributor type', { ...RECORD, files: [{ path: 'a', conversations: [{ contributor: { type: 'robot' }, ranges: [] }] }] }, 'files[0].conversations[0].contributor.type'],
    ['start after end', { ...RECORD, files: [{ path: 'a', conversations: [{ ranges: [{ start_line: 5, end_line: 4 }] }] }] }, 'start_line 5 > end_line 4'],
    ['line zero', { ...RECORD, files: [{ path: 'a', conversations: [{ ranges: [{ start_line: 0, end_line: 4 }] }] }] }, '>= 1'],
    ['fractional line', { ...RECORD, files: [{ path: 'a', conversations: [{ ranges: [{ start_line: 1.5, end_line: 4 }] }] }] }, '>= 1'],
    ['long model id', { ...RECORD, files: [{ path: 'a', conversations: [{ contributor: { type: 'ai', model_id: 'm'.repeat(251) }, ranges: [] }] }] }, 'model_id'],
    ['not an object', 42, 'not a json object'],
  ];
  it.each(invalid)('rejects %s as a RecordError with origin and line', (_name, record, message) => {
    const text = `${JSON.stringify(RECORD)}\n${JSON.stringify(record)}\n`;
    const { ranges, problems } = parseAgentTrace(text, 'traces.jsonl');
    expect(ranges).toHaveLength(3); // the valid first line survives
    expect(problems).toHaveLength(1);
    expect(problems[0]).toBeInstanceOf(RecordError);
    expect(problems[0]!.code).toBe('RECORD_INVALID');
    expect(problems[0]!.message).toContain('traces.jsonl:2');
    expect(problems[0]!.message).toContain(message);
  });

  it('reports broken JSON and oversized records without throwing', () => {
    const big = JSON.stringify({ ...RECORD, metadata: { pad: 'x'.repeat(MAX_RECORD_BYTES) } });
    const { ranges, problems } = parseAgentTrace(`{not json\n${big}\n${JSON.stringify(RECORD)}`, 'up\u001b[2Jload');
    expect(ranges).toHaveLength(3);
    expect(problems.map((p) => p.code)).toEqual(['RECORD_INVALID', 'RECORD_TOO_LARGE']);
    expect(problems[0]!.message).toContain('up\\x1b[2Jload:1');
    expect(problems[1]!.message).toContain(':2');
    expect(parseAgentTrace('[1, {"version": "1.0"}', 'x').problems[0]!.code).toBe('RECORD_INVALID');
    expect(parseAgentTrace('', 'x')).toEqual({ ranges: [], problems: [] });
  });

  it('treats a pretty-printed object as one record, too large or broken', () => {
    const pretty = JSON.stringify({ ...RECORD, metadata: { pad: 'x'.repeat(MAX_RECORD_BYTES) } }, null, 2);
    expect(parseAgentTrace(pretty, 'p').problems.map((p) => p.code)).toEqual(['RECORD_TOO_LARGE']);
    const broken = JSON.stringify(RECORD, null, 2).slice(0, -2);
    expect(parseAgentTrace(broken, 'p').problems.map((p) => p.message)).toEqual(['agent trace p:1: not valid json']);
  });

  it('lists at most MAX_PROBLEMS_PER_TEXT problems, then counts the rest', () => {
    const text = `${'{"version":"1.0"}\n'.repeat(MAX_PROBLEMS_PER_TEXT + 5)}${JSON.stringify(RECORD)}\n`;
    const { ranges, problems } = parseAgentTrace(text, 'many');
    expect(ranges).toHaveLength(3);
    expect(problems).toHaveLength(MAX_PROBLEMS_PER_TEXT + 1);
    expect(problems.at(-1)!.message).toBe('agent trace many: 5 more invalid records not listed');
  });
});

const LEGACY_NOTE = `src/main.rs
  abcd1234abcd1234 1-10,15-20
  efab5678efab5678 25,30-35
src/lib.rs
  abcd1234abcd1234 1-50
---
{
  "schema_version": "authorship/3.0.0",
  "git_ai_version": "1.0.23",
  "base_commit_sha": "7734793b756b3921c88db5375a8c156e9532447b",
  "prompts": {
    "abcd1234abcd1234": {
      "agent_id": { "tool": "cursor", "id": "6ef2299e-a67f-432b-aa80-3d2fb4d28999", "model": "claude-4.5-opus" },
      "human_author": "Developer <dev@example.com>",
      "messages": [{ "type": "user", "text": "Add error handling" }],
      "total_additions": 25, "total_deletions": 5, "accepted_lines": 20, "overriden_lines": 0
    },
    "efab5678efab5678": {
      "agent_id": { "tool": "cursor", "id": "a1b2c3d4", "model": "claude-3-sonnet" },
      "messages": [], "total_additions": 6, "total_deletions": 0, "accepted_lines": 6, "overriden_lines": 0
    }
  }
}
`;

const S = 's_0123456789abcd';
const SESSION_NOTE = `"src/my file.ts"
  ${S}::t_fedcba98765432 1-4,9-10,12
  h_aaaaaaaaaaaaaa 5-8
  abc1234 20
"docs/README (copy) \\x.md"
  ${S}::t_00000000000000 3
src/naïve.ts
  ${S}::t_00000000000000 7-7
---
{"schema_version":"authorship/3.0.0","base_commit_sha":"7734793b","prompts":{"abc1234":{"agent_id":{"tool":"known_human","id":"x"},"human_author":"Ada <ada@example.com>"}},
 "sessions":{"${S}":{"agent_id":{"tool":"claude","id":"conv-1","model":"claude-opus-4-5"},"human_author":"Ada <ada@example.com>"}},
 "humans":{"h_aaaaaaaaaaaaaa":{"author":"Ada <ada@example.com>"}}}
`;

describe('parseGitAiNote', () => {
  it('reads the spec example (legacy 16-hex keys)', () => {
    const note = parseGitAiNote(LEGACY_NOTE, 'refs/notes/ai:abc');
    if (note instanceof RecordError) throw note;
    expect(note.schemaVersion).toBe('authorship/3.0.0');
    expect(note.baseCommit).toBe('7734793b756b3921c88db5375a8c156e9532447b');
    expect(note.ranges.map((r) => [r.path, r.startLine, r.endLine, r.contributor])).toEqual([
      ['src/main.rs', 1, 10, { kind: 'ai', tool: 'cursor', model: 'claude-4.5-opus' }],
      ['src/main.rs', 15, 20, { kind: 'ai', tool: 'cursor', model: 'claude-4.5-opus' }],
      ['src/main.rs', 25, 25, { kind: 'ai', tool: 'cursor', model: 'claude-3-sonnet' }],
      ['src/main.rs', 30, 35, { kind: 'ai', tool: 'cursor', model: 'claude-3-sonnet' }],
      ['src/lib.rs', 1, 50, { kind: 'ai', tool: 'cursor', model: 'claude-4.5-opus' }],
    ]);
  });

  it('reads session, human and 7-hex keys; quoted paths only lose their quotes (no escapes)', () => {
    const note = parseGitAiNote(SESSION_NOTE.replaceAll('\n', '\r\n'), 'refs/notes/ai:def');
    if (note instanceof RecordError) throw note;
    const ai = { kind: 'ai', tool: 'claude', model: 'claude-opus-4-5' };
    expect(note.ranges.map((r) => [r.path, r.startLine, r.endLine, r.contributor])).toEqual([
      ['src/my file.ts', 1, 4, ai],
      ['src/my file.ts', 9, 10, ai],
      ['src/my file.ts', 12, 12, ai],
      ['src/my file.ts', 5, 8, { kind: 'human', author: 'Ada <ada@example.com>' }],
      ['src/my file.ts', 20, 20, { kind: 'human', author: 'Ada <ada@example.com>' }],
      ['docs/README (copy) \\x.md', 3, 3, ai],
      ['src/naïve.ts', 7, 7, ai],
    ]);
  });

  it('session keys missing from metadata are still AI (the key form says so)', () => {
    const note = parseGitAiNote(`a.ts\n  ${S}::t_00000000000000 1\n---\n{"schema_version":"authorship/3.0.0","base_commit_sha":"x","prompts":{}}`, 'n');
    if (note instanceof RecordError) throw note;
    expect(note.ranges[0]!.contributor).toEqual({ kind: 'ai' });
  });

  it.each([
    ['no divider', 'a.ts\n  abcd1234abcd1234 1\n', '---'],
    ['bad json', 'a.ts\n---\n{', 'json'],
    ['wrong schema', 'a.ts\n---\n{"schema_version":"authorship/2.0.0","prompts":{}}', 'schema_version'],
    ['prompts not an object', '---\n{"schema_version":"authorship/3.0.0","prompts":[]}', 'prompts'],
    ['entry before path', '  abcd1234abcd1234 1\n---\n{"schema_version":"authorship/3.0.0","prompts":{}}', 'before any file path'],
    ['backwards range', 'a.ts\n  abcd1234abcd1234 5-1\n---\n{"schema_version":"authorship/3.0.0","prompts":{}}', 'backwards'],
    ['zero line', 'a.ts\n  abcd1234abcd1234 0-1\n---\n{"schema_version":"authorship/3.0.0","prompts":{}}', 'malformed range'],
  ])('rejects %s', (_name, text, message) => {
    const r = parseGitAiNote(text, 'refs/notes/ai:0badc0de');
    expect(r).toBeInstanceOf(RecordError);
    expect((r as RecordError).message).toContain('refs/notes/ai:0badc0de');
    expect((r as RecordError).message).toContain(message);
  });

  it('keys of other forms are looked up as written; unknown ones are untracked, not errors', () => {
    const meta = '{"schema_version":"authorship/3.0.0","base_commit_sha":"b","prompts":{"xyzAbc":{"agent_id":{"tool":"cursor","id":"1","model":"m"}}},"humans":{"H1":{"author":"Bo"}}}';
    const note = parseGitAiNote(`"a b.ts"  \n  xyzAbc 1-2\n  H1 3\n  zzzz 4\n  __proto__ 5\n  ABCD1234ABCD1234 6\n\n"x.ts\n  xyzAbc 9\n---\n${meta}`, 'n');
    if (note instanceof RecordError) throw note;
    expect(note.ranges.map((r) => [r.path, r.startLine, r.endLine, r.contributor.kind])).toEqual([
      ['a b.ts', 1, 2, 'ai'],
      ['a b.ts', 3, 3, 'human'],
      ['"x.ts', 9, 9, 'ai'],
    ]);
  });

  it('rejects oversized notes', () => {
    expect((parseGitAiNote('x'.repeat(MAX_NOTE_BYTES + 1), 'n') as RecordError).code).toBe('RECORD_TOO_LARGE');
  });

  it('parses range lists', () => {
    expect(parseRanges('1-4,9-10,12')).toEqual([[1, 4], [9, 10], [12, 12]]);
    expect(parseRanges('1-')).toContain('malformed');
    expect(parseRanges('1,,2')).toEqual([[1, 1], [2, 2]]); // empty parts skipped, as git-ai does
    expect(parseRanges('')).toBe('no line ranges');
    expect(parseRanges('1e3')).toContain('malformed');
  });
});
