// MurmurHash3 x86_32 against the published test vectors of the reference implementation.

import { describe, expect, it } from 'vitest';
import { murmur3Hex, murmur3x86_32 } from '../../src/attest/murmur3.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('murmur3x86_32', () => {
  it.each([
    ['', 0, 0x00000000],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['\u0000\u0000\u0000\u0000', 0, 0x2362f9de],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['aaa', 0x9747b28c, 0x283e0130],
    ['aa', 0x9747b28c, 0x5d211726],
    ['a', 0x9747b28c, 0x7fa09ea6],
    ['abcd', 0x9747b28c, 0xf0478627],
    ['abc', 0x9747b28c, 0xc84a62dd],
    ['ab', 0x9747b28c, 0x74875592],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
  ])('%j seed %i', (input, seed, expected) => {
    expect(murmur3x86_32(utf8(input), seed)).toBe(expected);
  });

  it('hashes UTF-8 bytes and prints 8 hex digits', () => {
    expect(murmur3x86_32(utf8('ππππππππ'), 0x9747b28c)).toBe(0xd58063c1);
    expect(murmur3Hex('')).toBe('00000000');
    expect(murmur3Hex('Hello, world!', 0x9747b28c)).toBe('24884cba');
  });
});
