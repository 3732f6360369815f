// Table tests of the pure merge code: JSON hook files (json-hooks.ts) and git hook blocks
// (git-hooks.ts), on the realistic fixtures in test/fixtures/capture/configs.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { BLOCK_BEGIN, BLOCK_END, hasBlock, insertBlock, newHookScript, removeBlock, shebangInterpreter } from '../../src/capture/install/git-hooks.js';
import { addHookEntries, emptyJsonConfig, eventsWithCommand, parseJsonConfig, removeHookEntries, renderJsonConfig } from '../../src/capture/install/json-hooks.js';
import { JSON_LAYOUTS, type AgentHookTool } from '../../src/capture/install/targets.js';
import { shellQuote } from '../../src/capture/install/command.js';

const execFileP = promisify(execFile);
const fixture = (name: string): string => readFileSync(new URL(`../fixtures/capture/configs/${name}`, import.meta.url), 'utf8');
const CMD = "'/usr/bin/node' '/opt/trailmark/bin/trailmark.js'";

const CASES: readonly { tool: AgentHookTool; file: string }[] = [
  { tool: 'claude-code', file: 'claude-settings.json' },
  { tool: 'claude-code', file: 'claude-settings-local-crlf.json' },
  { tool: 'cursor', file: 'cursor-hooks.json' },
  { tool: 'codex', file: 'codex-hooks.json' },
  { tool: 'copilot', file: 'copilot-hooks.json' },
];

