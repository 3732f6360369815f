import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitError } from '../../src/core/errors.js';
import { readGitAiNotes } from '../../src/git/notes.js';
import { readFileAtRevision } from '../../src/git/revision-file.js';
import { GitFixture } from '../support/git-fixture.js';

describe('readGitAiNotes', () => {
  let repo: GitFixture;
  let c1: string;
  let c2: string;
  let c3: string;
  beforeAll(async () => {
    repo = await GitFixture.create();
    await repo.write('a.ts', '1\n');
    c1 = await repo.commit('c1');
    await repo.write('a.ts', '2\n');
    c2 = await repo.commit('c2');
    await repo.write('a.ts', '3\n');
    c3 = await repo.commit('c3');
  });
  afterAll(async () => {
    await repo.cleanup();
  });

  it('returns [] when refs/notes/ai does not exist', async () => {
    await repo.note(c1, 'not ours', 'refs/notes/commits');
    expect(await readGitAiNotes(repo.dir, [c1, c2, c3])).toEqual([]);
  });

  it('returns the notes of the asked commits, in their order, with origin and commit', async () => {
    const note = 'a.ts\n  s_abc123 1-2\n---\n{"schema_version":"authorship/3.0.0"}\n';
    await repo.note(c3, note);
    await repo.note(c1, 'first\0with nul\n');
    await repo.note(c2, 'c2 note, not asked for\n');
    const records = await readGitAiNotes(repo.dir, [c3, c1]);
    expect(records).toEqual([
      { format: 'git-ai', origin: `refs/notes/ai:${c3}`, commit: c3, text: note },
      { format: 'git-ai', origin: `refs/notes/ai:${c1}`, commit: c1, text: 'first\0with nul\n' },
    ]);
    expect(await readGitAiNotes(repo.dir, [])).toEqual([]);
  });
});

describe('readFileAtRevision', () => {
  let repo: GitFixture;
  let base: string;
  beforeAll(async () => {
    repo = await GitFixture.create();
    await repo.write('.github/trailmark.yml', 'thresholds:\n  high: 0.8\n');
    base = await repo.commit('config');
    await repo.write('.github/trailmark.yml', 'thresholds:\n  high: 0.99\n');
    await repo.commit('weaken');
    await repo.write('.github/trailmark.yml', 'working tree only\n');
  });
  afterAll(async () => {
    await repo.cleanup();
  });

  it('reads the file as of the revision, never the working tree', async () => {
    expect(await readFileAtRevision(repo.dir, base, '.github/trailmark.yml')).toBe('thresholds:\n  high: 0.8\n');
    expect(await readFileAtRevision(repo.dir, 'HEAD', '.github/trailmark.yml')).toBe('thresholds:\n  high: 0.99\n');
    expect(await readFileAtRevision(repo.dir, 'main~1', '/.github/trailmark.yml')).toBe('thresholds:\n  high: 0.8\n');
  });

  it.each([['absent file', 'nope.yml'], ['directory', '.github'], ['path with newline', 'a\nb'], ['empty path', '']])('%s is undefined', async (_name, path) => {
    expect(await readFileAtRevision(repo.dir, 'HEAD', path)).toBeUndefined();
  });

  it('reads from the empty tree as absent', async () => {
    const empty = await repo.git(['hash-object', '-t', 'tree', '--stdin'], { input: '' });
    expect(await readFileAtRevision(repo.dir, empty, '.github/trailmark.yml')).toBeUndefined();
  });

  it('refuses a revision that names a blob, not a tree-ish', async () => {
    const blob = (await repo.git(['rev-parse', 'HEAD:.github/trailmark.yml'])).trim();
    const err = await readFileAtRevision(repo.dir, blob, '.github/trailmark.yml').catch((e: unknown) => e);
    expect((err as GitError).code).toBe('BAD_REVISION');
  });

  it.each([['unknown', 'no-such-branch'], ['option-like', '--help'], ['unknown, with a bad path', 'no-such-branch']])('%s revision is BAD_REVISION', async (name, rev) => {
    const err = await readFileAtRevision(repo.dir, rev, name.includes('bad path') ? 'a\nb' : '.github/trailmark.yml').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).code).toBe('BAD_REVISION');
  });
});
