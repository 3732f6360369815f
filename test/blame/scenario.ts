// A repository with four merged pull requests and a ledger built the way production builds
// it: real `trailmark scan --ledger` runs for the analyses, then the App's entries (merge,
// review.approved, remediation, record) appended through the ledger API with a real key.
//
//   PR 1  src/squash.ts    declared (Assisted-by)      squash merge       approved by alice (erased)
//   PR 2  src/rebase.ts    declared, two commits       rebase merge       approved by erin
//   PR 3  src/old.ts       stamped (Claude co-author)  merge commit       then renamed to src/new.ts on main
//   PR 4  src/mixed.ts     three authors: declared, stamped, unattested    merge commit, approved by dave
//   PR 5  src/traced.ts    recorded (Agent Trace record in the head)       merge commit
//
// Merge entries are one day apart from 2026-12-01 (PR n on 2026-12-0n), so a drill can pick a
// pull request by its period. `records: false` leaves out the `record` entry PR 5's recorded
// evidence needs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { eraseFromLedger } from '../../src/engine/ledger.js';
import { openLedger, type EntryDraft } from '../../src/ledger/log.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { GitFixture, type Identity } from '../support/git-fixture.js';
import { runCli } from '../cli-ledger/harness.js';
import { ORIGIN, fixedClock, seededRandom, testKey, type TestKey } from '../ledger/fixtures.js';

export const REPOSITORY = 'acme/repo';
export const ANN: Identity = { name: 'Ann Author', email: 'ann@example.com' };
export const BEN: Identity = { name: 'Ben Builder', email: 'ben@example.com' };
export const CAT: Identity = { name: 'Cat Coder', email: 'cat@example.com' };
const CLAUDE: Identity = { name: 'Claude', email: 'noreply@anthropic.com' };

export interface Scenario {
  readonly repo: GitFixture;
  readonly ledgerDir: string;
  readonly keyFile: string;
  readonly pubFile: string;
  readonly key: TestKey;
  readonly commits: Readonly<Record<string, string>>;
  cleanup(): Promise<void>;
}

/** Code that reads like an assistant wrote it: the detectors score it, the trailers attest it (or not). */
function block(name: string, lines: number): string {
  // Every line names the block: identical lines in two blocks would let `git blame -M` move them.
  const out = [`/** ${name}`, ` * ${name}: validates the input and returns a normalized result.`, ` * @param input - the raw value for ${name}`, ` */`, `export function ${name}(input: string): string {`];
  for (let i = 0; out.length < lines - 1; i++) out.push(`  const ${name}Step${i} = input.trim().toLowerCase(); // ${name} step ${i}`);
  out.push(`} // end of ${name}`);
  return `${out.join('\n')}\n`;
}

function spacer(from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = from; i <= to; i++) out.push(`// unchanged line ${i}`);
  return out;
}

const digestOf = (c: string) => `sha256:${c.repeat(64).slice(0, 64)}`;

function agentTrace(revision: string, path: string, lines: number): string {
  const record = {
    version: '0.1.0',
    id: '5b0d2f6e-2a51-4d38-9a52-3f1f5b0b9c21',
    timestamp: '2026-11-02T10:15:00Z',
    vcs: { type: 'git', revision },
    tool: { name: 'cursor', version: '2.1.0' },
    files: [{ path, conversations: [{ url: 'https://cursor.com/agents?id=bc-test', contributor: { type: 'ai', model_id: 'anthropic/claude-sonnet-4-5' }, ranges: [{ start_line: 1, end_line: lines }] }] }],
  };
  return `${JSON.stringify(record)}\n`;
}

