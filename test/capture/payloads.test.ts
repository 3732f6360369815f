// Every fixture under test/fixtures/capture/<tool>/ parsed into its expected CaptureEvent or
// skip, then malformed variants of them: each must become a skip with a reason, never a throw.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseApplyPatch, parsePayload, parseGenericArgs, readTranscriptTail, transcriptFacts, TRANSCRIPT_TAIL_BYTES, type TranscriptTailReader } from '../../src/capture/payloads/index.js';
import type { CaptureEvent, CaptureSkip, CaptureTool } from '../../src/capture/types.js';
import { defined, objectList, optional, readStrings, replacement, required } from '../../src/capture/payloads/untrusted.js';

const FIXTURES = new URL('../fixtures/capture/', import.meta.url);
const NOW = new Date('2026-12-05T01:30:00.000Z');
const now = (): Date => NOW;
const fixture = (tool: string, name: string): string => readFileSync(new URL(`${tool}/${name}`, FIXTURES), 'utf8');
const TRANSCRIPT = fixture('claude-code', 'transcript.jsonl');
/** Reads the checked-in transcript whatever path the payload names. */
const fixtureTail: TranscriptTailReader = () => ({ text: TRANSCRIPT, truncated: false });
const parse = (tool: CaptureTool, text: string): CaptureEvent | CaptureSkip => parsePayload(tool, text, now, { readTranscriptTail: fixtureTail });

const CLAUDE = {
  tool: 'claude-code', agent: 'claude-code', time: NOW.toISOString(),
  sessionId: '00893aaf-19fa-41d2-8238-13269b9b3ca0', cwd: '/home/ada/repo',
  transcriptPath: '/home/ada/.claude/projects/-home-ada-repo/00893aaf-19fa-41d2-8238-13269b9b3ca0.jsonl',
} as const;
const CLAUDE_MODEL = { model: 'claude-sonnet-4-5-20250929', requestId: 'req_011CRnXkWm8Yh1oA2' } as const;
const CURSOR = {
  tool: 'cursor', agent: 'cursor', time: NOW.toISOString(), model: 'claude-4.5-sonnet',
  sessionId: '668320d2-2fd8-4888-b33c-2a466fec86e7', requestId: '490b90b7-a2ce-4c2c-bb76-cb77b125df2f', cwd: '/home/ada/repo',
} as const;
const CODEX = {
  tool: 'codex', agent: 'codex', time: NOW.toISOString(), model: 'gpt-5.1-codex',
  sessionId: '019a2b3c-4d5e-7f60-8192-a3b4c5d6e7f8', requestId: '019a2b3c-0001-7000-8000-000000000001', cwd: '/home/ada/repo',
  transcriptPath: '/home/ada/.codex/sessions/2026/12/05/rollout-2026-12-05T01-00-00-019a2b3c-4d5e-7f60-8192-a3b4c5d6e7f8.jsonl',
} as const;
const COPILOT = { tool: 'copilot', agent: 'copilot', cwd: '/path/to/project' } as const;

