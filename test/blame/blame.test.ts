// trailmark blame over a real repository and a ledger built by real scans plus App entries
// (see scenario.ts): squash, rebase and merge-commit merges, a rename, three authors with
// mixed evidence, an erased reviewer, inclusion proofs, the ledger-only query.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blame, queryLedger, sameRepository, type BlameReport, type BlameRun } from '../../src/engine/blame.js';
import { checkProof } from '../../src/engine/ledger.js';
import { localBlameGit, parseBlamePorcelain } from '../../src/git/blame.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { runCli } from '../cli-ledger/harness.js';
import { ORIGIN, fixedClock, seededRandom, testKey } from '../ledger/fixtures.js';
import { openLedger } from '../../src/ledger/log.js';
import { GitFixture } from '../support/git-fixture.js';
import { ANN, BEN, CAT, REPOSITORY, buildScenario, type Scenario } from './scenario.js';

let s: Scenario;
beforeAll(async () => {
  s = await buildScenario({ binary: true });
}, 120_000);
afterAll(async () => {
  await s.cleanup();
});

const run = (file: string, extra: { range?: { start: number; end: number }; proofs?: boolean; rev?: string } = {}): Promise<BlameReport> =>
  blame({ repository: REPOSITORY, file, rev: extra.rev ?? 'main', ledgers: [openDirStore(s.ledgerDir)], git: localBlameGit(s.repo.dir), ...extra });

function emptyDir(): string {
  const dir = join(s.repo.dir, '..', 'empty-ledger');
  mkdirSync(dir, { recursive: true });
  return dir;
}

const byAuthor = (report: BlameReport, name: string): BlameRun[] => report.runs.filter((r) => r.author.name === name);

