// Differential property tests: our canonicalizer against the reference JavaScript JCS
// implementation (npm `canonicalize`, by an RFC 8785 co-author), and our strict parser against
// JSON.parse on random and randomly mutated texts. Seeded, so failures reproduce.
import referenceCanonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { LedgerError } from '../../src/core/errors.js';
import { canonicalize, isCanonical, parseCanonical, parseStrictJson } from '../../src/ledger/canonical.js';
import { prng } from '../support/prng.js';


const rand = prng(0x4a435321);
const pick = (n: number): number => Math.floor(rand() * n);
const oneOf = <T,>(xs: readonly T[]): T => xs[pick(xs.length)]!;

const CHARS = ['a', 'z', 'A', '0', ' ', '"', '\\', '/', '\n', '\t', '\u0000', '\u001f', '\u007f', 'é', '€', '\u2028', '\uFB33', '\u{1F600}', '\u{10FFFF}', '\uFFFF', '~', '+'];
function randomString(): string {
  let s = '';
  for (let i = pick(8); i > 0; i--) s += oneOf(CHARS);
  return s;
}

const bits = new DataView(new ArrayBuffer(8));
function randomNumber(): number {
  switch (pick(5)) {
    case 0:
      return pick(2000) - 1000;
    case 1:
      return oneOf([0, -0, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, 9007199254740991, -9007199254740992, 0.1, 1 / 3]);
    case 2:
      return (rand() - 0.5) * 10 ** (pick(60) - 30);
    default: {
      // Any finite double, from random bit patterns.
      for (;;) {
        bits.setUint32(0, pick(2 ** 32));
        bits.setUint32(4, pick(2 ** 32));
        const f = bits.getFloat64(0);
        if (Number.isFinite(f)) return f;
      }
    }
  }
}

function randomValue(depth: number): unknown {
  const kind = depth > 4 ? pick(4) : pick(6);
  switch (kind) {
    case 0:
      return oneOf([null, true, false]);
    case 1:
      return randomNumber();
    case 2:
    case 3:
      return randomString();
    case 4:
      return Array.from({ length: pick(5) }, () => randomValue(depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = pick(6); i > 0; i--) o[randomString()] = randomValue(depth + 1);
      return o;
    }
  }
}

/** Strict-parse failures that JSON.parse does not report. */
const STRICTER = /duplicate member name|lone surrogate|number out of range|nesting deeper/;

describe('canonicalize vs the reference implementation', () => {
  it('agrees on 3000 random values, and the output parses back and is canonical', () => {
    for (let i = 0; i < 3000; i++) {
      const v = randomValue(0);
      const ours = canonicalize(v);
      expect(ours).toBe(referenceCanonicalize(v));
      expect(isCanonical(ours)).toBe(true);
      expect(parseCanonical(ours)).toEqual(JSON.parse(ours));
      expect(canonicalize(parseStrictJson(ours))).toBe(ours);
      const pretty = JSON.stringify(v, null, 1);
      expect(canonicalize(parseStrictJson(pretty))).toBe(ours);
    }
  });
});

describe('parseStrictJson vs JSON.parse on mutated texts', () => {
  const MUTATIONS = ['{', '}', '[', ']', '"', ',', ':', '\\', ' ', '0', '1', '-', '+', '.', 'e', 'E', 't', 'n', 'u', 'x', '\\u', '\\uD800', '\\uDC00', '\uD800', '\u0001', '01', '1e999', '"a":1,"a":2'];

  it('accepts only what JSON.parse accepts, with the same value, or fails for a stricter reason', () => {
    let strictOnly = 0;
    let bothOk = 0;
    for (let i = 0; i < 20_000; i++) {
      const base = JSON.stringify(randomValue(0));
      const at = pick(base.length + 1);
      const cut = pick(3);
      const text = base.slice(0, at) + (pick(4) === 0 ? '' : oneOf(MUTATIONS)) + base.slice(at + cut);
      let native: { ok: true; value: unknown } | { ok: false };
      try {
        native = { ok: true, value: JSON.parse(text) };
      } catch {
        native = { ok: false };
      }
      let strict: { ok: true; value: unknown } | { ok: false; err: LedgerError };
      try {
        strict = { ok: true, value: parseStrictJson(text) };
      } catch (err) {
        expect(err).toBeInstanceOf(LedgerError);
        expect((err as LedgerError).code).toBe('NOT_CANONICAL');
        strict = { ok: false, err: err as LedgerError };
      }
      if (strict.ok) {
        expect(native.ok, text).toBe(true);
        expect(strict.value).toEqual((native as { value: unknown }).value);
        bothOk++;
      } else if (native.ok) {
        expect(strict.err.message, text).toMatch(STRICTER);
        strictOnly++;
      }
    }
    // The mutations must exercise both sides, or this test proves nothing.
    expect(bothOk).toBeGreaterThan(1000);
    expect(strictOnly).toBeGreaterThan(50);
  });
});
