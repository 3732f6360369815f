// Forward tracking (one diff-tree for the range) must agree with git blame, line for line.
import { describe, expect, it } from 'vitest';
import { blameAddedLines } from '../../src/git/attribution.js';
import { GitChangeSource } from '../../src/git/change-source.js';
import { Git } from '../../src/git/git.js';
import { originAt, trackRange } from '../../src/git/line-tracking.js';
import { GitFixture } from '../support/git-fixture.js';

function prng(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return state % n;
  };
}

// Few distinct lines, many repeats: alignment choices between identical lines are where
// diff-based attributions could disagree.
const VOCABULARY = ['}', '', '  return x;', 'const a = 1;', '// note', 'if (x) {', '  x++;', 'export {};'];

async function randomHistory(seed: number): Promise<{ repo: GitFixture; base: string }> {
  const next = prng(seed);
  const repo = await GitFixture.create();
  const files = new Map<string, string[]>();
  for (let f = 0; f < 4; f++) files.set(`f${f}.ts`, Array.from({ length: 5 + next(15) }, () => VOCABULARY[next(VOCABULARY.length)]!));
  for (const [path, lines] of files) await repo.write(path, lines.join('\n') + '\n');
  const base = await repo.commit('base');
  let serial = 0;
  for (let c = 0; c < 6; c++) {
    const paths = [...files.keys()];
    for (let e = 0, edits = 1 + next(3); e < edits; e++) {
      const path = paths[next(paths.length)]!;
      const lines = files.get(path)!;
      const op = next(10);
      if (op < 4) {
        lines.splice(next(lines.length + 1), 0, ...Array.from({ length: 1 + next(3) }, () => (next(2) === 0 ? VOCABULARY[next(VOCABULARY.length)]! : `unique ${serial++}`)));
      } else if (op < 6 && lines.length > 1) {
        lines.splice(next(lines.length), 1 + next(2));
      } else if (op < 8 && lines.length > 0) {
        lines[next(lines.length)] = `changed ${serial++}`;
      } else if (op === 8 && paths.length > 1) {
        const renamed = `r${serial++}.ts`;
        files.delete(path);
        files.set(renamed, lines);
        await repo.remove(path);
        paths.splice(paths.indexOf(path), 1, renamed);
      } else {
        lines.push(`tail ${serial++}`);
      }
    }
    for (const [path, lines] of files) await repo.write(path, lines.join('\n') + '\n');
    await repo.commit(`c${c}`, { allowEmpty: true });
  }
  return { repo, base };
}

/** Random history with side branches merged back; conflicts are resolved to one side. */
async function randomMergeHistory(seed: number): Promise<{ repo: GitFixture; base: string }> {
  const next = prng(seed);
  const repo = await GitFixture.create();
  const files = ['a.ts', 'b.ts', 'c.ts', 'd.ts'];
  const read = async (path: string): Promise<string[]> => {
    const text = await repo.git(['show', `HEAD:${path}`]);
    return text === '' ? [] : text.split('\n');
  };
  for (const f of files) await repo.write(f, Array.from({ length: 6 + next(10) }, () => VOCABULARY[next(VOCABULARY.length)]!).join('\n') + '\n');
  const base = await repo.commit('base');
  let serial = 0;
  const edit = async (message: string): Promise<void> => {
    for (let e = 0, edits = 1 + next(3); e < edits; e++) {
      const path = files[next(files.length)]!;
      const lines = await read(path);
      const op = next(4);
      if (op === 0 || lines.length < 2) lines.splice(next(lines.length + 1), 0, next(2) === 0 ? VOCABULARY[next(VOCABULARY.length)]! : `unique ${serial++}`);
      else if (op === 1) lines.splice(next(lines.length), 1);
      else if (op === 2) lines[next(lines.length)] = `changed ${serial++}`;
      else lines.push(`tail ${serial++}`);
      await repo.write(path, lines.join('\n') + '\n');
    }
    await repo.commit(message, { allowEmpty: true });
  };
  for (let step = 0; step < 5; step++) {
    if (next(2) === 0) {
      await edit(`main ${step}`);
      continue;
    }
    const side = `side${step}`;
    await repo.checkout(side, { create: true });
    for (let k = 0, n = 1 + next(2); k < n; k++) await edit(`${side} ${k}`);
    await repo.checkout('main');
    if (next(2) === 0) await edit(`main before merge ${step}`);
    const merged = await repo.run(['merge', '-q', '--no-ff', '--no-edit', '-m', `merge ${side}`, side]).then(() => true, () => false);
    if (!merged) {
      const conflicted = (await repo.git(['diff', '--name-only', '--diff-filter=U'])).split('\n').filter(Boolean);
      const side0 = next(2) === 0 ? '--ours' : '--theirs';
      for (const path of conflicted) await repo.git(['checkout', side0, '--', path]);
      await repo.git(['add', '-A']);
      await repo.run(['commit', '-q', '--no-edit']);
    }
    if (next(3) === 0) {
      // An "evil merge": the merge commit itself adds a line.
      const lines = await read('a.ts');
      lines.splice(next(lines.length + 1), 0, `merge-only ${serial++}`);
      await repo.write('a.ts', lines.join('\n') + '\n');
      await repo.git(['add', '-A']);
      await repo.run(['commit', '-q', '--amend', '--no-edit']);
    }
  }
  return { repo, base };
}

