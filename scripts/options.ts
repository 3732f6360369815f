// What the corpus scripts (operating-points, real-report, train-real) share: the project root
// and `--name value` options over process.argv.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The script's arguments after the script path. */
export const ARGS: readonly string[] = process.argv.slice(2);

/** The value after `--name`, else `fallback`. */
export function option(name: string, fallback: string): string {
  const i = ARGS.indexOf(name);
  return i >= 0 && ARGS[i + 1] !== undefined ? ARGS[i + 1]! : fallback;
}