const EXPECTED: Record<string, Record<string, CaptureEvent | CaptureSkip>> = {
  'claude-code': {
    'post-tool-use-write.json': { ...CLAUDE, ...CLAUDE_MODEL, kind: 'edit', edits: [{ path: '/home/ada/repo/src/hello.ts', operation: 'write', content: "export const hello = 'world';\n" }] },
    'post-tool-use-edit.json': {
      ...CLAUDE, ...CLAUDE_MODEL, kind: 'edit',
      edits: [{ path: '/home/ada/repo/src/math.ts', operation: 'edit', replacements: [{ oldText: '  return a + b;', newText: '  const sum = a + b;\n  return sum;' }], newRanges: [{ start: 2, end: 3 }] }],
    },
    'post-tool-use-multiedit.json': {
      ...CLAUDE, ...CLAUDE_MODEL, kind: 'edit',
      edits: [{
        path: '/home/ada/repo/src/config.ts', operation: 'multi-edit',
        replacements: [{ oldText: 'const port = 80;', newText: 'const port = 8080;' }, { oldText: "const host = 'a';", newText: "const host = 'b';" }],
        newRanges: [{ start: 1, end: 1 }, { start: 5, end: 5 }],
      }],
    },
    'post-tool-use-read.json': { skipped: 'not an edit' },
    'post-tool-use-bash.json': { skipped: 'not an edit' },
    'user-prompt-submit.json': { ...CLAUDE, kind: 'prompt', edits: [], prompt: 'Write a function to calculate the factorial of a number' },
    'session-start.json': { ...CLAUDE, model: 'claude-sonnet-4-6', kind: 'session-start', edits: [] },
    'session-end.json': { ...CLAUDE, kind: 'session-end', edits: [] },
  },
  cursor: {
    'after-file-edit.json': { ...CURSOR, kind: 'edit', edits: [{ path: '/home/ada/repo/src/main.ts', operation: 'edit', replacements: [{ oldText: 'const foo = 1', newText: 'const foo = 2' }] }] },
    'after-file-edit-multi.json': {
      ...CURSOR, kind: 'edit',
      edits: [{ path: '/home/ada/repo/src/main.ts', operation: 'multi-edit', replacements: [{ oldText: 'const a = 1', newText: 'const a = 10' }, { oldText: 'const b = 2', newText: 'const b = 20' }] }],
    },
    'after-file-edit-no-model.json': (() => {
      const { model: _model, ...rest } = CURSOR;
      const event: CaptureEvent = { ...rest, kind: 'edit', edits: [{ path: '/home/ada/repo/README.md', operation: 'edit', replacements: [{ oldText: '', newText: '# Title\n' }] }] };
      return event;
    })(),
    'before-submit-prompt.json': { ...CURSOR, kind: 'prompt', edits: [], prompt: 'Fix the bug in main.ts' },
    'before-shell-execution.json': { skipped: 'not an edit' },
  },
  codex: {
    'post-tool-use-apply-patch.json': {
      ...CODEX, kind: 'edit',
      edits: [
        { path: 'src/new.py', operation: 'write', content: "def greet():\n    return 'hi'\n" },
        { path: 'src/app.py', operation: 'edit', replacements: [{ oldText: "    print('old')\n    return 0", newText: "    print('new')\n    return 0" }] },
        { path: 'src/obsolete.py', operation: 'delete' },
      ],
    },
    'post-tool-use-bash.json': { skipped: 'not an edit' },
    'user-prompt-submit.json': { ...CODEX, kind: 'prompt', edits: [], prompt: 'Rename `foo` to `bar` and update the callsites.' },
    'session-start.json': { ...CODEX, kind: 'session-start', edits: [] },
    'notify-agent-turn-complete.json': { skipped: 'codex notify (agent-turn-complete) names no files: nothing to attribute; install the codex PostToolUse hook' },
  },
  copilot: {
    'post-tool-use-edit.json': { ...COPILOT, time: '2024-01-07T08:05:00.000Z', kind: 'edit', edits: [{ path: 'src/auth.ts', operation: 'unknown' }] },
    'post-tool-use-create.json': { ...COPILOT, time: '2024-01-07T08:05:10.000Z', kind: 'edit', edits: [{ path: 'src/new.ts', operation: 'unknown' }] },
    'post-tool-use-bash.json': { skipped: 'not an edit' },
    'post-tool-use-denied.json': { skipped: 'tool result is denied, not success' },
    'pre-tool-use.json': { skipped: 'preToolUse: the edit has not happened yet' },
    'user-prompt-submitted.json': { ...COPILOT, time: '2024-01-07T08:01:40.000Z', kind: 'prompt', edits: [], prompt: 'Fix the authentication bug' },
    'session-start.json': { ...COPILOT, time: '2024-01-07T08:00:00.000Z', kind: 'session-start', edits: [] },
    'session-end.json': { ...COPILOT, time: '2024-01-07T09:00:00.000Z', kind: 'session-end', edits: [] },
    'error-occurred.json': { skipped: 'errorOccurred is not captured' },
  },
  generic: {
    'edit.json': {
      tool: 'generic', kind: 'edit', agent: 'aider', model: 'gpt-4o', sessionId: 's-42', time: NOW.toISOString(),
      edits: [{ path: 'src/a.ts', operation: 'unknown' }, { path: 'src/b.ts', operation: 'unknown' }],
    },
    'unknown-agent.json': { tool: 'generic', kind: 'edit', agent: 'home grown bot', time: NOW.toISOString(), edits: [{ path: 'lib/x.rb', operation: 'unknown' }] },
  },
};

