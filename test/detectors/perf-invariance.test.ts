// Performance work must not move a single feature value. This test runs every detector (and
// enclosingUnits) over real TypeScript/JavaScript of this project, read from a pinned commit of
// its own history, at fixed hunk shapes (whole new file, several hunks sharing a file's baseline,
// a non-contiguous hunk, no syntax tree, a head text that disagrees with the diff), and compares
// a digest of each detector's output with test/detectors/perf-invariance.snapshot.json.
//
// A detector whose version differs from the snapshot's is not compared (a version bump is a
// deliberate change of output); new detectors are not in the snapshot. Regenerate after such a
// change with TRAILMARK_UPDATE_INVARIANCE=1 (and say why in the commit).

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Language } from '../../src/core/types.js';
import { hunkContext } from '../../detectors/context.js';
import type { AddedLine, DetectorContext } from '../../detectors/detector.js';
import { languageOfPath } from '../../detectors/language.js';
import { splitLines } from '../../detectors/line-facts.js';
import { parseSource, type ParsedFile } from '../../detectors/parse.js';
import { FEATURE_DETECTORS } from '../../detectors/registry.js';
import { enclosingUnits } from '../../detectors/units.js';

/** A commit of this repository (2026-12-05, before the scan-speed work). */
const PINNED = '2bf098b';
/** Every STRIDE-th source file of the pinned tree (sorted by path). */
const STRIDE = 4;
const SNAPSHOT = join(import.meta.dirname, 'perf-invariance.snapshot.json');
const ROOT = join(import.meta.dirname, '..', '..');

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 12);
}

interface Snapshot {
  readonly commit: string;
  readonly files: number;
  /** `path#case` → `detector@version` (or `units`) → digest of its output. */
  readonly hunks: Record<string, Record<string, string>>;
}

/** The file form: the outputs' names once, then per hunk their digests in that order ("-": no output). */
interface SnapshotFile {
  readonly commit: string;
  readonly files: number;
  readonly outputs: readonly string[];
  readonly hunks: Record<string, string>;
}

const NONE = digest([]);

function toFile(s: Snapshot): SnapshotFile {
  const outputs = [...new Set(Object.values(s.hunks).flatMap((row) => Object.keys(row)))];
  const hunks: Record<string, string> = {};
  for (const [name, row] of Object.entries(s.hunks)) hunks[name] = outputs.map((k) => (row[k] === undefined ? '.' : row[k] === NONE ? '-' : row[k])).join(' ');
  return { commit: s.commit, files: s.files, outputs, hunks };
}

function fromFile(f: SnapshotFile): Snapshot {
  const hunks: Record<string, Record<string, string>> = {};
  for (const [name, line] of Object.entries(f.hunks)) {
    const row: Record<string, string> = {};
    line.split(' ').forEach((d, i) => {
      if (d !== '.') row[f.outputs[i] as string] = d === '-' ? NONE : d;
    });
    hunks[name] = row;
  }
  return { commit: f.commit, files: f.files, hunks };
}

function git(args: string[], input?: string): Buffer {
  return execFileSync('git', ['-C', ROOT, ...args], { maxBuffer: 256 * 1024 * 1024, ...(input !== undefined ? { input } : {}) });
}

/** The pinned tree's JS/TS sources (every STRIDE-th), read with one `git cat-file --batch`. */
function pinnedSources(): { path: string; text: string }[] {
  const paths = git(['ls-tree', '-r', '--name-only', PINNED]).toString('utf8').split('\n')
    .filter((p) => /\.(ts|tsx|js|mjs|cjs|jsx)$/.test(p) && !p.endsWith('.d.ts') && !p.startsWith('dist/'))
    .sort()
    .filter((_, i) => i % STRIDE === 0);
  const out = git(['cat-file', '--batch'], paths.map((p) => `${PINNED}:${p}\n`).join(''));
  const files: { path: string; text: string }[] = [];
  let at = 0;
  for (const path of paths) {
    const eol = out.indexOf(10, at);
    const header = out.subarray(at, eol).toString('utf8');
    const size = Number(header.split(' ')[2]);
    if (!Number.isSafeInteger(size)) throw new Error(`git cat-file: unexpected header ${header}`);
    files.push({ path, text: out.subarray(eol + 1, eol + 1 + size).toString('utf8') });
    at = eol + 1 + size + 1;
  }
  return files;
}


function outputs(ctx: DetectorContext, parsed: ParsedFile | undefined, isAdded: (line: number) => boolean): Record<string, string> {
  const row: Record<string, string> = {};
  for (const d of FEATURE_DETECTORS) row[`${d.id}@${d.version}`] = digest(d.detect(ctx));
  if (parsed?.tree !== undefined) row.units = digest(enclosingUnits(parsed, ctx.hunk.startLine, ctx.hunk.endLine, isAdded));
  return row;
}

const range = (from: number, to: number): number[] => {
  const out: number[] = [];
  for (let l = from; l <= to; l++) out.push(l);
  return out;
};