export async function buildScenario(options: { readonly records?: boolean; readonly binary?: boolean } = {}): Promise<Scenario> {
  const repo = await GitFixture.create();
  const root = join(repo.dir, '..');
  const key = testKey('blame-drill');
  const keyFile = join(root, 'ledger.key');
  const pubFile = join(root, 'ledger.pub');
  writeFileSync(keyFile, `${key.signerKey}\n`);
  writeFileSync(pubFile, `${key.verifierKey}\n`);
  const ledgerDir = join(root, 'ledger');
  const commits: Record<string, string> = {};

  const scan = async (base: string, head: string): Promise<void> => {
    const r = await runCli(['scan', '--repo', repo.dir, '--base', base, '--head', head, '--ledger', ledgerDir, '--key-file', keyFile, '--format', 'json'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
  };

  await repo.writeFiles({ 'README.md': '# repo\n', 'src/mixed.ts': `${spacer(1, 40).join('\n')}\n` });
  if (options.binary === true) await repo.write('assets/logo.bin', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2, 0x0a, 0]));
  commits.init = await repo.commit('init');

  // PR 1: squash merge.
  await repo.checkout('feat-squash', { create: true });
  await repo.write('src/squash.ts', block('squashed', 12));
  commits.pr1 = await repo.commit('add squash helper', { author: ANN, trailers: ['Assisted-by: Claude:claude-opus-4-5'] });
  await scan(commits.init, commits.pr1);
  await repo.checkout('main');
  await repo.git(['merge', '--squash', '-q', 'feat-squash']);
  commits.squash = await repo.commit('add squash helper (#1)', { author: ANN });

  // PR 2: rebase merge of two commits, branched before PR 1 landed.
  await repo.checkout(commits.init);
  await repo.checkout('feat-rebase', { create: true });
  await repo.write('src/rebase.ts', block('rebasedOne', 10));
  commits.pr2a = await repo.commit('add rebase helper', { author: BEN, trailers: ['Assisted-by: Claude:claude-sonnet-4'] });
  await repo.write('src/rebase.ts', block('rebasedOne', 10) + block('rebasedTwo', 10));
  commits.pr2b = await repo.commit('extend rebase helper', { author: BEN, trailers: ['Assisted-by: Claude:claude-sonnet-4'] });
  await scan(commits.init, commits.pr2b);
  await repo.checkout('main');
  await repo.git(['cherry-pick', commits.pr2a, commits.pr2b]);
  commits.rebasedA = await repo.rev('HEAD~1');
  commits.rebasedB = await repo.rev('HEAD');

  // PR 3: merge commit; the file is renamed on main afterwards.
  await repo.checkout('feat-old', { create: true });
  await repo.write('src/old.ts', block('legacy', 10));
  commits.pr3 = await repo.commit('add legacy helper', { author: CAT, coAuthors: [CLAUDE] });
  await scan(commits.rebasedB, commits.pr3);
  await repo.checkout('main');
  commits.merge3 = await repo.merge('feat-old', 'Merge pull request #3');
  await repo.git(['mv', 'src/old.ts', 'src/new.ts']);
  commits.rename = await repo.commit('rename old to new', { author: CAT });

  // PR 4: three authors, three kinds of evidence, one file.
  await repo.checkout('feat-mixed', { create: true });
  const mixed = spacer(1, 40);
  const edit = async (at: number, name: string): Promise<void> => {
    mixed.splice(at - 1, 4, ...block(name, 4).trimEnd().split('\n'));
    await repo.write('src/mixed.ts', `${mixed.join('\n')}\n`);
  };
  await edit(3, 'fromAnn');
  commits.ann = await repo.commit('ann: parse', { author: ANN, trailers: ['Assisted-by: Claude:claude-opus-4-5'] });
  await edit(18, 'fromBen');
  commits.ben = await repo.commit('ben: format', { author: BEN, coAuthors: [CLAUDE] });
  await edit(33, 'fromCat');
  commits.cat = await repo.commit('cat: check', { author: CAT });
  await scan(commits.rename, commits.cat);
  await repo.checkout('main');
  commits.merge4 = await repo.merge('feat-mixed', 'Merge pull request #4');

  // PR 5: an Agent Trace record in the head, merged with a merge commit (scanned below, after the record entry).
  await repo.checkout('feat-traced', { create: true });
  await repo.write('src/traced.ts', block('traced', 10));
  commits.pr5a = await repo.commit('add traced helper', { author: BEN });
  await repo.write('.agent-trace/traces.jsonl', agentTrace(commits.pr5a, 'src/traced.ts', 10));
  commits.pr5 = await repo.commit('add the agent trace record', { author: BEN });
  await repo.checkout('main');
  commits.merge5 = await repo.merge('feat-traced', 'Merge pull request #5');

  // The App's entries, one pull request a day from 2026-12-01.
  const clock = fixedClock(Date.UTC(2026, 11, 1, 12));
  const ledger = await openLedger({ store: openDirStore(ledgerDir), signer: key.signer, origin: ORIGIN, clock, random: seededRandom('scenario') });
  const app = (kind: string, body: (commit: (v: string) => string) => Record<string, unknown>): EntryDraft => ({ kind, policy: 'test', body: (ctx) => ({ ...body((v) => ctx.commit(v)) }) as never });
  const approve = (pr: number, head: string, reviewer: string, review: number) =>
    app('review.approved', (c) => ({ schema: 'trailmark.review-approved/v1', repository: REPOSITORY, pullRequest: pr, review, head, diffDigest: digestOf('a'), subjects: { reviewer: c(reviewer) } }));
  const merged = (pr: number, head: string, mergeCommit: string, method: 'merge' | 'squash-or-rebase') =>
    app('merge', (c) => ({ schema: 'trailmark.merge/v1', repository: REPOSITORY, pullRequest: pr, mergeCommit, method, head, diffDigest: digestOf('a'), approvedDigest: digestOf('a'), subjects: { 'merged-by': c('mia') } }));
  const DAY = 86_400_000;
  await ledger.append([approve(1, commits.pr1, 'alice', 101), merged(1, commits.pr1, commits.squash, 'squash-or-rebase')]);
  clock.tick(DAY);
  await ledger.append([approve(2, commits.pr2b, 'erin', 201), merged(2, commits.pr2b, commits.rebasedB, 'squash-or-rebase')]);
  clock.tick(DAY);
  await ledger.append([merged(3, commits.pr3, commits.merge3, 'merge')]);
  clock.tick(DAY);
  await ledger.append([
    app('remediation', (c) => ({ schema: 'trailmark.remediation/v1', repository: REPOSITORY, pullRequest: 4, head: commits.cat, declaration: 'Assisted-by: Claude:claude-opus-4-5', paths: ['src/mixed.ts'], subjects: { 'declared-by': c('cat') } })),
    approve(4, commits.cat, 'dave', 401),
    merged(4, commits.cat, commits.merge4, 'merge'),
  ]);
  clock.tick(DAY);
  if (options.records !== false) {
    await ledger.append([app('record', () => ({ schema: 'trailmark.record/v1', repository: REPOSITORY, format: 'agent-trace', digest: digestOf('b'), bytes: 512, ranges: 1 }))]);
  }
  await scan(commits.merge4, commits.pr5);
  // The scan appended through its own writer: reopen so this one resumes from the new checkpoint.
  const ledger5 = await openLedger({ store: openDirStore(ledgerDir), signer: key.signer, origin: ORIGIN, clock, random: seededRandom('scenario-5') });
  await ledger5.append([merged(5, commits.pr5, commits.merge5, 'merge')]);
  await eraseFromLedger(openDirStore(ledgerDir), 'alice', fixedClock(Date.UTC(2026, 11, 2)));
  return { repo, ledgerDir, keyFile, pubFile, key, commits, cleanup: () => repo.cleanup() };
}
