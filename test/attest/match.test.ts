import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseRecords, recordedEvidence, type HunkLines } from '../../src/attest/match.js';
import { murmur3Hex } from '../../src/attest/murmur3.js';
import type { RawRecord } from '../../src/core/ports.js';

const HEAD = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const C1 = 'c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1';
const OTHER = 'ffffffffffffffffffffffffffffffffffffffff';

const lines = (start: number, texts: string[]) => texts.map((text, i) => ({ line: start + i, text }));
const BODY = ['export function add(a: number, b: number): number {', '  return a + b;', '}'];
const hunk = {
  path: 'src/math.ts',
  startLine: 10,
  endLine: 12,
  addedLines: lines(10, BODY),
  commits: [C1],
};

function trace(files: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ version: '1.0', id: 'rec-1', timestamp: '2026-01-02T03:04:05Z', tool: { name: 'Claude Code' }, files, ...extra });
}
const aiRange = (start: number, end: number, more: Record<string, unknown> = {}) => ({
  path: 'src/math.ts',
  conversations: [{ contributor: { type: 'ai', model_id: 'anthropic/claude-opus-4-5' }, ranges: [{ start_line: start, end_line: end, ...more }] }],
});
const sha256 = (texts: string[]) => `sha256:${createHash('sha256').update(texts.join('\n'), 'utf8').digest('hex')}`;

function evidenceFor(records: RawRecord[], h: HunkLines = hunk, head: string | null = HEAD) {
  const parsed = parseRecords(records);
  expect(parsed.problems).toEqual([]);
  return recordedEvidence(h, parsed.records, head);
}

