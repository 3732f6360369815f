// Text files in languages the detectors do not read (Markdown, JSON, YAML, other languages) get
// no inference: their hunks are `skipped` with the reason unless a claim decides them. Real git,
// real tree-sitter, the shipped models. Found on real histories: a third of the .mdx hunks of a
// documentation site reached `high` on "markdown code fence in a source file" and emoji.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/core/policy.js';
import type { HunkResult, ScanResult } from '../../src/core/types.js';
import { analyzeChange } from '../../src/engine/analyze.js';
import { GitChangeSource } from '../../src/git/index.js';
import { GitFixture } from '../support/git-fixture.js';
import { AGENT_STYLE_MESSAGE } from '../support/commit-messages.js';

const repos: GitFixture[] = [];
afterEach(async () => {
  for (const r of repos.splice(0)) await r.cleanup();
});

// What chat residue looks like in a document: the code model would call this AI (code fence,
// emoji, "Here's the updated"), and in a .ts file it does.
const CHATTY = [
  "Here's the updated setup guide, with the new options explained:",
  '',
  '```ts',
  'const client = createClient({ retries: 3 }); // retry up to three times',
  '```',
  '',
  '✨ Retries are now on by default 🚀',
  '',
  'Let me know if you want me to adjust anything else!',
  '',
].join('\n');

async function scan(commits: { files: Record<string, string>; message: string; trailers?: string[] }[]): Promise<ScanResult> {
  const repo = await GitFixture.create();
  repos.push(repo);
  await repo.write('README.md', '# project\n');
  await repo.commit('initial');
  await repo.git(['branch', 'base']);
  for (const c of commits) {
    await repo.writeFiles(c.files);
    await repo.commit(c.message, { trailers: c.trailers ?? [] });
  }
  const changeSet = await new GitChangeSource({ repo: repo.dir, base: 'base', head: 'HEAD' }).load();
  return analyzeChange(changeSet, { policy: DEFAULT_POLICY });
}

const hunkOf = (result: ScanResult, path: string): HunkResult => {
  const h = result.hunks.find((x) => x.path === path);
  expect(h, path).toBeDefined();
  return h!;
};

describe('text files the detectors do not read', () => {
  it('skips chat residue in Markdown with the reason, where the same text in a .ts comment block is scored', async () => {
    const asComment = `/*\n${CHATTY}*/\nexport const retries = 3;\n`;
    const result = await scan([{ files: { 'docs/guide.mdx': CHATTY, 'notes.md': CHATTY, 'src/guide.ts': asComment }, message: 'docs' }]);
    for (const path of ['docs/guide.mdx', 'notes.md']) {
      const h = hunkOf(result, path);
      expect(h).toMatchObject({ verdict: 'skipped', score: 0, signals: [], language: 'text' });
      expect(h.reason).toBe('not scored: the detectors read TypeScript and JavaScript, not Markdown');
      expect(h.addedLines).toBe(CHATTY.split('\n').length - 1);
      expect(h.contentDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
    // The detectors do read the same words in TypeScript: the skip is about the language.
    const ts = hunkOf(result, 'src/guide.ts');
    expect(ts.verdict).not.toBe('skipped');
    expect(ts.signals.map((s) => s.id)).toContain('assistant-text/code-fence');
    expect(result.findings.map((f) => f.path)).not.toContain('docs/guide.mdx');
    expect(result.findings.map((f) => f.path)).not.toContain('notes.md');
  });

  it('names the kind of text it did not read', async () => {
    const result = await scan([{
      files: { 'config.json': '{\n  "retries": 3\n}\n', '.github/ci.yml': 'on: push\njobs: {}\n', 'lib/x.rs': 'fn main() {}\n', 'Makefile': 'all:\n\ttrue\n', 'App.vue': '<template><p>hi</p></template>\n' },
      message: 'config',
    }]);
    expect(hunkOf(result, 'config.json').reason).toBe('not scored: the detectors read TypeScript and JavaScript, not JSON');
    expect(hunkOf(result, '.github/ci.yml').reason).toBe('not scored: the detectors read TypeScript and JavaScript, not YAML');
    expect(hunkOf(result, 'lib/x.rs').reason).toBe('not scored: the detectors read TypeScript and JavaScript, not .rs files');
    expect(hunkOf(result, 'Makefile').reason).toBe('not scored: the detectors read TypeScript and JavaScript, not files without an extension');
    expect(hunkOf(result, 'App.vue').reason).toBe('not scored: the detectors read TypeScript and JavaScript, not Vue single-file components');
    expect(result.summary.verdicts.skipped).toBe(5);
  });

  it('still attests what a commit stamps or declares, and keeps a person\'s declaration', async () => {
    const result = await scan([
      { files: { 'docs/stamped.md': CHATTY }, message: 'docs: setup guide', trailers: ['Co-Authored-By: Claude <noreply@anthropic.com>'] },
      { files: { 'docs/declared.md': '# Declared\n\nWritten with help.\n' }, message: 'docs: declared', trailers: ['Assisted-by: Cursor:gpt-5'] },
      { files: { 'docs/human.md': CHATTY }, message: 'docs: by hand', trailers: ['AI-Assisted: no'] },
    ]);
    const stamped = hunkOf(result, 'docs/stamped.md');
    expect(stamped.verdict).toBe('attested');
    expect(stamped.evidence.map((e) => e.class)).toEqual(['stamped']);
    expect(stamped.score).toBe(0);
    const declared = hunkOf(result, 'docs/declared.md');
    expect(declared.verdict).toBe('attested');
    expect(declared.evidence.map((e) => e.class)).toContain('declared');
    const human = hunkOf(result, 'docs/human.md');
    expect(human).toMatchObject({ verdict: 'clear', reason: 'declared human-written' });
    expect(result.findings).toEqual([]);
  });

  it('does not spread an agent-like commit message to the commit\'s documents, only to its code', async () => {
    const code = 'export function names(users: { name: string }[]): string[] {\n  return users.map((u) => u.name);\n}\n';
    const result = await scan([{ files: { 'src/names.ts': code, 'CHANGELOG.md': '## 1.1\n\n- names helper\n', 'package.json': '{\n  "name": "x"\n}\n' }, message: AGENT_STYLE_MESSAGE }]);
    const ts = hunkOf(result, 'src/names.ts');
    expect(ts.evidence.map((e) => e.source)).toContain('commit-message');
    expect(ts.verdict).toBe('unattested');
    for (const path of ['CHANGELOG.md', 'package.json']) {
      const h = hunkOf(result, path);
      expect(h.verdict).toBe('skipped');
      expect(h.evidence).toEqual([]);
      expect(h.signals).toEqual([]);
    }
    expect(result.findings.map((f) => f.path)).toEqual(['src/names.ts']);
  });

  it('still skips a deletion-only hunk of a text file as such', async () => {
    const repo = await GitFixture.create();
    repos.push(repo);
    await repo.write('notes.md', 'one\ntwo\nthree\n');
    await repo.commit('initial');
    await repo.git(['branch', 'base']);
    await repo.write('notes.md', 'one\nthree\n');
    await repo.commit('trim');
    const result = await analyzeChange(await new GitChangeSource({ repo: repo.dir, base: 'base', head: 'HEAD' }).load(), { policy: DEFAULT_POLICY });
    expect(hunkOf(result, 'notes.md')).toMatchObject({ verdict: 'skipped', reason: 'only deletions: nothing was written', deletedLines: 1 });
  });
});
