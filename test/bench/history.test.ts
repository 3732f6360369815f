// The history bench on a real (small) git history with a merged branch: it scans the last
// first-parent commits as a user would and parses the same files at head on the raw side. No
// timing is asserted (the machine may be shared); the skip reasons are.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { benchHistory } from '../../src/bench/history.js';
import { buildDist } from '../support/build-dist.js';
import { GitFixture } from '../support/git-fixture.js';

const ROOT = join(import.meta.dirname, '..', '..');
const tools = { bin: join(ROOT, 'bin', 'trailmark.js'), rawParse: join(ROOT, 'dist', 'lib', 'src', 'bench', 'raw-parse.js') };
const module = (n: number): string => `export function step${n}(input: number): number {\n  // Scale the input by the step.\n  return input * ${n};\n}\n`;

describe('history bench', () => {
  beforeAll(buildDist);

  it('scans the last first-parent commits, merges included, against the raw parse of the files the scan parsed', async () => {
    const repo = await GitFixture.create();
    try {
      await repo.writeFiles({ 'src/a.ts': module(0), 'package-lock.json': '{}\n' });
      await repo.commit('base');
      await repo.writeFiles({ 'src/a.ts': module(0) + module(1), 'package-lock.json': '{"lockfileVersion": 3}\n' });
      await repo.commit('one');
      await repo.branch('topic');
      await repo.checkout('topic');
      await repo.writeFiles({ 'src/b.ts': module(2) });
      await repo.commit('topic work');
      await repo.checkout('main');
      await repo.writeFiles({ 'src/c.js': 'export const c = 3;\n' });
      await repo.commit('two');
      await repo.merge('topic');
      const report = benchHistory({ repo: repo.dir, ...tools, commits: 3, rounds: 1 });
      expect(report.skipped).toBeUndefined();
      expect(report.firstParentCommits).toBe(3);
      // one, two, the merge, and the topic commit it brought in.
      expect(report.commits).toBe(4);
      // The lockfile is skipped by the scan, so the raw side does not parse it.
      expect(report.files).toBe(3);
      expect(report.hunks).toBeGreaterThanOrEqual(3);
      for (const cost of [report.raw!, report.scan!]) {
        expect(cost.wallMs).toBeGreaterThan(0);
        if (process.platform === 'linux') expect(cost.cpuMs).toBeGreaterThan(0);
      }
      expect(report.wallRatio).toBeGreaterThan(0);
    } finally {
      await repo.cleanup();
    }
  });

  it('says why it did not run: too short a history, or no repository', async () => {
    const repo = await GitFixture.create();
    const plain = await mkdtemp(join(tmpdir(), 'trailmark-history-'));
    try {
      await repo.writeFiles({ 'src/a.ts': module(0) });
      await repo.commit('only');
      expect(benchHistory({ repo: repo.dir, ...tools }).skipped).toBe(`${repo.dir} has 1 first-parent commit; at least 3 are needed`);
      expect(benchHistory({ repo: plain, ...tools }).skipped).toMatch(/has no readable git history/);
    } finally {
      await repo.cleanup();
      await rm(plain, { recursive: true, force: true });
    }
  });
});
