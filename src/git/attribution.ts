// Line attribution by `git blame --porcelain` on head, restricted to the added line ranges
// and bounded by the range; lines blamed on a boundary commit, or on any commit outside the
// range, are left unattributed. Used for the files that forward tracking (line-tracking.ts)
// cannot follow, and for whole ranges whose per-commit diff cannot be read.

import type { Git } from './git.js';
import { isObjectId } from './revision.js';

/** Parallel blame processes. */
export const BLAME_CONCURRENCY = 4;
/** Above this many separate added-line ranges, blame the whole file once instead of passing -L per range. */
export const MAX_BLAME_RANGES = 500;

export interface BlameRequest {
  readonly path: string;
  /** Added line numbers in head, ascending. */
  readonly lines: readonly number[];
}

/**
 * Blames the added lines of each file at `head`, bounded by `base` (a commit id; undefined
 * when the range starts at the empty tree). Returns, per path, line -> range commit.
 */
export async function blameAddedLines(
  git: Git,
  head: string,
  base: string | undefined,
  rangeCommits: ReadonlySet<string>,
  requests: readonly BlameRequest[],
  onError: (path: string, err: unknown) => void,
): Promise<Map<string, Map<number, string>>> {
  const result = new Map<string, Map<number, string>>();
  let cursor = 0;
  const worker = async (): Promise<void> => {
    while (cursor < requests.length) {
      const request = requests[cursor++]!;
      try {
        result.set(request.path, await blameOne(git, head, base, rangeCommits, request));
      } catch (err) {
        onError(request.path, err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(BLAME_CONCURRENCY, requests.length) }, worker));
  return result;
}

async function blameOne(
  git: Git,
  head: string,
  base: string | undefined,
  rangeCommits: ReadonlySet<string>,
  request: BlameRequest,
): Promise<Map<number, string>> {
  const ranges = toRanges(request.lines);
  const args = ['blame', '--porcelain', '--root', '--no-textconv', '--ignore-revs-file='];
  if (ranges.length <= MAX_BLAME_RANGES) for (const [a, b] of ranges) args.push('-L', `${a},${b}`);
  args.push(base === undefined ? head : `${base}..${head}`, '--', request.path);
  const { stdout } = await git.run(args);
  const blamed = parsePorcelain(stdout.toString('utf8'));
  const wanted = new Set(request.lines);
  const out = new Map<number, string>();
  for (const [line, sha] of blamed.lines) {
    if (!wanted.has(line) || blamed.boundary.has(sha) || !rangeCommits.has(sha)) continue;
    out.set(line, sha);
  }
  return out;
}

function toRanges(lines: readonly number[]): [number, number][] {
  const ranges: [number, number][] = [];
  for (const n of lines) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && n === last[1] + 1) last[1] = n;
    else ranges.push([n, n]);
  }
  return ranges;
}

/**
 * `git blame --porcelain`: a header `<sha> <orig> <final> [<count>]`, property lines (only the
 * first time a commit appears; `boundary` marks commits at the range edge), then the line
 * content after a TAB. Headers are only read right after a content line, so a commit summary
 * shaped like a header (attacker-controlled) is never taken for one.
 */
export function parsePorcelain(text: string): { lines: Map<number, string>; boundary: Set<string> } {
  const lines = new Map<number, string>();
  const boundary = new Set<string>();
  let expectHeader = true;
  let current: string | undefined;
  for (const line of text.split('\n')) {
    if (expectHeader) {
      const fields = line.split(' ');
      const sha = fields[0] ?? '';
      const final = Number(fields[2]);
      if ((fields.length === 3 || fields.length === 4) && isObjectId(sha) && Number.isSafeInteger(final) && final > 0) {
        current = sha;
        lines.set(final, sha);
        expectHeader = false;
      }
      continue;
    }
    if (line.startsWith('\t')) {
      expectHeader = true;
    } else if (line === 'boundary' && current !== undefined) {
      boundary.add(current);
    }
  }
  return { lines, boundary };
}
