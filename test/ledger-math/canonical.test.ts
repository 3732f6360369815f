import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/core/errors.js';
import { MAX_JSON_DEPTH, canonicalBytes, canonicalize, isCanonical, parseCanonical, parseStrictJson } from '../../src/ledger/canonical.js';
import { encodeHex } from '../../src/ledger/encoding.js';
import { vectorFiles, vectorText } from './vectors.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LedgerError);
    return (err as LedgerError).code;
  }
  return undefined;
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

const CYBERPHONE = vectorFiles('jcs-cyberphone/input', '.json').map((f) => f.split('/').pop()!.replace(/\.json$/, ''));

describe('RFC 8785 reference vectors (cyberphone/json-canonicalization testdata)', () => {
  it('covers all six files', () => {
    expect(CYBERPHONE).toEqual(['arrays', 'french', 'structures', 'unicode', 'values', 'weird']);
  });

  it.each(CYBERPHONE)('%s: output text and bytes', (name) => {
    const input = vectorText(`jcs-cyberphone/input/${name}.json`);
    const output = vectorText(`jcs-cyberphone/output/${name}.json`);
    const outhex = vectorText(`jcs-cyberphone/outhex/${name}.txt`).replace(/\s+/g, '');
    expect(canonicalize(JSON.parse(input))).toBe(output);
    expect(canonicalize(parseStrictJson(input))).toBe(output);
    expect(encodeHex(canonicalBytes(parseStrictJson(input)))).toBe(outhex);
    expect(isCanonical(output)).toBe(true);
    expect(isCanonical(input)).toBe(false);
    expect(parseStrictJson(output)).toEqual(JSON.parse(output));
    expect(parseCanonical(output)).toEqual(JSON.parse(output));
  });
});

describe('canonicalize', () => {
  it.each<[string, unknown, string]>([
    ['-0 becomes 0', -0, '0'],
    ['1e21 uses the exponent form', 1e21, '1e+21'],
    ['1e20 stays integral', 1e20, '100000000000000000000'],
    ['small numbers use the exponent form', 1e-7, '1e-7'],
    ['0.000001 stays decimal', 0.000001, '0.000001'],
    ['max safe integer', Number.MAX_SAFE_INTEGER, '9007199254740991'],
    ['largest double', Number.MAX_VALUE, '1.7976931348623157e+308'],
    ['smallest subnormal', Number.MIN_VALUE, '5e-324'],
    ['shortest round trip', 0.1 + 0.2, '0.30000000000000004'],
    ['keys sorted by UTF-16 code units, not code points', { '\u{1F600}': 1, '\uFB33': 2, a: 3 }, '{"a":3,"\u{1F600}":1,"\uFB33":2}'],
    ['nested sorting', { b: [{ z: 1, y: 2 }], a: null }, '{"a":null,"b":[{"y":2,"z":1}]}'],
    ['control characters escaped in lowercase hex', '\u0001\u001f\b\f\n\r\t"\\', '"\\u0001\\u001f\\b\\f\\n\\r\\t\\"\\\\"'],
    ['no escaping of / or non-ASCII', '/é€\u{1F600}\u2028', '"/é€\u{1F600}\u2028"'],
    ['null-prototype objects are plain', Object.assign(Object.create(null) as object, { b: true, a: false }), '{"a":false,"b":true}'],
    ['shared (non-cyclic) references are fine', ((): unknown => { const s = { x: 1 }; return [s, s]; })(), '[{"x":1},{"x":1}]'],
    ['empty containers', { a: [], b: {} }, '{"a":[],"b":{}}'],
    ['__proto__ as an own key', JSON.parse('{"__proto__":1,"a":2}'), '{"__proto__":1,"a":2}'],
  ])('%s', (_name, value, want) => {
    expect(canonicalize(value)).toBe(want);
  });

  class Point {
    x = 1;
  }
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = { back: cyclic };
  const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
  let deep: unknown = 1;
  for (let i = 0; i < MAX_JSON_DEPTH + 1; i++) deep = [deep];

  it.each<[string, unknown, string]>([
    ['undefined', undefined, 'undefined at ""'],
    ['undefined member', { a: { b: undefined } }, 'undefined at "/a/b"'],
    ['undefined in array', [1, undefined], 'undefined at "/1"'],
    ['NaN', { n: NaN }, 'non-finite number NaN at "/n"'],
    ['Infinity', Infinity, 'non-finite number Infinity'],
    ['-Infinity', [-Infinity], 'non-finite number -Infinity'],
    ['BigInt', { big: 10n }, 'bigint 10 at "/big"'],
    ['lone high surrogate in a value', { s: 'a\uD800b' }, 'lone surrogate at "/s"'],
    ['lone low surrogate in a value', ['\uDC00'], 'lone surrogate'],
    ['reversed surrogate pair', '\uDC00\uD800', 'lone surrogate'],
    ['lone surrogate in a key', { 'k\uD83D': 1 }, 'key with a lone surrogate'],
    ['Date', { when: new Date(0) }, 'non-plain object (Date) at "/when"'],
    ['Map', new Map([['a', 1]]), 'non-plain object (Map)'],
    ['Set', new Set([1]), 'non-plain object (Set)'],
    ['class instance', new Point(), 'non-plain object (Point)'],
    ['Buffer', Buffer.from('x'), 'non-plain object (Buffer)'],
    ['Uint8Array', new Uint8Array(2), 'non-plain object (Uint8Array)'],
    ['boxed string', new String('x'), 'non-plain object (String)'],
    ['RegExp', /x/, 'non-plain object (RegExp)'],
    ['function', { f: () => 1 }, 'function at "/f"'],
    ['symbol value', Symbol('s'), 'symbol'],
    ['symbol key', { [Symbol('s')]: 1 }, 'object with symbol keys'],
    ['cycle', cyclic, 'cycle at "/self/back"'],
    ['sparse array', sparse, 'hole in sparse array at "/1"'],
    ['array subclass', new (class Arr extends Array<number> {})(), 'array subclass'],
    ['nesting too deep', deep, 'nesting deeper than'],
    ['pointer escaping', { 'a/b~c': undefined }, 'undefined at "/a~1b~0c"'],
  ])('rejects %s', (_name, value, message) => {
    expect(codeOf(() => canonicalize(value))).toBe('CANONICAL_INPUT');
    expect(messageOf(() => canonicalize(value))).toContain(message);
    expect(codeOf(() => canonicalBytes(value))).toBe('CANONICAL_INPUT');
  });

  it('wraps errors thrown by getters and proxies while reading the value', () => {
    const getter = { get boom(): number { throw new Error('getter failed'); } };
    const proxy = new Proxy({}, { ownKeys: () => { throw new Error('trap failed'); } });
    expect(codeOf(() => canonicalize(getter))).toBe('CANONICAL_INPUT');
    expect(messageOf(() => canonicalize([getter]))).toContain('getter failed');
    expect(codeOf(() => canonicalize(proxy))).toBe('CANONICAL_INPUT');
  });

  it('gives the error a hint', () => {
    try {
      canonicalize({ a: undefined });
    } catch (err) {
      expect((err as LedgerError).hint).toMatch(/plain JSON data/);
    }
    expect.assertions(1);
  });

  it('canonicalBytes is the UTF-8 encoding', () => {
    expect(encodeHex(canonicalBytes({ '€': 'é' }))).toBe('7b22e282ac223a22c3a9227d');
  });

  it('accepts the same object again after a rejection (no state leaks)', () => {
    const shared = { a: 1 };
    expect(codeOf(() => canonicalize([shared, undefined]))).toBe('CANONICAL_INPUT');
    expect(canonicalize([shared, shared])).toBe('[{"a":1},{"a":1}]');
  });
});

