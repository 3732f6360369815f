// Scan benchmark: added lines per second of a whole scan, as a ratio to the raw tree-sitter
// parse of the same files measured in the same run (goal: the scan costs ≤ 2× the raw parse).
//
// The change set is real code: every JS/TS source of this project and of the installed
// dependencies that ship sources, committed on top of an empty base in a temp repository, so
// the scan sees a large "whole files added" change (the worst case for detectors).

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { DEFAULT_POLICY } from '../core/policy.js';
import { analyzeChangeSync } from '../engine/analyze.js';
import { GitChangeSource } from '../git/index.js';
import { languageOfPath } from '../../detectors/language.js';
import { parseSource } from '../../detectors/parse.js';

export interface ScanBenchOptions {
  /** Directories whose .ts/.tsx/.js sources form the change set. */
  readonly roots: readonly string[];
  /** Stop collecting after this many bytes of source. Default 12 MiB. */
  readonly maxBytes?: number;
  /** Files above this size are left out (they would be skipped as too large anyway). */
  readonly maxFileBytes?: number;
  readonly log?: (line: string) => void;
}

export interface ScanBenchReport {
  readonly files: number;
  readonly addedLines: number;
  readonly megabytes: number;
  readonly rawParseSec: number;
  readonly rawParseLinesPerSec: number;
  readonly engineSec: number;
  readonly engineRatio: number;
  readonly loadSec: number;
  readonly fullScanSec: number;
  readonly fullScanLinesPerSec: number;
  readonly fullScanRatio: number;
}

const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.jsx'];

function collect(roots: readonly string[], maxBytes: number, maxFileBytes: number): { path: string; rel: string }[] {
  const out: { path: string; rel: string }[] = [];
  let total = 0;
  const walk = (dir: string, base: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (total >= maxBytes) return;
      if (name === '.git' || name === 'dist' || name.startsWith('.')) continue;
      const path = join(dir, name);
      const info = statSync(path, { throwIfNoEntry: false });
      if (!info) continue;
      if (info.isDirectory()) walk(path, base);
      else if (SOURCE_EXTENSIONS.some((e) => name.endsWith(e)) && !name.endsWith('.d.ts') && !name.includes('.min.') && info.size <= maxFileBytes) {
        // Neutral top-level names: a `node_modules/` path would be skipped as vendored code.
        out.push({ path, rel: join(`tree${roots.indexOf(base)}`, relative(base, path).replaceAll('node_modules', 'packages')) });
        total += info.size;
      }
    }
  };
  for (const root of roots) walk(root, root);
  return out;
}

function git(cwd: string, args: string[]): void {
  execFileSync('git', ['-c', 'commit.gpgsign=false', ...args], {
    cwd,
    stdio: 'ignore',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com' },
  });
}

const seconds = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

export async function benchScan(options: ScanBenchOptions): Promise<ScanBenchReport> {
  const log = options.log ?? (() => undefined);
  const files = collect(options.roots, options.maxBytes ?? 12 * 1024 * 1024, options.maxFileBytes ?? 512 * 1024);
  const repo = mkdtempSync(join(tmpdir(), 'trailmark-bench-scan-'));
  try {
    git(repo, ['init', '-q', '-b', 'main']);
    writeFileSync(join(repo, 'README.md'), 'bench\n');
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'base']);
    const texts: { rel: string; text: string }[] = [];
    let bytes = 0;
    for (const f of files) {
      const text = readFileSync(f.path, 'utf8');
      mkdirSync(dirname(join(repo, f.rel)), { recursive: true });
      writeFileSync(join(repo, f.rel), text);
      texts.push({ rel: f.rel, text });
      bytes += Buffer.byteLength(text);
    }
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'add sources']);
    log(`scan bench: ${texts.length} files, ${(bytes / 1048576).toFixed(1)} MiB`);

    // Warm the parsers (grammar load) outside the measured region.
    parseSource('const a = 1;', 'typescript');
    parseSource('const a = 1;', 'tsx');
    parseSource('const a = 1;', 'javascript');

    const loadStart = process.hrtime.bigint();
    const changeSet = await new GitChangeSource({ repo, base: 'HEAD~1', head: 'HEAD', maxFileBytes: 1024 * 1024 }).load();
    const loadSec = seconds(loadStart);

    let rawParseSec = Infinity;
    let engineSec = Infinity;
    let addedLines = 0;
    // Alternate raw and engine runs; keep each side's best (the machine may be shared).
    for (let round = 0; round < 3; round++) {
      const rawStart = process.hrtime.bigint();
      for (const t of texts) parseSource(t.text, languageOfPath(t.rel));
      rawParseSec = Math.min(rawParseSec, seconds(rawStart));
      const engineStart = process.hrtime.bigint();
      const result = analyzeChangeSync(changeSet, { policy: DEFAULT_POLICY });
      engineSec = Math.min(engineSec, seconds(engineStart));
      addedLines = result.summary.addedLines;
    }
    const fullScanSec = loadSec + engineSec;
    return {
      files: texts.length,
      addedLines,
      megabytes: bytes / 1048576,
      rawParseSec,
      rawParseLinesPerSec: addedLines / rawParseSec,
      engineSec,
      engineRatio: engineSec / rawParseSec,
      loadSec,
      fullScanSec,
      fullScanLinesPerSec: addedLines / fullScanSec,
      fullScanRatio: fullScanSec / rawParseSec,
    };
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}