/** Every case of one file, computed the way the engine builds its contexts. */
function casesOf(path: string, text: string): Record<string, Record<string, string>> {
  const language: Language = languageOfPath(path);
  const parsed = parseSource(text, language);
  const lines = parsed?.lines ?? splitLines(text);
  const n = lines.length;
  const file = { path, language, lines, ...(parsed?.tree !== undefined ? { parsed } : {}) };
  const rows: Record<string, Record<string, string>> = {};
  const lineAt = (l: number): AddedLine => ({ line: l, text: lines[l - 1] as string });
  if (n === 0) return rows;

  // A whole new file.
  const whole = hunkContext(file, 1, n);
  rows[`${path}#whole`] = outputs(whole, parsed, () => true);

  // Three hunks of a modified file sharing one added-lines set (the baseline is the rest).
  const spans: [number, number][] = [
    [Math.floor(n * 0.1) + 1, Math.min(n, Math.floor(n * 0.1) + 12)],
    [Math.floor(n * 0.45) + 1, Math.min(n, Math.floor(n * 0.45) + 30)],
    [Math.max(1, n - 7), n],
  ];
  const addedLines = new Set(spans.flatMap(([a, b]) => range(a, b)));
  spans.forEach(([a, b], i) => {
    const deleted = range(Math.max(1, a - 3), a - 1).map((l) => `${lines[l - 1] as string} // old`);
    const ctx = hunkContext(file, a, b, { added: range(a, b).map(lineAt), deleted, addedLines });
    rows[`${path}#hunk${i}`] = outputs(ctx, parsed, (l) => addedLines.has(l));
  });

  // A hunk whose added lines are every other line of a range (context lines between).
  const from = Math.floor(n * 0.3) + 1;
  const sparse = range(from, Math.min(n, from + 40)).filter((l) => l % 2 === 0);
  if (sparse.length > 0) {
    const sparseSet = new Set(sparse);
    const ctx = hunkContext(file, sparse[0] as number, sparse[sparse.length - 1] as number, { added: sparse.map(lineAt), addedLines: sparseSet });
    rows[`${path}#sparse`] = outputs(ctx, parsed, (l) => sparseSet.has(l));
  }

  // No syntax tree (a parse failure): line facts only.
  const [a, b] = spans[1] as [number, number];
  const noTree = hunkContext({ path, language, lines }, a, b, { added: range(a, b).map(lineAt), addedLines });
  rows[`${path}#no-tree`] = outputs(noTree, undefined, (l) => addedLines.has(l));

  // A plain patch: no head text, the hunk's lines are all there is.
  const patchCtx = hunkContext({ path, language, lines: [] }, a, b, { added: range(a, b).map(lineAt) });
  rows[`${path}#patch`] = outputs(patchCtx, undefined, () => true);
  return rows;
}

function current(): Snapshot {
  const sources = pinnedSources();
  const hunks: Record<string, Record<string, string>> = {};
  for (const { path, text } of sources) Object.assign(hunks, casesOf(path, text));
  return { commit: PINNED, files: sources.length, hunks };
}

/** A clone without this repository's history (shallow, or an unpacked tarball) cannot read the pinned tree. */
function pinnedMissing(): string | undefined {
  try {
    git(['cat-file', '-e', `${PINNED}^{commit}`]);
    return undefined;
  } catch {
    return `commit ${PINNED} is not in this clone (shallow or no .git): the snapshot's sources cannot be read`;
  }
}
const missing = pinnedMissing();
if (missing !== undefined) process.stdout.write(`skipped (perf invariance): ${missing}\n`);

describe('detector output is unchanged by performance work', () => {
  it.skipIf(missing !== undefined)(`every detector's features on real sources of ${PINNED} match the snapshot`, () => {
    const now = current();
    if (process.env.TRAILMARK_UPDATE_INVARIANCE === '1' || !existsSync(SNAPSHOT)) {
      writeFileSync(SNAPSHOT, `${JSON.stringify(toFile(now), null, 1)}\n`);
      if (process.env.TRAILMARK_UPDATE_INVARIANCE !== '1') throw new Error(`wrote a new ${SNAPSHOT}: commit it and run again`);
      return;
    }
    const saved = fromFile(JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as SnapshotFile);
    expect(now.commit).toBe(saved.commit);
    expect(now.files).toBe(saved.files);
    expect(Object.keys(now.hunks).sort()).toEqual(Object.keys(saved.hunks).sort());
    const keysOf = (s: Snapshot): Set<string> => new Set(Object.values(s.hunks).flatMap((row) => Object.keys(row)));
    const currentKeys = keysOf(now);
    const savedKeys = [...keysOf(saved)];
    const compared = savedKeys.filter((k) => currentKeys.has(k));
    // Most detectors keep their version across unrelated work; a comparison of none proves nothing.
    expect(compared.length).toBeGreaterThanOrEqual(Math.ceil(savedKeys.length / 2));
    const differences: string[] = [];
    for (const [hunk, row] of Object.entries(saved.hunks)) {
      const mine = now.hunks[hunk] ?? {};
      for (const key of compared) if (row[key] !== mine[key]) differences.push(`${hunk} ${key}`);
    }
    expect(differences.slice(0, 20), `${differences.length} outputs differ`).toEqual([]);
    expect(Object.keys(saved.hunks).length).toBeGreaterThan(500);
  });
});
