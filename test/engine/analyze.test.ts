import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type Policy } from '../../src/core/policy.js';
import type { ChangeSet, ScanResult } from '../../src/core/types.js';
import { VERDICTS } from '../../src/core/types.js';
import { analyzeChange } from '../../src/engine/analyze.js';
import { GitChangeSource, readFileAtRevision } from '../../src/git/index.js';
import { changeSetFromPatch } from '../../src/diff/patch-source.js';
import { buildDemoRepository } from '../../cli/demo/build.js';
import { GitFixture } from '../support/git-fixture.js';

const policy: Policy = { ...DEFAULT_POLICY, sensitivePaths: ['src/auth/**'] };

describe('analyzeChange on the demo repository (real git, tree-sitter, registry, records)', () => {
  let dir: string;
  let result: ScanResult;
  let changeSet: ChangeSet;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trailmark-engine-'));
    const repo = await buildDemoRepository(join(dir, 'repo'));
    changeSet = await new GitChangeSource({ repo: repo.dir, base: 'main', head: 'HEAD' }).load();
    const trace = await readFileAtRevision(repo.dir, repo.head, '.agent-trace/traces.jsonl');
    expect(trace).toBeDefined();
    result = await analyzeChange(changeSet, { policy, records: [{ format: 'agent-trace', origin: 'traces.jsonl', text: trace! }] });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const verdictOf = (path: string) => result.hunks.filter((h) => h.path === path).map((h) => h.verdict);

  it('reports every changed file, with skip reasons where it does not score', () => {
    const paths = new Set(result.hunks.map((h) => h.path));
    for (const f of changeSet.files) expect(paths.has(f.path)).toBe(true);
    for (const h of result.hunks.filter((x) => x.verdict === 'skipped')) expect(h.reason).toBeTruthy();
    expect(result.hunks.find((h) => h.path === 'package-lock.json')?.reason).toMatch(/lockfile/);
    expect(result.hunks.find((h) => h.path === 'assets/logo.png')?.reason).toMatch(/binary/);
    expect(result.hunks.find((h) => h.path === 'src/generated/api.ts')?.verdict).toBe('skipped');
    expect(result.hunks.find((h) => h.path === '.agent-trace/traces.jsonl')?.verdict).toBe('skipped');
  });

  it('attests stamped, declared and recorded AI work with the right evidence class', () => {
    expect(verdictOf('src/api/users.ts')).toEqual(['attested']);
    expect(result.hunks.find((h) => h.path === 'src/api/users.ts')!.evidence.map((e) => e.class)).toContain('stamped');
    expect(verdictOf('src/report/summary.ts')).toEqual(['attested']);
    expect(result.hunks.find((h) => h.path === 'src/report/summary.ts')!.evidence.map((e) => e.class)).toContain('declared');
    expect(verdictOf('src/lib/retry.ts')).toEqual(['attested']);
    expect(result.hunks.find((h) => h.path === 'src/lib/retry.ts')!.evidence.map((e) => e.class)).toContain('recorded');
  });

  it('flags undeclared AI-like code, as a warning in a sensitive path', () => {
    expect(verdictOf('src/auth/session.ts')).toEqual(['unattested']);
    const finding = result.findings.find((f) => f.path === 'src/auth/session.ts');
    expect(finding).toMatchObject({ kind: 'unattested', level: 'warning' });
    expect(finding!.message).toMatch(/Assisted-by/);
  });

  it('marks an "AI-Assisted: no" commit with AI-like code as contradicted', () => {
    expect(verdictOf('src/billing/invoice.ts')).toEqual(['contradicted']);
    expect(result.findings.find((f) => f.path === 'src/billing/invoice.ts')).toMatchObject({ kind: 'contradicted', level: 'warning' });
  });

  it('leaves the terse human fix clear and attributes it to its commit', () => {
    const fix = result.hunks.filter((h) => h.path === 'src/util/format.ts');
    expect(fix.map((h) => h.verdict)).toEqual(['clear']);
    expect(fix[0]!.commits).toHaveLength(1);
    expect(fix[0]!.evidence).toEqual([]);
  });

  it('summarises consistently', () => {
    const s = result.summary;
    expect(s.hunks).toBe(result.hunks.length);
    expect(VERDICTS.reduce((n, v) => n + s.verdicts[v], 0)).toBe(result.hunks.length);
    expect(s.findings.unattested + s.findings.contradicted).toBe(result.findings.length);
    expect(s.commits).toBe(changeSet.commits.length);
    expect(s.detectors.length).toBeGreaterThan(5);
  });

  it('is deterministic', async () => {
    const again = await analyzeChange(changeSet, { policy, records: [] });
    const once = await analyzeChange(changeSet, { policy, records: [] });
    expect(JSON.stringify(again)).toBe(JSON.stringify(once));
  });

  it('turns a remediation into declared evidence and an attested verdict', async () => {
    const remediated = await analyzeChange(changeSet, {
      policy,
      remediations: [{ user: 'raj', declaration: 'Assisted-by: Claude:claude-sonnet-4-5', headSha: changeSet.head!, paths: ['src/auth/session.ts'], time: '2026-11-02T12:00:00Z' }],
    });
    const hunk = remediated.hunks.find((h) => h.path === 'src/auth/session.ts')!;
    expect(hunk.verdict).toBe('attested');
    expect(hunk.evidence.some((e) => e.class === 'declared' && e.source === 'remediation')).toBe(true);
    expect(remediated.findings.some((f) => f.path === 'src/auth/session.ts')).toBe(false);
  });

  it('applies ignore globs from the policy', async () => {
    const ignored = await analyzeChange(changeSet, { policy: { ...policy, ignore: ['src/auth/**'] } });
    expect(ignored.hunks.find((h) => h.path === 'src/auth/session.ts')).toMatchObject({ verdict: 'skipped', reason: 'ignored by config' });
  });
});

