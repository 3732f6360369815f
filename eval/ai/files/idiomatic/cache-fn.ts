export function memoizeAsync<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
  { ttlMs = 60_000, key = (...args: A) => JSON.stringify(args) }: { ttlMs?: number; key?: (...args: A) => string } = {},
) {
  const cache = new Map<string, { value: Promise<R>; expires: number }>();

  return async (...args: A): Promise<R> => {
    const k = key(...args);
    const hit = cache.get(k);
    if (hit && hit.expires > Date.now()) return hit.value;

    const value = fn(...args);
    cache.set(k, { value, expires: Date.now() + ttlMs });
    value.catch(() => cache.delete(k));
    return value;
  };
}
