// The App's retention schedule: the strictest period across an installation's repositories,
// day keys, and the schedule on the GitHub simulator with the real App in process (clock and
// timer injected): subject openings and collector records past retention are erased, signed
// `retention` entries list them, the ledger verifies, and the next tick does nothing. Two
// replicas on one data directory running the day's job at once append the erasure once.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { jobKey, type Job } from '../../app/job.js';
import { InstallationLedgers } from '../../app/ledgers.js';
import { RecordStore } from '../../app/record-store.js';
import { RetentionSchedule } from '../../app/retention.js';
import { ConfigError } from '../../src/core/errors.js';
import { parseRetentionPeriod, type RetentionPeriod } from '../../src/core/policy.js';
import type { PolicyLookup, PolicySource } from '../../src/core/ports.js';
import { appDrillJobKey, drillEvery, dueDrillPeriod, repositoryRetention, retentionDay, retentionJobKey, strictestRetention, type RepositoryRetention } from '../../src/engine/app-retention.js';
import { createGitHubClient } from '../../src/github/client.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import type { Entry as LedgerEntry } from '../../src/ledger/entry.js';
import { DRILL_KIND, type DrillBody } from '../../src/ledger/kinds/drill.js';
import { MERGE_KIND } from '../../src/ledger/kinds/merge.js';
import { RETENTION_KIND, type RetentionBody } from '../../src/ledger/kinds/retention.js';
import { verifierOf } from '../../src/ledger/log.js';
import { generateNoteKey, parseSignerKey } from '../../src/ledger/note.js';
import { readEntries } from '../../src/ledger/read.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { simUnavailable, startSim, type RunningSim } from '../support/github-sim.js';
import { inProcessApp } from '../support/in-process-app.js';

const DAY = 86_400_000;
const period = (text: string): RetentionPeriod => parseRetentionPeriod(text)!;

describe('strictestRetention: one installation ledger, the strictest period of each rule wins', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');
  const repos: RepositoryRetention[] = [
    { repository: 'acme/api', source: 'a', retention: { subjects: period('7y'), records: period('18m') } },
    { repository: 'acme/web', source: 'b', retention: { subjects: period('2y'), prompts: period('1y') } },
    { repository: 'acme/docs', source: 'c' },
    { repository: 'acme/ops', source: 'd', retention: { records: period('60w') } },
  ];

  test('rule by rule, the shortest period, and who set it', () => {
    const { policy, chosen } = strictestRetention(repos, now);
    expect(policy).toEqual({ subjects: period('2y'), records: period('60w'), prompts: period('1y') });
    expect(chosen.subjects?.repository).toBe('acme/web');
    expect(chosen.records?.repository).toBe('acme/ops');
    expect(chosen.prompts?.repository).toBe('acme/web');
  });

  test('compared by cutoff at the time, not by number: 1m back from 31 March is 3 March (28 days), from 31 August it is 31 July (31 days)', () => {
    const one = (text: string, repository: string): RepositoryRetention => ({ repository, source: repository, retention: { subjects: period(text) } });
    expect(strictestRetention([one('30d', 'a/d'), one('1m', 'a/m')], Date.parse('2026-03-31T00:00:00Z')).chosen.subjects?.repository).toBe('a/m');
    expect(strictestRetention([one('1m', 'a/m'), one('30d', 'a/d')], Date.parse('2026-08-31T00:00:00Z')).chosen.subjects?.repository).toBe('a/d');
    // Equal cutoffs: the first repository in the given order keeps it.
    expect(strictestRetention([one('7d', 'a/x'), one('1w', 'a/y')], Date.parse('2026-08-31T00:00:00Z')).chosen.subjects?.repository).toBe('a/x');
  });

  test('no repository sets retention: nothing applies', () => {
    expect(strictestRetention([{ repository: 'a/b', source: 'x' }], now).policy).toEqual({});
    expect(strictestRetention([], now).policy).toEqual({});
  });

  test('day keys: one per installation and UTC day', () => {
    expect(retentionDay(Date.parse('2026-12-04T23:59:59.999Z'))).toBe('2026-12-04');
    expect(retentionDay(Date.parse('2026-12-05T00:00:00Z'))).toBe('2026-12-05');
    const job: Job = { kind: 'retention', installationId: 7, day: '2026-12-04' };
    expect(jobKey(job, 'any')).toBe('retention:7:2026-12-04');
    expect(retentionJobKey(7, '2026-12-04')).not.toBe(retentionJobKey(71, '2026-12-04'));
  });
});

