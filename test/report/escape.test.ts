import { EOL } from 'node:os';
import * as core from '@actions/core';
import { describe, expect, it } from 'vitest';
import { unsafeCharacters } from './unsafe.js';
import { jsonVisible, markdownCode, sarifText, markdownCodeCell, markdownFence, markdownText, terminalText, truncate, visibleText, workflowCommandData, workflowCommandProperty } from '../../src/report/escape.js';

describe('markdownText', () => {
  it.each([
    ['plain', 'plain'],
    ['a|b', 'a\\|b'],
    ['`x`', '\\`x\\`'],
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['@octocat', '@&#8203;octocat'],
    ['fixes #12', 'fixes #&#8203;12'],
    ['# heading', '\\# heading'],
    ['[x](javascript:alert(1))', '\\[x\\](javascript&#58;alert(1))'],
    ['line1\nline2', 'line1\\\\nline2'],
    ['\x1b[31mred', '\\\\x1b\\[31mred'],
    ['a\u202Eb', 'a\\\\u202eb'],
    ['*bold* _it_', '\\*bold\\* \\_it\\_'],
    ['a & b "q"', 'a &amp; b &quot;q&quot;'],
    ['<!-- hidden -->', '&lt;!-- hidden --&gt;'],
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['see https://evil.example/x', 'see https:&#8203;//evil.example/x'],
    ['www.evil.example', 'www&#8203;.evil.example'],
    ['awww.example', 'awww.example'],
    ['mail bot@acme.ai', 'mail bot@&#8203;acme.ai'],
    ['@org/team', '@&#8203;org/team'],
    ['zero\u200Bwidth', 'zero\\\\u200bwidth'],
    ['tab\tkept', 'tab\tkept'],
    ['cr\rlf', 'cr\\\\x0dlf'],
    ['~~strike~~', '\\~\\~strike\\~\\~'],
    ['&lt;already', '&amp;lt;already'],
  ])('%j', (input, expected) => {
    expect(markdownText(input)).toBe(expected);
  });
});

describe('markdownCode and markdownFence', () => {
  it('uses a fence longer than any backtick run', () => {
    expect(markdownCode('a`b')).toBe('``a`b``');
    expect(markdownCode('```x')).toBe('```` ```x ````');
    expect(markdownCode('')).toBe('` `');
    expect(markdownFence('x\n````\ny')).toBe('`````\nx\n````\ny\n`````');
    expect(markdownCodeCell('a|b')).toBe('`a\\|b`');
  });
});

describe('workflow commands', () => {
  it('escapes data and properties as @actions/core does', () => {
    expect(workflowCommandData('50%\r\nnext')).toBe('50%25%0D%0Anext');
    expect(workflowCommandProperty('a:b,c%')).toBe('a%3Ab%2Cc%25');
    expect(workflowCommandData('::error::injected')).toBe('::error::injected');
    expect(workflowCommandData('x\n::error::injected')).toBe('x%0A::error::injected');
  });
});

describe('terminal and visible text', () => {
  it('shows control, bidi and zero-width characters instead of interpreting them', () => {
    expect(terminalText('\x1b]8;;http://evil\x07link')).toBe('\\x1b]8;;http://evil\\x07link');
    expect(visibleText('tab\tok\u200B\u2066')).toBe('tab\tok\\u200b\\u2066');
    expect(visibleText('a\nb', { keepNewlines: true })).toBe('a\nb');
  });
});

describe('truncate', () => {
  it('never splits a surrogate pair and marks the cut', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('😀😀😀', 4)).toBe('😀…');
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abc', 1)).toBe('…');
    expect(truncate('abc', 0)).toBe('');
    expect(truncate('abcdef', 5, ' [cut]')).toBe(' [cut');
    // every cut of a string of astral characters is well-formed UTF-16
    const astral = '𝒜😀𝒞😀𝒟'.repeat(5);
    for (let max = 1; max < astral.length; max++) expect(truncate(astral, max)).not.toMatch(/\p{Cs}/u);
  });
});

describe('jsonVisible', () => {
  it('writes bidi and zero-width characters as escapes without changing the data', () => {
    const value = { path: 'a\u202Eb\u2028c\u200Bd', plain: 'é😀' };
    const text = jsonVisible(JSON.stringify(value));
    expect(text).toBe('{"path":"a\\u202eb\\u2028c\\u200bd","plain":"é😀"}');
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('sarifText', () => {
  it.each([
    ['plain text', 'plain text'],
    ['see [here](1)', 'see \\[here\\](1)'],
    ['function f() { return 1; }', 'function f() {{ return 1; }}'],
    ['{0} placeholder', '{{0}} placeholder'],
    ['back\\slash', 'back\\slash'],
    ['not\\[a link]', 'not\\\\\\[a link\\]'],
    ['two\nlines', 'two\nlines'],
    ['\x1b[2Jclear', '\\x1b\\[2Jclear'],
    ['rtl\u202Eoverride', 'rtl\\u202eoverride'],
  ])('%j', (input, expected) => {
    expect(sarifText(input)).toBe(expected);
  });
});

describe('every sink neutralises the same hostile strings', () => {
  const hostile = ['\x1b[31mred\x1b[0m', 'a\u202Ebidi', 'zero\u200Bwidth', 'nul\x00byte', 'c1\u009bcsi', 'del\x7f'];
  const sinks: [string, (t: string) => string][] = [
    ['terminalText', terminalText],
    ['markdownText', markdownText],
    ['markdownCode', markdownCode],
    ['markdownFence', (t) => markdownFence(t)],
    ['workflowCommandData', workflowCommandData],
    ['workflowCommandProperty', workflowCommandProperty],
    ['sarifText', sarifText],
  ];
  it.each(sinks)('%s leaves no control, bidi or zero-width character', (_name, sink) => {
    for (const text of hostile) {
      const out = sink(text);
      expect(unsafeCharacters(out)).toEqual([]);
    }
  });
});

describe('workflow command escaping matches @actions/core (differential)', () => {
  // @actions/core does not export its escapers; capture what core.warning writes instead.
  function coreWarning(data: string, title: string): string {
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array): boolean => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
    try {
      core.warning(data, { title });
    } finally {
      process.stdout.write = write;
    }
    return chunks.join('');
  }

  // Printable text plus every character @actions/core escapes; control characters other than
  // CR/LF are left out because we deliberately show them (`\x1b`) where core passes them raw.
  const alphabet = ['a', 'Z', '0', ' ', '%', '\r', '\n', ':', ',', '=', '::', '%0A', 'é', '😀'];
  const samples = ['50%', 'a\r\nb', 'title: with, commas', '::error::injected', '%25 already'];
  for (let i = 0; i < 200; i++) {
    let s = '';
    for (let j = 0; j < 1 + (i % 9); j++) s += alphabet[(i * 7 + j * 13 + (i >> 2)) % alphabet.length];
    samples.push(s);
  }
  // core drops an empty property, so the samples are never empty.

  it.each(samples.map((s) => [s]))('%j', (text) => {
    const written = coreWarning(text, text);
    expect(written).toBe(`::warning title=${workflowCommandProperty(text)}::${workflowCommandData(text)}${EOL}`);
  });
});
