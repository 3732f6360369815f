import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../src/token-bucket';

function fakeClock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('TokenBucket', () => {
  it('starts full', () => {
    const bucket = new TokenBucket(3, 1, fakeClock());
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
  });

  it('refills over time up to capacity', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(2, 2, clock);
    bucket.tryTake(2);
    clock.advance(500);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    clock.advance(10_000);
    expect(bucket.tryTake(2)).toBe(true);
    expect(bucket.tryTake()).toBe(false);
  });

  it('reports the wait until enough tokens are available', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(1, 4, clock);
    bucket.tryTake();
    expect(bucket.msUntilAvailable()).toBe(250);
  });
});
