// Loads the official test vectors copied into test/fixtures/vectors (see its README.md).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VECTORS = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'vectors');

export function vectorText(path: string): string {
  return readFileSync(join(VECTORS, path), 'utf8');
}

export function vectorBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(join(VECTORS, path)));
}

/** Relative paths of all files under a vector directory, sorted. */
export function vectorFiles(dir: string, suffix: string): string[] {
  const out: string[] = [];
  const walk = (abs: string): void => {
    for (const name of readdirSync(abs).sort()) {
      const p = join(abs, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(suffix)) out.push(relative(VECTORS, p));
    }
  };
  walk(join(VECTORS, dir));
  return out;
}

/** "index hex" lines, '#' comments skipped. */
export function numberedHexLines(path: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of vectorText(path).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [n, hex] = line.split(' ');
    out.set(Number(n), hex!);
  }
  return out;
}
