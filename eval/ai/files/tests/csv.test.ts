import { describe, expect, test } from 'vitest';
import { parseCsv } from '../scripts/csv-to-json';

describe('parseCsv', () => {
  test('parses simple rows', () => {
    expect(parseCsv('a,b\n1,2\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  test('handles quoted fields with commas and escaped quotes', () => {
    expect(parseCsv('name,quote\n"Doe, Jane","She said ""hi"""')).toEqual([
      ['name', 'quote'],
      ['Doe, Jane', 'She said "hi"'],
    ]);
  });

  test('handles CRLF line endings', () => {
    expect(parseCsv('x,y\r\n3,4\r\n')).toEqual([
      ['x', 'y'],
      ['3', '4'],
    ]);
  });

  test('supports a custom delimiter', () => {
    expect(parseCsv('a;b\n1;2', ';')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  test('keeps empty trailing fields', () => {
    expect(parseCsv('a,b,\n')).toEqual([['a', 'b', '']]);
  });
});
