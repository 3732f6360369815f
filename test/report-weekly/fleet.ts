// A realistic fleet for the report tests: real git repositories (the demo scenario's feature
// commits, each on its own branch), each branch scanned for real by the engine (tree-sitter,
// detectors, evidence), the results recorded into a signed ledger as pull requests of known
// authors at fixed times, plus App entries (approvals, merges, a remediation) appended with
// the ledger API, an erasure, and a second ledger that went silent. Everything is fixed (git
// identities and dates, clocks, salts), so the ledgers and every report are byte-stable.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FEATURE_COMMITS, BASE_COMMITS, DEMO_POLICY } from '../../cli/demo/scenario.js';
import { parsePolicy } from '../../src/config/policy.js';
import type { ScanResult } from '../../src/core/types.js';
import { analyzeChange } from '../../src/engine/analyze.js';
import { recordScan } from '../../src/engine/record.js';
import { GitChangeSource } from '../../src/git/index.js';
import { eraseSubject } from '../../src/ledger/erase.js';
import { openLedger, type Ledger } from '../../src/ledger/log.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { GitFixture } from '../support/git-fixture.js';
import { ORIGIN, seededRandom, testKey, type TestKey } from '../ledger/fixtures.js';

export const ERASED_LOGIN = 'zed-erased-login';
export const OTHER_ORIGIN = 'example.com/trailmark-old';
/** The report's clock: Wednesday after 2026-W49. */
export const REPORT_NOW = '2026-12-09T00:00:00.000Z';
export const WEEK = '2026-W49';
export const SHOP = 'acme/shop';
export const TOOLS = 'acme/tools';
export const INJECTION_PATH = '=SUM(1+1).ts';

const at = (iso: string): number => Date.parse(iso);
const commitOf = (message: string) => FEATURE_COMMITS.find((c) => c.message.startsWith(message))!;

export interface Recorded {
  readonly time: string;
  readonly repository: string;
  readonly pullRequest: number | null;
  readonly author: string | null;
  readonly result: ScanResult;
}

export interface Fleet {
  readonly root: string;
  /** `<root>/app` and `<root>/old`. */
  readonly appDir: string;
  readonly oldDir: string;
  readonly key: TestKey;
  readonly oldKey: TestKey;
  /** Files holding the verifier keys. */
  readonly keyFile: string;
  readonly oldKeyFile: string;
  readonly recorded: readonly Recorded[];
  readonly scans: Readonly<Record<'users' | 'summary' | 'session' | 'invoice' | 'tool', ScanResult>>;
  cleanup(): Promise<void>;
}

async function scanBranches(): Promise<Fleet['scans']> {
  const policy = parsePolicy(DEMO_POLICY, { source: 'demo' });
  const shop = await GitFixture.create();
  const tools = await GitFixture.create();
  try {
    const base = BASE_COMMITS[0]!;
    await shop.writeFiles(base.files);
    const baseSha = await shop.commit(base.message, { author: base.author, committer: base.author });
    const branch = async (name: string, message: string): Promise<ScanResult> => {
      const c = commitOf(message);
      await shop.git(['checkout', '-q', '-b', name, baseSha]);
      await shop.writeFiles(c.files);
      const head = await shop.commit(c.message, { author: c.author, committer: c.author });
      await shop.git(['checkout', '-q', 'main']);
      return analyzeChange(await new GitChangeSource({ repo: shop.dir, base: baseSha, head }).load(), { policy });
    };
    const users = await branch('users', 'Add user lookup endpoint');
    const summary = await branch('summary', 'Add order summary formatting');
    const session = await branch('session', 'Add signed session tokens');
    const invoice = await branch('invoice', 'Add invoice generation');
    // A repository whose file name is a spreadsheet formula (CSV injection), with AI-like code.
    await tools.write('README.md', '# tools\n');
    const toolsBase = await tools.commit('Initial tools\n');
    await tools.write(INJECTION_PATH, commitOf('Add signed session tokens').files['src/auth/session.ts']!);
    const toolsHead = await tools.commit('Add a helper\n');
    const tool = await analyzeChange(await new GitChangeSource({ repo: tools.dir, base: toolsBase, head: toolsHead }).load(), { policy });
    return { users, summary, session, invoice, tool };
  } finally {
    await shop.cleanup();
    await tools.cleanup();
  }
}

const digest = (c: string): string => `sha256:${c.repeat(64)}`;