describe('JSON hook files', () => {
  for (const { tool, file } of CASES) {
    it(`${tool} ${file}: adds ours after theirs, keeps everything else, removes exactly ours`, () => {
      const text = fixture(file);
      const layout = JSON_LAYOUTS[tool];
      const before = parseJsonConfig(text, file);
      const command = `${CMD} capture ${tool}`;
      const { config, added } = addHookEntries(before, layout, command);
      expect(added).toEqual(layout.events.map((e) => e.event));
      const out = renderJsonConfig(config);
      // Formatting kept: line endings, indentation unit.
      expect(out.includes('\r\n')).toBe(text.includes('\r\n'));
      if (text.includes('\t')) expect(out).toMatch(/\n\t"/);
      const parsed = JSON.parse(out) as Record<string, unknown>;
      const original = JSON.parse(text) as Record<string, unknown>;
      // Every key of theirs is still there, with the same value, except `hooks`, which grew.
      for (const [k, v] of Object.entries(original)) if (k !== 'hooks') expect(parsed[k]).toEqual(v);
      const theirHooks = original['hooks'] as Record<string, unknown[]>;
      const ourHooks = parsed['hooks'] as Record<string, unknown[]>;
      for (const [event, list] of Object.entries(theirHooks)) expect(ourHooks[event]!.slice(0, list.length)).toEqual(list);
      expect(eventsWithCommand(parseJsonConfig(out, file), layout, command)).toEqual(added);
      // Idempotent.
      expect(addHookEntries(parseJsonConfig(out, file), layout, command).added).toEqual([]);
      // Taking ours out gives their object back.
      const created = { hooksKey: false, rootKeys: [], events: added.filter((e) => !(e in theirHooks)) };
      const { config: back, removed } = removeHookEntries(parseJsonConfig(out, file), layout, new Set([command]), created);
      expect(removed).toBe(added.length);
      expect(back.value).toEqual(original);
    });
  }

  it('writes Claude Code groups with the matcher, and Copilot handlers with bash and the event in env', () => {
    const claude = addHookEntries(emptyJsonConfig(), JSON_LAYOUTS['claude-code'], 'x capture claude-code').config.value;
    expect(claude).toEqual({
      hooks: {
        PostToolUse: [{ matcher: 'Write|Edit|MultiEdit', hooks: [{ type: 'command', command: 'x capture claude-code', timeout: 10 }] }],
        UserPromptSubmit: [{ hooks: [{ type: 'command', command: 'x capture claude-code', timeout: 10 }] }],
        SessionStart: [{ hooks: [{ type: 'command', command: 'x capture claude-code', timeout: 10 }] }],
        SessionEnd: [{ hooks: [{ type: 'command', command: 'x capture claude-code', timeout: 10 }] }],
      },
    });
    const copilot = addHookEntries(emptyJsonConfig(), JSON_LAYOUTS.copilot, 'x capture copilot').config.value as { version: number; hooks: Record<string, unknown[]> };
    expect(Object.keys(copilot)).toEqual(['version', 'hooks']);
    expect(copilot.hooks['postToolUse']).toEqual([{ type: 'command', bash: 'x capture copilot', env: { TRAILMARK_HOOK_EVENT: 'postToolUse' }, timeoutSec: 10 }]);
    const cursor = addHookEntries(emptyJsonConfig(), JSON_LAYOUTS.cursor, 'x capture cursor').config.value;
    expect(cursor).toEqual({ version: 1, hooks: { afterFileEdit: [{ command: 'x capture cursor' }], beforeSubmitPrompt: [{ command: 'x capture cursor' }] } });
  });

  it('removes only our handler from a group the user added theirs to, and keeps the group', () => {
    const layout = JSON_LAYOUTS['claude-code'];
    const mine = 'x capture claude-code';
    const { config } = addHookEntries(emptyJsonConfig(), layout, mine);
    const hooks = config.value['hooks'] as Record<string, { hooks: unknown[] }[]>;
    hooks['PostToolUse']![0]!.hooks.push({ type: 'command', command: 'their-linter' });
    const { config: back, removed } = removeHookEntries(config, layout, new Set([mine]), { hooksKey: true, rootKeys: [], events: layout.events.map((e) => e.event) });
    expect(removed).toBe(4);
    expect(back.value).toEqual({ hooks: { PostToolUse: [{ matcher: 'Write|Edit|MultiEdit', hooks: [{ type: 'command', command: 'their-linter' }] }] } });
  });

  it('keeps a byte-order mark, a minified layout and a missing final newline', () => {
    const text = '\uFEFF{"hooks":{}}';
    const { config } = addHookEntries(parseJsonConfig(text, 'x.json'), JSON_LAYOUTS.cursor, 'c');
    const out = renderJsonConfig(config);
    expect(out.startsWith('\uFEFF{"hooks":{"afterFileEdit"')).toBe(true);
    expect(out.endsWith('}')).toBe(true);
    expect(out).not.toContain('\n');
  });

  it('an empty file is filled like a new one (pretty-printed, not on one line)', () => {
    const { config } = addHookEntries(parseJsonConfig('\n', 'x.json'), JSON_LAYOUTS.cursor, 'c');
    expect(renderJsonConfig(config)).toBe('{\n  "version": 1,\n  "hooks": {\n    "afterFileEdit": [\n      {\n        "command": "c"\n      }\n    ],\n    "beforeSubmitPrompt": [\n      {\n        "command": "c"\n      }\n    ]\n  }\n}\n');
  });

  it.each([
    ['claude-settings-jsonc.json', /is not valid JSON/],
    ['[1, 2]', /does not hold a JSON object/],
    ['{"hooks": []}', /"hooks" is not an object/],
    ['{"hooks": {"afterFileEdit": {"command": "x"}}}', /"hooks.afterFileEdit" is not a list/],
  ])('refuses %s', (input, message) => {
    const text = input.endsWith('.json') ? fixture(input) : input;
    let caught: unknown;
    try {
      parseJsonConfig(text, 'settings.json');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as UsageError).message).toMatch(message);
    expect((caught as UsageError).hint).toBeDefined();
  });
});

