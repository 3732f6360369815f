// The REST change source against the local-git one on the same commits (DESIGN.md §2: "the
// local-git and GitHub-API change sources must give identical results for the same commits").
// Each scenario runs in the GitHub simulator; the same commits, with the same ids, are recreated
// in a local repository; both change sets go through analyzeChange and must agree on every
// hunk's verdict, evidence, commits and findings, and on every added line's commit. The
// simulator must record no violation, and the REST source must stay within its request budget.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/core/policy.js';
import type { ChangeSet, ScanResult } from '../../src/core/types.js';
import { analyzeChange } from '../../src/engine/analyze.js';
import { GitChangeSource } from '../../src/git/change-source.js';
import { GitHubChangeSource, type ChangeTarget } from '../../src/github/change-source.js';
import { createGitHubClient } from '../../src/github/client.js';
import type { GitFixture } from '../support/git-fixture.js';
import { simUnavailable, startSim, type RunningSim } from '../support/github-sim.js';
import { cloneFromSim, SimApi, type SimPerson } from './sim-repo.js';

const unavailable = simUnavailable();

const ALICE = { name: 'Alice Author', email: 'alice@acme.test', login: 'alice' };
const BOB = { name: 'Bob Builder', email: 'bob@acme.test', login: 'bob' };
const at = (time: string) => `2026-01-05T${time}:00Z`;

const RETRY = [
  '/**',
  ' * Retries an async operation with exponential backoff.',
  ' */',
  'export async function retry<T>(operation: () => Promise<T>, attempts = 3, delayMs = 100): Promise<T> {',
  '  // Initialize the last error so we can rethrow it after the final attempt',
  '  let lastError: unknown;',
  '  for (let attempt = 0; attempt < attempts; attempt++) {',
  '    try {',
  '      // Attempt the operation and return the result if it succeeds',
  '      return await operation();',
  '    } catch (error) {',
  '      // Store the error and wait before the next attempt',
  '      lastError = error;',
  '      await new Promise((resolve) => setTimeout(resolve, delayMs * 2 ** attempt));',
  '    }',
  '  }',
  '  // All attempts failed: rethrow the last error',
  '  throw lastError;',
  '}',
  '',
];
const text = (lines: readonly string[]) => lines.join('\n');
const edit = (lines: readonly string[], at: number, remove: number, ...insert: string[]) => [...lines.slice(0, at), ...insert, ...lines.slice(at + remove)];
const crlf = (lines: readonly string[]) => lines.join('\r\n');
const CRLF = ['export const A = 1;', 'export const B = 2;', 'export const C = 3;', ''];

/** Linear history: a declared commit, a human rewrite of its lines, a rename with an edit, CRLF, a file added then deleted. */
const HISTORY = {
  name: 'differential-history',
  commits: [
    {
      message: 'feat(util): add retry helper\n\nAssisted-by: Claude:claude-sonnet-4-5',
      author: { ...ALICE, date: at('10:00') },
      files: [
        { path: 'src/retry.ts', content: text(RETRY) },
        { path: 'tmp/scratch.ts', content: 'export const scratch = true;\n' },
        { path: 'src/crlf.ts', content: crlf(CRLF) },
      ],
    },
    {
      message: 'fix(util): tighten retry bounds',
      author: { ...BOB, date: at('10:20') },
      files: [
        { path: 'src/retry.ts', content: text(edit(RETRY, 3, 1, 'export async function retry<T>(operation: () => Promise<T>, attempts = 5, delayMs = 50): Promise<T> {', "  if (attempts < 1) throw new RangeError('attempts must be >= 1');")) },
        { path: 'tmp/scratch.ts', deleted: true },
        { path: 'src/crlf.ts', content: crlf(edit(CRLF, 1, 1, 'export const B = 20;')) },
      ],
    },
    {
      message: 'refactor: move retry into lib\n\nCo-Authored-By: Claude <noreply@anthropic.com>',
      author: { ...ALICE, date: at('10:40') },
      files: [
        { path: 'src/lib/retry.ts', previousPath: 'src/retry.ts', content: text(edit(edit(RETRY, 3, 1, 'export async function retry<T>(operation: () => Promise<T>, attempts = 5, delayMs = 50): Promise<T> {', "  if (attempts < 1) throw new RangeError('attempts must be >= 1');"), 18, 1, '  throw lastError ?? new Error("retry: no attempt made");')) },
        { path: 'src/index.ts', content: "export { formatLabel } from './format.js';\nexport { retry } from './lib/retry.js';\n\nexport const VERSION = '1.4.0';\n" },
      ],
    },
    {
      message: 'docs: explain the backoff\n\nAI-Assisted: no',
      author: { ...ALICE, date: at('11:00') },
      files: [
        { path: 'src/lib/retry.ts', content: text(edit(edit(edit(RETRY, 3, 1, 'export async function retry<T>(operation: () => Promise<T>, attempts = 5, delayMs = 50): Promise<T> {', "  if (attempts < 1) throw new RangeError('attempts must be >= 1');"), 18, 1, '  throw lastError ?? new Error("retry: no attempt made");'), 2, 0, ' * The delay doubles after every failed attempt.')) },
        { path: 'src/crlf.ts', content: crlf(edit(edit(CRLF, 1, 1, 'export const B = 20;'), 3, 0, 'export const D = 4;')) },
      ],
    },
  ],
};