describe('analyzeChange on hostile and odd inputs', () => {
  it('scores a plain patch without a repository', async () => {
    const patch = [
      'diff --git a/x.ts b/x.ts',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/x.ts',
      '@@ -0,0 +1,3 @@',
      '+// Step 1: initialize the counter',
      '+let counter = 0;',
      '+counter++;',
      '',
    ].join('\n');
    const result = await analyzeChange(changeSetFromPatch(patch), { policy: DEFAULT_POLICY });
    expect(result.base).toBeNull();
    expect(result.hunks).toHaveLength(1);
    expect(result.hunks[0]!.commits).toEqual([]);
    expect(result.hunks[0]!.score).toBeGreaterThan(0);
  });

  it('handles deletions, invalid UTF-8, CRLF and a huge file without losing a file', async () => {
    const repo = await GitFixture.create();
    try {
      await repo.write('keep.ts', Array.from({ length: 40 }, (_, i) => `export const v${i} = ${i};`).join('\n') + '\n');
      await repo.write('gone.ts', 'export const gone = 1;\n');
      const base = await repo.commit('base');
      await repo.write('keep.ts', Array.from({ length: 40 }, (_, i) => `export const v${i} = ${i};`).filter((_, i) => i % 10 !== 3).join('\n') + '\n');
      await repo.remove('gone.ts');
      await repo.write('latin1.ts', Buffer.from([0x63, 0x6f, 0x6e, 0x73, 0x74, 0x20, 0x73, 0x20, 0x3d, 0x20, 0x27, 0xe9, 0x27, 0x3b, 0x0a]));
      await repo.write('crlf.ts', 'export function f() {\r\n  return 1;\r\n}\r\n');
      await repo.write('big.ts', 'export const x = 1;\n'.repeat(120_000));
      await repo.commit('odd changes', { trailers: ['Assisted-by: generic LLM chatbot'] });
      const changeSet = await new GitChangeSource({ repo: repo.dir, base, head: 'HEAD' }).load();
      const result = await analyzeChange(changeSet, { policy: DEFAULT_POLICY });
      const byPath = new Map(result.hunks.map((h) => [h.path, h] as const));
      for (const f of changeSet.files) expect(byPath.has(f.path)).toBe(true);
      expect(byPath.get('gone.ts')!.verdict).toBe('skipped');
      expect(result.hunks.filter((h) => h.path === 'keep.ts').every((h) => h.verdict === 'skipped' && /only deletions/.test(h.reason!))).toBe(true);
      expect(byPath.get('big.ts')!.verdict).toBe('skipped');
      expect(byPath.get('crlf.ts')!.verdict).toBe('attested');
      expect(['attested', 'skipped']).toContain(byPath.get('latin1.ts')!.verdict);
    } finally {
      await repo.cleanup();
    }
  });

  it('returns an empty result for an empty change set', async () => {
    const result = await analyzeChange({ base: null, head: null, commits: [], files: [], omissions: [] }, { policy: DEFAULT_POLICY });
    expect(result.hunks).toEqual([]);
    expect(result.findings).toEqual([]);
    expect(result.summary.files).toBe(0);
  });
});
