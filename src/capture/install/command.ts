// The command an installed hook runs. By default it is the absolute `node` executable and the
// absolute bin/trailmark.js of the trailmark that installed it, so a hook works when trailmark
// is not on PATH (a GUI-launched editor, a git client with a minimal environment). `--command`
// replaces it with any shell prefix, e.g. `npx trailmark`.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * One shell word, single-quoted for POSIX sh: every byte but `'` is literal inside single
 * quotes, and `'` becomes `'\''`. Hook commands are run by sh (git, Cursor), bash (Claude Code,
 * Codex, Copilot's `bash` key); all of them read this the same way.
 */
export function shellQuote(word: string): string {
  if (word.length > 0 && /^[A-Za-z0-9_./:=@%+-]+$/.test(word)) return word;
  return `'${word.split("'").join(`'\\''`)}'`;
}

/**
 * The bin/trailmark.js of the package that contains `fromUrl` (this module in src/ or in
 * dist/lib/src/), found by walking up to the package.json named `trailmark`.
 */
export function trailmarkBin(fromUrl: string = import.meta.url): string | undefined {
  let dir = dirname(fileURLToPath(fromUrl));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const parsed = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown };
        const bin = join(dir, 'bin', 'trailmark.js');
        if (parsed.name === 'trailmark' && existsSync(bin)) return bin;
      } catch {
        // An unreadable package.json on the way up is not ours; keep walking.
      }
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** `'<node>' '<bin/trailmark.js>'`, quoted for sh. */
export function defaultCommand(nodePath: string, binPath: string): string {
  return `${shellQuote(nodePath)} ${shellQuote(binPath)}`;
}