describe('parsePayload: every fixture', () => {
  it('has an expectation for each fixture file and a fixture for each expectation', () => {
    for (const tool of Object.keys(EXPECTED)) {
      const files = readdirSync(new URL(`${tool}/`, FIXTURES)).filter((f) => f.endsWith('.json')).sort();
      expect(files, tool).toEqual(Object.keys(EXPECTED[tool]!).sort());
    }
  });
  for (const [tool, cases] of Object.entries(EXPECTED)) {
    for (const [name, expected] of Object.entries(cases)) {
      it(`${tool}/${name}`, () => {
        expect(parse(tool as CaptureTool, fixture(tool, name))).toEqual(expected);
      });
    }
  }
});

/** A fixture as an object, changed by `edit`, back to text. Mutations reach any depth: untyped on purpose. */
/* eslint-disable @typescript-eslint/no-explicit-any */
function variant(tool: string, name: string, edit: (doc: Record<string, any>) => void): string {
  const doc = JSON.parse(fixture(tool, name)) as Record<string, any>;
/* eslint-enable @typescript-eslint/no-explicit-any */
  edit(doc);
  return JSON.stringify(doc);
}

const MALFORMED: readonly [string, CaptureTool, string, string][] = [
  ['not json', 'claude-code', '{"hook_event_name": ', 'claude-code payload is not valid json'],
  ['a json array', 'cursor', '[1,2]', 'cursor payload is not a json object'],
  ['a json string', 'codex', '"PostToolUse"', 'codex payload is not a json object'],
  ['null', 'copilot', 'null', 'copilot payload is not a json object'],
  ['empty', 'generic', '', 'generic payload is not valid json'],
  ['claude: no event', 'claude-code', variant('claude-code', 'post-tool-use-edit.json', (d) => delete d.hook_event_name), 'hook_event_name missing'],
  ['claude: event a number', 'claude-code', variant('claude-code', 'post-tool-use-edit.json', (d) => (d.hook_event_name = 7)), 'hook_event_name is not a string'],
  ['claude: unknown event', 'claude-code', variant('claude-code', 'session-end.json', (d) => (d.hook_event_name = 'PreCompact')), 'hook event PreCompact is not captured'],
  ['claude: session id an object', 'claude-code', variant('claude-code', 'post-tool-use-edit.json', (d) => (d.session_id = { x: 1 })), 'session_id is not a string'],
  ['claude: huge session id', 'claude-code', variant('claude-code', 'post-tool-use-edit.json', (d) => (d.session_id = 'x'.repeat(201))), 'session_id is longer than 200 characters'],
  ['claude: tool_input a string', 'claude-code', variant('claude-code', 'post-tool-use-edit.json', (d) => (d.tool_input = 'x')), 'tool_input is not an object'],
  ['claude: no file_path', 'claude-code', variant('claude-code', 'post-tool-use-edit.json', (d) => delete d.tool_input.file_path), 'file_path missing'],
  ['claude: file_path with nul', 'claude-code', variant('claude-code', 'post-tool-use-edit.json', (d) => (d.tool_input.file_path = 'a\0b')), 'file_path a\\x00b holds a nul character'],
  ['claude: old_string a number', 'claude-code', variant('claude-code', 'post-tool-use-edit.json', (d) => (d.tool_input.old_string = 1)), 'tool_input.old_string is not a string'],
  ['claude: write without content', 'claude-code', variant('claude-code', 'post-tool-use-write.json', (d) => delete d.tool_input.content), 'tool_input.content is not a string'],
  ['claude: multiedit edits an object', 'claude-code', variant('claude-code', 'post-tool-use-multiedit.json', (d) => (d.tool_input.edits = {})), 'tool_input.edits is not an array'],
  ['claude: multiedit empty', 'claude-code', variant('claude-code', 'post-tool-use-multiedit.json', (d) => (d.tool_input.edits = [])), 'tool_input.edits is empty'],
  ['claude: multiedit entry null', 'claude-code', variant('claude-code', 'post-tool-use-multiedit.json', (d) => (d.tool_input.edits[1] = null)), 'tool_input.edits[1] is not an object'],
  ['claude: prompt a list', 'claude-code', variant('claude-code', 'user-prompt-submit.json', (d) => (d.prompt = ['a'])), 'prompt is not a string'],
  ['cursor: no file_path', 'cursor', variant('cursor', 'after-file-edit.json', (d) => delete d.file_path), 'file_path missing'],
  ['cursor: edits a string', 'cursor', variant('cursor', 'after-file-edit.json', (d) => (d.edits = 'x')), 'edits is not an array'],
  ['cursor: new_string missing', 'cursor', variant('cursor', 'after-file-edit.json', (d) => delete d.edits[0].new_string), 'edits[0].new_string is not a string'],
  ['cursor: workspace_roots a string', 'cursor', variant('cursor', 'after-file-edit.json', (d) => (d.workspace_roots = '/x')), 'workspace_roots is not an array'],
  ['cursor: model a number', 'cursor', variant('cursor', 'after-file-edit.json', (d) => (d.model = 4)), 'model is not a string'],
  ['cursor: model too long', 'cursor', variant('cursor', 'after-file-edit.json', (d) => (d.model = 'm'.repeat(251))), 'model is longer than 250 characters'],
  ['cursor: tab edit', 'cursor', variant('cursor', 'after-file-edit.json', (d) => (d.hook_event_name = 'afterTabFileEdit')), 'hook event afterTabFileEdit is not captured'],
  ['codex: patch not a string', 'codex', variant('codex', 'post-tool-use-apply-patch.json', (d) => (d.tool_input.command = ['apply_patch'])), 'tool_input.command is not a string'],
  ['codex: patch without envelope', 'codex', variant('codex', 'post-tool-use-apply-patch.json', (d) => (d.tool_input.command = 'diff --git a/x b/x')), 'apply_patch body does not start with *** Begin Patch'],
  ['codex: patch without end', 'codex', variant('codex', 'post-tool-use-apply-patch.json', (d) => (d.tool_input.command = '*** Begin Patch\n*** Delete File: a\n')), 'apply_patch body has no *** End Patch'],
  ['codex: other notify type', 'codex', '{"type":"approval-requested"}', 'codex notify type is not captured'],
  ['copilot: toolArgs not json', 'copilot', variant('copilot', 'post-tool-use-edit.json', (d) => (d.toolArgs = '{path:')), 'toolArgs is not valid json'],
  ['copilot: toolArgs an object, not a string', 'copilot', variant('copilot', 'post-tool-use-edit.json', (d) => (d.toolArgs = { path: 'a' })), 'toolArgs is not a string'],
  ['copilot: toolArgs without path', 'copilot', variant('copilot', 'post-tool-use-edit.json', (d) => (d.toolArgs = '{}')), 'toolArgs.path missing'],
  ['copilot: toolResult a string', 'copilot', variant('copilot', 'post-tool-use-edit.json', (d) => (d.toolResult = 'ok')), 'toolResult is not an object'],
  ['copilot: no known shape', 'copilot', '{"timestamp":1,"cwd":"/x"}', 'copilot payload of no known hook shape'],
  ['generic: no agent', 'generic', '{"files":["a"]}', 'agent missing'],
  ['generic: files a string', 'generic', '{"agent":"aider","files":"a"}', 'files is not an array'],
  ['generic: no files', 'generic', '{"agent":"aider","files":[]}', 'no files named'],
  ['generic: a file a number', 'generic', '{"agent":"aider","files":["a",3]}', 'files[1] is not a path'],
];

