import { describe, expect, it } from 'vitest';
import { jsonVisible, markdownCode, markdownCodeCell, markdownFence, markdownText, terminalText, truncate, visibleText, workflowCommandData, workflowCommandProperty } from '../../src/report/escape.js';

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
