import { describe, expect, it } from 'vitest';
import { slugify, uniqueSlug } from '../src/slugify';

describe('slugify', () => {
  it.each([
    ['Hello World', 'hello-world'],
    ['  Trim me  ', 'trim-me'],
    ['Crème brûlée', 'creme-brulee'],
    ['a -- b', 'a-b'],
    ['!!!', ''],
  ])('slugify(%j) === %j', (input, expected) => {
    expect(slugify(input)).toBe(expected);
  });

  it('respects maxLength without leaving a trailing dash', () => {
    expect(slugify('one two three', { maxLength: 8 })).toBe('one-two');
  });
});

describe('uniqueSlug', () => {
  it('returns the base slug when it is free', () => {
    expect(uniqueSlug('My Post', new Set())).toBe('my-post');
  });

  it('appends a counter when the slug is taken', () => {
    expect(uniqueSlug('My Post', new Set(['my-post', 'my-post-2']))).toBe('my-post-3');
  });

  it('falls back to "item" for empty slugs', () => {
    expect(uniqueSlug('???', new Set())).toBe('item');
  });
});