/** The PR branch of MERGE gets main merged in through the git data API (scenarios are linear). */
const MERGE = {
  name: 'differential-merge',
  commits: [
    {
      message: 'feat: slider feature\n\nAssisted-by: Claude:claude-sonnet-4-5',
      author: { ...ALICE, date: at('10:00') },
      files: [{ path: 'src/feature.ts', content: text(RETRY) }],
    },
    {
      message: 'fix: feature bounds',
      author: { ...BOB, date: at('10:20') },
      files: [{ path: 'src/feature.ts', content: text(edit(RETRY, 5, 1, '  let lastError: unknown = undefined;')) }],
    },
  ],
};

/** 250 existing files modified (3 GraphQL batches, 3 listing pages), 10 of them again by a declared commit. */
const WIDE_FILE = (i: number, extra = '') => `export function value${i}(): number {\n  return ${i};\n}\n${extra}`;
const WIDE = {
  name: 'differential-wide',
  repository: { files: Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`src/wide/m${String(i).padStart(3, '0')}.ts`, WIDE_FILE(i)])) },
  commits: [
    {
      message: 'refactor: export a doubled value from every module',
      author: { ...BOB, date: at('10:00') },
      files: Array.from({ length: 250 }, (_, i) => ({ path: `src/wide/m${String(i).padStart(3, '0')}.ts`, content: WIDE_FILE(i, `export const doubled${i} = ${2 * i};\n`) })),
    },
    {
      message: 'feat: tripled values\n\nAssisted-by: Claude:claude-sonnet-4-5',
      author: { ...ALICE, date: at('10:30') },
      files: Array.from({ length: 10 }, (_, i) => ({ path: `src/wide/m${String(i).padStart(3, '0')}.ts`, content: WIDE_FILE(i, `export const doubled${i} = ${2 * i};\n// Return the tripled value for convenience\nexport const tripled${i} = ${3 * i};\n`) })),
    },
  ],
};

interface Case {
  readonly name: string;
  /** A simulator scenario name, or a scenario object (extends basic.json). */
  readonly scenario: string | object;
  /** Extra commits through the API; returns the compare range. Without it: the pull request. */
  readonly build?: (api: SimApi, pr: { baseSha: string; headSha: string }) => Promise<{ base: string; head: string }>;
  /** Use the GitHub Enterprise Server form of the API URL (`/api/v3`, GraphQL at `/api/graphql`). */
  readonly ghes?: boolean;
  /** What the REST result must show (so that agreeing on nothing cannot pass). */
  readonly expect: (result: ScanResult, set: ChangeSet) => void;
}