describe('git hook blocks', () => {
  it.each([
    ['#!/bin/sh\n', 'sh'],
    ['#!/usr/bin/env bash\nset -e\n', 'bash'],
    ['#! /bin/bash -e\n', 'bash'],
    ['#!/usr/bin/env -S zsh -f\n', 'zsh'],
    ['#!/usr/bin/env python3\n', 'python3'],
    ['echo no shebang\n', undefined],
    ['', undefined],
  ])('shebangInterpreter(%j) = %s', (text, expected) => {
    expect(shebangInterpreter(text)).toBe(expected);
  });

  it('puts the block after their commands, before a top-level exit, so it runs last', () => {
    const text = fixture('git-prepare-commit-msg-husky.sh');
    const out = insertBlock(text, 'x capture prepare-commit-msg "$@" || true', 'prepare-commit-msg');
    const lines = out.split('\n');
    const at = lines.indexOf(BLOCK_BEGIN);
    expect(lines.slice(at, at + 5)).toEqual([BLOCK_BEGIN, expect.stringContaining('Added by'), 'x capture prepare-commit-msg "$@" || true', BLOCK_END, 'exit 0']);
    expect(lines.slice(0, at).join('\n')).toBe(text.slice(0, text.lastIndexOf('exit 0') - 1));
    expect(hasBlock(out)).toBe(true);
    expect(removeBlock(out)).toBe(text);
  });

  it.each([
    ['#!/bin/sh\necho a\n', '#!/bin/sh\necho a\n<B>'],
    ['#!/bin/sh\necho a', '#!/bin/sh\necho a\n<B>'],
    ['#!/bin/sh\nexec node hook.js "$@"\n', '#!/bin/sh\n<B>exec node hook.js "$@"\n'],
    ['#!/bin/sh\nif true; then\n  exit 0\nfi\necho b\n', '#!/bin/sh\nif true; then\n  exit 0\nfi\necho b\n<B>'],
    ['#!/bin/sh\nexit\necho never\n', '#!/bin/sh\n<B>exit\necho never\n'],
    ['#!/bin/sh\nexiting=1\n', '#!/bin/sh\nexiting=1\n<B>'],
  ])('places the block in %j', (text, expected) => {
    const b = `${BLOCK_BEGIN}\n# Added by \`trailmark hooks install\`; \`trailmark hooks uninstall\` removes it. Never fails the commit.\nx\n${BLOCK_END}\n`;
    expect(insertBlock(text, 'x', 'h')).toBe(expected.replace('<B>', b));
  });

  it('keeps CRLF line endings of a script that has them', () => {
    const text = '#!/bin/bash\r\necho hi\r\n';
    const out = insertBlock(text, 'x', 'h');
    expect(out).toBe(`#!/bin/bash\r\necho hi\r\n${BLOCK_BEGIN}\r\n# Added by \`trailmark hooks install\`; \`trailmark hooks uninstall\` removes it. Never fails the commit.\r\nx\r\n${BLOCK_END}\r\n`);
    expect(removeBlock(out)).toBe(text);
  });

  it.each([
    ['git-post-commit-python.py', /it runs python3/],
    ['echo hi\n', /no #! line/],
  ])('refuses a hook that is not a shell script: %s', (input, message) => {
    const text = input.endsWith('.py') ? fixture(input) : input;
    expect(() => insertBlock(text, 'x', '.git/hooks/post-commit')).toThrow(message);
  });

  it('a new hook is a sh script holding only the block', () => {
    const script = newHookScript('x capture post-commit || true');
    expect(script).toBe(`#!/bin/sh\n${BLOCK_BEGIN}\n# Added by \`trailmark hooks install\`; \`trailmark hooks uninstall\` removes it. Never fails the commit.\nx capture post-commit || true\n${BLOCK_END}\n`);
  });

  it('removeBlock leaves a script without the block untouched, and ignores marker text inside a line', () => {
    const text = `#!/bin/sh\necho '${BLOCK_BEGIN}'\n`;
    expect(hasBlock(text)).toBe(false);
    expect(removeBlock(text)).toBe(text);
  });
});

describe('shellQuote', () => {
  it.each([
    ['/usr/bin/node', '/usr/bin/node'],
    ['/home/a b/node', "'/home/a b/node'"],
    ["/it's/here", `'/it'\\''s/here'`],
    ['$(rm -rf ~)', "'$(rm -rf ~)'"],
    ['', "''"],
  ])('%j -> %s', (word, quoted) => {
    expect(shellQuote(word)).toBe(quoted);
  });
});

describe('shellQuote through a real sh', () => {
  it('every quoted word reaches the program as itself', async () => {
    const words = ['/usr/bin/node', '/home/a b/node', "/it's/here", '$(touch /tmp/pwned)', '`id`', 'a"b', '*', '~', 'tab\there'];
    const out = (await execFileP('sh', ['-c', `printf '%s\\n' ${words.map(shellQuote).join(' ')}`])).stdout;
    expect(out.split('\n').slice(0, -1)).toEqual(words);
  });
});
