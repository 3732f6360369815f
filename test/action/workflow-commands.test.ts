import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { escapeData, escapeProperty, formatCommand, Runner } from '../../action/platform/workflow-commands.js';

afterEach(() => {
  process.exitCode = undefined;
});

test.each([
  ['plain', 'plain', 'plain'],
  ['100%', '100%25', '100%25'],
  ['a\nb\r\nc', 'a%0Ab%0D%0Ac', 'a%0Ab%0D%0Ac'],
  ['src/a:b,c.ts', 'src/a:b,c.ts', 'src/a%3Ab%2Cc.ts'],
  ['%0A', '%250A', '%250A'],
])('escapes %j as data %j and as a property %j (toolkit rules)', (input, data, property) => {
  expect(escapeData(input)).toBe(data);
  expect(escapeProperty(input)).toBe(property);
});

test('a hostile message cannot start a command on a new line', () => {
  const line = formatCommand('warning', { file: 'x\n::error::y', line: 3 }, 'msg\n::error file=a::owned');
  expect(line.split('\n')).toHaveLength(1);
  expect(line).toBe('::warning file=x%0A%3A%3Aerror%3A%3Ay,line=3::msg%0A::error file=a::owned');
});

test('inputs are read the way the runner names them', () => {
  const r = new Runner({ 'INPUT_GITHUB-TOKEN': 't', INPUT_SOME_NAME: 'v' });
  expect(r.input('github-token')).toBe('t');
  expect(r.input('some name')).toBe('v');
  expect(r.input('missing')).toBe('');
});

test('outputs go to GITHUB_OUTPUT with a random delimiter that a value cannot forge', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trailmark-output-'));
  const file = join(dir, 'output');
  writeFileSync(file, '');
  const r = new Runner({ GITHUB_OUTPUT: file });
  r.output('checkpoint', 'origin\n1\nroot=\n\nghadelimiter_fake\n');
  const text = readFileSync(file, 'utf8');
  const m = /^checkpoint<<(ghadelimiter_[0-9a-f-]{36})\n([\s\S]*)\n\1\n$/.exec(text);
  expect(m).not.toBeNull();
  expect(m![2]).toBe('origin\n1\nroot=\n\nghadelimiter_fake\n');
  rmSync(dir, { recursive: true, force: true });
});

test('fail sets exit code 1 and logs an error command; mask hides secrets', () => {
  const lines: string[] = [];
  const r = new Runner({}, (t) => lines.push(t));
  r.mask('s3cr3t');
  r.fail('boom\nsecond');
  expect(lines.join('')).toBe('::add-mask::s3cr3t\n::error::boom%0Asecond\n');
  expect(process.exitCode).toBe(1);
});