describe('the scheduled drill: the shortest `drill.every`, due when the last App drill is older', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');
  test('shortest period wins; none set: no drill', () => {
    const repos: RepositoryRetention[] = [
      { repository: 'acme/a', source: 'a', drill: period('30d') },
      { repository: 'acme/b', source: 'b', drill: period('2w') },
      { repository: 'acme/c', source: 'c' },
    ];
    expect(drillEvery(repos, now)).toMatchObject({ period: period('2w'), repository: 'acme/b' });
    expect(drillEvery([{ repository: 'acme/c', source: 'c' }], now)).toBeUndefined();
  });
  test('due: never drilled, or the last drill is older than the period; the period is the last `every`', () => {
    expect(dueDrillPeriod(period('7d'), null, now)).toEqual({ since: '2026-11-27T12:00:00.000Z', until: '2026-12-04T12:00:00.000Z' });
    expect(dueDrillPeriod(period('7d'), now - 6 * DAY, now)).toBeNull();
    expect(dueDrillPeriod(period('7d'), now - 7 * DAY, now)).toBeNull();
    expect(dueDrillPeriod(period('7d'), now - 7 * DAY - 1, now)).not.toBeNull();
    expect(appDrillJobKey(3, '2026-12-04')).toBe('drill:3:2026-12-04');
  });
  test('drill.every is validated like a retention period', async () => {
    expect(await repositoryRetention('acme/a', source('drill:\n  every: 30d\n', null))).toMatchObject({ drill: period('30d') });
    await expect(repositoryRetention('acme/a', source('drill:\n  every: monthly\n', null))).rejects.toThrow(/drill\.every: "monthly" is not a duration/);
    await expect(repositoryRetention('acme/a', source('drill:\n  evry: 30d\n', null))).rejects.toThrow(/did you mean "drill\.every"/);
  });
});

function source(own: string | null, org: string | null): PolicySource {
  const lookup = (text: string | null, where: string): PolicyLookup => (text === null ? { found: false, why: `${where} does not exist` } : { found: true, text, source: where });
  return { atBase: () => Promise.resolve(lookup(own, '.github/trailmark.yml@main')), organization: () => Promise.resolve(lookup(org, 'acme/.github:.github/trailmark.yml')) };
}

describe('repositoryRetention: the repository policy, else the organization policy', () => {
  test('own file first, then the organization .github, then none', async () => {
    expect(await repositoryRetention('acme/a', source('retention:\n  subjects: 2y\n', 'retention:\n  subjects: 30d\n'))).toEqual({ repository: 'acme/a', source: '.github/trailmark.yml@main', retention: { subjects: period('2y') } });
    expect(await repositoryRetention('acme/a', source(null, 'retention:\n  records: 30d\n'))).toEqual({ repository: 'acme/a', source: 'acme/.github:.github/trailmark.yml', retention: { records: period('30d') } });
    expect(await repositoryRetention('acme/a', source('policy-version: x\n', 'retention:\n  records: 30d\n'))).toEqual({ repository: 'acme/a', source: '.github/trailmark.yml@main' });
    expect(await repositoryRetention('acme/a', source(null, null))).toEqual({ repository: 'acme/a', source: 'defaults (no config file)' });
  });
  test('an invalid period is a configuration error', async () => {
    await expect(repositoryRetention('acme/a', source('retention:\n  subjects: forever\n', null))).rejects.toBeInstanceOf(ConfigError);
  });
});

const unavailable = simUnavailable();

