import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoRepository, type DemoRepository } from '../../cli/demo/build.js';
import { generateNoteKey } from '../../src/ledger/note.js';
import { runCli } from '../cli-ledger/harness.js';
import { GOLDEN_DIR, goldenOutputs } from '../../scripts/golden.js';

const execFileP = promisify(execFile);

describe('trailmark scan: golden outputs on the demo repository', () => {
  it('matches test/golden in every format (regenerate with `npx tsx scripts/golden.ts`)', async () => {
    const outputs = await goldenOutputs();
    expect(Object.keys(outputs)).toHaveLength(4);
    for (const [name, text] of Object.entries(outputs)) {
      expect(text, name).toBe(readFileSync(new URL(name, GOLDEN_DIR), 'utf8'));
    }
  });
});

describe('trailmark scan', () => {
  let root: string;
  let repo: DemoRepository;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'trailmark-scan-cli-'));
    repo = await buildDemoRepository(join(root, 'repo'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('defaults the base to the merge-base with the default branch', async () => {
    const r = await runCli(['scan', '--format', 'json'], { cwd: repo.dir });
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.base).toBe(repo.base);
    expect(result.head).toBe(repo.head);
  });

  it('a scan piped to a file never loads the progress bar library (the bin, as users run it)', async () => {
    // A preload records the CommonJS modules the process loaded (cli-progress is CommonJS).
    const preload = join(root, 'loaded.cjs');
    const out = join(root, 'loaded.json');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))));\n`);
    const bin = new URL('../../bin/trailmark.js', import.meta.url).pathname;
    const env = { ...process.env, CI: undefined, TRAILMARK_NO_PROGRESS: undefined };
    await execFileP(process.execPath, ['--require', preload, bin, 'scan', '--base', 'main', '--format', 'json'], { cwd: repo.dir, env });
    const loaded = JSON.parse(readFileSync(out, 'utf8')) as string[];
    expect(loaded.some((p) => p.includes('node_modules/tree-sitter/'))).toBe(true);
    expect(loaded.filter((p) => p.includes('cli-progress'))).toEqual([]);
  });

  it('exits 0 with findings, 1 with --fail-on when they exist', async () => {
    expect((await runCli(['scan', '--base', 'main'], { cwd: repo.dir })).code).toBe(0);
    const failing = await runCli(['scan', '--base', 'main', '--fail-on', 'contradicted'], { cwd: repo.dir });
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(/1 contradicted hunks \(fail-on: contradicted\)/);
  });

  it('--fail-on unattested also fails on contradicted hunks (the Action and the App decide the same)', async () => {
    // The demo's `AI-Assisted: no` commit reads like an assistant's: contradicted, not unattested.
    const sha = (await execFileP('git', ['-C', repo.dir, 'log', '--format=%H', '-n1', '--grep=AI-Assisted: no'])).stdout.trim();
    const range = ['--base', `${sha}^`, '--head', sha];
    const json = JSON.parse((await runCli(['scan', ...range, '--format', 'json'], { cwd: repo.dir })).stdout) as { summary: { findings: { unattested: number; contradicted: number } } };
    expect(json.summary.findings).toMatchObject({ unattested: 0 });
    expect(json.summary.findings.contradicted).toBeGreaterThan(0);
    const failing = await runCli(['scan', ...range, '--fail-on', 'unattested'], { cwd: repo.dir });
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain(`0 unattested and ${json.summary.findings.contradicted} contradicted hunks (fail-on: unattested)`);
  });

  it('scans a plain patch from a file and from standard input', async () => {
    const patch = [
      'diff --git a/src/x.ts b/src/x.ts',
      '--- a/src/x.ts',
      '+++ b/src/x.ts',
      '@@ -1,2 +1,3 @@',
      ' const a = 1;',
      '+// Here\'s the updated code with the fix applied:',
      ' export default a;',
      '',
    ].join('\n');
    const file = join(root, 'change.diff');
    writeFileSync(file, patch);
    const fromFile = await runCli(['scan', '--patch', file, '--format', 'json'], { cwd: root });
    expect(fromFile.code).toBe(0);
    const fromStdin = await runCli(['scan', '--patch', '-', '--format', 'json'], { cwd: root, stdin: patch });
    expect(fromStdin.stdout).toBe(fromFile.stdout);
    const result = JSON.parse(fromFile.stdout);
    expect(result.base).toBeNull();
    expect(result.hunks[0].signals.map((s: { id: string }) => s.id)).toContain('assistant-text/chat-phrase');
    expect(result.hunks[0].verdict).toBe('unattested');
  });

  it('reports a malformed patch as an input error with a hint', async () => {
    const r = await runCli(['scan', '--patch', '-'], { cwd: root, stdin: 'diff --git a/x b/x\n@@ -1,5 +1,5 @@\n+only one line\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/hint:/);
  });

  it('names the bad key of an invalid --config and exits 2', async () => {
    const config = join(root, 'bad.yml');
    writeFileSync(config, 'thresholds: { high: 2 }\n');
    const r = await runCli(['scan', '--base', 'main', '--config', config], { cwd: repo.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/thresholds\.high: must be <= 1[\s\S]*hint:/);
  });

  it('exits 2 with a hint on a missing repository, a bad revision or conflicting options', async () => {
    const notRepo = await runCli(['scan', '--repo', root], { cwd: root });
    expect(notRepo.code).toBe(2);
    expect(notRepo.stderr).toMatch(/hint:/);
    const badRev = await runCli(['scan', '--base', 'no-such-branch'], { cwd: repo.dir });
    expect(badRev.code).toBe(2);
    expect(badRev.stderr).toMatch(/no-such-branch[\s\S]*hint:/);
    expect((await runCli(['scan', '--patch', '-', '--base', 'main'], { cwd: repo.dir })).code).toBe(2);
    expect((await runCli(['scan', '--format', 'yaml'], { cwd: repo.dir })).code).toBe(2);
  });

  it('refuses to write a ledger without a signing key, writing nothing', async () => {
    const dir = join(root, 'no-key-ledger');
    const r = await runCli(['scan', '--base', 'main', '--ledger', dir], { cwd: repo.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to write unsigned ledger entries[\s\S]*hint: .*TRAILMARK_SIGNING_KEY/);
    expect(existsSync(join(dir, 'entries.jsonl'))).toBe(false);
  });

  it('appends to a ledger that then verifies, and puts the checkpoint in the report', async () => {
    const key = generateNoteKey('example.com/scan-test', Buffer.alloc(32, 7));
    const dir = join(root, 'ledger');
    const pub = join(root, 'scan-test.pub');
    writeFileSync(pub, `${key.verifierKey}\n`);
    const env = { TRAILMARK_SIGNING_KEY: key.signerKey };
    const first = await runCli(['scan', '--base', 'main', '--ledger', dir, '--format', 'json'], { cwd: repo.dir, env });
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout);
    expect(result.ledger.size).toBe(1 + result.findings.length);
    expect(result.ledger.checkpoint).toMatch(/^example\.com\/scan-test\n\d+\n/);
    const markdown = await runCli(['scan', '--base', 'main', '--ledger', join(root, 'ledger-md'), '--format', 'markdown'], { cwd: repo.dir, env });
    expect(markdown.stdout).toContain('### Ledger checkpoint');
    // The same range under the same policy into the same ledger is the same analysis: recorded once.
    const again = await runCli(['scan', '--base', 'main', '--ledger', dir, '--format', 'json'], { cwd: repo.dir, env });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already recorded \(analysis analysis:cli:.*\); nothing appended/);
    expect(JSON.parse(again.stdout).ledger).toBeUndefined();
    const verify = await runCli(['verify', '--ledger', dir, '--key', pub], { cwd: root });
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain(`${1 + result.findings.length} entries`);
    // Another range is another analysis: appended.
    const other = await runCli(['scan', '--base', `${repo.head}~1`, '--ledger', dir, '--format', 'json'], { cwd: repo.dir, env });
    expect(other.code).toBe(0);
    expect(JSON.parse(other.stdout).ledger.size).toBeGreaterThan(result.ledger.size);
  });

  it('applies the policy\'s fail-on when --fail-on is not given', async () => {
    const config = join(root, 'fail-on.yml');
    writeFileSync(config, 'policy-version: strict-1\nfail-on: unattested\n');
    const r = await runCli(['scan', '--base', 'main', '--config', config, '--format', 'json'], { cwd: repo.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('1 unattested and 1 contradicted hunks (fail-on: unattested) and the repository policy sets it');
    // The command line overrides it.
    const stricter = await runCli(['scan', '--base', 'main', '--config', config, '--fail-on', 'contradicted'], { cwd: repo.dir });
    expect(stricter.code).toBe(1);
    expect(stricter.stderr).toContain('1 contradicted hunks (fail-on: contradicted) and --fail-on contradicted was given');
  });

  it('writes no ledger when the policy switches it off, and says so', async () => {
    const config = join(root, 'no-ledger.yml');
    writeFileSync(config, 'ledger:\n  enabled: false\n');
    const key = generateNoteKey('example.com/scan-test', Buffer.alloc(32, 7));
    const dir = join(root, 'ledger-off');
    const r = await runCli(['scan', '--base', 'main', '--config', config, '--ledger', dir, '--format', 'json'], { cwd: repo.dir, env: { TRAILMARK_SIGNING_KEY: key.signerKey } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('The ledger is switched off by the repository policy.');
    expect(JSON.parse(r.stdout).ledger).toBeUndefined();
    expect(existsSync(dir)).toBe(false);
  });

  it('records a plain patch once per patch text', async () => {
    const key = generateNoteKey('example.com/scan-test', Buffer.alloc(32, 7));
    const env = { TRAILMARK_SIGNING_KEY: key.signerKey };
    const dir = join(root, 'patch-ledger');
    const patch = (line: string) => ['diff --git a/src/x.ts b/src/x.ts', '--- a/src/x.ts', '+++ b/src/x.ts', '@@ -1,2 +1,3 @@', ' const a = 1;', `+${line}`, ' export default a;', ''].join('\n');
    const first = await runCli(['scan', '--patch', '-', '--ledger', dir, '--format', 'json'], { cwd: root, env, stdin: patch('// one') });
    expect(JSON.parse(first.stdout).ledger.size).toBe(1);
    const again = await runCli(['scan', '--patch', '-', '--ledger', dir, '--format', 'json'], { cwd: root, env, stdin: patch('// one') });
    expect(again.stderr).toMatch(/already recorded \(analysis analysis:cli:patch:sha256:[0-9a-f]{64}:-\.\.-:default-1\)/);
    const other = await runCli(['scan', '--patch', '-', '--ledger', dir, '--format', 'json'], { cwd: root, env, stdin: patch('// two') });
    expect(JSON.parse(other.stdout).ledger.size).toBe(2);
  });

  it('prints the report when the ledger cannot be written, then fails with the ledger\'s error', async () => {
    const first = generateNoteKey('example.com/scan-test', Buffer.alloc(32, 7));
    const dir = join(root, 'ledger-other-key');
    expect((await runCli(['scan', '--base', 'main', '--ledger', dir], { cwd: repo.dir, env: { TRAILMARK_SIGNING_KEY: first.signerKey } })).code).toBe(0);
    const entries = readFileSync(join(dir, 'entries.jsonl'), 'utf8');
    // Another key of the same name cannot extend a ledger whose checkpoint it did not sign.
    const impostor = generateNoteKey('example.com/scan-test', Buffer.alloc(32, 8));
    const r = await runCli(['scan', '--base', 'main', '--head', `${repo.head}~1`, '--ledger', dir, '--format', 'json'], { cwd: repo.dir, env: { TRAILMARK_SIGNING_KEY: impostor.signerKey } });
    expect(JSON.parse(r.stdout).findings.length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/trailmark: the ledger was not written: /);
    expect(r.code).toBe(1);
    expect(readFileSync(join(dir, 'entries.jsonl'), 'utf8')).toBe(entries);
  });

  it('writes the report to --output', async () => {
    const out = join(root, 'report.sarif');
    const r = await runCli(['scan', '--base', 'main', '--format', 'sarif', '--output', out], { cwd: repo.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).version).toBe('2.1.0');
  });

  it('reads extra Agent Trace records with --records and reports invalid ones without failing', async () => {
    const records = join(root, 'records.jsonl');
    writeFileSync(records, '{"not":"a record"}\n');
    const r = await runCli(['scan', '--base', 'main', '--records', records, '--format', 'json'], { cwd: repo.dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).summary.omissions.some((o: { reason: string }) => o.reason.startsWith('record ignored'))).toBe(true);
  });
});

describe('trailmark demo', () => {
  it('builds, scans, writes and verifies a ledger, proves a finding and detects tampering', async () => {
    const r = await runCli(['demo'], { cwd: tmpdir() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('src/auth/session.ts');
    expect(r.stdout).toMatch(/ok: .* verifies: \d+ entries/);
    expect(r.stdout).toContain('(exit 1: the tampering is detected)');
  });
});

describe('trailmark scan on hostile commits', () => {
  it('survives a 1 MB commit message and markdown, HTML and control characters in trailers', async () => {
    const { GitFixture } = await import('../support/git-fixture.js');
    const repo = await GitFixture.create();
    try {
      await repo.write('a.ts', 'export const a = 1;\n');
      await repo.commit('base');
      await repo.write('a.ts', 'export const a = 1;\n// Step 1: initialize the value\nexport const b = 2;\n');
      const body = 'x'.repeat(1024 * 1024);
      await repo.commit(`subject\n\n${body}`, {
        trailers: [
          'Assisted-by: <img src=x onerror=alert(1)> @octocat [x](javascript:alert(1)) \x1b[31mred\u202E',
          'Co-authored-by: Claude Smith <claude@smith.dev>',
        ],
      });
      for (const format of ['text', 'markdown', 'json', 'sarif']) {
        const r = await runCli(['scan', '--base', 'HEAD~1', '--format', format], { cwd: repo.dir });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).not.toContain('\x1b[31m');
        expect(r.stdout).not.toContain('\u202E');
        if (format === 'markdown') {
          const prose = r.stdout.replace(/(`+)(?:(?!\1)[\s\S])*?\1/g, '');
          expect(prose).not.toContain('<img');
          expect(prose).not.toContain('@octocat');
        }
      }
      const json = JSON.parse((await runCli(['scan', '--base', 'HEAD~1', '--format', 'json'], { cwd: repo.dir })).stdout);
      const hunk = json.hunks.find((h: { path: string }) => h.path === 'a.ts');
      // The declaration counts; the human named Claude does not.
      expect(hunk.verdict).toBe('attested');
      expect(hunk.evidence.map((e: { source: string }) => e.source)).toEqual(expect.arrayContaining(['trailer:Assisted-by']));
      expect(hunk.evidence.some((e: { source: string }) => e.source.includes('smith.dev'))).toBe(false);
    } finally {
      await repo.cleanup();
    }
  });
});