describe('blame across merges', () => {
  it('follows a squash merge: the squash commit → merge entry → PR head → its analysis', async () => {
    const report = await run('src/squash.ts');
    expect(report.schema).toBe('trailmark.blame/v1');
    expect(report.runs).toHaveLength(1);
    const [r] = report.runs;
    expect(r).toMatchObject({ startLine: 1, endLine: 12, commit: s.commits.squash, link: 'merge-commit', pullRequests: [1], evidence: ['declared'], models: ['claude-opus-4-5'] });
    expect(r!.author).toEqual(ANN);
    const h = r!.history[0]!;
    expect(h).toMatchObject({ head: s.commits.pr1, verdict: 'attested', sources: ['trailer:Assisted-by'], pullRequest: 1 });
    expect(h.commits).toEqual([s.commits.pr1]);
    expect(h.merge).toMatchObject({ mergeCommit: s.commits.squash, method: 'squash-or-rebase', approvedAsMerged: true, mergedBy: 'mia' });
    // alice was erased from the side store: the approval stays, her login does not.
    expect(h.approvals.map((a) => a.reviewer)).toEqual(['[erased]']);
    expect(JSON.stringify(report)).not.toContain('alice');
  });

  it('follows a rebase merge: patch ids for the rebased commit, the merge entry for the last one', async () => {
    const report = await run('src/rebase.ts');
    expect(report.runs.map((r) => [r.startLine, r.endLine, r.commit, r.link])).toEqual([
      [1, 10, s.commits.rebasedA, 'rebase-patch-id'],
      [11, 20, s.commits.rebasedB, 'merge-commit'],
    ]);
    for (const r of report.runs) {
      expect(r.pullRequests).toEqual([2]);
      expect(r.models).toEqual(['claude-sonnet-4']);
      expect(r.author).toEqual(BEN);
      expect(r.history[0]!.approvals.map((a) => [a.reviewer, a.atAnalyzedHead])).toEqual([['erin', true]]);
      expect(r.history[0]!.head).toBe(s.commits.pr2b);
    }
  });

  it('follows a rename made after the merge: lines keep their commit and original path', async () => {
    const report = await run('src/new.ts');
    expect(report.runs).toHaveLength(1);
    expect(report.runs[0]).toMatchObject({ commit: s.commits.pr3, origPath: 'src/old.ts', link: 'commit', pullRequests: [3], evidence: ['stamped'] });
    expect(report.runs[0]!.history[0]).toMatchObject({ path: 'src/old.ts', sources: ['co-author:noreply@anthropic.com'], merge: { method: 'merge', mergeCommit: s.commits.merge3 } });
  });

  it('separates three authors with declared, stamped and no stated evidence in one file', async () => {
    const report = await run('src/mixed.ts');
    const [ann, ben, cat] = [byAuthor(report, ANN.name), byAuthor(report, BEN.name), byAuthor(report, CAT.name)];
    expect([ann.length, ben.length, cat.length]).toEqual([1, 1, 1]);
    expect(ann[0]).toMatchObject({ commit: s.commits.ann, evidence: ['declared'], agents: ['claude-code'], models: ['claude-opus-4-5'], pullRequests: [4] });
    expect(ben[0]).toMatchObject({ commit: s.commits.ben, evidence: ['stamped'], agents: ['claude-code'], models: [], pullRequests: [4] });
    expect(cat[0]).toMatchObject({ commit: s.commits.cat, evidence: [], agents: [], models: [], pullRequests: [4] });
    expect(cat[0]!.history[0]!.attribution).toEqual([]);
    expect(cat[0]!.history[0]!.verdict).not.toBe('attested');
    // One analysis (PR 4's head) covers all three, each through its own hunk.
    const hunks = [ann[0]!, ben[0]!, cat[0]!].map((r) => r.history[0]!);
    expect(new Set(hunks.map((h) => h.analysis.seq)).size).toBe(1);
    expect(new Set(hunks.map((h) => h.startLine)).size).toBe(3);
    for (const h of hunks) {
      expect(h.approvals.map((a) => a.reviewer)).toEqual(['dave']);
      expect(h.remediations.map((r) => [r.declarer, r.declaration])).toEqual([['cat', 'Assisted-by: Claude:claude-opus-4-5']]);
    }
    // Lines from the initial commit were never analysed.
    const untouched = report.runs.filter((r) => r.commit === s.commits.init);
    expect(untouched.length).toBeGreaterThan(0);
    for (const r of untouched) expect([r.link, r.history.length]).toEqual(['none', 0]);
    // Runs cover the file exactly once, in order.
    expect(report.runs.map((r) => r.endLine - r.startLine + 1).reduce((a, b) => a + b, 0)).toBe(report.lineCount);
  });

  it('shows recorded evidence with the record entries on file', async () => {
    const report = await run('src/traced.ts');
    expect(report.runs[0]).toMatchObject({ evidence: ['recorded'], agents: ['cursor'], models: ['anthropic/claude-sonnet-4-5'], pullRequests: [5] });
    expect(report.runs[0]!.history[0]!.records.map((r) => r.format)).toEqual(['agent-trace']);
  });

  it('-L restricts the lines', async () => {
    const full = await run('src/mixed.ts');
    const ben = byAuthor(full, BEN.name)[0]!;
    const report = await run('src/mixed.ts', { range: { start: ben.startLine, end: ben.endLine } });
    expect(report.range).toEqual({ start: ben.startLine, end: ben.endLine });
    expect(report.runs).toHaveLength(1);
    expect(report.runs[0]).toMatchObject({ startLine: ben.startLine, endLine: ben.endLine, commit: s.commits.ben });
  });
});

describe('blame --proofs', () => {
  it('attaches inclusion proofs that verify against the ledger key, and not against another', async () => {
    const report = await run('src/squash.ts', { proofs: true });
    const h = report.runs[0]!.history[0]!;
    const cited = [h.analysis, h.merge!.entry, ...h.approvals.map((a) => a.entry)];
    expect(cited.map((c) => c.kind)).toEqual(['change.analyzed', 'merge', 'review.approved']);
    for (const c of cited) {
      const verdict = checkProof(JSON.stringify(c.proof), [s.key.verifier]);
      expect(verdict.entry).toMatchObject({ seq: c.seq, kind: c.kind });
      expect(() => checkProof(JSON.stringify(c.proof), [testKey('someone-else').verifier])).toThrow();
    }
    const tampered = { ...h.analysis.proof!, line: h.analysis.proof!.line.replace('"attested"', '"clear"') };
    expect(() => checkProof(JSON.stringify(tampered), [s.key.verifier])).toThrow(/leafHash|signature/);
  });
});

