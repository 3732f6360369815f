// `trailmark report` takes the sensitive paths from the policy: `--config FILE`, else the git work
// tree's own `.github/trailmark.yml` (a real `git init`), merged with `--sensitive`;
// `--no-config` turns the default off; a bad or missing policy file is exit 2 with a hint.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyLookup } from '../../src/core/ports.js';
import { renderWeeklyReport, signedReportSource, weeklyReportPolicy } from '../../src/engine/weekly-report.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import type { ReportModel } from '../../src/report/model.js';
import { runCli } from '../cli-ledger/harness.js';
import { REPORT_NOW, SHOP, WEEK, buildFleet, type Fleet } from './fleet.js';

const ENV = { TRAILMARK_REPORT_NOW: REPORT_NOW };
let fleet: Fleet;
let repo: string;

/** Ledger and key arguments with absolute paths, so the command can run from any directory. */
const args = (...more: string[]) => ['report', '--ledger', fleet.appDir, '--ledger', fleet.oldDir, '--key', fleet.keyFile, '--key', fleet.oldKeyFile, '--week', WEEK, '--format', 'json', ...more];

async function sensitive(cwd: string, ...more: string[]): Promise<(string | null)[]> {
  const r = await runCli(args(...more), { cwd, env: ENV });
  // The fleet's two ledgers keep subject openings in clear (no KEK): one at-rest warning each, nothing else.
  expect(r.stderr.split('\n').filter((l) => l !== '')).toEqual([expect.stringMatching(/^trailmark: warning: ledger .*app: subject openings: /), expect.stringMatching(/^trailmark: warning: ledger .*old: subject openings: /)]);
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as ReportModel).gaps.sensitivePaths.map((g) => g.path);
}

beforeAll(async () => {
  fleet = await buildFleet();
  writeFileSync(join(fleet.root, 'auth-policy.yml'), 'sensitive-paths:\n  - "src/auth/**"\n');
  // A git work tree whose own policy marks billing sensitive; the command runs from a subdirectory.
  repo = join(fleet.root, 'work-tree');
  mkdirSync(join(repo, '.github'), { recursive: true });
  mkdirSync(join(repo, 'src', 'deep'), { recursive: true });
  execFileSync('git', ['init', '-q', repo]);
  writeFileSync(join(repo, '.github', 'trailmark.yml'), 'policy-version: "2026.12"\nsensitive-paths:\n  - "src/billing/**"\n');
});

afterAll(async () => {
  await fleet?.cleanup();
});

describe('trailmark report: sensitive paths from the policy', () => {
  it('without a policy and without --sensitive nothing is sensitive (the fleet root is no git work tree)', async () => {
    expect(await sensitive(fleet.root)).toEqual([]);
  });

  it('--config FILE: its sensitive-paths, merged with --sensitive', async () => {
    expect(await sensitive(fleet.root, '--config', 'auth-policy.yml')).toEqual(['src/auth/session.ts']);
    expect(await sensitive(fleet.root, '--config', 'auth-policy.yml', '--sensitive', 'src/billing/**')).toEqual(['src/auth/session.ts', 'src/billing/invoice.ts']);
    // The same glob twice counts once.
    expect(await sensitive(fleet.root, '--config', 'auth-policy.yml', '--sensitive', 'src/auth/**')).toEqual(['src/auth/session.ts']);
  });

  it("inside a git work tree: the repository's .github/trailmark.yml by default, from any subdirectory", async () => {
    expect(await sensitive(join(repo, 'src', 'deep'))).toEqual(['src/billing/invoice.ts']);
    expect(await sensitive(repo, '--sensitive', 'src/auth/**')).toEqual(['src/auth/session.ts', 'src/billing/invoice.ts']);
    // --config replaces the work tree's file; --no-config turns the default off.
    expect(await sensitive(repo, '--config', join(fleet.root, 'auth-policy.yml'))).toEqual(['src/auth/session.ts']);
    expect(await sensitive(repo, '--no-config')).toEqual([]);
  });

  it('a missing or invalid policy file is a usage error (exit 2) with a hint', async () => {
    const missing = await runCli(args('--config', 'nowhere.yml'), { cwd: fleet.root, env: ENV });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read the policy file');
    expect(missing.stderr).toContain('--config');
    writeFileSync(join(fleet.root, 'bad-policy.yml'), 'sensitive-pathz:\n  - "src/**"\n');
    const bad = await runCli(args('--config', 'bad-policy.yml'), { cwd: fleet.root, env: ENV });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('did you mean "sensitive-paths"');
    expect(bad.stdout).toBe('');
  });
});

describe("the App's weekly issue: each repository's own policy gives its sensitive paths", () => {
  const found = (text: string): PolicyLookup => ({ found: true, text, source: '.github/trailmark.yml@main' });
  const week = async (policyText: string) => {
    // What app/weekly-report.ts does per job: the repository's policy, then the week's report of that repository.
    const policy = await weeklyReportPolicy({ atBase: () => Promise.resolve(found(policyText)) });
    const rendered = await renderWeeklyReport(signedReportSource(openDirStore(fleet.appDir), fleet.key.signer, 'installation 1'), {
      repository: SHOP, week: WEEK, clock: { now: () => Date.parse(REPORT_NOW) }, sensitivePaths: policy.sensitivePaths, maxChars: 60_000,
    });
    return rendered!;
  };

  it('the policy globs mark the paths sensitive in the model and in the markdown', async () => {
    const withAuth = await week('report:\n  destination: issue\nsensitive-paths:\n  - "src/auth/**"\n');
    expect(withAuth.model.gaps.sensitivePaths.map((g) => [g.repository, g.path])).toEqual([[SHOP, 'src/auth/session.ts']]);
    expect(withAuth.markdown).toContain('src/auth/session.ts');
    const none = await week('report:\n  destination: issue\n');
    expect(none.model.gaps.sensitivePaths).toEqual([]);
    // The content key changes with the policy: the issue is republished when the globs change.
    expect(none.content).not.toBe(withAuth.content);
  });
});