describe('parsePayload: malformed payloads are skipped with a reason', () => {
  for (const [name, tool, text, reason] of MALFORMED) {
    it(name, () => {
      expect(parse(tool, text)).toEqual({ skipped: reason });
    });
  }

  it('skips a payload over 8 MiB before parsing it', () => {
    const big = JSON.stringify({ hook_event_name: 'UserPromptSubmit', prompt: 'x'.repeat(8 * 1024 * 1024) });
    expect(parse('claude-code', big)).toEqual({ skipped: `payload of ${big.length} characters exceeds ${8 * 1024 * 1024} bytes` });
  });

  it('counts bytes, not characters: 3 MiB of a 3-byte character is over the limit', () => {
    const big = JSON.stringify({ hook_event_name: 'UserPromptSubmit', prompt: '€'.repeat(3 * 1024 * 1024) });
    expect(big.length).toBeLessThan(8 * 1024 * 1024);
    expect(parse('claude-code', big)).toEqual({ skipped: `payload of ${Buffer.byteLength(big)} bytes exceeds ${8 * 1024 * 1024}` });
  });

  it('ignores a malformed structuredPatch (an optional enrichment) and keeps the edit', () => {
    const text = variant('claude-code', 'post-tool-use-edit.json', (d) => (d.tool_response.structuredPatch = [{ newStart: 'one', lines: [] }]));
    const event = parse('claude-code', text) as CaptureEvent;
    expect(event.kind).toBe('edit');
    expect(event.edits[0]).toEqual({ path: '/home/ada/repo/src/math.ts', operation: 'edit', replacements: [{ oldText: '  return a + b;', newText: '  const sum = a + b;\n  return sum;' }] });
  });

  it('a Write that creates a file (structuredPatch []) has no ranges, only content', () => {
    const text = variant('claude-code', 'post-tool-use-write.json', (d) => (d.tool_response = { type: 'create', filePath: d.tool_input.file_path, content: d.tool_input.content, structuredPatch: [] }));
    expect((parse('claude-code', text) as CaptureEvent).edits[0]).toEqual({ path: '/home/ada/repo/src/hello.ts', operation: 'write', content: "export const hello = 'world';\n" });
  });

  it('never throws on mutated fixtures (every field replaced by every wrong type)', () => {
    const wrong: unknown[] = [null, 0, -1, 1.5, true, '', 'x', [], [null], {}, { a: 1 }];
    for (const [tool, cases] of Object.entries(EXPECTED)) {
      for (const name of Object.keys(cases)) {
        const doc = JSON.parse(fixture(tool, name)) as Record<string, unknown>;
        for (const key of Object.keys(doc)) {
          for (const w of wrong) {
            const result = parse(tool as CaptureTool, JSON.stringify({ ...doc, [key]: w }));
            expect(typeof result === 'object' && result !== null, `${tool}/${name} ${key}=${JSON.stringify(w)}`).toBe(true);
            if ('skipped' in result) expect(result.skipped.length).toBeGreaterThan(0);
          }
        }
      }
    }
  });
});