const evidenceOf = (result: ScanResult, path: string) => result.hunks.filter((h) => h.path === path).flatMap((h) => h.evidence.map((e) => `${h.verdict} ${e.class} ${e.source}`));
const commitOf = (set: ChangeSet, message: string) => set.commits.find((c) => c.message.startsWith(message))!.sha;

const OLIVIA: SimPerson = { name: 'Olivia Owner', email: 'olivia@acme.test', date: at('10:30') };

const CASES: readonly Case[] = [
  {
    name: 'basic (Claude co-author, AI-Assisted: no, rename, binary), over the GHES URL form',
    scenario: 'basic',
    ghes: true,
    expect: (result, set) => {
      // The issue's case: the Claude co-authored commit's lines are attested on the API path.
      // (Its score is below the shipped `low`, so no detectors' inferred evidence is listed.)
      expect(result.hunks.filter((h) => h.path === 'src/math.ts').every((h) => h.score < DEFAULT_POLICY.thresholds.low)).toBe(true);
      expect(evidenceOf(result, 'src/math.ts')).toEqual(['attested stamped co-author:noreply@anthropic.com', 'attested declared trailer:AI-Assisted']);
      expect(result.hunks.filter((h) => h.path === 'src/math.ts').flatMap((h) => h.commits)).toEqual(expect.arrayContaining([commitOf(set, 'feat(math)'), commitOf(set, 'test(math)')]));
    },
  },
  {
    name: 'large (320 generated files)',
    scenario: 'large',
    expect: (result, set) => {
      const generated = result.hunks.filter((h) => h.path.startsWith('fixtures/generated/'));
      expect(generated).toHaveLength(320);
      expect(new Set(generated.flatMap((h) => h.commits))).toEqual(new Set([commitOf(set, 'chore: vendor generated fixtures')]));
    },
  },
  {
    name: 'declared then human rewrite, rename with edit, CRLF, file added then deleted',
    scenario: HISTORY,
    expect: (result, set) => {
      const retry = set.files.find((f) => f.path === 'src/lib/retry.ts')!;
      const origins = new Set(retry.lineCommits!.values());
      expect(origins).toEqual(new Set(['feat(util)', 'fix(util)', 'refactor: move', 'docs: explain'].map((m) => commitOf(set, m))));
      expect(evidenceOf(result, 'src/lib/retry.ts')).toEqual(expect.arrayContaining([expect.stringMatching(/ declared trailer:Assisted-by$/)]));
      expect(set.files.find((f) => f.path === 'src/crlf.ts')!.crlf).toBe(true);
    },
  },
  {
    name: '250 modified files, 10 of them again by a declared commit',
    scenario: WIDE,
    expect: (result, set) => {
      const declared = commitOf(set, 'feat: tripled');
      const touched = set.files.filter((f) => [...(f.lineCommits?.values() ?? [])].includes(declared));
      expect(touched.map((f) => f.path)).toEqual(Array.from({ length: 10 }, (_, i) => `src/wide/m${String(i).padStart(3, '0')}.ts`));
      expect(result.hunks.filter((h) => h.evidence.some((e) => e.source === 'trailer:Assisted-by'))).toHaveLength(10);
    },
  },
  {
    name: 'main merged into the branch (compare range), an evil merge line, a later co-authored commit',
    scenario: MERGE,
    build: async (api, pr) => {
      const format = '/** Formats a widget label for display. */\nexport function formatLabel(label: string, max = 24): string {\n  const trimmed = label.trimStart().trimEnd();\n  if (trimmed.length <= max) return trimmed;\n  return trimmed.slice(0, max - 1) + \'\\u2026\';\n}\n';
      const main = await api.commit({ parents: [pr.baseSha], baseTree: await api.treeOf(pr.baseSha), files: { 'src/format.ts': format, 'src/main-only.ts': 'export const mainOnly = 1;\n' }, message: 'fix: trim both ends\n', author: OLIVIA });
      const merged = text(edit(edit(RETRY, 5, 1, '  let lastError: unknown = undefined;'), 16, 0, '  // merged with main: keep the bounds check'));
      const merge = await api.commit({
        parents: [pr.headSha, main.sha], baseTree: await api.treeOf(pr.headSha),
        files: { 'src/format.ts': format, 'src/main-only.ts': 'export const mainOnly = 1;\n', 'src/feature.ts': merged },
        message: "Merge branch 'main' into feature/slider-math\n", author: { ...ALICE, date: at('10:45') },
      });
      const later = await api.commit({
        parents: [merge.sha], baseTree: merge.tree,
        files: { 'src/format.ts': format.replace('  if (trimmed', '  // Return early when the label already fits\n  if (trimmed'), 'src/feature.ts': `${merged}export const RETRIES = 3;\n` },
        message: 'feat: document the early return\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n', author: { ...ALICE, date: at('11:00') },
      });
      return { base: main.sha, head: later.sha };
    },
    expect: (_result, set) => {
      const merge = commitOf(set, "Merge branch 'main'");
      const feature = set.files.find((f) => f.path === 'src/feature.ts')!;
      // The line the merge itself wrote is the merge's (blame agrees); main's lines are base content.
      expect([...feature.lineCommits!.values()]).toContain(merge);
      expect(set.files.map((f) => f.path)).toEqual(['src/feature.ts', 'src/format.ts']);
    },
  },
];

