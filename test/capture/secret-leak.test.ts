// A secret pasted into a prompt never leaves the machine in clear (issue #10), through the whole
// capture path: the real `trailmark capture claude-code` command reads a UserPromptSubmit with
// every secret family of test/fixtures/capture/secrets in it, then the agent's Write of a file on
// a sensitive path (the policy of .github/trailmark.yml) that copies two of them; a real commit and
// the post-commit hook command; then `record push` to a real local collector (collector-server.ts).
// Nothing the collector received, nothing under TRAILMARK_HOME and nothing trailmark keeps in the
// repository's git directory holds any 12-character piece of any secret; the detailed tier still
// holds the redacted prompt and output for the auditor on this machine.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDetail } from '../../src/capture/detail.js';
import { pushSpool, register } from '../../src/capture/push.js';
import { openSpool } from '../../src/capture/spool.js';
import { runCli } from '../cli-ledger/harness.js';
import { leakedPiece, secretFixtures } from '../fixtures/capture/secrets/load.js';
import { GitFixture } from '../support/git-fixture.js';
import { GITHUB_TOKEN, TestCollector } from './collector-server.js';

const FIXTURES = new URL('../fixtures/capture/', import.meta.url);

async function allFiles(dir: string): Promise<{ path: string; bytes: Buffer }[]> {
  const out: { path: string; bytes: Buffer }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await allFiles(path)));
    else if (entry.isFile()) out.push({ path, bytes: await readFile(path) });
  }
  return out;
}

describe('a secret pasted into a prompt never leaves the machine in clear (hook → commit → push)', () => {
  let repo: GitFixture;
  let home: string;
  let collector: TestCollector;

  beforeEach(async () => {
    repo = await GitFixture.create();
    home = await mkdtemp(join(tmpdir(), 'trailmark-secret-home-'));
    collector = new TestCollector();
    await collector.start();
  });
  afterEach(async () => {
    await collector.stop();
    await repo.cleanup();
    await rm(home, { recursive: true, force: true });
  });

  it('the collector, the home directory and .git/trailmark hold no piece of any secret; the auditor opens the redacted detail', async () => {
    await repo.git(['remote', 'add', 'origin', 'git@github.com:acme/app.git']);
    await repo.write('.github/trailmark.yml', 'sensitive-paths:\n  - "config/**"\n');
    await repo.write('README.md', '# app\n');
    await repo.commit('base');
    const env = { ...(repo.env() as Record<string, string>), TRAILMARK_HOME: home };
    const fixtures = secretFixtures();
    const session = '00893aaf-19fa-41d2-8238-13269b9b3ca0';

    // The prompt, through the command Claude Code's UserPromptSubmit hook runs.
    const promptPayload = JSON.parse(await readFile(new URL('claude-code/user-prompt-submit.json', FIXTURES), 'utf8')) as Record<string, unknown>;
    const prompt = `Our deploy is broken. Here are the credentials I use locally:\n${fixtures.map((f) => `- ${f.family}: ${f.text}`).join('\n')}\nPlease wire them into config/deploy.ts.`;
    const p = await runCli(['capture', 'claude-code'], { cwd: repo.dir, env, stdin: JSON.stringify({ ...promptPayload, cwd: repo.dir, transcript_path: join(home, 'none.jsonl'), prompt }) });
    expect(p).toEqual({ code: 0, stdout: '', stderr: '' });

    // The agent's Write on a sensitive path, copying two of the secrets (the PostToolUse Write fixture's shape).
    const github = fixtures.find((f) => f.rule === 'github')!;
    const db = fixtures.find((f) => f.rule === 'database-connection-string')!;
    const content = `export const deploy = {\n  token: '${github.text}',\n  db: '${db.text}',\n};\n`;
    const file = join(repo.dir, 'config', 'deploy.ts');
    await repo.write('config/deploy.ts', content);
    const writePayload = JSON.parse(await readFile(new URL('claude-code/post-tool-use-write.json', FIXTURES), 'utf8')) as Record<string, unknown>;
    const w = await runCli(['capture', 'claude-code'], {
      cwd: repo.dir, env,
      stdin: JSON.stringify({ ...writePayload, session_id: session, cwd: repo.dir, transcript_path: join(home, 'none.jsonl'), tool_input: { file_path: file, content }, tool_response: { filePath: file, success: true } }),
    });
    expect(w).toEqual({ code: 0, stdout: '', stderr: '' });

    // A real commit, then the post-commit hook's command.
    await repo.run(['add', '-A']);
    await repo.run(['commit', '-q', '-m', 'config: deploy']);
    const pc = await runCli(['capture', 'post-commit', '--strict'], { cwd: repo.dir, env });
    expect(pc.code, pc.stderr).toBe(0);

    // Register and push everything to the collector.
    await register({ home, url: collector.url, githubToken: GITHUB_TOKEN, repository: 'acme/app' });
    const pushed = await pushSpool({ home, sleep: () => Promise.resolve() });
    expect(pushed.collectors[0]).toMatchObject({ pending: 0, rejected: [] });
    const spool = await openSpool(home);
    const records = await spool.read(0, 100);
    // The edit record and the commit record, both received by the collector.
    expect(records.map((r) => r.stage).sort()).toEqual(['commit', 'edit']);
    expect([...collector.acceptedCount.keys()].sort()).toEqual(records.map((r) => r.id).sort());
    // The edit on the sensitive path carries only the salted commitment to its detail.
    const edit = records.find((r) => r.stage === 'edit')!;
    const commitment = (edit.trace as { metadata: Record<string, { detail?: string }> }).metadata['dev.trailmark']!.detail;
    expect(commitment).toMatch(/^sha256:[0-9a-f]{64}$/);

    const places = [
      ...collector.received.map((bytes, i) => ({ path: `collector request ${i + 1}`, bytes })),
      ...(await allFiles(home)).map((f) => ({ path: `~/${relative(home, f.path)}`, bytes: f.bytes })),
      ...(await allFiles(join(repo.dir, '.git', 'trailmark'))).map((f) => ({ path: `.git/trailmark/${relative(join(repo.dir, '.git', 'trailmark'), f.path)}`, bytes: f.bytes })),
    ];
    expect(places.some((p) => p.path.startsWith('~/spool/'))).toBe(true);
    expect(places.some((p) => p.path === '.git/trailmark/records.jsonl')).toBe(true);
    for (const f of fixtures) {
      for (const secret of f.secrets) {
        for (const place of places) expect(leakedPiece(place.bytes, secret), `${f.family} in ${place.path}`).toBeUndefined();
      }
    }
    for (const place of places) expect(place.bytes.includes(Buffer.from('Our deploy is broken')), place.path).toBe(false);

    // The auditor on this machine: the prompt and the output, redacted.
    const opened = await openDetail(home).open(commitment!);
    expect(opened.path).toBe('config/deploy.ts');
    expect(opened.prompt).toContain('Our deploy is broken.');
    expect(opened.prompt).toContain('[REDACTED:github]');
    expect(opened.output).toContain('[REDACTED:github]');
    for (const f of fixtures) for (const secret of f.secrets) expect(leakedPiece(JSON.stringify(opened), secret), f.family).toBeUndefined();
  });
});