describe('queryLedger (no clone)', () => {
  it('answers by path and range at the analysed head, newest first', async () => {
    const full = await run('src/mixed.ts');
    const ben = byAuthor(full, BEN.name)[0]!;
    const q = await queryLedger({ repository: REPOSITORY, path: 'src/mixed.ts', startLine: ben.startLine, endLine: ben.endLine, ledgers: [openDirStore(s.ledgerDir)] });
    expect(q.schema).toBe('trailmark.blame.query/v1');
    expect(q.matches).toHaveLength(1);
    expect(q.matches[0]).toMatchObject({ pullRequest: 4, evidence: ['stamped'], head: s.commits.cat });
    expect(q.matches[0]!.approvals.map((a) => a.reviewer)).toEqual(['dave']);
    const whole = await queryLedger({ repository: REPOSITORY, path: 'src/mixed.ts', startLine: 1, endLine: 1000, ledgers: [openDirStore(s.ledgerDir)] });
    expect(whole.matches.map((m) => m.evidence.join('+'))).toHaveLength(3);
    const times = whole.matches.map((m) => `${m.analysis.time}#${String(m.analysis.seq).padStart(6, '0')}`);
    expect(times).toEqual([...times].sort().reverse());
  });

  it('filters by repository, and does not follow renames (blame does)', async () => {
    const ledgers = [openDirStore(s.ledgerDir)];
    expect((await queryLedger({ repository: 'acme/other', path: 'src/squash.ts', startLine: 1, endLine: 12, ledgers })).matches).toEqual([]);
    expect((await queryLedger({ repository: null, path: 'src/squash.ts', startLine: 1, endLine: 12, ledgers })).matches.map((m) => m.pullRequest)).toEqual([1]);
    expect((await queryLedger({ repository: REPOSITORY, path: 'src/new.ts', startLine: 1, endLine: 10, ledgers })).matches).toEqual([]);
    expect((await queryLedger({ repository: REPOSITORY, path: 'src/old.ts', startLine: 1, endLine: 10, ledgers })).matches.map((m) => m.pullRequest)).toEqual([3]);
    await expect(queryLedger({ repository: null, path: 'src/a.ts', startLine: 5, endLine: 2, ledgers })).rejects.toThrow(/invalid line range/);
  });

  it('matches a bare repository name (CLI scans) with owner/name (App entries), not two owners', () => {
    expect(sameRepository('acme/repo', 'repo')).toBe(true);
    expect(sameRepository('repo', 'acme/repo')).toBe(true);
    expect(sameRepository('acme/repo', 'evil/repo')).toBe(false);
    expect(sameRepository(null, null)).toBe(true);
    expect(sameRepository('acme/repo', null)).toBe(false);
  });
});

describe('git blame reader', () => {
  it('never takes a summary shaped like a header for one', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(40);
    const text = [`${a} 1 1 2`, 'author Eve', 'author-mail <eve@example.com>', `summary ${b} 9 9 9`, 'filename x.ts', '\tline one', `${a} 2 2`, '\tline two', ''].join('\n');
    const lines = parseBlamePorcelain(text);
    expect(lines.map((l) => [l.line, l.commit, l.path, l.author.email])).toEqual([
      [1, a, 'x.ts', 'eve@example.com'],
      [2, a, 'x.ts', 'eve@example.com'],
    ]);
  });
});