describe('claude-code transcript', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trailmark-transcript-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads model and request id of the last assistant entry from a real file', () => {
    const path = join(dir, 'session.jsonl');
    writeFileSync(path, TRANSCRIPT);
    expect(transcriptFacts(path)).toEqual(CLAUDE_MODEL);
    const payload = variant('claude-code', 'post-tool-use-edit.json', (d) => (d.transcript_path = path));
    expect(parsePayload('claude-code', payload, now)).toMatchObject({ ...CLAUDE_MODEL, transcriptPath: path });
  });

  it('reads only the tail and drops the cut first line of it', () => {
    const path = join(dir, 'long.jsonl');
    const early = JSON.stringify({ type: 'assistant', requestId: 'req_early', message: { model: 'early-model' } });
    const filler = JSON.stringify({ type: 'user', message: { content: 'y'.repeat(1000) } });
    const lines = [early, ...Array.from({ length: 400 }, () => filler)];
    writeFileSync(path, `${lines.join('\n')}\n`);
    // The one assistant entry lies before the last 256 KiB: no model, rather than a stale one.
    expect(transcriptFacts(path)).toEqual({});
    const read = readTranscriptTail(path, TRANSCRIPT_TAIL_BYTES);
    expect(read?.truncated).toBe(true);
    expect(Buffer.byteLength(read!.text)).toBe(TRANSCRIPT_TAIL_BYTES);
  });

  it('a missing, empty or garbled transcript gives no model and the edit is still captured', () => {
    const garbled = join(dir, 'garbled.jsonl');
    writeFileSync(garbled, '{"type":"assistant","message":{"model":\n\u0000\u0001not json\n{"type":"assistant","message":"x"}\n');
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    for (const path of [join(dir, 'absent.jsonl'), garbled, empty, dir]) {
      expect(transcriptFacts(path)).toEqual({});
      const event = parsePayload('claude-code', variant('claude-code', 'post-tool-use-edit.json', (d) => (d.transcript_path = path)), now) as CaptureEvent;
      expect(event.kind).toBe('edit');
      expect(event.model).toBeUndefined();
    }
  });

  it('skips synthetic entries and over-long models', () => {
    const text = [
      JSON.stringify({ type: 'assistant', requestId: 'req_real', message: { model: 'claude-haiku-4-5' } }),
      JSON.stringify({ type: 'assistant', message: { model: '<synthetic>' } }),
      JSON.stringify({ type: 'assistant', message: { model: 'm'.repeat(300) } }),
    ].join('\n');
    expect(transcriptFacts('/any', () => ({ text, truncated: false }))).toEqual({ model: 'claude-haiku-4-5', requestId: 'req_real' });
  });
});

