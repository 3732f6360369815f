// Scan benchmark: the whole `trailmark scan` process, spawned the way a user runs it, against a
// process that only parses the same files with tree-sitter (same node, same native backend,
// same grammars and input chunks: raw-parse.ts). Goal: the scan costs ≤ 1.5× the raw parse, in
// wall time and in CPU, medians of the per-round ratios.
//
// The change set is real TypeScript committed over several commits: this project's own tracked
// .ts/.tsx sources in a temp repository. A third of the files exist at the base with blocks of
// lines missing and get them back (interior hunks in modified files); the rest are added with
// blocks missing in one commit and completed in the next, so their lines come from two commits
// (the line-attribution path runs). The scan covers BASE..HEAD.
//
// Also measured: the engine alone in this process (analyzeChangeSync vs parseSource over the same
// change set; the figure before this bench spawned processes) and the start-up of `trailmark
// --help`, `trailmark scan --help` and `--version` (goal: --help under 100 ms of CPU).
//
// CPU is the children's user+system time from /proc/self/stat (cutime, cstime: every waited-for
// descendant, so the git processes the scan runs count too); null where /proc is missing.

import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEFAULT_POLICY } from '../core/policy.js';
import { analyzeChangeSync } from '../engine/analyze.js';
import { GitChangeSource } from '../git/index.js';
import { languageOfPath } from '../../detectors/language.js';
import { parseSource } from '../../detectors/parse.js';

export interface ScanBenchOptions {
  /** The repository whose tracked .ts/.tsx sources form the change set. */
  readonly projectRoot: string;
  /** `bin/trailmark.js` (it runs dist/lib). */
  readonly bin: string;
  /** dist/lib/src/bench/raw-parse.js. */
  readonly rawParse: string;
  /** Take sources up to about this many bytes (a stride over the sorted list). Default: all. */
  readonly maxBytes?: number;
  /** Commits in the range. Default 8. */
  readonly commits?: number;
  /** Alternating scan / raw rounds. Default 5. */
  readonly rounds?: number;
  /** Runs of each start-up command. Default 9. */
  readonly startRuns?: number;
  readonly log?: (line: string) => void;
}

export interface ProcessCost {
  /** Medians over the runs. */
  readonly wallMs: number;
  readonly cpuMs: number | null;
}

export interface ScanBenchReport {
  readonly files: number;
  readonly commits: number;
  readonly megabytes: number;
  readonly hunks: number;
  readonly addedLines: number;
  readonly rounds: number;
  /** The raw parse process (node start, grammar load, reading and parsing every file). */
  readonly raw: ProcessCost;
  /** The whole `trailmark scan --base … --head … --format json` process. */
  readonly scan: ProcessCost;
  /** Medians of the per-round ratios scan / raw. */
  readonly wallRatio: number;
  readonly cpuRatio: number | null;
  readonly addedLinesPerSec: number;
  /** In this process: analyzeChangeSync alone vs parseSource over the same files (medians). */
  readonly engine: { readonly rawParseMs: number; readonly engineMs: number; readonly ratio: number; readonly loadMs: number };
  readonly start: { readonly node: ProcessCost; readonly help: ProcessCost; readonly scanHelp: ProcessCost; readonly version: ProcessCost };
}

const GIT_ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};