describe('parseStrictJson', () => {
  it.each<[string, string, unknown]>([
    ['plain object', '{"a":[1,2.5,-3e2,true,false,null,"x"]}', { a: [1, 2.5, -300, true, false, null, 'x'] }],
    ['whitespace everywhere', ' \t\r\n{ "a" : [ 1 , 2 ] }\n', { a: [1, 2] }],
    ['escapes', '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00"', '"\\/\b\f\n\r\té\u{1F600}'],
    ['raw astral characters', '"\u{1F600}"', '\u{1F600}'],
    ['uppercase exponent', '1E+2', 100],
    ['negative zero', '-0', -0],
    ['members named like Object.prototype properties', '{"constructor":1,"toString":2,"hasOwnProperty":3,"__defineGetter__":4}', undefined],
    ['deep but allowed', '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH), undefined],
  ])('accepts %s', (_name, text, want) => {
    const v = parseStrictJson(text);
    if (want !== undefined) expect(v).toEqual(want);
    expect(v).toEqual(JSON.parse(text));
  });

  it('members named like prototype properties are own data members', () => {
    const v = parseStrictJson('{"constructor":1,"toString":2}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['constructor', 'toString']);
    expect(canonicalize(v)).toBe('{"constructor":1,"toString":2}');
    expect(codeOf(() => parseStrictJson('{"toString":1,"toString":2}'))).toBe('NOT_CANONICAL');
  });

  it('keeps __proto__ as an own member, like JSON.parse', () => {
    const v = parseStrictJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(canonicalize(v)).toBe('{"__proto__":{"polluted":true}}');
  });

  it.each<[string, string, number]>([
    ['duplicate key', '{"a":1,"b":2,"a":3}', 13],
    ['duplicate key after escapes', '{"a":1,"\\u0061":2}', 7],
    ['duplicate nested key', '[{"x":{"k":1,"k":1}}]', 13],
    ['escaped lone high surrogate', '{"s":"\\uD800"}', 5],
    ['escaped lone low surrogate', '["x\\uDC00"]', 1],
    ['escaped lone surrogate in a key', '{"\\uD83Dx":1}', 1],
    ['raw lone surrogate', '["\uD800"]', 1],
    ['trailing comma in array', '[1,]', 3],
    ['trailing comma in object', '{"a":1,}', 7],
    ['leading zero', '01', 1],
    ['bare decimal point', '1.', 1],
    ['missing exponent digits', '1e', 1],
    ['plus sign', '+1', 0],
    ['NaN literal', 'NaN', 0],
    ['number out of range', '1e400', 0],
    ['single quotes', "{'a':1}", 1],
    ['unquoted key', '{a:1}', 1],
    ['raw control character', '"a\u0001"', 2],
    ['bad escape', '"\\x41"', 1],
    ['short unicode escape', '"\\u12"', 1],
    ['unterminated string', '"abc', 0],
    ['trailing data', '{} {}', 3],
    ['empty text', '', 0],
    ['comment', '[1 /* x */]', 3],
    ['non-JSON whitespace', '\u00a0[]', 0],
    ['truncated literal', 'tru', 0],
  ])('rejects %s with NOT_CANONICAL at its position', (_name, text, position) => {
    expect(codeOf(() => parseStrictJson(text))).toBe('NOT_CANONICAL');
    expect(messageOf(() => parseStrictJson(text))).toContain(`position ${position}:`);
  });

  it('the parser and the canonicalizer share one depth limit', () => {
    const text = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    expect(canonicalize(parseStrictJson(text))).toBe(text);
    expect(isCanonical(text)).toBe(true);
    expect(isCanonical(`[${text}]`)).toBe(false);
  });

  it('rejects nesting deeper than the limit instead of overflowing the stack', () => {
    const n = MAX_JSON_DEPTH + 1;
    expect(codeOf(() => parseStrictJson('['.repeat(n) + ']'.repeat(n)))).toBe('NOT_CANONICAL');
    expect(codeOf(() => parseStrictJson('{"a":'.repeat(100_000)))).toBe('NOT_CANONICAL');
  });
});

describe('isCanonical and parseCanonical', () => {
  it.each<[string, boolean]>([
    ['{"a":1,"b":[true,null,"x"]}', true],
    ['{}', true],
    ['"\u{1F600}"', true],
    ['1e+21', true],
    ['{"b":1,"a":2}', false],
    ['{"a":1,"a":1}', false],
    ['{ "a":1}', false],
    ['{"a":1}\n', false],
    ['1.0', false],
    ['1E+21', false],
    ['-0', false],
    ['"\\u00e9"', false],
    ['"\\/"', false],
    ['"\\uD800"', false],
    ['["\uD800"]', false],
    ['1e400', false],
    ['', false],
    ['{"a":', false],
    ['9007199254740993', false],
  ])('%s -> %s', (text, want) => {
    expect(isCanonical(text)).toBe(want);
    if (want) {
      expect(parseCanonical(text)).toEqual(JSON.parse(text));
    } else {
      expect(codeOf(() => parseCanonical(text))).toBe('NOT_CANONICAL');
    }
  });

  it('names the first difference', () => {
    expect(messageOf(() => parseCanonical('{"a":1, "b":2}'))).toContain('position 7');
  });
});

describe('canonicalize: member order, planted prototype members, many names', () => {
  it('sorts members of objects that lack some of the names used elsewhere, and integer-like names', () => {
    const v = { b: [{ z: 1, a: '\u00e9' }, { a: null, '10': true, '9': false }], a: { y: -0, x: 1e21 } };
    expect(canonicalize(v)).toBe('{"a":{"x":1e+21,"y":0},"b":[{"a":"\u00e9","z":1},{"10":true,"9":false,"a":null}]}');
  });

  it('ignores a value planted on Object.prototype, as the full path does', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.path = 'planted';
    try {
      expect(canonicalize({ list: [{ path: 'a' }, { other: 1 }] })).toBe('{"list":[{"path":"a"},{"other":1}]}');
    } finally {
      delete proto.path;
    }
  });

  it('does not call a toJSON planted on Object.prototype', () => {
    Object.defineProperty(Object.prototype, 'toJSON', { value: () => 'planted', configurable: true, writable: true });
    try {
      expect(canonicalize({ a: { b: 1 } })).toBe('{"a":{"b":1}}');
    } finally {
      delete (Object.prototype as Record<string, unknown>).toJSON;
    }
  });

  it('gives the same bytes for many distinct names in many objects (the full path takes over)', () => {
    const v = Array.from({ length: 400 }, (_, i) => ({ [`k${i}`]: i, [`j${399 - i}`]: String(i) }));
    const expected = '[' + v.map((_, i) => `{"j${399 - i}":"${i}","k${i}":${i}}`).join(',') + ']';
    expect(canonicalize(v)).toBe(expected);
  });
});