describe('apply_patch bodies', () => {
  it('takes a move, several hunks and the end-of-file marker', () => {
    const body = [
      '*** Begin Patch',
      '*** Update File: a.py',
      '*** Move to: b.py',
      '@@ class A:',
      '-    x = 1',
      '+    x = 2',
      '@@ class B:',
      '     y = 1',
      '-    z = 1',
      '+    z = 3',
      '*** End of File',
      '*** End Patch',
    ].join('\r\n');
    expect(parseApplyPatch(body)).toEqual([{
      path: 'b.py', operation: 'multi-edit',
      replacements: [{ oldText: '    x = 1', newText: '    x = 2' }, { oldText: '    y = 1\n    z = 1', newText: '    y = 1\n    z = 3' }],
    }]);
  });

  it('rejects stray lines and an update without hunks', () => {
    expect(parseApplyPatch('*** Begin Patch\n*** Update File: a\n~x\n*** End Patch')).toEqual({ skipped: 'apply_patch line 3: unexpected line in an update hunk' });
    expect(parseApplyPatch('*** Begin Patch\n*** Update File: a\n*** End Patch')).toEqual({ skipped: 'apply_patch line 2: update of a has no hunk' });
    expect(parseApplyPatch('*** Begin Patch\nhello\n*** End Patch')).toEqual({ skipped: 'apply_patch line 2: expected a file operation' });
    expect(parseApplyPatch('*** Begin Patch\n*** Add File: \n*** End Patch')).toEqual({ skipped: 'apply_patch line 2: empty path' });
    expect(parseApplyPatch('*** Begin Patch\n*** End Patch')).toEqual({ skipped: 'apply_patch touches no file' });
  });
});

describe('parseGenericArgs', () => {
  it('normalizes a known agent and keeps an unknown one lowercased', () => {
    expect(parseGenericArgs({ agent: 'Claude Code', files: ['x'] }, now)).toMatchObject({ agent: 'claude-code', edits: [{ path: 'x', operation: 'unknown' }] });
    expect(parseGenericArgs({ agent: 'MyBot', model: 'm1', files: ['x'] }, now)).toMatchObject({ agent: 'mybot', model: 'm1' });
  });
  it('rejects control characters, long names and nul paths', () => {
    expect(parseGenericArgs({ agent: 'bot\u001b[31m', files: ['x'] }, now)).toEqual({ skipped: 'agent holds control characters' });
    expect(parseGenericArgs({ agent: 'b'.repeat(81), files: ['x'] }, now)).toEqual({ skipped: 'agent is longer than 80 characters' });
    expect(parseGenericArgs({ agent: 'bot', files: ['a\0'] }, now)).toEqual({ skipped: 'files[0] holds a nul character' });
    expect(parseGenericArgs({ agent: '  ', files: ['a'] }, now)).toEqual({ skipped: 'agent missing' });
  });
});