export function git(cwd: string, args: string[]): string {
  return execFileSync('git', ['-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...GIT_ENV } });
}

/** The project's tracked TypeScript sources (no declaration files, no build output), sorted. */
export function sources(projectRoot: string, maxBytes: number): { rel: string; text: string }[] {
  const all = git(projectRoot, ['ls-files', '-z', '--', '*.ts', '*.tsx']).split('\0')
    .filter((p) => p !== '' && !p.endsWith('.d.ts') && !p.startsWith('dist/') && !p.includes('node_modules/'))
    .sort()
    .map((rel) => ({ rel, text: readFileSync(join(projectRoot, rel), 'utf8') }));
  const total = all.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
  const stride = Math.max(1, Math.ceil(total / maxBytes));
  return all.filter((_, i) => i % stride === 0);
}

/** The file with every fourth block of 25 lines left out (restored by a later commit). */
function reduced(text: string): string {
  return text.split('\n').filter((_, i) => Math.floor(i / 25) % 4 !== 1).join('\n');
}

/** Builds the repository; returns the base revision. */
export function buildRepository(repo: string, files: readonly { rel: string; text: string }[], commits: number): string {
  const write = (rel: string, text: string): void => {
    mkdirSync(dirname(join(repo, rel)), { recursive: true });
    writeFileSync(join(repo, rel), text);
  };
  const commit = (message: string): void => {
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '--allow-empty', '-m', message]);
  };
  git(repo, ['init', '-q', '-b', 'main']);
  write('README.md', 'bench\n');
  // The longest third of the files is modified: each of those has blocks left out, so it gives
  // several interior hunks whichever files the stride picked. The rest are added.
  const lines = new Map(files.map((f) => [f, f.text.split('\n').length] as const));
  const longest = new Set([...files].sort((a, b) => lines.get(b)! - lines.get(a)! || a.rel.localeCompare(b.rel)).slice(0, Math.ceil(files.length / 3)));
  const modified = files.filter((f) => longest.has(f));
  const added = files.filter((f) => !longest.has(f));
  for (const f of modified) write(f.rel, reduced(f.text));
  commit('base');
  const base = git(repo, ['rev-parse', 'HEAD']).trim();
  const slot = (i: number): number => i % commits;
  for (let c = 0; c < commits; c++) {
    modified.forEach((f, i) => slot(i) === c && write(f.rel, f.text));
    added.forEach((f, i) => {
      if (slot(i) === c) write(f.rel, reduced(f.text));
      if (slot(i) === c - 1) write(f.rel, f.text);
    });
    // The last commit also completes the files the one before it added.
    if (c === commits - 1) added.forEach((f, i) => slot(i) === c && write(f.rel, f.text));
    commit(`step ${c + 1}: ${c === 0 ? 'restore the missing blocks' : 'add and complete modules'}`);
  }
  return base;
}

const median = (values: readonly number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

let clockTicks: number | undefined;

/** CPU ms of this process's waited-for children so far, or null without /proc. */
function childrenCpuMs(): number | null {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the parenthesised command name: state is field 3; cutime, cstime are 16, 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / clockTicks;
  } catch {
    return null;
  }
}

interface Run {
  readonly wallMs: number;
  readonly cpuMs: number | null;
  readonly stdout: string;
}