export async function buildFleet(): Promise<Fleet> {
  const scans = await scanBranches();
  const root = await mkdtemp(join(tmpdir(), 'trailmark-report-'));
  const appDir = join(root, 'app');
  const oldDir = join(root, 'old');
  const key = testKey();
  const oldKey = testKey('key-old', OTHER_ORIGIN);
  const keyFile = join(root, 'app.pub');
  const oldKeyFile = join(root, 'old.pub');
  await mkdir(root, { recursive: true });
  await writeFile(keyFile, `${key.verifierKey}\n`);
  await writeFile(oldKeyFile, `${oldKey.verifierKey}\n`);
  let now = 0;
  const clock = { now: () => now };
  const app: Ledger = await openLedger({ store: openDirStore(appDir, { create: true }), signer: key.signer, origin: ORIGIN, clock, random: seededRandom('app') });
  const old: Ledger = await openLedger({ store: openDirStore(oldDir, { create: true }), signer: oldKey.signer, origin: OTHER_ORIGIN, clock, random: seededRandom('old') });
  const recorded: Recorded[] = [];
  const record = async (ledger: Ledger, time: string, repository: string, pullRequest: number | null, author: string | null, result: ScanResult) => {
    now = at(time);
    await recordScan(result, ledger, {
      repository,
      policy: 'demo-2026-11',
      ...(pullRequest === null ? {} : { pullRequest }),
      ...(author === null ? {} : { subjects: { 'pr.author': author } }),
    });
    recorded.push({ time, repository, pullRequest, author, result });
  };
  const app1 = async (time: string, kind: string, body: (commit: (v: string) => string) => Record<string, unknown>) => {
    now = at(time);
    await app.append([{ kind, policy: 'demo-2026-11', body: (ctx) => body((v) => ctx.commit(v)) as never }]);
  };

  // The old ledger: one analysis in 2026-W47, then nothing (silent during the report's week).
  await record(old, '2026-11-17T10:00:00.000Z', SHOP, 1, 'alice', scans.session);
  // 2026-W48: one analysis, for the trend.
  await record(app, '2026-11-24T10:00:00.000Z', SHOP, 2, 'alice', scans.session);
  // 2026-W49.
  await record(app, '2026-11-30T09:00:00.000Z', SHOP, 11, 'bob', scans.users);
  await record(app, '2026-11-30T10:00:00.000Z', SHOP, 12, 'bob', scans.users);
  await record(app, '2026-11-30T11:00:00.000Z', SHOP, 13, 'bob', scans.users);
  await record(app, '2026-11-30T12:00:00.000Z', SHOP, 21, 'carol', scans.summary);
  await record(app, '2026-11-30T13:00:00.000Z', SHOP, 22, 'carol', scans.summary);
  await record(app, '2026-11-30T14:00:00.000Z', SHOP, 23, 'carol', scans.summary);
  await record(app, '2026-12-01T09:00:00.000Z', SHOP, 31, 'alice', scans.session);
  await record(app, '2026-12-01T10:00:00.000Z', SHOP, 32, 'alice', scans.session);
  await record(app, '2026-12-01T11:00:00.000Z', SHOP, 33, 'alice', scans.invoice);
  await record(app, '2026-12-01T12:00:00.000Z', SHOP, 41, ERASED_LOGIN, scans.session);
  await record(app, '2026-12-01T13:00:00.000Z', SHOP, 42, ERASED_LOGIN, scans.session);
  await record(app, '2026-12-01T14:00:00.000Z', SHOP, 43, ERASED_LOGIN, scans.session);
  // Dave's pull request: analysed, approved, then force-pushed with declared code, then a
  // remediation: the approval-time analysis counts for people, the latest for volume.
  await record(app, '2026-12-02T09:00:00.000Z', SHOP, 51, 'dave', scans.session);
  await app1('2026-12-02T10:00:00.000Z', 'review.approved', (c) => ({ schema: 'trailmark.review-approved/v1', repository: SHOP, pullRequest: 51, review: 9001, head: 'a'.repeat(40), diffDigest: digest('a'), subjects: { reviewer: c('bob') } }));
  await record(app, '2026-12-02T11:00:00.000Z', SHOP, 51, 'dave', scans.summary);
  await app1('2026-12-02T12:00:00.000Z', 'remediation', (c) => ({ schema: 'trailmark.remediation/v1', repository: SHOP, pullRequest: 51, head: 'b'.repeat(40), declaration: 'Assisted-by: Claude:claude-sonnet-4-5', paths: ['src/report/summary.ts'], subjects: { 'declared-by': c('dave') } }));
  // Alice's pull request 31 merged with a diff that differs from the approved one.
  await app1('2026-12-03T09:00:00.000Z', 'review.approved', (c) => ({ schema: 'trailmark.review-approved/v1', repository: SHOP, pullRequest: 31, review: 9002, head: 'c'.repeat(40), diffDigest: digest('c'), subjects: { reviewer: c('carol') } }));
  await app1('2026-12-03T10:00:00.000Z', 'merge', (c) => ({ schema: 'trailmark.merge/v1', repository: SHOP, pullRequest: 31, mergeCommit: 'd'.repeat(40), method: 'merge', head: 'd'.repeat(40), diffDigest: digest('d'), approvedDigest: digest('c'), subjects: { 'merged-by': c('alice') } }));
  // Bob's pull request 11 merged as approved: no event.
  await app1('2026-12-03T11:00:00.000Z', 'review.approved', (c) => ({ schema: 'trailmark.review-approved/v1', repository: SHOP, pullRequest: 11, review: 9003, head: 'e'.repeat(40), diffDigest: digest('e'), subjects: { reviewer: c('carol') } }));
  await app1('2026-12-03T12:00:00.000Z', 'merge', (c) => ({ schema: 'trailmark.merge/v1', repository: SHOP, pullRequest: 11, mergeCommit: 'f'.repeat(40), method: 'squash-or-rebase', head: 'e'.repeat(40), diffDigest: digest('e'), approvedDigest: digest('e'), subjects: { 'merged-by': c('bob') } }));
  // A push (no pull request, no author) and the tools repository.
  await record(app, '2026-12-04T09:00:00.000Z', SHOP, null, null, scans.users);
  await record(app, '2026-12-04T10:00:00.000Z', TOOLS, 71, 'erin', scans.tool);
  // After the week: rewrites bob's users.ts within 30 days (the rewrite proxy looks up to `now`).
  await record(app, '2026-12-08T09:00:00.000Z', SHOP, 61, 'bob', scans.users);
  // Zed asks to be forgotten.
  await eraseSubject(app.store, ERASED_LOGIN, { now: () => at('2026-12-05T08:00:00.000Z') });
  return {
    root,
    appDir,
    oldDir,
    key,
    oldKey,
    keyFile,
    oldKeyFile,
    recorded,
    scans,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** A hunk's lines as the report counts them. */
export const hunkLines = (h: ScanResult["hunks"][number]): number => h.addedLines;