describe('the shared field readers (untrusted.ts)', () => {
  const spec = { event: required('hook_event_name', 10), session: optional('session_id', 5) };
  it('readStrings: required and optional values, an empty or null optional is absent', () => {
    expect(readStrings({ hook_event_name: 'Stop', session_id: 'abc' }, spec)).toEqual({ event: 'Stop', session: 'abc' });
    expect(readStrings({ hook_event_name: 'Stop', session_id: '' }, spec)).toEqual({ event: 'Stop', session: undefined });
    expect(readStrings({ hook_event_name: 'Stop', session_id: null }, spec)).toEqual({ event: 'Stop', session: undefined });
  });
  it('readStrings: the first wrong field in the spec\'s order is the skip; inherited keys are not read', () => {
    expect(readStrings({ session_id: 7 }, spec)).toEqual({ skipped: 'hook_event_name missing' });
    expect(readStrings({ hook_event_name: 'Stop', session_id: 'abcdef' }, spec)).toEqual({ skipped: 'session_id is longer than 5 characters' });
    expect(readStrings(Object.create({ hook_event_name: 'Stop' }) as Record<string, unknown>, spec)).toEqual({ skipped: 'hook_event_name missing' });
  });
  it('defined drops undefined entries only', () => {
    const d = defined({ a: 'x', b: undefined, c: '' });
    expect(d).toStrictEqual({ a: 'x', c: '' });
    expect('b' in d).toBe(false);
  });
  it('objectList and replacement name the place of what is wrong', () => {
    expect(objectList({ edits: [{}, 1] }, 'edits', 'tool_input.edits')).toEqual({ skipped: 'tool_input.edits[1] is not an object' });
    expect(objectList({ edits: 'x' }, 'edits', 'edits')).toEqual({ skipped: 'edits is not an array' });
    expect(objectList({ edits: new Array(10_001).fill({}) }, 'edits', 'edits')).toEqual({ skipped: 'edits has more than 10000 entries' });
    expect(objectList({ edits: [] }, 'edits', 'edits')).toEqual([]);
    expect(replacement({ old_string: 'a', new_string: 'b' }, 'edits[0]')).toEqual({ oldText: 'a', newText: 'b' });
    expect(replacement({ old_string: 'a' }, 'edits[0]')).toEqual({ skipped: 'edits[0].new_string is not a string' });
  });
});

describe('copilot: the event the installed hook names (TRAILMARK_HOOK_EVENT)', () => {
  const withEvent = (name: string, hookEvent: string): CaptureEvent | CaptureSkip => parsePayload('copilot', fixture('copilot', name), now, { hookEvent });
  it('each fixture under its own event parses as without it', () => {
    const pairs: [string, string][] = [
      ['post-tool-use-edit.json', 'postToolUse'], ['post-tool-use-create.json', 'postToolUse'], ['user-prompt-submitted.json', 'userPromptSubmitted'],
      ['session-start.json', 'sessionStart'], ['session-end.json', 'sessionEnd'],
    ];
    for (const [name, event] of pairs) expect(withEvent(name, event), name).toEqual(parse('copilot', fixture('copilot', name)));
  });
  it('a payload without its event\'s shape, preToolUse, errorOccurred and unknown events are skipped with a reason', () => {
    expect(withEvent('session-start.json', 'postToolUse')).toEqual({ skipped: 'postToolUse payload without toolResult' });
    expect(withEvent('post-tool-use-edit.json', 'sessionEnd')).toEqual({ skipped: 'sessionEnd payload without reason' });
    expect(withEvent('pre-tool-use.json', 'preToolUse')).toEqual({ skipped: 'preToolUse: the edit has not happened yet' });
    expect(withEvent('error-occurred.json', 'errorOccurred')).toEqual({ skipped: 'errorOccurred is not captured' });
    expect(withEvent('post-tool-use-edit.json', 'toString')).toEqual({ skipped: 'hook event toString is not captured' });
    expect(withEvent('post-tool-use-edit.json', 'agentStop\n')).toEqual({ skipped: 'hook event agentStop\\x0a is not captured' });
  });
  it('is ignored by the tools whose payload names its event', () => {
    expect(parsePayload('cursor', fixture('cursor', 'after-file-edit.json'), now, { hookEvent: 'sessionEnd' })).toEqual(parse('cursor', fixture('cursor', 'after-file-edit.json')));
  });
});
