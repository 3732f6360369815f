// The weekly report schedule: due weeks over an injected clock (catch-up after downtime, bounded),
// job keys, policy gating, and the schedule ticking over weeks on the simulator with the real
// App in process (clock and timer injected).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jobKey, type Job } from '../../app/job.js';
import { ConfigError } from '../../src/core/errors.js';
import { createGitHubClient } from '../../src/github/client.js';
import type { PolicyLookup, PolicySource } from '../../src/core/ports.js';
import { dueWeeks, lastCompleteWeek, shiftWeek, weeklyReportJobKey, weeklyReportPolicy, WEEKLY_REPORT_CATCH_UP_WEEKS } from '../../src/engine/weekly-report.js';
import { reportIssueMarker } from '../../src/github/report-issue.js';
import type { Entry as LedgerEntry } from '../../src/ledger/entry.js';
import { generateNoteKey } from '../../src/ledger/note.js';
import { readEntries } from '../../src/ledger/read.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { weekRange } from '../../src/report/week.js';
import { simUnavailable, startSim, type RunningSim } from '../support/github-sim.js';
import { inProcessApp } from '../support/in-process-app.js';

const at = (iso: string) => Date.parse(iso);

describe('dueWeeks (injected clock)', () => {
  // 2026-12-09 is the Wednesday of 2026-W50: the last complete week is 2026-W49.
  const now = at('2026-12-09T12:00:00Z');

  test('the last complete week is the one before the week of now, at every instant of it', () => {
    expect(lastCompleteWeek(now)).toBe('2026-W49');
    expect(lastCompleteWeek(at('2026-12-07T00:00:00Z'))).toBe('2026-W49');
    expect(lastCompleteWeek(at('2026-12-06T23:59:59.999Z'))).toBe('2026-W48');
  });

  test('never active: nothing due', () => {
    expect(dueWeeks(now, null, null)).toEqual([]);
  });

  test('first active in the current week: nothing due until the week completes', () => {
    expect(dueWeeks(now, '2026-W50', null)).toEqual([]);
    expect(dueWeeks(at('2026-12-14T00:00:00Z'), '2026-W50', null)).toEqual(['2026-W50']);
  });

  test('never published: every week from the first active one', () => {
    expect(dueWeeks(now, '2026-W47', null)).toEqual(['2026-W47', '2026-W48', '2026-W49']);
  });

  test('published: the last published week again (late entries change it) and every week since', () => {
    expect(dueWeeks(now, '2026-W30', '2026-W48')).toEqual(['2026-W48', '2026-W49']);
    expect(dueWeeks(now, '2026-W30', '2026-W49')).toEqual(['2026-W49']);
  });

  test('catch-up after downtime is bounded: at most 8 weeks back, the last complete one included', () => {
    const weeks = dueWeeks(now, '2026-W10', '2026-W20');
    expect(weeks).toHaveLength(WEEKLY_REPORT_CATCH_UP_WEEKS);
    expect(weeks[0]).toBe('2026-W42');
    expect(weeks.at(-1)).toBe('2026-W49');
    expect(dueWeeks(now, '2026-W10', '2026-W20', 3)).toEqual(['2026-W47', '2026-W48', '2026-W49']);
  });

  test('across a year with 53 ISO weeks', () => {
    // 2026 has 53 ISO weeks; 2027-01-06 is in 2027-W01.
    expect(dueWeeks(at('2027-01-13T08:00:00Z'), '2026-W52', null)).toEqual(['2026-W52', '2026-W53', '2027-W01']);
    expect(shiftWeek('2026-W53', 1)).toBe('2027-W01');
  });
});

describe('job keys', () => {
  test('one key per installation, repository and week; the queue key of the job is that key', () => {
    const keys = new Set<string>();
    for (const inst of [1, 12]) for (const repo of ['a/b', 'a/bc', 'ab/c']) for (const week of ['2026-W01', '2026-W10']) keys.add(weeklyReportJobKey(inst, repo, week));
    expect(keys.size).toBe(12);
    const job: Job = { kind: 'weekly-report', installationId: 7, owner: 'acme', repo: 'widgets', week: '2026-W49' };
    expect(jobKey(job, 'any-delivery')).toBe('weekly-report:7:acme/widgets:2026-W49');
    expect(jobKey(job, 'another')).toBe(jobKey(job, 'any-delivery'));
  });
});

