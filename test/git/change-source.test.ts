import { afterEach, describe, expect, it } from 'vitest';
import { DiffError, GitError } from '../../src/core/errors.js';
import type { ChangeSet, FileChange } from '../../src/core/types.js';
import { GitChangeSource } from '../../src/git/change-source.js';
import { FIXTURE_AUTHOR, GitFixture } from '../support/git-fixture.js';

const fixtures: GitFixture[] = [];
async function fixture(options: { defaultBranch?: string } = {}): Promise<GitFixture> {
  const repo = await GitFixture.create(options);
  fixtures.push(repo);
  return repo;
}
afterEach(async () => {
  while (fixtures.length > 0) await fixtures.pop()!.cleanup();
});

function file(set: ChangeSet, path: string): FileChange {
  const found = set.files.filter((f) => f.path === path);
  expect(found, path).toHaveLength(1);
  return found[0]!;
}

/** Added line text -> introducing commit (or '-' when unattributed). */
function attribution(f: FileChange): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of f.hunks) {
    for (const l of h.lines) if (l.kind === 'add') out[l.text] = f.lineCommits?.get(l.newLine!) ?? '-';
  }
  return out;
}

const lines = (n: number, prefix = 'line'): string => Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`).join('\n') + '\n';

describe('GitChangeSource: range, base and attribution', () => {
  it('defaults the base to the merge-base with main and attributes each added line to its commit', async () => {
    const repo = await fixture();
    await repo.writeFiles({ 'src/a.ts': lines(10), 'src/b.ts': lines(3, 'b') });
    const base = await repo.commit('base');
    await repo.checkout('feature', { create: true });
    await repo.write('src/a.ts', lines(10).replace('line 3\n', 'line 3\nfrom c1 one\nfrom c1 two\n'));
    const c1 = await repo.commit('c1: add two lines');
    await repo.write('src/a.ts', lines(10).replace('line 3\n', 'line 3\nfrom c1 one\nfrom c2 changed\nfrom c2 added\n'));
    const c2 = await repo.commit('c2: change one, add one', { coAuthors: [{ name: 'Claude', email: 'noreply@anthropic.com' }] });
    await repo.write('src/c.ts', 'only c3\n');
    const c3 = await repo.commit('c3: new file');
    await repo.checkout('main');
    await repo.write('src/b.ts', lines(3, 'b') + 'main moved on\n');
    await repo.commit('main moves on');
    await repo.checkout('feature');

    const set = await new GitChangeSource({ repo: repo.dir }).load();
    expect(set.base).toBe(base);
    expect(set.head).toBe(c3);
    expect(set.commits.map((c) => c.sha)).toEqual([c1, c2, c3]);
    expect(set.files.map((f) => [f.path, f.status])).toEqual([['src/a.ts', 'modified'], ['src/c.ts', 'added']]);
    expect(attribution(file(set, 'src/a.ts'))).toEqual({ 'from c1 one': c1, 'from c2 changed': c2, 'from c2 added': c2 });
    expect(attribution(file(set, 'src/c.ts'))).toEqual({ 'only c3': c3 });
    expect(file(set, 'src/a.ts').headText).toBe(lines(10).replace('line 3\n', 'line 3\nfrom c1 one\nfrom c2 changed\nfrom c2 added\n'));
    expect(set.commits[1]!.message).toBe('c2: change one, add one\n\nCo-authored-by: Claude <noreply@anthropic.com>\n');
    expect(set.commits[1]!.author).toEqual(FIXTURE_AUTHOR);
    expect(set.commits[1]!.parents).toEqual([c1]);
    expect(set.context).toEqual({ headBranch: 'feature' });
    expect(set.omissions).toEqual([]);
  });

  it('attributes through a merge commit in the range with blame, and an explicit base', async () => {
    const repo = await fixture();
    await repo.writeFiles({ 'a.ts': lines(6), 'm.ts': lines(2, 'm') });
    const base = await repo.commit('base');
    await repo.checkout('side', { create: true });
    await repo.write('m.ts', lines(2, 'm') + 'from side\n');
    const side = await repo.commit('side');
    await repo.checkout('main');
    await repo.write('a.ts', lines(6) + 'from main\n');
    const onMain = await repo.commit('main');
    const merge = await repo.merge('side');
    await repo.write('a.ts', lines(6) + 'from main\nafter merge\n');
    const after = await repo.commit('after');

    const set = await new GitChangeSource({ repo: repo.dir, base, head: 'HEAD' }).load();
    expect(set.base).toBe(base);
    expect(new Set(set.commits.map((c) => c.sha))).toEqual(new Set([side, onMain, merge, after]));
    expect(set.commits.indexOf(set.commits.find((c) => c.sha === merge)!)).toBeGreaterThan(set.commits.findIndex((c) => c.sha === side));
    expect(set.commits.at(-1)!.sha).toBe(after);
    expect(attribution(file(set, 'a.ts'))).toEqual({ 'from main': onMain, 'after merge': after });
    expect(attribution(file(set, 'm.ts'))).toEqual({ 'from side': side });
  });

  it('leaves lines that blame traces to the base (through a rename the diff does not pair) unattributed', async () => {
    const repo = await fixture();
    const original = lines(12, 'kept from base');
    await repo.write('old.ts', original);
    const base = await repo.commit('base');
    await repo.remove('old.ts');
    await repo.write('new.ts', original);
    await repo.commit('rename only');
    await repo.write('new.ts', original.split('\n').slice(0, 3).join('\n') + '\n' + lines(20, 'rewritten'));
    const rewrite = await repo.commit('rewrite most of it');

    const set = await new GitChangeSource({ repo: repo.dir, base }).load();
    const added = file(set, 'new.ts');
    expect(added.status).toBe('added');
    const who = attribution(added);
    expect(who['kept from base 1']).toBe('-');
    expect(who['kept from base 3']).toBe('-');
    expect(who['rewritten 1']).toBe(rewrite);
    expect(who['rewritten 20']).toBe(rewrite);
    expect(file(set, 'old.ts').status).toBe('deleted');
  });

  it('uses the first parent when head is the tip of main, and the empty tree for a root commit', async () => {
    const repo = await fixture();
    await repo.writeFiles({ 'a.ts': 'one\n', 'dir/b.js': 'two\nthree\n' });
    const root = await repo.commit('root');
    const rootSet = await new GitChangeSource({ repo: repo.dir }).load();
    expect(rootSet.base).toBe(await repo.git(['hash-object', '-t', 'tree', '--stdin'], { input: '' }));
    expect(rootSet.commits.map((c) => c.sha)).toEqual([root]);
    expect(rootSet.commits[0]!.parents).toEqual([]);
    expect(rootSet.files.map((f) => [f.path, f.status])).toEqual([['a.ts', 'added'], ['dir/b.js', 'added']]);
    expect(attribution(file(rootSet, 'dir/b.js'))).toEqual({ two: root, three: root });

    await repo.write('a.ts', 'one\nnext\n');
    const second = await repo.commit('second');
    const set = await new GitChangeSource({ repo: repo.dir }).load();
    expect(set.base).toBe(root);
    expect(set.commits.map((c) => c.sha)).toEqual([second]);
  });

  it('finds the default branch through origin/HEAD and init.defaultBranch', async () => {
    const repo = await fixture({ defaultBranch: 'trunk' });
    await repo.write('a.ts', 'a\n');
    const base = await repo.commit('base');
    await repo.checkout('topic', { create: true });
    await repo.write('a.ts', 'a\nb\n');
    const t1 = await repo.commit('t1');
    await repo.write('a.ts', 'a\nb\nc\n');
    const t2 = await repo.commit('t2');
    // No main, no master, no origin: the first parent of head.
    expect((await new GitChangeSource({ repo: repo.dir }).load()).base).toBe(t1);
    await repo.git(['config', 'init.defaultBranch', 'trunk']);
    expect((await new GitChangeSource({ repo: repo.dir }).load()).base).toBe(base);
    await repo.git(['config', '--unset', 'init.defaultBranch']);
    await repo.updateRef('refs/remotes/origin/trunk', base);
    await repo.git(['symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/trunk']);
    const set = await new GitChangeSource({ repo: repo.dir }).load();
    expect(set.base).toBe(base);
    expect(set.commits.map((c) => c.sha)).toEqual([t1, t2]);
  });
});

describe('GitChangeSource: file kinds and hostile content', () => {
  it('reports deleted, renamed, binary, mode-changed, oversized and invalid UTF-8 files', async () => {
    const repo = await fixture();
    await repo.writeFiles({
      'gone.ts': 'bye\n',
      'from.ts': lines(10),
      'img.bin': Buffer.from([0, 1, 2]),
      'run.sh': 'echo\n',
      'spaced dir/tést.ts': 'x\n',
    });
    await repo.commit('base');
    await repo.remove('gone.ts');
    await repo.remove('from.ts');
    await repo.writeFiles({
      'to.ts': lines(10) + 'renamed and extended\n',
      'img.bin': Buffer.from([0, 1, 2, 3, 0]),
      'big.ts': 'x'.repeat(3000) + '\n',
      'latin1.ts': Buffer.from('const s = "caf\xe9";\n', 'latin1'),
      'crlf.ts': 'a\r\nb\r\n',
      'spaced dir/tést.ts': 'x\ny\n',
    });
    await repo.git(['add', '-A']);
    await repo.git(['update-index', '--chmod=+x', 'run.sh']);
    const head = await repo.commit('changes', { addAll: false });
    const set = await new GitChangeSource({ repo: repo.dir, base: 'HEAD~1', maxFileBytes: 2000 }).load();

    expect(file(set, 'gone.ts')).toMatchObject({ status: 'deleted', headTextMissing: 'deleted' });
    expect(file(set, 'gone.ts').lineCommits).toBeUndefined();
    expect(file(set, 'to.ts')).toMatchObject({ status: 'renamed', oldPath: 'from.ts', headText: lines(10) + 'renamed and extended\n' });
    expect(attribution(file(set, 'to.ts'))).toEqual({ 'renamed and extended': head });
    expect(file(set, 'img.bin')).toMatchObject({ binary: true, headTextMissing: 'binary' });
    expect(file(set, 'run.sh')).toMatchObject({ status: 'mode-changed', newMode: '100755', headText: 'echo\n' });
    expect(file(set, 'big.ts')).toMatchObject({ headTextMissing: 'too-large', headSize: 3001 });
    expect(file(set, 'big.ts').headText).toBeUndefined();
    expect(set.omissions).toEqual([{ path: 'big.ts', reason: 'lines not attributed to commits: file over the size cap' }]);
    expect(file(set, 'latin1.ts')).toMatchObject({ invalidUtf8: true, headText: 'const s = "caf\uFFFD";\n' });
    expect(file(set, 'crlf.ts')).toMatchObject({ crlf: true, headText: 'a\r\nb\r\n' });
    expect(attribution(file(set, 'crlf.ts'))).toEqual({ a: head, b: head });
    expect(attribution(file(set, 'spaced dir/tést.ts'))).toEqual({ y: head });
    expect(set.files.map((f) => f.path)).toEqual([...set.files.map((f) => f.path)].sort());
  });

  it('keeps 1 MB messages, NUL bytes and control characters in commit messages byte-exact', async () => {
    const repo = await fixture();
    await repo.write('a.ts', 'a\n');
    const base = await repo.commit('base');
    await repo.write('a.ts', 'a\nb\n');
    const huge = `big change\n\n${'0123456789abcdef'.repeat(65_536)}\n`;
    const big = await repo.commit(huge);
    const tree = await repo.git(['rev-parse', `${big}^{tree}`]);
    const nasty = Buffer.concat([Buffer.from('evil\0subject\x1b[31m\r\n\nbody\0'), Buffer.from([0xff, 0xfe]), Buffer.from('\nAssisted-by: x\n')]);
    const raw = await repo.commitRaw({ tree, parents: [big], message: nasty, author: { name: 'Eve <x>', email: 'eve@example.com' } });
    const latinTree = tree;
    const latin = await repo.commitRaw({ tree: latinTree, parents: [raw], extraHeaders: ['encoding ISO-8859-1'], message: Buffer.from('caf\xe9\n', 'latin1') });
    await repo.updateRef('refs/heads/main', latin);

    const set = await new GitChangeSource({ repo: repo.dir, base }).load();
    expect(set.commits.map((c) => c.sha)).toEqual([big, raw, latin]);
    expect(set.commits[0]!.message).toBe(huge);
    expect(set.commits[0]!.message.length).toBeGreaterThan(1_000_000);
    expect(set.commits[1]!.message).toBe('evil\0subject\x1b[31m\r\n\nbody\0\uFFFD\uFFFD\nAssisted-by: x\n');
    expect(set.commits[1]!.author).toEqual({ name: 'Eve', email: 'x' });
    expect(set.commits[2]!.message).toBe('café\n');
    expect(set.commits[0]!.authorDate).toMatch(/^2026-01-01T00:0\d:00\+00:00$/);
  });

  it('writes author dates in the recorded timezone like %aI', async () => {
    const repo = await fixture();
    await repo.write('a.ts', 'a\n');
    const sha = await repo.commit('tz', { time: 1_767_225_600, tz: '-0530' });
    const set = await new GitChangeSource({ repo: repo.dir }).load();
    expect(set.commits[0]!.authorDate).toBe(await repo.git(['log', '-1', '--format=%aI', sha]));
    expect(set.commits[0]!.authorDate).toBe('2025-12-31T18:30:00-05:30');
  });

  it('diffs text that .gitattributes marks as binary, and keeps real binaries binary', async () => {
    const repo = await fixture();
    await repo.writeFiles({ '.gitattributes': '*.ts -diff\n*.png binary\n', 'hidden.ts': 'const a = 1;\n', 'logo.png': Buffer.from([137, 80, 78, 71, 0, 1]) });
    await repo.commit('base');
    await repo.writeFiles({ 'hidden.ts': 'const a = 1;\nconst aiWrote = true;\n', 'logo.png': Buffer.from([137, 80, 78, 71, 0, 2]), 'moved.ts': 'x\n' });
    const head = await repo.commit('change');
    const raw = await repo.git(['diff', 'HEAD~1', 'HEAD', '--', 'hidden.ts']);
    expect(raw).toContain('Binary files a/hidden.ts and b/hidden.ts differ');
    const set = await new GitChangeSource({ repo: repo.dir }).load();
    expect(file(set, 'hidden.ts')).toMatchObject({ binary: false, headText: 'const a = 1;\nconst aiWrote = true;\n' });
    expect(attribution(file(set, 'hidden.ts'))).toEqual({ 'const aiWrote = true;': head });
    expect(attribution(file(set, 'moved.ts'))).toEqual({ x: head });
    expect(file(set, 'logo.png')).toMatchObject({ binary: true, headTextMissing: 'binary' });
  });

  it('reads a submodule pointer change without contents or attribution', async () => {
    const repo = await fixture();
    await repo.write('a.ts', 'a\n');
    const first = await repo.commit('base');
    await repo.git(['update-index', '--add', '--cacheinfo', `160000,${first},deps/lib`]);
    await repo.commit('add submodule', { addAll: false });
    const set = await new GitChangeSource({ repo: repo.dir }).load();
    const sub = file(set, 'deps/lib');
    expect(sub).toMatchObject({ status: 'added', newMode: '160000', headTextMissing: 'unavailable' });
    expect(sub.lineCommits).toBeUndefined();
    expect(set.omissions).toEqual([]);
  });

  it('returns an empty change set when base and head are the same commit', async () => {
    const repo = await fixture();
    await repo.write('a.ts', 'a\n');
    const only = await repo.commit('only');
    const set = await new GitChangeSource({ repo: repo.dir, base: only, head: only }).load();
    expect(set).toMatchObject({ base: only, head: only, commits: [], files: [], omissions: [] });
  });

  it('names the head branch in the context', async () => {
    const repo = await fixture();
    await repo.write('a.ts', 'a\n');
    await repo.commit('base');
    await repo.write('a.ts', 'b\n');
    await repo.commit('next');
    expect((await new GitChangeSource({ repo: repo.dir, head: 'main' }).load()).context).toEqual({ headBranch: 'main' });
    const sha = await repo.rev('HEAD');
    expect((await new GitChangeSource({ repo: repo.dir, head: sha }).load()).context).toBeUndefined();
  });

  it('rejects a diff over the size limit', async () => {
    const repo = await fixture();
    await repo.write('a.ts', 'a\n');
    await repo.commit('base');
    await repo.write('a.ts', lines(2000));
    await repo.commit('big');
    await expect(new GitChangeSource({ repo: repo.dir, maxDiffBytes: 4096 }).load()).rejects.toSatisfy(
      (err: unknown) => err instanceof DiffError && err.code === 'DIFF_TOO_LARGE',
    );
  });
});

describe('GitChangeSource: errors', () => {
  it.each([
    ['unknown revision', { head: 'no-such-branch' }, 'BAD_REVISION', "unknown revision 'no-such-branch'"],
    ['option-like revision', { head: '--output=/tmp/x' }, 'BAD_REVISION', 'invalid revision name'],
    ['unknown base', { base: 'nope' }, 'BAD_REVISION', "unknown revision 'nope'"],
  ])('%s', async (_name, options, code, message) => {
    const repo = await fixture();
    await repo.write('a.ts', 'a\n');
    await repo.commit('base');
    const err = await new GitChangeSource({ repo: repo.dir, ...options }).load().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).code).toBe(code);
    expect((err as GitError).message).toContain(message);
    expect((err as GitError).hint).toBeTruthy();
  });

  it('says when the repository has no commits', async () => {
    const repo = await fixture();
    const err = await new GitChangeSource({ repo: repo.dir }).load().then(() => undefined, (e: unknown) => e);
    expect((err as GitError).code).toBe('BAD_REVISION');
    expect((err as GitError).hint).toContain('no commits yet');
  });

  it('says when the directory is not a repository', async () => {
    const repo = await fixture();
    const outside = `${repo.dir}/../plain`;
    await import('node:fs/promises').then((fs) => fs.mkdir(outside));
    const err = await new GitChangeSource({ repo: outside }).load().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).code).toBe('NOT_A_REPOSITORY');
    expect((err as GitError).hint).toContain('git repository');
  });

  it('refuses to diff against the empty tree in a shallow clone', async () => {
    const repo = await fixture();
    await repo.write('a.ts', 'a\n');
    await repo.commit('one');
    await repo.write('a.ts', 'b\n');
    await repo.commit('two');
    await repo.run(['clone', '-q', '--depth', '1', `file://${repo.dir}`, '../shallow']);
    const err = await new GitChangeSource({ repo: `${repo.dir}/../shallow` }).load().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).code).toBe('BAD_REVISION');
    expect((err as GitError).hint).toContain('fetch-depth: 0');
  });

  it('refuses unrelated histories for an explicit base', async () => {
    const repo = await fixture();
    await repo.write('a.ts', 'a\n');
    await repo.commit('base');
    const tree = await repo.git(['rev-parse', 'HEAD^{tree}']);
    const orphan = await repo.commitRaw({ tree, message: 'orphan\n' });
    await repo.updateRef('refs/heads/orphan', orphan);
    const err = await new GitChangeSource({ repo: repo.dir, base: 'orphan' }).load().then(() => undefined, (e: unknown) => e);
    expect((err as GitError).code).toBe('BAD_REVISION');
    expect((err as GitError).message).toContain('no common history');
  });
});
