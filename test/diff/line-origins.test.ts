import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffHunk, FileChange } from '../../src/core/types.js';
import { LineOriginTracker, originsAt, parentsFirst, zeroContextHunks, type Runs } from '../../src/diff/line-origins.js';
import { parseUnifiedDiff } from '../../src/diff/parse.js';
import { prng } from '../support/prng.js';

const run = promisify(execFile);

const hunks = (patch: string): DiffHunk[] => parseUnifiedDiff(`--- a/f\n+++ b/f\n${patch}\n`)[0]!.hunks as DiffHunk[];
const shape = (hs: readonly DiffHunk[]) => hs.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines, h.lines.map((l) => `${l.kind[0]}${l.text}`).join('|')]);

describe('zeroContextHunks: a -U3 hunk as the -U0 hunks git prints for the same edit', () => {
  it.each([
    ['two blocks in one hunk', '@@ -1,8 +1,9 @@\n a\n-b\n+B\n c\n d\n e\n f\n-g\n+G\n+G2\n h', [[2, 1, 2, 1, 'db|aB'], [7, 1, 7, 2, 'dg|aG|aG2']]],
    ['an insertion names the line before it', '@@ -3,6 +3,7 @@\n c\n d\n e\n+x\n f\n g\n h', [[5, 0, 6, 1, 'ax']]],
    ['a deletion names the new line before it', '@@ -3,7 +3,6 @@\n c\n d\n e\n-x\n f\n g\n h', [[6, 1, 5, 0, 'dx']]],
    ['an insertion at the top of the file', '@@ -1,3 +1,4 @@\n+x\n a\n b\n c', [[0, 0, 1, 1, 'ax']]],
    ['a new file', '@@ -0,0 +1,2 @@\n+a\n+b', [[0, 0, 1, 2, 'aa|ab']]],
    ['a deleted file', '@@ -1,2 +0,0 @@\n-a\n-b', [[1, 2, 0, 0, 'da|db']]],
  ])('%s', (_name, patch, expected) => {
    expect(shape(zeroContextHunks(hunks(patch)))).toEqual(expected);
  });

  describe('against git itself', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'trailmark-line-origins-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });
    const diff = async (context: number): Promise<DiffHunk[]> => {
      try {
        await run('git', ['diff', '--no-index', '--no-color', '--no-ext-diff', `-U${context}`, '--inter-hunk-context=0', '--diff-algorithm=myers', '--indent-heuristic', 'a', 'b'], { cwd: dir, env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', HOME: dir } });
        return [];
      } catch (err) {
        const e = err as { code?: number; stdout?: string };
        if (e.code !== 1 || e.stdout === undefined) throw err;
        return [...(parseUnifiedDiff(e.stdout)[0]?.hunks ?? [])];
      }
    };
    it('random edits (repeated lines, blank lines, ends of file): the same change blocks as git -U0', async () => {
      const random = prng(20261204);
      const vocabulary = ['', '}', '{', 'return x;', 'const a = 1;', 'if (a) {', '// note', 'b()', 'c()'];
      for (let round = 0; round < 40; round++) {
        const old = Array.from({ length: 5 + Math.floor(random() * 30) }, () => vocabulary[Math.floor(random() * vocabulary.length)]!);
        const next = [...old];
        for (let edits = 1 + Math.floor(random() * 4); edits > 0; edits--) {
          const at = Math.floor(random() * (next.length + 1));
          const kind = random();
          if (kind < 0.4) next.splice(at, 0, ...Array.from({ length: 1 + Math.floor(random() * 3) }, () => vocabulary[Math.floor(random() * vocabulary.length)]!));
          else if (kind < 0.7) next.splice(at, 1 + Math.floor(random() * 2));
          else next.splice(at, 1, `changed ${round}`);
        }
        await writeFile(join(dir, 'a'), old.map((l) => `${l}\n`).join(''));
        await writeFile(join(dir, 'b'), next.map((l) => `${l}\n`).join(''));
        const [u3, u0] = await Promise.all([diff(3), diff(0)]);
        expect(shape(zeroContextHunks(u3)), `round ${round}`).toEqual(shape(u0));
      }
    });
  });
});

const add = (path: string, patch: string, extra: Partial<FileChange> = {}): FileChange => ({ path, status: 'added', binary: false, hunks: zeroContextHunks(hunks(patch)), ...extra });
const modify = (path: string, patch: string, extra: Partial<FileChange> = {}): FileChange => ({ path, status: 'modified', binary: false, hunks: zeroContextHunks(hunks(patch)), ...extra });
const origins = (runs: Runs | undefined, count: number) => originsAt(runs ?? [], Array.from({ length: count }, (_, k) => k + 1));

describe('LineOriginTracker: blame semantics over per-commit diffs', () => {
  it('linear history: a later commit rewrites one line, a rename carries the origins, the base stays unattributed', () => {
    const commits = [{ sha: 'c1', parents: ['base'] }, { sha: 'c2', parents: ['c1'] }, { sha: 'c3', parents: ['c2'] }];
    const tracker = new LineOriginTracker(commits);
    tracker.apply(commits[0]!, [[add('a.ts', '@@ -0,0 +1,3 @@\n+one\n+two\n+three'), modify('old.ts', '@@ -1,2 +1,3 @@\n base1\n+new\n base2')]]);
    tracker.apply(commits[1]!, [[modify('a.ts', '@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three')]]);
    tracker.apply(commits[2]!, [[{ path: 'b.ts', oldPath: 'a.ts', status: 'renamed', binary: false, hunks: [] }]]);
    const at = tracker.at('c3')!;
    expect(origins(at.files.get('b.ts'), 3)).toEqual(['c1', 'c2', 'c1']);
    expect(at.files.has('a.ts')).toBe(false);
    expect(origins(at.files.get('old.ts'), 4)).toEqual([null, 'c1', null, null]);
    expect(tracker.at('c1')).toBeUndefined();
  });

  it('a merge: same-blob rule, lines unchanged against the second parent keep its origin, the rest is the merge\'s own', () => {
    const commits = [{ sha: 'f1', parents: ['base'] }, { sha: 'm1', parents: ['base'] }, { sha: 'M', parents: ['f1', 'm1'] }];
    const tracker = new LineOriginTracker(commits);
    tracker.apply(commits[0]!, [[add('f.ts', '@@ -0,0 +1,2 @@\n+f1a\n+f1b')]]);
    tracker.apply(commits[1]!, [[modify('g.ts', '@@ -1,2 +1,2 @@\n-g\n+G\n h'), add('same.ts', '@@ -0,0 +1 @@\n+s')]]);
    tracker.apply(commits[2]!, [
      // against f1: g.ts and same.ts come from main; f.ts gets an evil line
      [modify('g.ts', '@@ -1,2 +1,2 @@\n-g\n+G\n h'), add('same.ts', '@@ -0,0 +1 @@\n+s'), modify('f.ts', '@@ -1,2 +1,3 @@\n f1a\n+evil\n f1b')],
      // against m1: f.ts is new there
      [add('f.ts', '@@ -0,0 +1,3 @@\n+f1a\n+evil\n+f1b')],
    ]);
    const at = tracker.at('M')!;
    expect(origins(at.files.get('g.ts'), 2)).toEqual(['m1', null]);
    expect(origins(at.files.get('same.ts'), 1)).toEqual(['m1']);
    expect(origins(at.files.get('f.ts'), 3)).toEqual(['f1', 'M', 'f1']);
  });

  it('a binary (or unreadable) diff makes the file untracked until a commit writes it anew', () => {
    const commits = [{ sha: 'c1', parents: ['base'] }, { sha: 'c2', parents: ['c1'] }, { sha: 'c3', parents: ['c2'] }];
    const tracker = new LineOriginTracker(commits);
    tracker.apply(commits[0]!, [[{ path: 'x.ts', status: 'modified', binary: true, hunks: [] }, { path: 'y.ts', status: 'modified', binary: true, hunks: [] }]]);
    tracker.apply(commits[1]!, [[modify('x.ts', '@@ -1 +1,2 @@\n a\n+b')]]);
    tracker.apply(commits[2]!, [[{ path: 'y.ts', status: 'deleted', binary: false, hunks: [] }], ]);
    const at = tracker.at('c3')!;
    expect(at.untracked.has('x.ts')).toBe(true);
    expect(at.files.has('x.ts')).toBe(false);
    expect(at.untracked.has('y.ts')).toBe(false);
  });

  it('parentsFirst puts every parent in the list before its children, in one pass over the given order', () => {
    const list = [{ sha: 'c', parents: ['b'] }, { sha: 'a', parents: ['base'] }, { sha: 'b', parents: ['a', 'x'] }, { sha: 'd', parents: ['base'] }];
    expect(parentsFirst(list).map((c) => c.sha)).toEqual(['a', 'b', 'd', 'c']);
  });
});
