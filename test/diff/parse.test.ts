import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffError } from '../../src/core/errors.js';
import type { FileChange } from '../../src/core/types.js';
import { parseHunkHeader, parseUnifiedDiff, parseUnifiedDiffDetailed } from '../../src/diff/parse.js';
import { GitFixture } from '../support/git-fixture.js';

function byPath(files: readonly FileChange[], path: string): FileChange {
  const found = files.filter((f) => f.path === path);
  expect(found, `exactly one entry for ${path}`).toHaveLength(1);
  return found[0]!;
}

function added(f: FileChange): string[] {
  return f.hunks.flatMap((h) => h.lines.filter((l) => l.kind === 'add').map((l) => l.text));
}

function malformed(text: string): DiffError {
  try {
    parseUnifiedDiff(text);
  } catch (err) {
    expect(err).toBeInstanceOf(DiffError);
    const e = err as DiffError;
    expect(e.code).toBe('MALFORMED_DIFF');
    expect(e.hint).toBeTruthy();
    return e;
  }
  throw new Error('expected MALFORMED_DIFF');
}

describe('parseUnifiedDiff on real git output', () => {
  let repo: GitFixture;
  let base: string;
  let head: string;

  beforeAll(async () => {
    repo = await GitFixture.create();
    await repo.writeFiles({
      'src/app.ts': 'export const a = 1;\nexport const b = 2;\nexport const c = 3;\n',
      'old name.ts': 'one\ntwo\nthree\nfour\nfive\nsix\n',
      'pure.ts': 'alpha\nbeta\ngamma\ndelta\n',
      'script.sh': 'echo hi\n',
      'tool.sh': 'echo tool\n',
      'crlf.txt': 'first\r\nsecond\r\n',
      'nonl.txt': 'no newline',
      'tést.ts': 'const é = 1;\n',
      'image.bin': Buffer.from([0, 1, 2, 3, 255, 0, 7]),
      'gone.ts': 'bye\n',
      'link-or-file': 'plain file\n',
      'copy-src.ts': Array.from({ length: 20 }, (_, i) => `export const v${i} = ${i};`).join('\n') + '\n',
      'tab\there.ts': 'x\n',
    });
    base = await repo.commit('base');
    await repo.git(['mv', 'old name.ts', 'new name.ts']);
    await repo.remove('pure.ts');
    await repo.write('moved/pure.ts', 'alpha\nbeta\ngamma\ndelta\n');
    await repo.writeFiles({
      'src/app.ts': 'export const a = 1;\nexport const b = 20;\nexport const c = 3;\nexport const d = 4;\n',
      'new name.ts': 'one\ntwo\nthree\nfour\nfive\nsix\nseven\n',
      'crlf.txt': 'first\r\nchanged\r\n',
      'nonl.txt': 'still no newline',
      'tést.ts': 'const é = 2;\n',
      'image.bin': Buffer.from([0, 1, 2, 3, 254, 0, 7, 9]),
      'added.ts': 'export function added(): number {\n  return 1;\n}\n',
      'empty.ts': '',
      'copy-dst.ts': Array.from({ length: 20 }, (_, i) => `export const v${i} = ${i};`).join('\n') + '\nexport const extra = 1;\n',
      'tool.sh': 'echo tool changed\n',
      'tab\there.ts': 'y\n',
    });
    await repo.git(['update-index', '--chmod=+x', 'script.sh']);
    await repo.remove('gone.ts');
    await repo.git(['add', '-A']);
    await repo.git(['update-index', '--chmod=+x', 'script.sh', 'tool.sh']);
    head = await repo.commit('head', { addAll: false });
  });

  afterAll(async () => {
    await repo.cleanup();
  });

  async function diff(...args: string[]): Promise<string> {
    const dash = args.indexOf('--');
    const options = dash === -1 ? args : args.slice(0, dash);
    const paths = dash === -1 ? [] : args.slice(dash);
    return (await repo.run(['-c', 'core.quotepath=on', 'diff', ...options, base, head, ...paths])).stdout.toString('utf8');
  }

  it('reads statuses, paths, modes and hunks of a renamed, copied, deleted and added set', async () => {
    const files = parseUnifiedDiff(await diff('-M', '-C', '--find-copies-harder'));
    expect(byPath(files, 'src/app.ts')).toMatchObject({ status: 'modified', binary: false });
    expect(added(byPath(files, 'src/app.ts'))).toEqual(['export const b = 20;', 'export const d = 4;']);
    const renamed = byPath(files, 'new name.ts');
    expect(renamed).toMatchObject({ status: 'renamed', oldPath: 'old name.ts' });
    expect(renamed.hunks[0]!.lines.at(-1)).toEqual({ kind: 'add', text: 'seven', newLine: 7 });
    expect(byPath(files, 'moved/pure.ts')).toMatchObject({ status: 'renamed', oldPath: 'pure.ts', hunks: [] });
    expect(byPath(files, 'copy-dst.ts')).toMatchObject({ status: 'copied', oldPath: 'copy-src.ts' });
    expect(added(byPath(files, 'copy-dst.ts'))).toEqual(['export const extra = 1;']);
    expect(byPath(files, 'gone.ts')).toMatchObject({ status: 'deleted', oldMode: '100644' });
    expect(byPath(files, 'gone.ts').hunks[0]!.lines).toEqual([{ kind: 'del', text: 'bye', oldLine: 1 }]);
    expect(byPath(files, 'added.ts')).toMatchObject({ status: 'added', newMode: '100644' });
    expect(byPath(files, 'added.ts').hunks[0]).toMatchObject({ oldStart: 0, oldLines: 0, newStart: 1, newLines: 3 });
    expect(byPath(files, 'empty.ts')).toMatchObject({ status: 'added', hunks: [], binary: false });
    expect(byPath(files, 'script.sh')).toMatchObject({ status: 'mode-changed', oldMode: '100644', newMode: '100755', hunks: [] });
    expect(byPath(files, 'tool.sh')).toMatchObject({ status: 'modified', oldMode: '100644', newMode: '100755' });
    expect(added(byPath(files, 'tool.sh'))).toEqual(['echo tool changed']);
  });

  it('decodes quoted non-ASCII and control-character paths, and raw UTF-8 paths', async () => {
    const quoted = await diff();
    expect(quoted).toContain('"a/t\\303\\251st.ts"');
    expect(quoted).toContain('"a/tab\\there.ts"');
    const files = parseUnifiedDiff(quoted);
    expect(added(byPath(files, 'tést.ts'))).toEqual(['const é = 2;']);
    expect(added(byPath(files, 'tab\there.ts'))).toEqual(['y']);
    const raw = (await repo.run(['-c', 'core.quotepath=off', 'diff', base, head, '--', 'tést.ts'])).stdout.toString('utf8');
    expect(raw).toContain('diff --git a/tést.ts b/tést.ts');
    expect(parseUnifiedDiff(raw).map((f) => f.path)).toEqual(['tést.ts']);
  });

  it('marks binaries from "Binary files" and "GIT binary patch"', async () => {
    const plain = parseUnifiedDiff(await diff('--', 'image.bin'));
    expect(plain).toEqual([{ path: 'image.bin', status: 'modified', binary: true, hunks: [] }]);
    const patch = await diff('--binary', '--', 'image.bin', 'src/app.ts');
    expect(patch).toContain('GIT binary patch');
    const files = parseUnifiedDiff(patch);
    expect(files.map((f) => [f.path, f.binary])).toEqual([['image.bin', true], ['src/app.ts', false]]);
  });

  it('keeps "\\ No newline at end of file" on the right lines', async () => {
    const [f] = parseUnifiedDiff(await diff('--', 'nonl.txt'));
    expect(f!.hunks[0]!.lines).toEqual([
      { kind: 'del', text: 'no newline', oldLine: 1, noNewlineAtEof: true },
      { kind: 'add', text: 'still no newline', newLine: 1, noNewlineAtEof: true },
    ]);
  });

  it('strips CRLF terminators of a CRLF file and notes it', async () => {
    const text = await diff('--', 'crlf.txt', 'src/app.ts');
    expect(text).toContain('+changed\r\n');
    const files = parseUnifiedDiff(text);
    expect(byPath(files, 'crlf.txt').crlf).toBe(true);
    expect(added(byPath(files, 'crlf.txt'))).toEqual(['changed']);
    expect(byPath(files, 'src/app.ts').crlf).toBeUndefined();
  });

  it('reads a whole patch saved with CRLF line endings', async () => {
    const text = (await diff('--', 'src/app.ts')).replaceAll('\n', '\r\n');
    const [f] = parseUnifiedDiff(text);
    expect(f!.path).toBe('src/app.ts');
    expect(f!.crlf).toBe(true);
    expect(added(f!)).toEqual(['export const b = 20;', 'export const d = 4;']);
  });

  it('reads --no-prefix and mnemonic-prefix diffs', async () => {
    const noPrefix = await diff('--no-prefix', '-M');
    expect(noPrefix).toContain('diff --git src/app.ts src/app.ts');
    const files = parseUnifiedDiff(noPrefix);
    expect(byPath(files, 'new name.ts')).toMatchObject({ status: 'renamed', oldPath: 'old name.ts' });
    expect(added(byPath(files, 'src/app.ts'))).toHaveLength(2);
    const mnemonic = (await repo.run(['-c', 'diff.mnemonicPrefix=true', 'diff', '--cached', base, '--', 'src/app.ts'])).stdout.toString('utf8');
    expect(mnemonic).toContain('diff --git c/src/app.ts i/src/app.ts');
    expect(parseUnifiedDiff(mnemonic).map((f) => f.path)).toEqual(['src/app.ts']);
  });

  it('reads -U0 hunks with omitted counts and hunk function context', async () => {
    const files = parseUnifiedDiff(await diff('-U0', '--', 'src/app.ts'));
    const hunks = byPath(files, 'src/app.ts').hunks;
    expect(hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines])).toEqual([[2, 1, 2, 1], [3, 0, 4, 1]]);
    expect(hunks[1]!.lines).toEqual([{ kind: 'add', text: 'export const d = 4;', newLine: 4 }]);
  });

  it('keeps full blob ids from --full-index', async () => {
    const files = parseUnifiedDiffDetailed(await diff('--full-index', '--', 'src/app.ts'));
    const blob = await repo.git(['rev-parse', `${head}:src/app.ts`]);
    expect(files[0]!.newBlob).toBe(blob);
    expect(files[0]!.line).toBe(1);
  });

  it('reads a type change as a deletion and an addition of the same path', async () => {
    await repo.remove('link-or-file');
    await repo.git(['add', '-A']);
    await repo.git(['update-index', '--add', '--cacheinfo', `120000,${await repo.git(['hash-object', '-w', '--stdin'], { input: 'target' })},link-or-file`]);
    const t = await repo.commit('typechange', { addAll: false });
    const text = (await repo.run(['diff', `${t}~1`, t])).stdout.toString('utf8');
    const files = parseUnifiedDiff(text).filter((f) => f.path === 'link-or-file');
    expect(files.map((f) => [f.status, f.oldMode ?? f.newMode])).toEqual([['deleted', '100644'], ['added', '120000']]);
  });

  it('reads format-patch and git log -p output, ignoring mail text and signatures', async () => {
    const mail = (await repo.run(['format-patch', '-1', '--stdout', head])).stdout.toString('utf8');
    expect(mail).toContain('\n-- \n');
    expect(parseUnifiedDiff(mail).length).toBeGreaterThan(5);
    const log = (await repo.run(['log', '-p', '-2', head])).stdout.toString('utf8');
    const files = parseUnifiedDiff(log);
    expect(files.filter((f) => f.path === 'src/app.ts')).toHaveLength(2);
  });
});