function source(own: string | null, org: string | null): PolicySource {
  const lookup = (text: string | null, where: string): PolicyLookup => (text === null ? { found: false, why: `${where} does not exist` } : { found: true, text, source: where });
  return { atBase: () => Promise.resolve(lookup(own, '.github/trailmark.yml@main')), organization: () => Promise.resolve(lookup(org, 'acme/.github:.github/trailmark.yml')) };
}

describe('policy gating (weeklyReportPolicy)', () => {
  const issue = 'report:\n  destination: issue\n';
  test("the repository's own policy decides, else the organization's, else none", async () => {
    expect(await weeklyReportPolicy(source(issue, null))).toMatchObject({ destination: 'issue', source: '.github/trailmark.yml@main' });
    expect(await weeklyReportPolicy(source(null, issue))).toMatchObject({ destination: 'issue', source: 'acme/.github:.github/trailmark.yml' });
    expect(await weeklyReportPolicy(source('report:\n  destination: none\n', issue))).toMatchObject({ destination: 'none' });
    expect(await weeklyReportPolicy(source('policy-version: x\n', issue))).toMatchObject({ destination: 'none' });
    expect(await weeklyReportPolicy(source(null, null))).toMatchObject({ destination: 'none', source: 'defaults (no config file)' });
  });
  test('sensitive paths come along; an invalid file is an error', async () => {
    expect(await weeklyReportPolicy(source(`${issue}sensitive-paths:\n  - "src/auth/**"\n`, null))).toMatchObject({ sensitivePaths: ['src/auth/**'] });
    await expect(weeklyReportPolicy(source('report:\n  destination: slack\n', null))).rejects.toBeInstanceOf(ConfigError);
  });
});

const unavailable = simUnavailable();