describe('Agent Trace matching', () => {
  it('matches by path and overlap when the revision is the head', () => {
    const ev = evidenceFor([{ format: 'agent-trace', origin: 'traces.jsonl', text: trace([aiRange(11, 40)], { vcs: { type: 'git', revision: HEAD } }) }]);
    expect(ev).toEqual([{
      class: 'recorded',
      source: 'agent-trace',
      says: 'ai',
      agent: 'claude-code',
      model: 'anthropic/claude-opus-4-5',
      detail: '2 of 3 added lines by ai, anthropic/claude-opus-4-5, tool Claude Code in traces.jsonl:1 record rec-1 (lines)',
    }]);
  });

  it('matches when the revision is one of the hunk commits (and names it) or absent', () => {
    const byCommit = evidenceFor([{ format: 'agent-trace', origin: 't', text: trace([aiRange(10, 10)], { vcs: { type: 'git', revision: C1.toUpperCase() } }) }]);
    expect(byCommit.map((e) => [e.says, e.commit])).toEqual([['ai', C1]]);
    const noRev = evidenceFor([{ format: 'agent-trace', origin: 't', text: trace([aiRange(12, 12)]) }]);
    expect(noRev).toHaveLength(1);
    expect(noRev[0]!.detail).toContain('no revision');
  });

  it('matches records made on a parent of the hunk commits only when parents are given', () => {
    const P = 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0';
    const rec: RawRecord[] = [{ format: 'agent-trace', origin: 't', text: trace([aiRange(10, 12)], { vcs: { type: 'git', revision: P } }) }];
    expect(evidenceFor(rec)).toEqual([]);
    const ev = evidenceFor(rec, { ...hunk, parents: [P] });
    expect(ev.map((e) => [e.says, e.commit, e.detail])).toEqual([['ai', undefined, '3 of 3 added lines by ai, anthropic/claude-opus-4-5, tool Claude Code in t:1 record rec-1 (lines, recorded on the parent)']]);
  });

  it('accepts abbreviated revisions of at least 7 characters', () => {
    const abbrev = evidenceFor([{ format: 'agent-trace', origin: 't', text: trace([aiRange(10, 10)], { vcs: { type: 'git', revision: C1.slice(0, 7) } }) }]);
    expect(abbrev.map((e) => e.commit)).toEqual([C1]);
    const head = evidenceFor([{ format: 'agent-trace', origin: 't', text: trace([aiRange(10, 10)], { vcs: { type: 'git', revision: HEAD.slice(0, 12) } }) }]);
    expect(head.map((e) => [e.says, e.commit])).toEqual([['ai', undefined]]);
    expect(evidenceFor([{ format: 'agent-trace', origin: 't', text: trace([aiRange(10, 10)], { vcs: { type: 'git', revision: C1.slice(0, 6) } }) }])).toEqual([]);
  });

  it('does not match other revisions, other paths or lines outside the hunk', () => {
    expect(evidenceFor([{ format: 'agent-trace', origin: 't', text: trace([aiRange(10, 12)], { vcs: { type: 'git', revision: OTHER } }) }])).toEqual([]);
    expect(evidenceFor([{ format: 'agent-trace', origin: 't', text: trace([{ ...aiRange(10, 12), path: 'src/other.ts' }]) }])).toEqual([]);
    expect(evidenceFor([{ format: 'agent-trace', origin: 't', text: trace([aiRange(1, 9), aiRange(13, 20)]) }])).toEqual([]);
  });

  it('matches moved code by murmur3 (x86_32, seed 0) content hash; a wrong or malformed murmur3 does not', () => {
    const moved = trace([aiRange(100, 102, { content_hash: `murmur3:${murmur3Hex(BODY.join('\n'))}` })], { vcs: { type: 'git', revision: OTHER } });
    expect(evidenceFor([{ format: 'agent-trace', origin: 't', text: moved }]).map((e) => e.detail)).toEqual(['3 of 3 added lines by ai, anthropic/claude-opus-4-5, tool Claude Code in t:1 record rec-1 (content murmur3)']);
    const upper = trace([aiRange(100, 101, { content_hash: `MURMUR3:${murmur3Hex(BODY.slice(0, 2).join('\n')).toUpperCase()}` })], { vcs: { type: 'git', revision: OTHER } });
    expect(evidenceFor([{ format: 'agent-trace', origin: 't', text: upper }]).map((e) => e.detail)).toEqual(['2 of 3 added lines by ai, anthropic/claude-opus-4-5, tool Claude Code in t:1 record rec-1 (content murmur3)']);
    const seeded = trace([aiRange(100, 102, { content_hash: `murmur3:${murmur3Hex(BODY.join('\n'), 42)}` })], { vcs: { type: 'git', revision: OTHER } });
    expect(evidenceFor([{ format: 'agent-trace', origin: 't', text: seeded }])).toEqual([]);
    const short = trace([aiRange(100, 102, { content_hash: `murmur3:${murmur3Hex(BODY.join('\n')).slice(1)}` })], { vcs: { type: 'git', revision: OTHER } });
    expect(evidenceFor([{ format: 'agent-trace', origin: 't', text: short }])).toEqual([]);
  });

  it('matches moved code by sha256 content hash; other algorithms are not verified', () => {
    const moved = trace([aiRange(100, 102, { content_hash: sha256(BODY) })], { vcs: { type: 'git', revision: OTHER } });
    const ev = evidenceFor([{ format: 'agent-trace', origin: 't', text: moved }]);
    expect(ev.map((e) => [e.says, e.detail])).toEqual([['ai', '3 of 3 added lines by ai, anthropic/claude-opus-4-5, tool Claude Code in t:1 record rec-1 (content sha256)']]);
    const partial = trace([aiRange(7, 8, { content_hash: sha256(BODY.slice(1)) })], { vcs: { type: 'git', revision: OTHER } });
    expect(evidenceFor([{ format: 'agent-trace', origin: 't', text: partial }])[0]!.detail).toMatch(/^2 of 3/);
    const wrong = trace([aiRange(100, 102, { content_hash: sha256(['x', 'y', 'z']) })], { vcs: { type: 'git', revision: OTHER } });
    expect(evidenceFor([{ format: 'agent-trace', origin: 't', text: wrong }])).toEqual([]);
    const murmur = trace([aiRange(100, 102, { content_hash: 'murmur3:9f2e8a1b' })], { vcs: { type: 'git', revision: OTHER } });
    expect(evidenceFor([{ format: 'agent-trace', origin: 't', text: murmur }])).toEqual([]);
    const crc = trace([aiRange(100, 102, { content_hash: 'crc32:352441c2' })], { vcs: { type: 'git', revision: OTHER } });
    expect(evidenceFor([{ format: 'agent-trace', origin: 't', text: crc }])).toEqual([]);
  });

  it('content hashes only match runs of consecutive lines', () => {
    const gappy = { ...hunk, addedLines: [{ line: 10, text: BODY[0]! }, { line: 12, text: BODY[1]! }] };
    const rec = trace([aiRange(1, 2, { content_hash: sha256(BODY.slice(0, 2)) })], { vcs: { type: 'git', revision: OTHER } });
    expect(evidenceFor([{ format: 'agent-trace', origin: 't', text: rec }], gappy)).toEqual([]);
  });

  it('human says human, mixed says ai, unknown says nothing', () => {
    const record = trace([{
      path: 'src/math.ts',
      conversations: [
        { contributor: { type: 'human' }, ranges: [{ start_line: 10, end_line: 10 }] },
        { contributor: { type: 'mixed' }, ranges: [{ start_line: 11, end_line: 11 }] },
        { contributor: { type: 'unknown' }, ranges: [{ start_line: 12, end_line: 12 }] },
      ],
    }]);
    expect(evidenceFor([{ format: 'agent-trace', origin: 't', text: record }]).map((e) => e.says)).toEqual(['ai', 'human']);
  });

  it('no added lines, no evidence', () => {
    expect(evidenceFor([{ format: 'agent-trace', origin: 't', text: trace([aiRange(1, 100)]) }], { ...hunk, addedLines: [] })).toEqual([]);
  });
});

