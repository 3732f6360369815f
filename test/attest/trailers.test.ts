// Trailer grammar: a table of messages, each checked against the expected trailers AND against
// real `git interpret-trailers --parse` (the oracle the grammar follows).

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseTrailerBlock, parseTrailers } from '../../src/attest/trailers.js';

function gitParse(message: string): string[] {
  const r = spawnSync('git', ['-c', 'core.commentChar=#', 'interpret-trailers', '--parse'], {
    input: message,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', HOME: '/nonexistent', GIT_CONFIG_NOSYSTEM: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`git interpret-trailers failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.length > 0);
}

const ours = (message: string): string[] => parseTrailers(message).map((t) => `${t.key}: ${t.value}`);

const CASES: { name: string; message: string; expected: string[] }[] = [
  { name: 'subject only', message: 'Assisted-by: Claude:opus\n', expected: [] },
  { name: 'subject only, no newline', message: 'Fix: the thing', expected: [] },
  { name: 'subject and trailer', message: 'Fix bug\n\nAssisted-by: Claude:claude-3-opus coccinelle sparse\n', expected: ['Assisted-by: Claude:claude-3-opus coccinelle sparse'] },
  {
    name: 'last paragraph only; trailer-looking body lines ignored',
    message: 'Fix bug\n\nGenerated-by: not a trailer, body\nNote: this is prose\nMore prose here\n\nSigned-off-by: A <a@example.com>\n',
    expected: ['Signed-off-by: A <a@example.com>'],
  },
  {
    name: 'body paragraph of key-value lines is not the last paragraph',
    message: 'Fix\n\nAssisted-by: Claude:opus\n\nThis paragraph closes the message.\n',
    expected: [],
  },
  {
    name: 'continuation lines are unfolded',
    message: 'Fix\n\nAssisted-by: Claude Code:claude-sonnet-4-6\n  with sparse\n\tand more\nSigned-off-by: A <a@b.c>\n',
    expected: ['Assisted-by: Claude Code:claude-sonnet-4-6 with sparse and more', 'Signed-off-by: A <a@b.c>'],
  },
  { name: 'CRLF line endings', message: 'Fix\r\n\r\nAssisted-by: Cursor\r\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\r\n', expected: ['Assisted-by: Cursor', 'Co-authored-by: Cursor Agent <cursoragent@cursor.com>'] },
  { name: 'key case is preserved; duplicates kept in order', message: 'Fix\n\nASSISTED-BY: a\nassisted-by: b\nAssisted-By: a\n', expected: ['ASSISTED-BY: a', 'assisted-by: b', 'Assisted-By: a'] },
  { name: 'blank before separator', message: 'Fix\n\nAssisted-by : Claude\n', expected: ['Assisted-by: Claude'] },
  {
    name: 'mixed paragraph with a git-generated line (>= 25% trailers)',
    message: 'Fix\n\nsome prose line\nAssisted-by: Claude\n(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)\n',
    expected: ['Assisted-by: Claude'],
  },
  {
    name: 'mixed paragraph without a git-generated line is not trailers',
    message: 'Fix\n\nsome prose line\nAssisted-by: Claude\n',
    expected: [],
  },
  {
    name: 'mixed paragraph under 25% trailers is not trailers',
    message: 'Fix\n\none\ntwo\nthree\nfour\nfive\nSigned-off-by: A <a@b.c>\n',
    expected: [],
  },
  {
    name: 'patch divider ends the message',
    message: 'Fix\n\nAssisted-by: Claude\n---\n src/a.ts | 2 +-\n\nSigned-off-by: Fake <f@x>\n',
    expected: ['Assisted-by: Claude'],
  },
  { name: '--- without a following blank is not a divider', message: 'Fix\n\n---notdivider\nAssisted-by: Claude\n', expected: [] },
  { name: 'trailing comments and blank lines ignored', message: 'Fix\n\nAssisted-by: Claude\n\n# Please enter the commit message\n#\n\n', expected: ['Assisted-by: Claude'] },
  {
    name: 'scissors line cuts the message',
    message: 'Fix\n\nAssisted-by: Claude\n# ------------------------ >8 ------------------------\nGenerated-by: diff text\n',
    expected: ['Assisted-by: Claude'],
  },
  { name: 'comment line inside the block is skipped', message: 'Fix\n\nAssisted-by: Claude\n# a comment\nSigned-off-by: A <a@b.c>\n', expected: ['Assisted-by: Claude', 'Signed-off-by: A <a@b.c>'] },
  { name: 'a comment line ends the previous trailer', message: 'Fix\n\nSigned-off-by: A <a@b.c>\n# note\n  not a continuation\nAI-Assisted: no\n', expected: ['Signed-off-by: A <a@b.c>', 'AI-Assisted: no'] },
  { name: 'keys must be tokens', message: 'Fix\n\nAssisted by: Claude\n', expected: [] },
  { name: 'unicode key is not a token', message: 'Fix\n\nAssisté-by: Claude\n', expected: [] },
  { name: 'empty value kept', message: 'Fix\n\nAssisted-by:\nSigned-off-by: A <a@b.c>\n', expected: ['Assisted-by: ', 'Signed-off-by: A <a@b.c>'] },
  {
    name: 'hostile values are kept raw',
    message: 'Fix\n\nAssisted-by: \u001b[31mred\u001b[0m (.*)+$ <script>\nCo-authored-by: x\u0000y <a@b>\n',
    expected: ['Assisted-by: \u001b[31mred\u001b[0m (.*)+$ <script>', 'Co-authored-by: x\u0000y <a@b>'],
  },
  { name: 'title paragraph of several lines', message: 'Fix\nmore title\nSigned-off-by: A <a@b.c>\n', expected: [] },
  { name: 'leading comment before title', message: '# comment\nFix\n\nAssisted-by: Claude\n', expected: ['Assisted-by: Claude'] },
];

describe('parseTrailers', () => {
  for (const c of CASES) {
    it(c.name, () => {
      expect(ours(c.message)).toEqual(c.expected);
    });
  }

  it('agrees with git interpret-trailers --parse on every table case', () => {
    for (const c of CASES) {
      if (c.message.includes('\u0000')) continue; // git reads messages as C strings
      const git = gitParse(c.message).map((l) => l.replace(/:\s*$/, ': ').trimEnd());
      expect({ name: c.name, trailers: ours(c.message).map((l) => l.trimEnd()) }).toEqual({ name: c.name, trailers: git });
    }
  });

  it('returns key and raw value separately', () => {
    expect(parseTrailers('Fix\n\nAI-Assisted:   yes  \n')).toEqual([{ key: 'AI-Assisted', value: 'yes' }]);
  });

  it('handles a 1 MB body and a 1 MB trailer block, matching git', () => {
    const body = 'line of prose that is long enough to matter\n'.repeat(24_000);
    const msg = `Subject\n\n${body}\nAssisted-by: Claude:opus\nSigned-off-by: A <a@b.c>\n`;
    expect(msg.length).toBeGreaterThan(1_000_000);
    expect(ours(msg)).toEqual(['Assisted-by: Claude:opus', 'Signed-off-by: A <a@b.c>']);
    const block = 'X-Key: v\n'.repeat(120_000);
    const msg2 = `Subject\n\n${block}`;
    expect(msg2.length).toBeGreaterThan(1_000_000);
    const parsed = parseTrailers(msg2);
    expect(parsed).toHaveLength(120_000);
    expect(parsed.length).toBe(gitParse(msg2).length);
  });

  it('handles a 1 MB single line of separator-like text', () => {
    const msg = `Subject\n\n${'a-'.repeat(600_000)}\n`;
    expect(parseTrailers(msg)).toEqual([]);
  });
});

describe('parseTrailers against git on generated messages', () => {
  // Deterministic generator (fixed-seed LCG) over the line kinds the grammar distinguishes.
  function* rng(seed: number): Generator<number> {
    let x = seed >>> 0;
    for (;;) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      yield x / 2 ** 32;
    }
  }
  const KINDS = [
    'Assisted-by: Claude:opus', 'Co-authored-by: Claude <noreply@anthropic.com>', 'Signed-off-by: Ada <ada@example.com>',
    '(cherry picked from commit 0123456789abcdef)', 'Key : spaced', 'not-a-trailer line', 'prose with: colon later',
    '  continuation text', '\tcontinuation tab', 'Generated-by: Claude Code', 'AI-Assisted: no', '  more continuation', '# comment', '', '   ', '---', '--- a', '---x', 'Bad Key: v', 'X:', ':nokey',
  ];
  it('agrees on 1000 generated messages (LF and CRLF)', () => {
    const r = rng(20261123);
    const next = (n: number): number => Math.floor(r.next().value! * n);
    for (let i = 0; i < 1000; i++) {
      const lines = next(10) === 0 ? ['Subject line'] : ['Subject line', ''];
      const count = 1 + next(9);
      for (let j = 0; j < count; j++) lines.push(KINDS[next(KINDS.length)]!);
      const eol = next(4) === 0 ? '\r\n' : '\n';
      const message = lines.join(eol) + eol;
      // Known, intended difference: git keeps the "\r" of a CRLF line inside an unfolded value
      // ("a\r b"); we drop every terminator's "\r" first.
      const git = gitParse(message).map((l) => l.replaceAll('\r', '').replace(/:\s*$/, ': ').trimEnd());
      expect({ message, trailers: ours(message).map((l) => l.trimEnd()) }).toEqual({ message, trailers: git });
    }
  });
});

describe('parseTrailerBlock', () => {
  it('parses a single declaration line without a title', () => {
    expect(parseTrailerBlock('Assisted-by: Claude:claude-opus-4-5')).toEqual([{ key: 'Assisted-by', value: 'Claude:claude-opus-4-5' }]);
  });
  it('drops non-trailer lines and folds continuations', () => {
    expect(parseTrailerBlock('hello\nGenerated-by: Claude\n Code\n')).toEqual([{ key: 'Generated-by', value: 'Claude Code' }]);
  });
});