describe.skipIf(unavailable !== undefined)('the retention schedule on the simulator (App in process, injected clock)', () => {
  let dir: string;
  let signerKey: string;
  const sims: RunningSim[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trailmark-app-retention-'));
    signerKey = generateNoteKey('example.com/trailmark-retention', randomBytes(32)).signerKey;
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

  const ledgerDir = (dataDir: string) => join(dataDir, 'installations', '31337', 'ledger');
  const entries = async (dataDir: string): Promise<LedgerEntry[]> => {
    const out: LedgerEntry[] = [];
    for await (const e of readEntries(openDirStore(ledgerDir(dataDir)))) out.push(e.entry);
    return out;
  };
  const retentionBodies = async (dataDir: string) => (await entries(dataDir)).filter((e) => e.kind === RETENTION_KIND).map((e) => e.body as unknown as RetentionBody);
  const openings = async (dataDir: string) => (await openDirStore(ledgerDir(dataDir)).readSubjects()).filter((r) => 'value' in r);
  const recordPath = (dataDir: string, digest: string) => join(dataDir, 'installations', '31337', 'records', 'acme', 'widgets', `${digest.slice('sha256:'.length)}.jsonl`);

  test('past retention is erased once, listed in signed entries, the ledger verifies, and the next ticks do nothing', async () => {
    const s = await simWith('retention:\n  subjects: 30d\n  records: 30d\n');
    const dataDir = await mkdtemp(join(dir, 'data-'));
    const t0 = Date.now();
    let now = t0;
    const app = await inProcessApp(s, { dataDir, signerKey, now: () => now });
    await app.pullRequest('opened', 'ret-1');
    // The analysis committed the pull request author: its opening is in the side store.
    const before = await openings(dataDir);
    expect(before.length).toBeGreaterThan(0);
    // Two collector records: one stored at t0, one 35 days later (the App's storage time is the file's mtime).
    const records = new RecordStore(dataDir);
    const old = (await records.put(31337, 'acme', 'widgets', '{"version":"0.1","id":"old"}\n'))!;
    const fresh = (await records.put(31337, 'acme', 'widgets', '{"version":"0.1","id":"fresh"}\n'))!;
    await utimes(recordPath(dataDir, old.digest), t0 / 1000, t0 / 1000);
    await utimes(recordPath(dataDir, fresh.digest), (t0 + 35 * DAY) / 1000, (t0 + 35 * DAY) / 1000);

    // Day 20: nothing is past 30 days yet; the job runs and appends nothing.
    now = t0 + 20 * DAY;
    const size0 = (await entries(dataDir)).length;
    expect(await app.app.retentionTick()).toBe(1);
    await app.app.drain();
    expect(await entries(dataDir)).toHaveLength(size0);
    expect(await openings(dataDir)).toEqual(before);
    expect(await app.app.retentionTick()).toBe(0);

    // Day 40: the t0 entries' openings and the t0 record are past retention.
    now = t0 + 40 * DAY;
    expect(await app.app.retentionTick()).toBe(1);
    await app.app.drain();
    const bodies = await retentionBodies(dataDir);
    const subjects = bodies.filter((b) => b.rule === 'subjects');
    expect(subjects.flatMap((b) => b.commitments).sort()).toEqual([...new Set(before.map((r) => r.commitment))].sort());
    expect(subjects.every((b) => b.keep === '30d')).toBe(true);
    expect(bodies.filter((b) => b.rule === 'records').flatMap((b) => b.commitments)).toEqual([old.digest]);
    expect(await openings(dataDir)).toEqual([]);
    expect(existsSync(recordPath(dataDir, old.digest))).toBe(false);
    expect(existsSync(recordPath(dataDir, fresh.digest))).toBe(true);
    const store = openDirStore(ledgerDir(dataDir));
    const report = await verifyStore(store, [verifierOf(parseSignerKey(signerKey))]);
    expect(report.ok).toBe(true);
    expect(app.log.join('\n')).toMatch(/retention: installation 31337: subjects keep 30d \(set by acme\/widgets, [^)]*\): erased \d+, retention entries/);

    // The same day: nothing queued. The next day: the job runs, finds nothing, appends nothing.
    const size1 = (await entries(dataDir)).length;
    expect(await app.app.retentionTick()).toBe(0);
    now += DAY;
    expect(await app.app.retentionTick()).toBe(1);
    await app.app.drain();
    expect(await entries(dataDir)).toHaveLength(size1);
    // Day 66: the fresh record (stored day 35) is past retention too; only it is listed.
    now = t0 + 66 * DAY;
    expect(await app.app.retentionTick()).toBe(1);
    await app.app.drain();
    expect((await retentionBodies(dataDir)).filter((b) => b.rule === 'records').map((b) => b.commitments)).toEqual([[old.digest], [fresh.digest]]);
    expect(existsSync(recordPath(dataDir, fresh.digest))).toBe(false);
    expect((await verifyStore(store, [verifierOf(parseSignerKey(signerKey))])).ok).toBe(true);
  });

  test('without a retention rule the job reads the policies and erases nothing', async () => {
    const s = await simWith(null);
    const dataDir = await mkdtemp(join(dir, 'data-'));
    let now = Date.now();
    const app = await inProcessApp(s, { dataDir, signerKey, now: () => now });
    await app.pullRequest('opened', 'none-1');
    const before = await openings(dataDir);
    const size = (await entries(dataDir)).length;
    now += 400 * DAY;
    expect(await app.app.retentionTick()).toBe(1);
    await app.app.drain();
    expect(await entries(dataDir)).toHaveLength(size);
    expect(await openings(dataDir)).toEqual(before);
    expect((await entries(dataDir)).filter((e) => e.kind === DRILL_KIND)).toEqual([]);
    expect(await app.app.retentionTick()).toBe(0);
  });

  test('drill: every 7d runs the ledger-only drill on a merged pull request once per period; blame is "not checked: no clone"', async () => {
    const s = await simWith('drill:\n  every: 7d\n');
    const dataDir = await mkdtemp(join(dir, 'data-'));
    const t0 = Date.now();
    let now = t0;
    const app = await inProcessApp(s, { dataDir, signerKey, now: () => now });
    await app.pullRequest('opened', 'drill-1');
    await app.pullRequest('closed', 'drill-2', true);
    expect((await entries(dataDir)).filter((e) => e.kind === MERGE_KIND)).toHaveLength(1);
    const drills = async () => (await entries(dataDir)).filter((e) => e.kind === DRILL_KIND).map((e) => e.body as unknown as DrillBody);

    now = t0 + DAY;
    expect(await app.app.retentionTick()).toBe(1);
    await app.app.drain();
    const [first, ...more] = await drills();
    expect(more).toEqual([]);
    expect(first!.job).toBe(`drill:31337:${retentionDay(now)}`);
    expect(first!.repository).toBe('acme/widgets');
    expect(first!.pullRequest).not.toBeNull();
    const link = (name: string) => first!.links.find((l) => l.link === name);
    expect(link('pull-request')?.ok).toBe(true);
    expect(link('analysis')?.ok).toBe(true);
    expect(link('inclusion-proof')?.ok).toBe(true);
    expect(link('checkpoint')?.ok).toBe(true);
    expect(link('blame')).toMatchObject({ ok: null });
    expect(link('blame')?.detail).toMatch(/^not checked: no clone .*the App keeps no clone/);
    // Every ledger link holds; only blame could not be checked: incomplete, not failed.
    expect(first!.outcome).toBe('incomplete');

    // The next day: not due (the last drill is a day old): nothing appended.
    now = t0 + 2 * DAY;
    expect(await app.app.retentionTick()).toBe(1);
    await app.app.drain();
    expect(await drills()).toHaveLength(1);
    // A period later: due again; the merge is older than the period now, which the drill says.
    now = t0 + 9 * DAY;
    expect(await app.app.retentionTick()).toBe(1);
    await app.app.drain();
    const all = await drills();
    expect(all).toHaveLength(2);
    expect(all[1]!.links.find((l) => l.link === 'pull-request')).toMatchObject({ ok: false });
    expect((await verifyStore(openDirStore(ledgerDir(dataDir)), [verifierOf(parseSignerKey(signerKey))])).ok).toBe(true);
    expect(app.log.join('\n')).toMatch(/drill: installation 31337 \(every 7d, set by acme\/widgets\): incomplete, acme\/widgets#\d+; 0 missing link\(s\), 1 not checked/);
  });

  test('two replicas on one data directory run the same day at once: the erasure is listed once', async () => {
    const s = await simWith('retention:\n  subjects: 30d\n');
    const dataDir = await mkdtemp(join(dir, 'data-'));
    const t0 = Date.now();
    const app = await inProcessApp(s, { dataDir, signerKey, now: () => t0 });
    await app.pullRequest('opened', 'rep-1');
    const before = await openings(dataDir);
    expect(before.length).toBeGreaterThan(0);
    const clock = { now: () => t0 + 40 * DAY };
    const { token } = (await s.admin('POST', '/_sim/tokens', { kind: 'installation' })) as { token: string };
    // Each replica notes when its job reaches GitHub (after taking the lock) and when it ends.
    const events: string[] = [];
    const replica = (name: string) => {
      const ledgers = new InstallationLedgers(dataDir, parseSignerKey(signerKey), clock, { bytes: (n: number) => randomBytes(n) });
      return new RetentionSchedule({
        dataDir, ledgers, clock, log: () => undefined, enqueue: () => Promise.resolve(),
        clientFor: () => {
          events.push(`start ${name}`);
          return Promise.resolve(createGitHubClient({ token, baseUrl: `${s.url}/api/v3`, sleep: () => Promise.resolve() }));
        },
      });
    };
    const job = { kind: 'retention', installationId: 31337, day: retentionDay(clock.now()) } as const;
    const run = async (name: string) => {
      const outcome = await replica(name).run(job);
      events.push(`end ${name}`);
      return outcome;
    };
    const [a, b] = await Promise.all([run('a'), run('b')]);
    // One after the other, never interleaved (the installation's retention lock).
    expect([['start a', 'end a', 'start b', 'end b'], ['start b', 'end b', 'start a', 'end a']]).toContainEqual(events);
    const appended = [a, b].map((o) => o.result?.rules.find((r) => r.rule === 'subjects')?.appended.length ?? 0);
    expect(appended.filter((n) => n > 0)).toHaveLength(1);
    const subjects = (await retentionBodies(dataDir)).filter((x) => x.rule === 'subjects');
    expect(subjects.flatMap((x) => x.commitments).sort()).toEqual([...new Set(before.map((r) => r.commitment))].sort());
    expect(await openings(dataDir)).toEqual([]);
    expect((await verifyStore(openDirStore(ledgerDir(dataDir)), [verifierOf(parseSignerKey(signerKey))])).ok).toBe(true);
  });
});
