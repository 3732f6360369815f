import { describe, expect, it } from 'vitest';
import { DiffError } from '../../src/core/errors.js';
import { changeSetFromPatch } from '../../src/diff/patch-source.js';

describe('changeSetFromPatch', () => {
  it('wraps the parsed files with no revisions and no commits', () => {
    const set = changeSetFromPatch('diff --git a/x.ts b/x.ts\n--- a/x.ts\n+++ b/x.ts\n@@ -1 +1,2 @@\n a\n+b\n');
    expect(set.base).toBeNull();
    expect(set.head).toBeNull();
    expect(set.commits).toEqual([]);
    expect(set.omissions).toEqual([]);
    expect(set.files.map((f) => [f.path, f.status, f.headText, f.lineCommits])).toEqual([['x.ts', 'modified', undefined, undefined]]);
  });

  it('says so when the patch is empty', () => {
    expect(changeSetFromPatch('').omissions).toEqual([{ reason: 'the patch contains no file changes' }]);
  });

  it('passes the size limit and parse errors through as DiffError', () => {
    expect(() => changeSetFromPatch('x'.repeat(100), { maxBytes: 10 })).toThrow(DiffError);
    expect(() => changeSetFromPatch('not a diff')).toThrow(/line 1: no file header/);
  });
});
