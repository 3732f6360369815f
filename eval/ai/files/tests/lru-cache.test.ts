import { describe, it, expect } from 'vitest';
import { LruCache } from '../src/lru-cache';

describe('LruCache', () => {
  it('should store and retrieve values', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    expect(cache.get('a')).toBe(1);
  });

  it('should return undefined for missing keys', () => {
    const cache = new LruCache<string, number>(2);
    expect(cache.get('missing')).toBeUndefined();
  });

  it('should evict the least recently used entry when capacity is exceeded', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a'); // 'a' is now most recently used
    cache.set('c', 3);

    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('should update the value of an existing key without growing', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('a', 10);
    expect(cache.size).toBe(1);
    expect(cache.get('a')).toBe(10);
  });

  it('should throw for invalid capacity', () => {
    expect(() => new LruCache(0)).toThrow(RangeError);
    expect(() => new LruCache(1.5)).toThrow(RangeError);
  });

  it('should clear all entries', () => {
    const cache = new LruCache<string, number>(3);
    cache.set('a', 1).set('b', 2);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
