// The scan bench runs end to end on a small slice of this project: the multi-commit repository it
// builds gives modified and added files whose lines come from several commits, and it reports
// process costs for both sides. No timing is asserted (the machine may be shared).
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { benchScan } from '../../src/bench/scan.js';
import { buildDist } from '../support/build-dist.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('scan bench', () => {
  beforeAll(buildDist);

  it('measures the scan process against the raw parse process over a multi-commit TypeScript range', async () => {
    const report = await benchScan({
      projectRoot: ROOT,
      bin: join(ROOT, 'bin', 'trailmark.js'),
      rawParse: join(ROOT, 'dist', 'lib', 'src', 'bench', 'raw-parse.js'),
      maxBytes: 120 * 1024,
      commits: 3,
      rounds: 1,
      startRuns: 1,
    });
    expect(report.files).toBeGreaterThan(5);
    expect(report.commits).toBe(3);
    // Modified files contribute several interior hunks each.
    expect(report.hunks).toBeGreaterThan(report.files);
    expect(report.addedLines).toBeGreaterThan(100);
    for (const cost of [report.raw, report.scan, report.start.help, report.start.node]) {
      expect(cost.wallMs).toBeGreaterThan(0);
      if (process.platform === 'linux') expect(cost.cpuMs).toBeGreaterThan(0);
    }
    expect(report.wallRatio).toBeGreaterThan(0);
    expect(report.engine.ratio).toBeGreaterThan(0);
  });
});
