export interface CacheClient {
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
}

export interface Source<T> {
  name: string;
  keys(): Promise<string[]>;
  load(key: string): Promise<T>;
}

export interface WarmResult {
  source: string;
  warmed: number;
  failed: { key: string; error: string }[];
  skipped: boolean;
}

export class CacheWarmError extends Error {
  constructor(message: string, readonly results: WarmResult[]) {
    super(message);
    this.name = 'CacheWarmError';
  }
}

async function warmSource<T>(cache: CacheClient, source: Source<T>, ttlSeconds: number): Promise<WarmResult> {
  let keys: string[];
  try {
    keys = await source.keys();
  } catch (error) {
    console.error(`[cache-warmer] could not list keys for ${source.name}:`, error);
    return { source: source.name, warmed: 0, failed: [], skipped: true };
  }

  const result: WarmResult = { source: source.name, warmed: 0, failed: [], skipped: false };
  for (const key of keys) {
    let value: T;
    try {
      value = await source.load(key);
    } catch (error) {
      result.failed.push({ key, error: error instanceof Error ? error.message : String(error) });
      continue;
    }

    try {
      await cache.set(`${source.name}:${key}`, JSON.stringify(value), ttlSeconds);
      result.warmed++;
    } catch (error) {
      // If the cache itself is down there is no point in continuing with this source
      console.error(`[cache-warmer] cache write failed for ${source.name}:${key}, aborting source`, error);
      result.failed.push({ key, error: 'cache unavailable' });
      break;
    }
  }
  return result;
}

export async function warmCaches(cache: CacheClient, sources: Source<unknown>[], ttlSeconds = 3600): Promise<WarmResult[]> {
  if (ttlSeconds <= 0) {
    throw new RangeError(`ttlSeconds must be positive, got ${ttlSeconds}`);
  }

  const results = await Promise.all(sources.map((s) => warmSource(cache, s, ttlSeconds)));

  const totalFailed = results.reduce((n, r) => n + r.failed.length, 0);
  const allSkipped = results.length > 0 && results.every((r) => r.skipped);
  if (allSkipped) {
    throw new CacheWarmError('All cache sources failed to list their keys', results);
  }
  if (totalFailed > 0) {
    console.warn(`[cache-warmer] finished with ${totalFailed} failure(s)`);
  }
  return results;
}
