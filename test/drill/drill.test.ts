// trailmark drill over a real repository and ledger (test/blame/scenario.ts): an intact trail
// passes for every kind of merge; a missing record entry, a missing analysis, a wrong
// checkpoint key or an empty period are named; every drill is appended as a signed entry
// that verifies.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkProof, proveEntry } from '../../src/engine/ledger.js';
import type { DrillBody } from '../../src/ledger/kinds/drill.js';
import { openLedger } from '../../src/ledger/log.js';
import { readEntries } from '../../src/ledger/read.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { runCli } from '../cli-ledger/harness.js';
import { ORIGIN, fixedClock, seededRandom, testKey } from '../ledger/fixtures.js';
import { REPOSITORY, buildScenario, type Scenario } from '../blame/scenario.js';

const LINKS = ['pull-request', 'analysis', 'evidence', 'records', 'inclusion-proof', 'checkpoint', 'blame'];

interface DrillJson {
  readonly outcome: 'passed' | 'failed';
  readonly body: DrillBody;
  readonly candidates: number;
  readonly appended: { seq: number; hash: string } | null;
}

let s: Scenario;
let noRecords: Scenario;
beforeAll(async () => {
  s = await buildScenario();
  noRecords = await buildScenario({ records: false });
}, 180_000);
afterAll(async () => {
  await s.cleanup();
  await noRecords.cleanup();
});

async function drill(sc: Scenario, args: readonly string[]): Promise<{ code: number; doc: DrillJson | null; stdout: string; stderr: string }> {
  const r = await runCli(['drill', '--ledger', sc.ledgerDir, '--repo', sc.repo.dir, '--key-file', sc.keyFile, ...args], { cwd: sc.repo.dir });
  const json = args.includes('json');
  return { code: r.code, doc: json && r.code !== 2 ? (JSON.parse(r.stdout) as DrillJson) : null, stdout: r.stdout, stderr: r.stderr };
}

const day = (n: number) => ['--since', `2026-12-${String(n).padStart(2, '0')}`, '--until', `2026-12-${String(n).padStart(2, '0')}`];

describe('trailmark drill on an intact trail', () => {
  it('passes for a squash, a rebase, a merge commit with a later rename, mixed evidence and recorded evidence', async () => {
    for (const pr of [1, 2, 3, 4, 5]) {
      const r = await drill(s, [...day(pr), '--seed', '7', '--format', 'json']);
      expect(r.code, `${pr}: ${r.stdout}${r.stderr}`).toBe(0);
      const { body } = r.doc!;
      expect(body).toMatchObject({ outcome: 'passed', pullRequest: pr, repository: REPOSITORY, missing: [] });
      expect(body.links.map((l) => [l.link, l.ok])).toEqual(LINKS.map((l) => [l, true]));
      const blameLink = body.links.find((l) => l.link === 'blame')!.detail;
      if (pr === 3) expect(blameLink).toContain('src/old.ts → src/new.ts: all 10 lines still attributed');
      else expect(blameLink).toMatch(/all \d+ lines still attributed/);
      if (pr === 5) expect(body.links.find((l) => l.link === 'records')!.detail).toMatch(/1 record entry/);
      expect(r.doc!.appended).not.toBeNull();
    }
  });

  it('appends a signed drill entry that is provable, and the ledger still verifies', async () => {
    const r = await drill(s, [...day(4), '--seed', '1', '--format', 'json']);
    expect(r.code).toBe(0);
    const seq = r.doc!.appended!.seq;
    const store = openDirStore(s.ledgerDir);
    let found: unknown;
    for await (const e of readEntries(store, seq)) if (e.seq === seq) found = e.entry;
    expect(found).toMatchObject({ kind: 'drill', body: r.doc!.body });
    const verdict = checkProof(JSON.stringify(await proveEntry(store, seq)), [s.key.verifier]);
    expect(verdict.entry).toMatchObject({ seq, kind: 'drill' });
    const v = await runCli(['verify', '--ledger', s.ledgerDir, '--key', s.pubFile, '--json'], { cwd: s.repo.dir });
    expect(v.code, v.stderr).toBe(0);
    expect((JSON.parse(v.stdout) as { kinds: Record<string, number> }).kinds.drill).toBeGreaterThanOrEqual(1);
  });

  it('draws with the seed: the same seed draws the same change, and seeds spread over the period', async () => {
    const period = ['--since', '2026-12-01', '--until', '2026-12-06'];
    const a = await drill(s, [...period, '--seed', '42', '--format', 'json']);
    const b = await drill(s, [...period, '--seed', '42', '--format', 'json']);
    expect(a.doc!.candidates).toBe(5);
    expect(b.doc!.body.pullRequest).toBe(a.doc!.body.pullRequest);
    const drawn = new Set<number | null>();
    for (let seed = 0; seed < 12; seed++) drawn.add((await drill(s, [...period, '--seed', String(seed), '--format', 'json'])).doc!.body.pullRequest);
    expect(drawn.size).toBeGreaterThan(2);
  });

  it('prints every link in text', async () => {
    const r = await drill(s, [...day(1), '--seed', '3']);
    expect(r.code).toBe(0);
    for (const l of LINKS) expect(r.stdout).toMatch(new RegExp(`ok\\s+${l}: `));
    expect(r.stdout).toContain('outcome: passed');
    expect(r.stdout).toMatch(/drill entry appended: seq \d+/);
  });
});

