// RFC 8785 §3.2.2.3 number serialization against cyberphone's deterministic es6testfile
// sequence: lines "hex-ieee,expected\n", hashed and compared with the SHA-256 values published
// in cyberphone/json-canonicalization testdata/README.md (same commit as the other JCS vectors).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../src/ledger/canonical.js';
import { vectorText } from './vectors.js';

const STATIC = vectorText('jcs-cyberphone/es6-static-u64.txt')
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('#'))
  .map((h) => BigInt(`0x${h}`));

/** The README's generator: static values, 2000 serial subnormal-boundary values, then a SHA-256 chain. */
function* es6Sequence(): Generator<bigint> {
  yield* STATIC;
  for (let i = 0n; i < 2000n; i++) yield 0x0010000000000000n + i;
  let block = new Uint8Array(32);
  const view = new DataView(new ArrayBuffer(8));
  for (;;) {
    block = new Uint8Array(createHash('sha256').update(block).digest());
    const dv = new DataView(block.buffer, block.byteOffset, 32);
    for (let i = 0; i < 4; i++) {
      const f = dv.getFloat64(i * 8, true);
      if (f === 0 || !Number.isFinite(f)) continue;
      view.setFloat64(0, f, true);
      yield view.getBigUint64(0, true);
    }
  }
}

function sequenceHash(lines: number): string {
  const h = createHash('sha256');
  const view = new DataView(new ArrayBuffer(8));
  let n = 0;
  for (const bits of es6Sequence()) {
    if (n++ === lines) break;
    view.setBigUint64(0, bits, true);
    h.update(`${bits.toString(16)},${canonicalize(view.getFloat64(0, true))}\n`);
  }
  return h.digest('hex');
}

describe('ES6 number serialization (cyberphone es6testfile)', () => {
  it('has the 168 static values', () => {
    expect(STATIC).toHaveLength(168);
  });

  it.each([
    [1000, 'be18b62b6f69cdab33a7e0dae0d9cfa869fda80ddc712221570f9f40a5878687'],
    [10000, 'b9f7a8e75ef22a835685a52ccba7f7d6bdc99e34b010992cbc5864cd12be6892'],
    [100000, '22776e6d4b49fa294a0d0f349268e5c28808fe7e0cb2bcbe28f63894e494d4c7'],
    [1000000, '49415fee2c56c77864931bd3624faad425c3c577d6d74e89a83bc725506dad16'],
  ])('the first %i lines hash to the published value', (lines, want) => {
    expect(sequenceHash(lines)).toBe(want);
  });

  it('matches the README sample lines', () => {
    const view = new DataView(new ArrayBuffer(8));
    const line = (hex: string): string => {
      view.setBigUint64(0, BigInt(`0x${hex}`), true);
      return `${hex},${canonicalize(view.getFloat64(0, true))}`;
    };
    expect(['4340000000000001', '4340000000000002', '444b1ae4d6e2ef50', '3eb0c6f7a0b5ed8d', '3eb0c6f7a0b5ed8c', '8000000000000000'].map(line)).toEqual([
      '4340000000000001,9007199254740994',
      '4340000000000002,9007199254740996',
      '444b1ae4d6e2ef50,1e+21',
      '3eb0c6f7a0b5ed8d,0.000001',
      '3eb0c6f7a0b5ed8c,9.999999999999997e-7',
      '8000000000000000,0',
    ]);
  });
});
