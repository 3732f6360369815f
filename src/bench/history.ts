// History benchmark: `trailmark scan` over the last N first-parent commits of a real repository
// (by default this project's own), the whole process, against the raw parse process of the same
// files at head. Unlike the scan bench's built repository, a real history has merges, renames,
// data files and bundles rewritten in many commits, and lockfiles: the line-attribution path
// then reads hundreds of per-commit diffs, which is where a range of real commits costs more
// than one built for the bench (docs/architecture.md "Line tracking past big files").
//
// The raw side parses the files the scan parses: the TypeScript and JavaScript files with a hunk
// the scan did not skip (so no lockfile, bundle, generated or oversized file), at head, written
// out of the object store (the working tree may differ from HEAD). Medians of per-round ratios,
// as in scan.ts.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isParsable, languageOfPath } from '../../detectors/language.js';
import { alternateRounds, git, run, type ProcessCost } from './scan.js';

/** Largest head read for the raw side (the scan's own cap is 1 MiB). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

export interface HistoryBenchOptions {
  /** A git repository with history (not shallow past `commits`). */
  readonly repo: string;
  readonly bin: string;
  readonly rawParse: string;
  /** First-parent commits in the range; fewer when the history is shorter. Default 300. */
  readonly commits?: number;
  readonly rounds?: number;
  readonly log?: (line: string) => void;
}

export interface HistoryBenchReport {
  /** Why the case did not run (no git history, too short); the other fields are then absent. */
  readonly skipped?: string;
  readonly firstParentCommits?: number;
  /** Commits the scan read, merged branches included (its summary). */
  readonly commits?: number;
  readonly files?: number;
  readonly megabytes?: number;
  readonly hunks?: number;
  readonly rounds?: number;
  readonly raw?: ProcessCost;
  readonly scan?: ProcessCost;
  readonly wallRatio?: number;
  readonly cpuRatio?: number | null;
}

const MIN_COMMITS = 2;

export function benchHistory(options: HistoryBenchOptions): HistoryBenchReport {
  const log = options.log ?? (() => undefined);
  let available: number;
  try {
    if (git(options.repo, ['rev-parse', '--is-shallow-repository']).trim() === 'true') return { skipped: `${options.repo} is a shallow clone` };
    available = Number(git(options.repo, ['rev-list', '--first-parent', '--count', 'HEAD']).trim()) - 1;
  } catch (err) {
    return { skipped: `${options.repo} has no readable git history (${err instanceof Error ? err.message.split('\n')[0] : String(err)})` };
  }
  const n = Math.min(options.commits ?? 300, available);
  if (!(n >= MIN_COMMITS)) return { skipped: `${options.repo} has ${available + 1} first-parent ${available === 0 ? 'commit' : 'commits'}; at least ${MIN_COMMITS + 1} are needed` };
  const base = git(options.repo, ['rev-parse', `HEAD~${n}`]).trim();
  const head = git(options.repo, ['rev-parse', 'HEAD']).trim();

  const dir = mkdtempSync(join(tmpdir(), 'trailmark-bench-history-'));
  try {
    const scanArgs = [options.bin, 'scan', '--repo', options.repo, '--base', base, '--head', head, '--format', 'json'];
    // A first run, unmeasured: the page cache, and which files the scan parsed.
    const first = JSON.parse(run(scanArgs, options.repo, true).stdout) as { summary: { hunks: number; commits: number }; hunks: { path: string; verdict: string }[] };
    const parsed = [...new Set(first.hunks.filter((h) => h.verdict !== 'skipped' && isParsable(languageOfPath(h.path))).map((h) => h.path))].sort();
    const files: string[] = [];
    let bytes = 0;
    for (const rel of parsed) {
      // Hunks of a file deleted at head have no added line to parse; the scan parses heads only.
      let text: Buffer;
      try {
        text = execFileSync('git', ['cat-file', 'blob', `${head}:${rel}`], { cwd: options.repo, maxBuffer: MAX_FILE_BYTES, stdio: ['ignore', 'pipe', 'ignore'] });
      } catch {
        continue;
      }
      bytes += text.length;
      const target = join(dir, 'files', rel);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text);
      files.push(rel);
    }
    const listFile = join(dir, 'files.txt');
    writeFileSync(listFile, `${files.map((rel) => join(dir, 'files', rel)).join('\n')}\n`);
    log(`history bench: ${n} first-parent commits of ${options.repo}, ${files.length} files to parse, ${(bytes / 1048576).toFixed(1)} MiB`);

    run([options.rawParse, listFile], dir);
    const rounds = options.rounds ?? 3;
    const measured = alternateRounds('history bench', { args: [options.rawParse, listFile], cwd: dir }, { args: scanArgs, cwd: options.repo }, rounds, log);
    return { firstParentCommits: n, commits: first.summary.commits, files: files.length, megabytes: bytes / 1048576, hunks: first.summary.hunks, rounds, ...measured };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