const NOTE = `src/math.ts
  s_0123456789abcd::t_fedcba98765432 10-11
  h_aaaaaaaaaaaaaa 12
---
{"schema_version":"authorship/3.0.0","base_commit_sha":"b","prompts":{},
 "sessions":{"s_0123456789abcd":{"agent_id":{"tool":"claude","id":"c","model":"claude-opus-4-5"}}},
 "humans":{"h_aaaaaaaaaaaaaa":{"author":"Ada <ada@example.com>"}}}`;

describe('git-ai matching', () => {
  it('matches notes of the hunk commits by path and line overlap', () => {
    const ev = evidenceFor([{ format: 'git-ai', origin: `refs/notes/ai:${C1}`, commit: C1, text: NOTE }]);
    expect(ev).toEqual([
      { class: 'recorded', source: 'git-ai', says: 'ai', commit: C1, agent: 'claude-code', model: 'claude-opus-4-5', detail: `2 of 3 added lines by ai, tool claude, claude-opus-4-5 in refs/notes/ai:${C1} (lines)` },
      { class: 'recorded', source: 'git-ai', says: 'human', commit: C1, detail: `1 of 3 added lines by human Ada <ada@example.com> in refs/notes/ai:${C1} (lines)` },
    ]);
  });

  it('a later entry wins overlapping lines, as in git-ai blame', () => {
    const note = `src/math.ts
  s_0123456789abcd::t_fedcba98765432 1-100
  h_aaaaaaaaaaaaaa 11
  s_0123456789abcd::t_00000000000000 11
  h_aaaaaaaaaaaaaa 12-13
---
{"schema_version":"authorship/3.0.0","base_commit_sha":"b","prompts":{},"sessions":{"s_0123456789abcd":{"agent_id":{"tool":"claude","id":"c","model":"m"}}},"humans":{}}`;
    const ev = evidenceFor([{ format: 'git-ai', origin: 'n', commit: C1, text: note }]);
    expect(ev.map((e) => [e.says, e.detail!.split(' by ')[0]])).toEqual([
      ['ai', '2 of 3 added lines'],
      ['human', '1 of 3 added lines'],
    ]);
  });

  it('ignores notes of other commits and other paths', () => {
    expect(evidenceFor([{ format: 'git-ai', origin: 'n', commit: OTHER, text: NOTE }])).toEqual([]);
    expect(evidenceFor([{ format: 'git-ai', origin: 'n', commit: C1, text: NOTE.replace('src/math.ts', 'src/x.ts') }])).toEqual([]);
  });
});

describe('parseRecords', () => {
  it('collects problems as values and keeps the good records', () => {
    const { records, problems } = parseRecords([
      { format: 'git-ai', origin: 'no-commit', text: NOTE },
      { format: 'git-ai', origin: 'first', commit: C1, text: NOTE },
      { format: 'git-ai', origin: 'second', commit: C1, text: NOTE },
      { format: 'git-ai', origin: 'broken', commit: OTHER, text: 'garbage' },
      { format: 'agent-trace', origin: 'bad.jsonl', text: '{"version":"1.0"}' },
      { format: 'agent-trace', origin: 'good.jsonl', text: trace([aiRange(10, 10)]) },
    ]);
    expect(problems.map((p) => [p.code, p.message.split(':')[0]])).toEqual([
      ['RECORD_INVALID', 'git-ai note no-commit'],
      ['RECORD_INVALID', 'git-ai note second'],
      ['RECORD_INVALID', 'git-ai note broken'],
      ['RECORD_INVALID', 'agent trace bad.jsonl'],
    ]);
    expect(recordedEvidence(hunk, records, HEAD).map((e) => e.source)).toEqual(['agent-trace', 'git-ai', 'git-ai']);
  });
});