describe('parseUnifiedDiff on plain unified diffs', () => {
  it('reads GNU diff -ruN output with timestamps', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trailmark-plain-'));
    try {
    await mkdir(join(dir, 'a'), { recursive: true });
    await mkdir(join(dir, 'b'), { recursive: true });
    await writeFile(join(dir, 'a', 'f.txt'), 'a\nb\n');
    await writeFile(join(dir, 'b', 'f.txt'), 'a\nc\n');
    await writeFile(join(dir, 'a', 'x.bin'), Buffer.from([0, 1]));
    await writeFile(join(dir, 'b', 'x.bin'), Buffer.from([0, 2]));
    const text = await new Promise<string>((resolve) => {
      execFile('diff', ['-ru', 'a', 'b'], { cwd: dir }, (_err, stdout) => resolve(stdout));
    });
    expect(text).toContain('--- a/f.txt\t');
    const files = parseUnifiedDiff(text);
    expect(files.map((f) => [f.path, f.status, f.binary])).toEqual([
      ['f.txt', 'modified', false],
      ['x.bin', 'modified', true],
    ]);
    expect(added(files[0]!)).toEqual(['c']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['added via /dev/null', '--- /dev/null\n+++ b/new.ts\n@@ -0,0 +1 @@\n+x\n', 'new.ts', 'added'],
    ['deleted via /dev/null', '--- a/old.ts\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n', 'old.ts', 'deleted'],
    ['no prefixes', '--- f.ts\n+++ f.ts\n@@ -1 +1 @@\n-x\n+y\n', 'f.ts', 'modified'],
    ['different names', '--- f.orig\n+++ f.ts\n@@ -1 +1 @@\n-x\n+y\n', 'f.ts', 'modified'],
    ['quoted name', '--- "a/sp\\303\\251c"\n+++ "b/sp\\303\\251c"\n@@ -1 +1 @@\n-x\n+y\n', 'spéc', 'modified'],
  ])('%s', (_name, text, path, status) => {
    expect(parseUnifiedDiff(text).map((f) => [f.path, f.status])).toEqual([[path, status]]);
  });
});

describe('parseUnifiedDiff on hand-written and hostile input', () => {
  const ok = (body: string): string => `diff --git a/f.ts b/f.ts\n--- a/f.ts\n+++ b/f.ts\n${body}`;

  it.each([
    ['empty', ''],
    ['newlines only', '\n\n\r\n'],
    ['spaces', '   \n\t\n'],
  ])('%s input has no files', (_name, text) => {
    expect(parseUnifiedDiff(text)).toEqual([]);
  });

  it('treats a body line that looks like a header as content, by the counts', () => {
    const [f] = parseUnifiedDiff(ok('@@ -1,2 +1,2 @@\n--- a/x\n-+++ b/x\n+--- c\n++++ d\n'));
    expect(f!.hunks[0]!.lines.map((l) => [l.kind, l.text])).toEqual([
      ['del', '-- a/x'],
      ['del', '+++ b/x'],
      ['add', '--- c'],
      ['add', '+++ d'],
    ]);
  });

  it('keeps a carriage return inside a line as content', () => {
    const [f] = parseUnifiedDiff(ok('@@ -0,0 +1 @@\n+a\rb\r\n'));
    expect(f!.hunks[0]!.lines[0]!.text).toBe('a\rb');
    expect(f!.crlf).toBe(true);
  });

  it('keeps NUL and lone carriage returns in content, and mixed CRLF/LF terminators', () => {
    const [f] = parseUnifiedDiff('--- a/f\r\n+++ b/f\n@@ -1,2 +1,2 @@\r\n-a\0b\n-old\rmac\r\n+new\n+x\ry\n');
    expect(f!.crlf).toBe(true);
    expect(f!.hunks[0]!.lines.map((l) => l.text)).toEqual(['a\0b', 'old\rmac', 'new', 'x\ry']);
  });

  it('reads a "\\ No newline" marker between the old and new side', () => {
    const [f] = parseUnifiedDiff(ok('@@ -1 +1,2 @@\n-a\n\\ No newline at end of file\n+a\n+b\n'));
    expect(f!.hunks[0]!.lines).toEqual([
      { kind: 'del', text: 'a', oldLine: 1, noNewlineAtEof: true },
      { kind: 'add', text: 'a', newLine: 1 },
      { kind: 'add', text: 'b', newLine: 2 },
    ]);
  });

  it('reads many files and very long lines', () => {
    const long = 'x'.repeat(1_000_000);
    const text = Array.from({ length: 2000 }, (_, i) => `diff --git a/d/f${i}.ts b/d/f${i}.ts\n--- a/d/f${i}.ts\n+++ b/d/f${i}.ts\n@@ -0,0 +1 @@\n+${i === 7 ? long : 'y'}\n`).join('');
    const files = parseUnifiedDiff(text);
    expect(files).toHaveLength(2000);
    expect(files[7]!.hunks[0]!.lines[0]!.text).toHaveLength(1_000_000);
  });

  it('accepts an empty line as a context line', () => {
    const [f] = parseUnifiedDiff(ok('@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n'));
    expect(f!.hunks[0]!.lines.map((l) => l.kind)).toEqual(['context', 'context', 'del', 'add']);
  });

  it.each([
    ['garbage', 'hello world\nthis is not a diff\n', 'line 1: no file header'],
    ['hunk before any file header', '@@ -1 +1 @@\n-a\n+b\n', 'line 1: hunk header without a file header'],
    ['short body', ok('@@ -1,3 +1,3 @@\n a\n-b\n+c\n'), 'line 4: hunk "@@ -1,3 +1,3 @@" ends early at end of input'],
    ['short body at a new file', `${ok('@@ -1,2 +1,2 @@\n a\n')}diff --git a/g b/g\n`, 'line 4: hunk "@@ -1,2 +1,2 @@" ends early at line 6'],
    ['long body', ok('@@ -1 +1 @@\n-a\n+b\n+c\n'), 'line 7: hunk body is longer than its header says (@@ -1,1 +1,1 @@)'],
    ['bad hunk header', ok('@@ -a +b @@\n'), 'line 4: invalid hunk header'],
    ['hunk number overflow', ok('@@ -99999999999999999999 +1 @@\n'), 'line 4: invalid hunk header'],
    ['start 0 with lines', ok('@@ -0,1 +1 @@\n-a\n+b\n'), 'line 4: invalid hunk header'],
    ['overlapping hunks', ok('@@ -1,2 +1,2 @@\n a\n-b\n+c\n@@ -1 +1 @@\n-a\n+b\n'), 'line 8: hunk overlaps'],
    ['combined diff', 'diff --cc f.ts\nindex 1,2..3\n@@@ -1,1 -1,1 +1,1 @@@\n', 'line 1: combined'],
    ['hunk without ---/+++ in git diff', 'diff --git a/f b/f\n@@ -1 +1 @@\n-a\n+b\n', 'line 2: hunk without'],
    ['--- without +++ in git diff', 'diff --git a/f b/f\n--- a/f\n@@ -1 +1 @@\n', 'line 2: "---" line not followed'],
    ['+++ disagrees with header', 'diff --git a/f b/f\n--- a/f\n+++ b/evil\n@@ -1 +1 @@\n-a\n+b\n', 'line 1: "+++" names "evil"'],
    ['bad quoted escape', 'diff --git "a/\\q" "b/\\q"\n--- "a/\\q"\n+++ "b/\\q"\n@@ -1 +1 @@\n-a\n+b\n', 'line 2: unreadable path'],
    ['NUL in quoted path', '--- "a/x\\000y"\n+++ "b/x\\000y"\n@@ -1 +1 @@\n-a\n+b\n', 'line 1: unreadable path'],
    ['unterminated quote', '--- "a/x\n+++ "b/x\n@@ -1 +1 @@\n-a\n+b\n', 'line 1: unreadable path'],
    ['no-newline marker first', ok('@@ -1 +1 @@\n\\ No newline at end of file\n-a\n+b\n'), 'line 5: "\\ No newline'],
    ['both /dev/null', '--- /dev/null\n+++ /dev/null\n@@ -0,0 +1 @@\n+a\n', 'line 1: "---" and "+++" are both /dev/null'],
    ['plain header without hunks', '--- a/f\n+++ b/f\nnothing\n', 'line 3: file header without hunks'],
    ['invalid mode', 'diff --git a/f b/f\nnew file mode 12x\n', 'line 2: invalid file mode'],
    ['rename without to', 'diff --git a/f b/g\nrename from f\n', 'line 1: incomplete rename'],
    ['rename header mismatch', 'diff --git a/x b/y\nrename from f\nrename to g\n', 'line 1: "diff --git" line does not name'],
    ['unsplittable header', 'diff --git a/x b/y\nindex 1234..5678 100644\n', 'line 1: cannot tell the file name'],
  ])('%s is MALFORMED_DIFF', (_name, text, message) => {
    expect(malformed(text).message).toContain(message);
  });

  it('rejects input over maxBytes counting UTF-8 bytes', () => {
    const text = ok('@@ -0,0 +1 @@\n+' + 'é'.repeat(40) + '\n');
    expect(parseUnifiedDiff(text, { maxBytes: 200 })).toHaveLength(1);
    try {
      parseUnifiedDiff(text, { maxBytes: text.length + 10 });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DiffError);
      expect((err as DiffError).code).toBe('DIFF_TOO_LARGE');
    }
  });

  it('splits header lines with spaces in linear time', () => {
    const spaces = ' '.repeat(200_000);
    const name = `d/${spaces}x`;
    const files = parseUnifiedDiff(`diff --git a/${name} b/${name}\nnew file mode 100644\n`);
    expect(files[0]!.path).toBe(name);
    expect(malformed(`diff --git a/${spaces} b/${spaces}y\nindex 1234..5678\n`).message).toContain('cannot tell the file name');
  });

  it('never throws anything but DiffError on mutated diffs', () => {
    const seed = ok('@@ -1,3 +1,4 @@ fn\n a\n-b\n+c\n+d\n e\n\\ No newline at end of file\n') +
      'diff --git "a/\\303\\251" "b/\\303\\251"\nrename from x\nrename to y\nBinary files a/x and b/y differ\n';
    const alphabet = ['\n', '\r', ' ', '+', '-', '@', '\\', '"', ',', '0', '9', 'a', '/', '\t', 'diff --git ', '--- ', '+++ ', '@@ -1 +1 @@'];
    let state = 0x2545f491;
    const next = (n: number): number => {
      state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
      return state % n;
    };
    let parsed = 0;
    let rejected = 0;
    for (let round = 0; round < 3000; round++) {
      let text = seed;
      for (let k = 0, edits = 1 + next(4); k < edits; k++) {
        const at = next(text.length + 1);
        const op = next(3);
        if (op === 0) text = text.slice(0, at) + text.slice(at + 1 + next(8));
        else text = text.slice(0, at) + alphabet[next(alphabet.length)]! + text.slice(at);
      }
      try {
        const files = parseUnifiedDiff(text);
        for (const f of files) expect(typeof f.path).toBe('string');
        parsed++;
      } catch (err) {
        expect(err).toBeInstanceOf(DiffError);
        expect((err as DiffError).message).toMatch(/^line \d+: /);
        rejected++;
      }
    }
    expect(parsed).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  });
});

describe('parseHunkHeader', () => {
  it.each([
    ['@@ -1 +1 @@', [1, 1, 1, 1, '']],
    ['@@ -0,0 +1,3 @@', [0, 0, 1, 3, '']],
    ['@@ -10,5 +12,7 @@ function f() {', [10, 5, 12, 7, 'function f() {']],
    ['@@ -3,0 +4 @@@@ weird', [3, 0, 4, 1, '@@ weird']],
  ])('%s', (line, [oldStart, oldLines, newStart, newLines, header]) => {
    expect(parseHunkHeader(line)).toEqual({ oldStart, oldLines, newStart, newLines, header });
  });

  it.each(['@@ -1 +1', '@@ -1, +1 @@', '@@ 1 +1 @@', '@@ -1 +1 @', '@@ --1 +1 @@', '@@ -1 +1,1234567890 @@'])('rejects %s', (line) => {
    expect(parseHunkHeader(line)).toBeUndefined();
  });
});
