// .dockerignore as Docker applies it (moby/patternmatcher, "Exclude files with .dockerignore"
// in the Docker build docs): one pattern a line, `#` comments, `!` re-includes; a pattern
// excludes a path when it matches the path or one of its parent directories, and the last
// matching pattern decides. `*` and `?` stay within one path segment, `**` spans any number,
// and they match names starting with a dot.
import picomatch from 'picomatch';
import { posix } from 'node:path';

interface Pattern {
  readonly negated: boolean;
  readonly match: (path: string) => boolean;
}

export function parseDockerignore(text: string): Pattern[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negated = l.startsWith('!');
      const cleaned = posix.normalize(negated ? l.slice(1).trim() : l).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negated, match: picomatch(cleaned, { dot: true }) };
    });
}

/** Whether `path` (relative, `/`-separated) is left out of the build context. */
export function excluded(patterns: readonly Pattern[], path: string): boolean {
  const parts = path.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let out = false;
  for (const p of patterns) if (candidates.some((c) => p.match(c))) out = !p.negated;
  return out;
}