describe.skipIf(unavailable !== undefined)('the schedule on the simulator (App in process, injected clock)', () => {
  let dir: string;
  let signerKey: string;
  const sims: RunningSim[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trailmark-weekly-schedule-'));
    signerKey = generateNoteKey('example.com/trailmark-schedule', randomBytes(32)).signerKey;
  });
  afterAll(async () => {
    for (const s of sims) await s.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function simWith(policy: string | null): Promise<RunningSim> {
    const probe = await startSim({ scenario: 'basic' });
    const file = join(dir, `scenario-${sims.length}.json`);
    await writeFile(file, JSON.stringify({ extends: join(probe.dir, 'scenarios', 'basic.json'), ...(policy === null ? {} : { repository: { files: { '.github/trailmark.yml': policy } } }) }));
    await probe.stop();
    const s = await startSim({ scenario: file });
    sims.push(s);
    return s;
  }

  const published = async (dataDir: string): Promise<LedgerEntry[]> => {
    const out: LedgerEntry[] = [];
    for await (const e of readEntries(openDirStore(join(dataDir, 'installations', '31337', 'ledger')))) if (e.entry.kind === 'report.published') out.push(e.entry);
    return out;
  };
  const issuesOf = async (s: RunningSim, week: string) => {
    const marker = reportIssueMarker({ owner: 'acme', repo: 'widgets', week });
    return ((await s.state()) as { issues: { number: number; body: string | null }[] }).issues.filter((i) => (i.body ?? '').startsWith(`${marker}\n`));
  };

  test('catches up after downtime: weeks with activity get an issue, weeks without none; nothing is due twice', async () => {
    const s = await simWith('report:\n  destination: issue\n');
    const dataDir = await mkdtemp(join(dir, 'data-'));
    const a = shiftWeek(lastCompleteWeek(Date.now()), -6);
    const inWeek = (week: string) => Date.parse(weekRange(week).since) + 2 * 86_400_000;
    let now = inWeek(a);
    const app = await inProcessApp(s, { dataDir, signerKey, now: () => now });
    await app.pullRequest('opened', 'sched-1');
    // Still inside week a: nothing due.
    expect(await app.app.weeklyTick()).toBe(0);
    // Week a completed: its report is due, published once.
    now = inWeek(shiftWeek(a, 1));
    expect(await app.app.weeklyTick()).toBe(1);
    await app.app.drain();
    expect(await issuesOf(s, a)).toHaveLength(1);
    expect(await published(dataDir)).toHaveLength(1);
    // Activity in week a+2, then downtime until week a+5: the tick queues a .. a+4 (a again: the last published week).
    now = inWeek(shiftWeek(a, 2));
    await s.admin('POST', '/_sim/push', { commits: [{ message: 'feat: dial\n\nAssisted-by: claude-code:claude-sonnet-4', author: { name: 'Alice', email: 'alice@acme.test', login: 'alice', date: new Date(now).toISOString() }, files: [{ path: 'src/dial.ts', content: 'export const dial = (v: number): number => v * 2;\n' }] }] });
    await app.pullRequest('synchronize', 'sched-2');
    now = inWeek(shiftWeek(a, 5));
    expect(await app.app.weeklyTick()).toBe(5);
    await app.app.drain();
    expect(await issuesOf(s, a)).toHaveLength(1);
    expect(await issuesOf(s, shiftWeek(a, 1))).toHaveLength(0);
    expect(await issuesOf(s, shiftWeek(a, 2))).toHaveLength(1);
    const entries = await published(dataDir);
    expect(entries.map((e) => (e.body as unknown as { week: string }).week)).toEqual([a, shiftWeek(a, 2)]);
    // Nothing appended but the reports themselves, and no week completed since: the next tick queues nothing and costs no request.
    const requests = (await s.requests()).length;
    expect(await app.app.weeklyTick()).toBe(0);
    expect((await s.requests()).length).toBe(requests);
    expect(app.log.join('\n')).toContain(`weekly report acme/widgets ${shiftWeek(a, 1)}: no activity`);
  });

  test('policy gating: without `report: {destination: issue}` nothing is queued', async () => {
    const s = await simWith(null);
    const dataDir = await mkdtemp(join(dir, 'data-'));
    const week = shiftWeek(lastCompleteWeek(Date.now()), -2);
    let now = Date.parse(weekRange(week).since) + 86_400_000;
    const app = await inProcessApp(s, { dataDir, signerKey, now: () => now });
    await app.pullRequest('opened', 'gate-1');
    now = Date.parse(weekRange(shiftWeek(week, 1)).since) + 86_400_000;
    expect(await app.app.weeklyTick()).toBe(0);
    expect(((await s.state()) as { issues: unknown[] }).issues).toHaveLength(2);
  });

  test('a repository whose policy cannot be read is skipped with the reason logged, and looked at again at the next tick', async () => {
    const s = await simWith('report:\n  destination: issue\n');
    const dataDir = await mkdtemp(join(dir, 'data-'));
    const week = shiftWeek(lastCompleteWeek(Date.now()), -2);
    let now = Date.parse(weekRange(week).since) + 86_400_000;
    const app = await inProcessApp(s, { dataDir, signerKey, now: () => now });
    await app.pullRequest('opened', 'bad-1');
    // Then someone breaks the policy on the default branch.
    const { token } = (await s.admin('POST', '/_sim/tokens', { kind: 'installation' })) as { token: string };
    const client = createGitHubClient({ token, baseUrl: `${s.url}/api/v3`, sleep: () => Promise.resolve() });
    const path = '.github/trailmark.yml';
    const { data: file } = await client.rest.repos.getContent({ owner: 'acme', repo: 'widgets', path });
    await client.rest.repos.createOrUpdateFileContents({
      owner: 'acme', repo: 'widgets', path, branch: 'main', message: 'chore: weekly report to slack', sha: (file as { sha: string }).sha,
      content: Buffer.from('report:\n  destination: slack\n').toString('base64'),
    });
    now = Date.parse(weekRange(shiftWeek(week, 1)).since) + 86_400_000;
    expect(await app.app.weeklyTick()).toBe(0);
    expect(app.log.join('\n')).toMatch(/weekly report: acme\/widgets skipped: its policy cannot be read: [^"]*destination/);
    const requests = (await s.requests()).length;
    expect(await app.app.weeklyTick()).toBe(0);
    expect((await s.requests()).length).toBeGreaterThan(requests);
  });
});
