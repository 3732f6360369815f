import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export async function* readJsonLines<T = unknown>(path: string): AsyncGenerator<T> {
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of rl) {
    lineNo++;
    if (!line.trim()) continue;
    try {
      yield JSON.parse(line) as T;
    } catch (err) {
      throw new SyntaxError(`${path}:${lineNo}: ${(err as Error).message}`);
    }
  }
}

export async function countBy<T>(path: string, key: (row: T) => string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for await (const row of readJsonLines<T>(path)) {
    const k = key(row);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}
