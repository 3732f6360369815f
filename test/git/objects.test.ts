import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Git } from '../../src/git/git.js';
import { readObjects, readObjectsWithin } from '../../src/git/objects.js';
import { GitFixture } from '../support/git-fixture.js';

describe('readObjectsWithin', () => {
  let repo: GitFixture;
  let git: Git;
  let ids: string[];
  beforeAll(async () => {
    repo = await GitFixture.create();
    await repo.write('a.ts', 'const a = 1;\n');
    await repo.write('b.ts', 'const bb = 2;\n');
    await repo.commit('c1');
    git = new Git(repo.dir);
    ids = (await git.text(['rev-parse', 'HEAD:a.ts', 'HEAD:b.ts'])).split('\n');
  });
  afterAll(async () => {
    await repo.cleanup();
  });

  it('reads the contents when their total is within the budget, as readObjects does', async () => {
    const within = await readObjectsWithin(git, ids, { maxObjectBytes: 1024, maxTotalBytes: 13 + 14 });
    expect(within).toEqual(await readObjects(git, ids, { maxObjectBytes: 1024 }));
    expect(within?.get(ids[1]!)?.content?.toString('utf8')).toBe('const bb = 2;\n');
  });

  it('reads nothing when the contents would exceed the budget', async () => {
    expect(await readObjectsWithin(git, ids, { maxObjectBytes: 1024, maxTotalBytes: 13 + 14 - 1 })).toBeUndefined();
  });

  it('does not count objects over the per-object cap against the budget', async () => {
    const within = await readObjectsWithin(git, ids, { maxObjectBytes: 13, maxTotalBytes: 13 });
    expect(within?.get(ids[0]!)?.content?.toString('utf8')).toBe('const a = 1;\n');
    expect(within?.get(ids[1]!)).toEqual({ id: ids[1], type: 'blob', size: 14 });
  });
});