/** Runs `node args…`, stdout to /dev/null unless captured; throws on a non-zero exit. */
export function run(args: readonly string[], cwd: string, captureStdout = false): Run {
  const devNull = captureStdout ? undefined : openSync('/dev/null', 'w');
  try {
    const cpu0 = childrenCpuMs();
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, {
      cwd,
      stdio: ['ignore', devNull ?? 'pipe', 'pipe'],
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
      env: { ...process.env, ...GIT_ENV, NO_COLOR: '1' },
    });
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const cpu1 = childrenCpuMs();
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status ?? r.signal}: ${r.stderr.slice(0, 2000)}`);
    return { wallMs, cpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0, stdout: r.stdout ?? '' };
  } finally {
    if (devNull !== undefined) closeSync(devNull);
  }
}

function costOf(runs: readonly Run[]): ProcessCost {
  const cpu = runs.map((r) => r.cpuMs);
  return { wallMs: median(runs.map((r) => r.wallMs)), cpuMs: cpu.every((c) => c !== null) ? median(cpu) : null };
}

/** Raw parse and scan processes run alternately, `rounds` times: their costs and the medians of the per-round ratios. */
export interface AlternateRounds {
  readonly raw: ProcessCost;
  readonly scan: ProcessCost;
  readonly wallRatio: number;
  readonly cpuRatio: number | null;
}

export function alternateRounds(label: string, raw: { args: readonly string[]; cwd: string }, scan: { args: readonly string[]; cwd: string }, rounds: number, log: (line: string) => void): AlternateRounds {
  const raws: Run[] = [];
  const scans: Run[] = [];
  for (let round = 0; round < rounds; round++) {
    raws.push(run(raw.args, raw.cwd));
    scans.push(run(scan.args, scan.cwd));
    log(`${label} round ${round + 1}/${rounds}: raw ${Math.round(raws[round]!.wallMs)} ms, scan ${Math.round(scans[round]!.wallMs)} ms`);
  }
  const cpuRatios = scans.map((s, i) => (s.cpuMs === null || raws[i]!.cpuMs === null ? null : s.cpuMs / raws[i]!.cpuMs));
  return {
    raw: costOf(raws),
    scan: costOf(scans),
    wallRatio: median(scans.map((s, i) => s.wallMs / raws[i]!.wallMs)),
    cpuRatio: cpuRatios.every((r) => r !== null) ? median(cpuRatios) : null,
  };
}

export async function benchScan(options: ScanBenchOptions): Promise<ScanBenchReport> {
  const log = options.log ?? (() => undefined);
  const commits = options.commits ?? 8;
  const rounds = options.rounds ?? 5;
  const files = sources(options.projectRoot, options.maxBytes ?? Number.MAX_SAFE_INTEGER);
  const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
  const dir = mkdtempSync(join(tmpdir(), 'trailmark-bench-scan-'));
  try {
    const repo = join(dir, 'repo');
    mkdirSync(repo);
    const base = buildRepository(repo, files, commits);
    const listFile = join(dir, 'files.txt');
    writeFileSync(listFile, `${files.map((f) => join(repo, f.rel)).join('\n')}\n`);
    log(`scan bench: ${files.length} TypeScript files, ${(bytes / 1048576).toFixed(1)} MiB, ${commits} commits`);

    const scanArgs = [options.bin, 'scan', '--repo', repo, '--base', base, '--head', 'HEAD', '--format', 'json'];
    // A first run of each, unmeasured: the page cache, and the scan's own summary.
    const first = JSON.parse(run(scanArgs, repo, true).stdout) as { summary: { hunks: number; addedLines: number; commits: number } };
    run([options.rawParse, listFile], repo);

    const measured = alternateRounds('scan bench', { args: [options.rawParse, listFile], cwd: repo }, { args: scanArgs, cwd: repo }, rounds, log);
    const { wallRatio, cpuRatio, scan } = measured;

    // The engine alone, in this process, over the same change set.
    parseSource('const a = 1;', 'typescript');
    parseSource('const a = <a/>;', 'tsx');
    const loadStart = process.hrtime.bigint();
    const changeSet = await new GitChangeSource({ repo, base, head: 'HEAD' }).load();
    const loadMs = Number(process.hrtime.bigint() - loadStart) / 1e6;
    const rawMs: number[] = [];
    const engineMs: number[] = [];
    const texts = files.map((f) => ({ text: f.text, language: languageOfPath(f.rel) }));
    for (let round = 0; round < rounds; round++) {
      const t0 = process.hrtime.bigint();
      for (const t of texts) parseSource(t.text, t.language);
      rawMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const t1 = process.hrtime.bigint();
      analyzeChangeSync(changeSet, { policy: DEFAULT_POLICY });
      engineMs.push(Number(process.hrtime.bigint() - t1) / 1e6);
    }
    const engine = { rawParseMs: median(rawMs), engineMs: median(engineMs), ratio: median(engineMs.map((e, i) => e / rawMs[i]!)), loadMs };

    const startRuns = options.startRuns ?? 9;
    const repeat = (args: readonly string[]): ProcessCost => costOf(Array.from({ length: startRuns }, () => run(args, repo)));
    const start = {
      node: repeat(['-e', '0']),
      help: repeat([options.bin, '--help']),
      scanHelp: repeat([options.bin, 'scan', '--help']),
      version: repeat([options.bin, '--version']),
    };

    return {
      files: files.length,
      commits: first.summary.commits,
      megabytes: bytes / 1048576,
      hunks: first.summary.hunks,
      addedLines: first.summary.addedLines,
      rounds,
      raw: measured.raw,
      scan,
      wallRatio,
      cpuRatio,
      addedLinesPerSec: first.summary.addedLines / (scan.wallMs / 1000),
      engine,
      start,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
