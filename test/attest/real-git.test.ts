// End to end with real git: commits written by `git commit --trailer`, messages read back as a
// source adapter would (`%B`), trailers cross-checked with git's own `%(trailers)` formatter,
// and a git-ai note stored under refs/notes/ai and read back with `git notes`.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitEvidence } from '../../src/attest/commit-evidence.js';
import { parseRecords, recordedEvidence } from '../../src/attest/match.js';
import { parseTrailers } from '../../src/attest/trailers.js';
import type { Commit } from '../../src/core/types.js';
import { GitFixture } from '../support/git-fixture.js';

let repo: GitFixture;
beforeAll(async () => {
  repo = await GitFixture.create();
});
afterAll(async () => {
  await repo.cleanup();
});

async function readCommit(sha: string): Promise<Commit> {
  const [an, ae, cn, ce, ad] = (await repo.git(['log', '-1', '--format=%an%x00%ae%x00%cn%x00%ce%x00%aI', sha])).split('\0');
  const message = (await repo.run(['log', '-1', '--format=%B', sha])).stdout.toString('utf8');
  return { sha, parents: [], author: { name: an!, email: ae! }, committer: { name: cn!, email: ce! }, authorDate: ad!, message };
}

describe('real git commits', () => {
  it('trailers added by git commit --trailer are declared and stamped evidence', async () => {
    await repo.write('src/a.ts', 'export const a = 1;\n');
    await repo.git(['add', '-A']);
    await repo.git([
      'commit', '-q', '-m', 'Add a', '-m', 'Body mentions Assisted-by: nobody in prose.\nGenerated-by: also prose',
      '--trailer', 'Assisted-by: Claude Code:claude-opus-4-5',
      '--trailer', 'Co-authored-by: Claude Opus 4.5 <noreply@anthropic.com>',
      '--trailer', 'Co-authored-by: Claude Smith <claude@smith.dev>',
    ]);
    const sha = await repo.rev('HEAD');
    const ev = commitEvidence(await readCommit(sha));
    expect(ev.map((e) => [e.class, e.source, e.says, e.commit, e.agent, e.model])).toEqual([
      ['declared', 'trailer:Assisted-by', 'ai', sha, 'claude-code', 'claude-opus-4-5'],
      ['stamped', 'co-author:noreply@anthropic.com', 'ai', sha, 'claude-code', 'Claude Opus 4.5'],
    ]);
  });

  it('our trailers equal git log %(trailers:only,unfold) for assorted commits', async () => {
    const messages = [
      'Subject only',
      'Fix\n\nprose\nKey: value\n(cherry picked from commit 1234567)\n',
      'Fix\n\nAI-Assisted: no\nSigned-off-by: Ada <ada@example.com>\n',
      'Fix\n\nAssisted-by: Claude\n  continued\n\nnot trailers after all\n',
      'Fix\n\nbody\n\nReplit-Commit-Author: Agent\nReplit-Commit-Session-Id: 1f2e\n',
      'Fix\n\nSummary\n---\nDetails\n\nAssisted-by: Claude Code:claude-opus-4-5\n',
      'Merge x\n\nAssisted-by: Claude\n\nConflicts:\n\tsrc/a.c\n',
    ];
    for (const [i, m] of messages.entries()) {
      await repo.write('src/b.ts', `// ${i}\n`);
      await repo.git(['add', '-A']);
      await repo.git(['commit', '-q', '--cleanup=verbatim', '-F', '-'], { input: m });
      const stored = (await repo.run(['log', '-1', '--format=%B'])).stdout.toString('utf8');
      const git = (await repo.git(['log', '-1', '--format=%(trailers:only,unfold)'])).split('\n').filter((l) => l.length > 0);
      expect({ m, trailers: parseTrailers(stored).map((t) => `${t.key}: ${t.value}`) }).toEqual({ m, trailers: git });
    }
  });

  it('a git-ai note under refs/notes/ai becomes recorded evidence for the hunk of its commit', async () => {
    const body = ['export function f(x: number): number {', '  return x * 2;', '}', 'export const g = 1;'];
    await repo.write('src/f.ts', `${body.join('\n')}\n`);
    await repo.git(['add', '-A']);
    await repo.git(['commit', '-q', '-m', 'Add f']);
    const sha = await repo.rev('HEAD');
    const note = [
      'src/f.ts',
      '  s_00112233445566::t_66554433221100 1-3',
      '---',
      JSON.stringify({
        schema_version: 'authorship/3.0.0',
        base_commit_sha: sha,
        prompts: {},
        sessions: { s_00112233445566: { agent_id: { tool: 'cursor', id: 'conv', model: 'gpt-5' } } },
      }),
    ].join('\n');
    await repo.git(['notes', '--ref=ai', 'add', '-F', '-', sha], { input: note });
    const text = (await repo.run(['notes', '--ref=ai', 'show', sha])).stdout.toString('utf8');

    const { records, problems } = parseRecords([{ format: 'git-ai', origin: `refs/notes/ai:${sha}`, commit: sha, text }]);
    expect(problems).toEqual([]);
    const hunk = { path: 'src/f.ts', startLine: 1, endLine: 4, addedLines: body.map((t, i) => ({ line: i + 1, text: t })), commits: [sha] };
    expect(recordedEvidence(hunk, records, sha)).toEqual([{
      class: 'recorded',
      source: 'git-ai',
      says: 'ai',
      commit: sha,
      agent: 'cursor',
      model: 'gpt-5',
      detail: `3 of 4 added lines by ai, tool cursor, gpt-5 in refs/notes/ai:${sha} (lines)`,
    }]);
    expect(recordedEvidence({ ...hunk, commits: ['0'.repeat(40)] }, records, sha)).toEqual([]);
  });
});