describe('trailmark blame (CLI)', () => {
  it('prints trailmark.blame/v1 JSON and a text view', async () => {
    const json = await runCli(['blame', 'src/mixed.ts', '--ledger', s.ledgerDir, '--format', 'json'], { cwd: s.repo.dir });
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout) as BlameReport;
    expect(doc.schema).toBe('trailmark.blame/v1');
    expect(doc.rev).toBe(await s.repo.rev('HEAD'));
    const text = await runCli(['blame', 'src/squash.ts', '-L', '2,4', '--ledger', s.ledgerDir], { cwd: s.repo.dir });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('merge-commit → PR #1');
    expect(text.stdout).toContain('approved by [erased]');
    expect(text.stdout).toContain('model claude-opus-4-5');
    expect(text.stdout).toMatch(/^2-4\t/m);
  });

  it('--proofs prints proofs that `trailmark verify-proof` accepts', async () => {
    const r = await runCli(['blame', 'src/new.ts', '--ledger', s.ledgerDir, '--format', 'json', '--proofs'], { cwd: s.repo.dir });
    expect(r.code, r.stderr).toBe(0);
    const proof = (JSON.parse(r.stdout) as BlameReport).runs[0]!.history[0]!.merge!.entry.proof!;
    const file = join(s.repo.dir, '..', 'merge-proof.json');
    writeFileSync(file, JSON.stringify(proof));
    const v = await runCli(['verify-proof', file, '--key', s.pubFile], { cwd: s.repo.dir });
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain(`ok: entry ${proof.seq} (merge,`);
  });

  it('refuses bad input with exit 2 and a hint', async () => {
    const cases: [string[], RegExp][] = [
      [['blame', 'src/nope.ts'], /does not exist at HEAD/],
      [['blame', 'assets/logo.bin'], /binary file/],
      [['blame', 'src/squash.ts', '--rev', 'no-such-branch'], /unknown revision/],
      [['blame', 'src/squash.ts', '-L', '500,600'], /past the end/],
      [['blame', 'src/squash.ts', '-L', 'x'], /invalid line range/],
      [['blame', 'src/squash.ts', '--ledger', `${s.ledgerDir}-missing`], /no ledger/],
      [['blame', 'src/squash.ts', '--ledger', emptyDir()], /holds no ledger/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli([...args, ...(args.includes('--ledger') ? [] : ['--ledger', s.ledgerDir])], { cwd: s.repo.dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/hint: /);
    }
  });
});

describe('rebase merge whose original commits are gone', () => {
  it('falls back to the nearest later rebase merge on the first-parent chain, and says so', async () => {
    await s.repo.git(['branch', '-D', 'feat-rebase']);
    await s.repo.git(['reflog', 'expire', '--expire=now', '--all']);
    await s.repo.git(['gc', '-q', '--prune=now']);
    await expect(s.repo.git(['cat-file', '-e', `${s.commits.pr2a}^{commit}`])).rejects.toThrow();
    const report = await run('src/rebase.ts');
    expect(report.runs.map((r) => [r.commit, r.link, r.pullRequests])).toEqual([
      [s.commits.rebasedA, 'rebase-nearest-merge', [2]],
      [s.commits.rebasedB, 'merge-commit', [2]],
    ]);
  });
});

describe('squash merge after the base branch moved the lines', () => {
  it('ties the squash commit\'s lines to the only hunk of that file in the analysis', async () => {
    const repo = await GitFixture.create();
    try {
      const root = join(repo.dir, '..');
      const key = testKey('shifted');
      writeFileSync(join(root, 'k.key'), `${key.signerKey}\n`);
      const ledgerDir = join(root, 'ledger');
      const spacer = Array.from({ length: 20 }, (_, i) => `// line ${i + 1}`);
      await repo.write('f.ts', `${spacer.join('\n')}\n`);
      const init = await repo.commit('init');
      await repo.checkout('feat', { create: true });
      const changed = [...spacer];
      changed.splice(9, 2, 'export function added(a: number): number {', '  return a * 2; // doubled', '}');
      await repo.write('f.ts', `${changed.join('\n')}\n`);
      const head = await repo.commit('double it', { trailers: ['Assisted-by: Claude:claude-opus-4-5'] });
      const scan = await runCli(['scan', '--repo', repo.dir, '--base', init, '--head', head, '--ledger', ledgerDir, '--key-file', join(root, 'k.key')], { cwd: root });
      expect(scan.code, scan.stderr).toBe(0);
      await repo.checkout('main');
      await repo.write('f.ts', `${['// a', '// b', '// c', '// d', '// e', ...spacer].join('\n')}\n`);
      await repo.commit('five lines on top');
      await repo.git(['merge', '--squash', '-q', 'feat']);
      const squash = await repo.commit('double it (#9)');
      const ledger = await openLedger({ store: openDirStore(ledgerDir), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom('shifted') });
      await ledger.append([{ kind: 'merge', policy: 'test', body: (ctx) => ({ schema: 'trailmark.merge/v1', repository: REPOSITORY, pullRequest: 9, mergeCommit: squash, method: 'squash-or-rebase', head, diffDigest: `sha256:${'d'.repeat(64)}`, approvedDigest: null, subjects: { 'merged-by': ctx.commit('mia') } }) }]);
      const report = await blame({ repository: REPOSITORY, file: 'f.ts', rev: 'main', ledgers: [openDirStore(ledgerDir)], git: localBlameGit(repo.dir) });
      const ours = report.runs.filter((r) => r.commit === squash);
      expect(ours.map((r) => [r.startLine, r.endLine, r.link, r.pullRequests])).toEqual([[15, 17, 'merge-commit', [9]]]);
      expect(ours[0]!.history[0]).toMatchObject({ startLine: 10, endLine: 12, head });
    } finally {
      await repo.cleanup();
    }
  });
});
