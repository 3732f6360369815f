import { describe, expect, it } from 'vitest';
import { parsePorcelain } from '../../src/git/attribution.js';
import { parseCommitObject, parseIdent, rfc3339 } from '../../src/git/commit-object.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('parsePorcelain', () => {
  it('maps final lines to commits and collects boundary commits', () => {
    const text = [
      `${A} 1 3 2`, 'author x', 'summary first', 'boundary', 'filename f.ts', '\tline three',
      `${A} 2 4`, '\tline four',
      `${B} 7 9 1`, 'author y', 'summary second', 'filename f.ts', '\tline nine', '',
    ].join('\n');
    const parsed = parsePorcelain(text);
    expect([...parsed.lines]).toEqual([[3, A], [4, A], [9, B]]);
    expect([...parsed.boundary]).toEqual([A]);
  });

  it('never takes a commit summary shaped like a header for one', () => {
    const text = [`${A} 1 1 1`, `summary ${B} 5 5 1`, `${B} 5 5 1`, 'filename f', '\tcontent', ''].join('\n');
    expect([...parsePorcelain(text).lines]).toEqual([[1, A]]);
  });
});

describe('parseCommitObject', () => {
  it('reads parents, identities, dates and the raw message, skipping signatures', () => {
    const raw = Buffer.from([
      'tree ' + 'c'.repeat(40),
      `parent ${A}`,
      `parent ${B}`,
      'author Ada Lovelace <ada@example.com> 1767225600 +0100',
      'committer Bot <bot@example.com> 1767229200 -0000',
      'gpgsig -----BEGIN PGP SIGNATURE-----',
      ' ',
      ' parent ' + 'd'.repeat(40),
      ' -----END PGP SIGNATURE-----',
      '',
      'subject',
      '',
      'body\r\ntrailer: x',
    ].join('\n'));
    expect(parseCommitObject('e'.repeat(40), raw)).toEqual({
      sha: 'e'.repeat(40),
      parents: [A, B],
      author: { name: 'Ada Lovelace', email: 'ada@example.com' },
      committer: { name: 'Bot', email: 'bot@example.com' },
      authorDate: '2026-01-01T01:00:00+01:00',
      message: 'subject\n\nbody\r\ntrailer: x',
    });
  });

  it('survives missing headers and message', () => {
    expect(parseCommitObject(A, Buffer.from('tree x'))).toEqual({
      sha: A,
      parents: [],
      author: { name: '', email: '' },
      committer: { name: '', email: '' },
      authorDate: '1970-01-01T00:00:00+00:00',
      message: '',
    });
  });

  it.each([
    ['Name <e@x> 0 +0000', 'Name', 'e@x', '1970-01-01T00:00:00+00:00'],
    ['no brackets at all', 'no brackets at all', '', '1970-01-01T00:00:00+00:00'],
    ['Odd <a<b> 1767225600 +0530', 'Odd', 'a<b', '2026-01-01T05:30:00+05:30'],
    ['Bad tz <x@y> 1767225600 +05', 'Bad tz', 'x@y', '2026-01-01T00:00:00+00:00'],
    ['Huge <x@y> 99999999999999999 +0000', 'Huge', 'x@y', '1970-01-01T00:00:00+00:00'],
  ])('parseIdent(%s)', (value, name, email, date) => {
    expect(parseIdent(value)).toEqual({ person: { name, email }, date });
  });

  it('formats negative offsets', () => {
    expect(rfc3339(1_767_225_600, '-0800')).toBe('2025-12-31T16:00:00-08:00');
  });
});
