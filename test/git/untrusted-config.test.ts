import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitChangeSource, readFileAtRevision } from '../../src/git/index.js';
import { GitFixture } from '../support/git-fixture.js';

describe('a repository whose config names programs', () => {
  it('never runs its core.fsmonitor command or hooks', async () => {
    const repo = await GitFixture.create();
    try {
      await repo.write('a.ts', 'export const a = 1;\n');
      const base = await repo.commit('base');
      await repo.write('a.ts', 'export const a = 2;\nexport const b = 3;\n');
      await repo.commit('change');
      const marker = join(repo.dir, '..', `fsmonitor-ran-${Date.now()}`);
      const script = join(repo.dir, '.git', 'evil.sh');
      await writeFile(script, `#!/bin/sh\ntouch '${marker}'\n`);
      await chmod(script, 0o755);
      await repo.run(['config', 'core.fsmonitor', script]);
      await repo.run(['config', 'core.hooksPath', join(repo.dir, '.git')]);
      // The test can fail: a plain git command that consults the index does run the monitor.
      await repo.run(['status', '--porcelain']);
      const sanity = existsSync(marker);
      if (sanity) await (await import('node:fs/promises')).rm(marker);
      const changeSet = await new GitChangeSource({ repo: repo.dir, base, head: 'HEAD' }).load();
      expect(changeSet.files.map((f) => f.path)).toEqual(['a.ts']);
      expect(await readFileAtRevision(repo.dir, 'HEAD', 'a.ts')).toContain('b = 3');
      expect(existsSync(marker)).toBe(false);
      expect(sanity).toBe(true);
    } finally {
      await repo.cleanup();
    }
  });
});
