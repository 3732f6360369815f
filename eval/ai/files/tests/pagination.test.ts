import { describe, expect, it } from 'vitest';
import { paginate } from '../src/pagination';

const items = Array.from({ length: 23 }, (_, i) => i + 1);

describe('paginate', () => {
  it('returns the first page', () => {
    const page = paginate(items, 1, 10);
    expect(page.items).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(page.totalPages).toBe(3);
    expect(page.hasPreviousPage).toBe(false);
    expect(page.hasNextPage).toBe(true);
  });

  it('returns a partial last page', () => {
    const page = paginate(items, 3, 10);
    expect(page.items).toEqual([21, 22, 23]);
    expect(page.hasNextPage).toBe(false);
  });

  it('returns an empty page past the end', () => {
    expect(paginate(items, 5, 10).items).toEqual([]);
  });

  it('reports one page for an empty list', () => {
    const page = paginate([], 1, 10);
    expect(page.totalItems).toBe(0);
    expect(page.totalPages).toBe(1);
  });

  it.each([
    [0, 10],
    [1, 0],
    [-1, 5],
  ])('throws for page=%i pageSize=%i', (p, size) => {
    expect(() => paginate(items, p, size)).toThrow(RangeError);
  });
});