describe('trailmark drill names the missing link', () => {
  it('a record entry is missing for recorded evidence', async () => {
    const r = await drill(noRecords, [...day(5), '--seed', '1', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(r.doc!.body.outcome).toBe('failed');
    expect(r.doc!.body.missing).toHaveLength(1);
    expect(r.doc!.body.missing[0]).toMatch(/^records: 1 hunk\(s\) carry recorded evidence but no record entry/);
    const text = await drill(noRecords, [...day(5), '--seed', '1']);
    expect(text.stdout).toMatch(/MISSING records: /);
    expect(text.stdout).toContain('outcome: failed (1 missing link)');
  });

  it('the analysis entry of a merged pull request is missing', async () => {
    const ledger = await openLedger({ store: openDirStore(s.ledgerDir), signer: s.key.signer, origin: ORIGIN, clock: fixedClock(Date.UTC(2026, 11, 20, 12)), random: seededRandom('pr6') });
    await ledger.append([{
      kind: 'merge', policy: 'test',
      body: (ctx) => ({ schema: 'trailmark.merge/v1', repository: REPOSITORY, pullRequest: 6, mergeCommit: s.commits.rename!, method: 'squash-or-rebase', head: s.commits.rename!, diffDigest: `sha256:${'c'.repeat(64)}`, approvedDigest: null, subjects: { 'merged-by': ctx.commit('mia') } }),
    }]);
    const r = await drill(s, [...day(20), '--seed', '1', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(r.doc!.body).toMatchObject({ pullRequest: 6, outcome: 'failed' });
    expect(r.doc!.body.missing[0]).toMatch(/^analysis: no change\.analyzed entry for the merged head/);
    expect(r.doc!.body.links.find((l) => l.link === 'inclusion-proof')!.ok).toBe(true);
  });

  it('the checkpoint does not verify against the trusted key', async () => {
    const other = join(s.repo.dir, '..', 'other.pub');
    writeFileSync(other, `${testKey('not-the-ledger-key').verifierKey}\n`);
    const r = await drill(s, [...day(2), '--seed', '1', '--key', other, '--format', 'json']);
    expect(r.code).toBe(1);
    const failed = r.doc!.body.links.filter((l) => !l.ok).map((l) => l.link);
    expect(failed).toEqual(['checkpoint']);
    expect(r.doc!.body.missing[0]).toMatch(/^checkpoint: proofs do not verify against the trusted checkpoint keys/);
    // The outcome is still recorded, signed with the ledger's key.
    expect(r.doc!.appended).not.toBeNull();
    expect((await runCli(['verify', '--ledger', s.ledgerDir, '--key', s.pubFile], { cwd: s.repo.dir })).code).toBe(0);
  });

  it('no merged pull request in the period', async () => {
    const r = await drill(s, ['--since', '2025-01-01', '--until', '2025-01-31', '--seed', '1', '--format', 'json']);
    expect(r.code).toBe(1);
    expect(r.doc!.candidates).toBe(0);
    expect(r.doc!.body.missing).toEqual(['pull-request: no merged pull request in the ledgers between 2025-01-01T00:00:00Z and 2025-01-31T23:59:59.999Z']);
  });

  it('refuses bad input with exit 2', async () => {
    for (const [args, message] of [
      [['--since', 'yesterday'], /not a date or an RFC 3339 time/],
      [['--since', '2026-12-05', '--until', '2026-12-01'], /ends .* before it starts/],
      [['--seed', '-1'], /not a decimal number/],
    ] as const) {
      const r = await drill(s, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const noKey = await runCli(['drill', '--ledger', s.ledgerDir, '--repo', s.repo.dir], { cwd: s.repo.dir, env: {} });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/no ledger signing key/);
  });
});

describe('trailmark drill on code changed since the merge', () => {
  it('says how many lines are still attributed and how many changed since', async () => {
    const text = (await s.repo.git(['show', 'HEAD:src/squash.ts'])).split('\n');
    text[1] = ' * rewritten by hand after the merge';
    text[2] = ' * @param input - rewritten too';
    await s.repo.write('src/squash.ts', `${text.join('\n')}\n`);
    await s.repo.commit('reword the squash helper docs');
    const r = await drill(s, [...day(1), '--seed', '1', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.doc!.body.links.find((l) => l.link === 'blame')!.detail).toContain('src/squash.ts: 10 of 12 lines still attributed, 2 changed since');
  });
});