let trackedFiles = 0;
let baseKeptFiles = 0;
let blamedFiles = 0;

describe('line attribution', () => {
  it.each([
    // Seeds 17 and 23 make the generator remove a file it already renamed away.
    ...Array.from({ length: 40 }, (_, i) => i + 1).filter((seed) => seed !== 17 && seed !== 23).map((seed) => ['linear', seed] as const),
    ...Array.from({ length: 30 }, (_, i) => ['with merges', i + 1] as const),
  ])('forward tracking agrees with blame (%s history %i)', async (kind, seed) => {
    const { repo, base } = kind === 'linear' ? await randomHistory(seed) : await randomMergeHistory(seed);
    try {
      const set = await new GitChangeSource({ repo: repo.dir, base }).load();
      const requests = set.files
        .filter((f) => f.status !== 'deleted')
        .map((f) => ({ path: f.path, lines: f.hunks.flatMap((h) => h.lines.filter((l) => l.kind === 'add').map((l) => l.newLine!)) }))
        .filter((r) => r.lines.length > 0);
      const errors: string[] = [];
      const blamed = await blameAddedLines(new Git(repo.dir), set.head!, base, new Set(set.commits.map((c) => c.sha)), requests, (p) => errors.push(p));
      expect(errors).toEqual([]);
      expect(requests.length).toBeGreaterThan(0);
      const tracker = await trackRange(new Git(repo.dir), set.commits, ['--find-renames', '--src-prefix=a/', '--dst-prefix=b/'], 1 << 24);
      expect(tracker).toBeDefined();
      for (const r of requests) {
        const expected = Object.fromEntries(blamed.get(r.path) ?? new Map());
        const loaded = Object.fromEntries(set.files.find((f) => f.path === r.path)!.lineCommits ?? new Map());
        expect(loaded, r.path).toEqual(expected);
        const runs = tracker!.files.get(r.path);
        const origins = r.lines.map((n) => (runs === undefined ? undefined : originAt(runs, n)));
        if (origins.every((o) => typeof o === 'string')) {
          trackedFiles++;
          expect(Object.fromEntries(r.lines.map((n, k) => [n, origins[k]])), r.path).toEqual(expected);
        } else if (runs !== undefined && !tracker!.untracked.has(r.path)) {
          // Lines the commits' own diffs keep from the base: blame says "boundary" for exactly
          // those, so the change source leaves them out instead of blaming (loaded, above).
          baseKeptFiles++;
          expect(Object.fromEntries(r.lines.map((n, k) => [n, origins[k]]).filter(([, o]) => typeof o === 'string')), r.path).toEqual(expected);
        } else {
          blamedFiles++;
        }
      }
    } finally {
      await repo.cleanup();
    }
  });

  it('decided most files without blame, and met files with lines kept from the base', () => {
    expect(trackedFiles).toBeGreaterThan(3 * blamedFiles);
    expect(baseKeptFiles).toBeGreaterThan(0);
  });
});