/** The parts of a result both sources must agree on. */
function comparable(result: ScanResult) {
  return {
    hunks: result.hunks.map((h) => ({
      path: h.path, startLine: h.startLine, endLine: h.endLine, verdict: h.verdict, reason: h.reason, score: h.score,
      addedLines: h.addedLines, deletedLines: h.deletedLines, commits: h.commits, contentDigest: h.contentDigest,
      evidence: h.evidence.map((e) => ({ class: e.class, source: e.source, detail: e.detail, says: e.says, commit: e.commit })),
    })),
    findings: result.findings,
    verdicts: result.summary.verdicts,
  };
}

function lineCommits(set: ChangeSet) {
  return Object.fromEntries(set.files.map((f) => [f.path, [...(f.lineCommits ?? new Map<number, string>())].sort((a, b) => a[0] - b[0])]));
}

describe.skipIf(unavailable !== undefined)('REST and local-git change sources agree', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trailmark-differential-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(c.name, async () => {
      let scenario: string;
      let sim: RunningSim | undefined;
      let repo: GitFixture | undefined;
      try {
        if (typeof c.scenario === 'string') {
          scenario = c.scenario;
          sim = await startSim({ scenario });
        } else {
          sim = await startSim({ scenario: 'basic' });
          scenario = join(dir, `${(c.scenario as { name: string }).name}.json`);
          await writeFile(scenario, JSON.stringify({ extends: join(sim.dir, 'scenarios', 'basic.json'), ...c.scenario }));
          await sim.stop();
          sim = await startSim({ scenario });
        }
        const api = await SimApi.open(sim);
        const info = (await sim.simInfo()) as { pullRequest: { number: number; baseSha: string; headSha: string; commits: string[] } };
        const pr = info.pullRequest;
        const range = c.build === undefined ? undefined : await c.build(api, pr);
        const head = range?.head ?? pr.headSha;
        const base = range?.base ?? pr.baseSha;
        repo = await cloneFromSim(api, [head, base]);

        const local = await new GitChangeSource({ repo: repo.dir, base, head }).load();
        const since = Math.max(0, ...(await sim.requests()).map((r) => Number(r.seq)));
        const { token } = (await sim.admin('POST', '/_sim/tokens', { kind: 'installation' })) as { token: string };
        const target: ChangeTarget = range === undefined
          ? { kind: 'pull-request', number: pr.number, base, head, commitCount: pr.commits.length }
          : { kind: 'compare', base, head };
        const rest = await new GitHubChangeSource({ client: createGitHubClient({ token, baseUrl: c.ghes === true ? `${sim.url}/api/v3` : sim.url }), owner: 'acme', repo: 'widgets', target }).load();
        const requests = await sim.requests(since);

        // The change sets: same files, hunks, head contents and commit of every added line.
        expect(rest.commits.map((x) => x.sha)).toEqual(local.commits.map((x) => x.sha));
        const heads = (set: ChangeSet) => set.files.map((f) => [f.path, f.status, f.binary, f.headText, f.headTextMissing ?? null, f.headSize, f.invalidUtf8 ?? false, f.crlf ?? false]);
        expect(heads(rest)).toEqual(heads(local));
        // Hunks line for line. The header text after `@@` (git's function context) is left out:
        // the simulator's patches carry none, GitHub's do; no verdict depends on it.
        const hunks = (set: ChangeSet) => set.files.map((f) => f.hunks.map((h) => ({ ...h, header: '' })));
        expect(hunks(rest)).toEqual(hunks(local));
        expect(lineCommits(rest)).toEqual(lineCommits(local));
        const attributed = Object.values(lineCommits(local)).flat();
        expect(attributed.length).toBeGreaterThan(0);
        expect(rest.omissions).toEqual(local.omissions);

        // The analysis: identical verdicts, evidence, commits per hunk and findings.
        const [fromRest, fromLocal] = await Promise.all([analyzeChange(rest, { policy: DEFAULT_POLICY }), analyzeChange(local, { policy: DEFAULT_POLICY })]);
        expect(comparable(fromRest)).toEqual(comparable(fromLocal));
        c.expect(fromRest, rest);

        // No product violation in the simulator's log (warnings aside).
        const violations = (await sim.violations()).flatMap((v) => ((v as { violations?: { type: string; severity?: string }[] }).violations ?? []).map((x) => ({ ...x, operationId: v['operationId'] })));
        expect(violations.filter((v) => v.severity !== 'warning')).toEqual([]);

        // Request cost, exactly: listing pages (100 a page; one compare for a range), GraphQL blob
        // reads of the text files that are not whole added files (100 a query), and, unless the
        // range is one non-merge commit, one read per commit plus one compare per extra merge
        // parent. Within the lead's budget of 3 + ⌈files/100⌉ + commit reads, plus the blob reads.
        const ops = requests.map((r) => String(r.operationId));
        const count = (op: string) => ops.filter((o) => o === op).length;
        const files = rest.files.length;
        const extraParents = rest.commits.reduce((n, x) => n + Math.max(0, x.parents.length - 1), 0);
        const commitReads = rest.commits.length > 1 || extraParents > 0 ? rest.commits.length + extraParents : 0;
        const blobReads = Math.ceil(rest.files.filter((f) => !f.binary && f.status !== 'deleted' && f.status !== 'added').length / 100);
        const listing = range === undefined ? Math.ceil(files / 100) + Math.ceil(rest.commits.length / 100) : 1;
        // The simulator names compare-with-basehead by its older twin.
        const compares = count('repos/compare-commits') + count('repos/compare-commits-with-basehead');
        expect(count('repos/get-commit') + compares - (range === undefined ? 0 : 1)).toBe(commitReads);
        expect(count('graphql')).toBe(blobReads);
        expect(count('repos/get-content')).toBe(0);
        expect(ops.length).toBe(listing + blobReads + commitReads);
        expect(ops.length).toBeLessThanOrEqual(3 + Math.ceil(files / 100) + commitReads + blobReads);
        // The simulator logs the GHES prefix apart from the path.
        if (c.ghes === true) expect(requests.map((r) => `${String(r['prefix'])}${String(r['path'])}`).filter((p) => p.endsWith('/graphql'))).toEqual(Array(blobReads).fill('/api/graphql'));
        process.stdout.write(`${c.name}: ${ops.length} requests for ${files} files, ${rest.commits.length} commits (${[...new Set(ops)].map((o) => `${o} ${count(o)}`).join(', ')})\n`);
      } finally {
        await repo?.cleanup();
        await sim?.stop();
      }
    }, 120_000);
  }
});