describe('line tracking past big files', () => {
  // A data file rewritten in every commit, next to code: the range's per-commit diff is mostly
  // the data file. Over the file cap it is diffed as binary (core.bigFileThreshold), so the
  // tracker reports that one path as untracked instead of giving up on the whole range.
  const dataLine = (commit: number, k: number): string => `{"row":${k},"commit":${commit},"pad":"${'x'.repeat(40)}"}`;
  const data = (commit: number): string => Array.from({ length: 40_000 }, (_, k) => dataLine(commit, k)).join('\n') + '\n';

  it('tracks the code and leaves the big file to blame, where one big diff made it give up', async () => {
    const repo = await GitFixture.create();
    try {
      await repo.writeFiles({ 'src/a.ts': 'export const a = 1;\n', 'data.jsonl': data(0) });
      const base = await repo.commit('base');
      await repo.writeFiles({ 'src/a.ts': 'export const a = 1;\nexport const b = 2;\n', 'data.jsonl': data(1) });
      const first = await repo.commit('first');
      await repo.writeFiles({ 'src/a.ts': 'export const a = 1;\nexport const b = 2;\nexport const c = 3;\n', 'data.jsonl': data(2) });
      const second = await repo.commit('second');
      const commits = [{ sha: first, parents: [base] }, { sha: second, parents: [first] }];
      const size = Buffer.byteLength(data(0));
      expect(size).toBeGreaterThan(2 << 20);
      const args = ['--find-renames', '--src-prefix=a/', '--dst-prefix=b/'];
      // Each commit's diff carries about 2 × size of data lines (the old rows out, the new in): over this cap.
      const maxBytes = 1.5 * size;
      expect(await trackRange(new Git(repo.dir), commits, args, maxBytes)).toBeUndefined();
      const tracked = await trackRange(new Git(repo.dir), commits, args, maxBytes, 1 << 20);
      expect(tracked).toBeDefined();
      expect([...tracked!.untracked]).toEqual(['data.jsonl']);
      expect([1, 2, 3].map((n) => originAt(tracked!.files.get('src/a.ts')!, n))).toEqual([null, first, second]);

      // Through the change source (the range diff holds the data file once: a cap over it):
      // the code's lines come from their commits, the data file (over the file cap at head) is
      // an omission, as before.
      const set = await new GitChangeSource({ repo: repo.dir, base, maxDiffBytes: 3 * size, maxFileBytes: 1 << 20 }).load();
      const code = set.files.find((f) => f.path === 'src/a.ts')!;
      expect(Object.fromEntries(code.lineCommits ?? new Map())).toEqual({ 2: first, 3: second });
      expect(set.omissions).toContainEqual({ path: 'data.jsonl', reason: 'lines not attributed to commits: file over the size cap' });
    } finally {
      await repo.cleanup();
    }
  });
});

describe('line tracking over a long range', () => {
  it('reads the range commit by commit: a range whose diff is over the cap is still tracked, one commit over it is not', async () => {
    const repo = await GitFixture.create();
    try {
      const lines: string[] = ['export const start = 0;'];
      await repo.write('src/log.ts', `${lines.join('\n')}\n`);
      const base = await repo.commit('base');
      const commits: { sha: string; parents: string[] }[] = [];
      let parent = base;
      for (let c = 0; c < 12; c++) {
        for (let k = 0; k < 40; k++) lines.push(`export const v${c}_${k} = ${c * 100 + k}; // ${'w'.repeat(30)}`);
        await repo.write('src/log.ts', `${lines.join('\n')}\n`);
        const sha = await repo.commit(`step ${c}`);
        commits.push({ sha, parents: [parent] });
        parent = sha;
      }
      const args = ['--find-renames', '--src-prefix=a/', '--dst-prefix=b/'];
      const whole = (await repo.git(['diff-tree', '--stdin', '--always', '-r', '-p', '-U0', '--root', ...args], { input: commits.map((c) => `${c.sha} ${c.parents[0]}\n`).join('') })).length;
      const perCommit = Math.ceil(whole / commits.length);
      // A cap of three commits' diffs: the whole range is four times over it.
      const tracked = await trackRange(new Git(repo.dir), commits, args, 3 * perCommit);
      expect(tracked).toBeDefined();
      const runs = tracked!.files.get('src/log.ts')!;
      for (let c = 0; c < 12; c++) expect(originAt(runs, 2 + c * 40 + 17)).toBe(commits[c]!.sha);
      expect(originAt(runs, 1)).toBeNull();
      // One commit's diff over the cap: blame instead.
      expect(await trackRange(new Git(repo.dir), commits, args, Math.floor(perCommit / 2))).toBeUndefined();
    } finally {
      await repo.cleanup();
    }
  });
});
