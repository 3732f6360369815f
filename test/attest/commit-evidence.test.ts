import { describe, expect, it } from 'vitest';
import { MAX_EVIDENCE_PER_COMMIT, MAX_REMEDIATION_CHARS, commitEvidence, contextEvidence, parseRemediation, remediationEvidence } from '../../src/attest/commit-evidence.js';
import { REGISTRY, createRegistry } from '../../src/attest/registry.js';
import { UsageError } from '../../src/core/errors.js';
import type { Commit, Person } from '../../src/core/types.js';

const HUMAN: Person = { name: 'Ada Author', email: 'ada@example.com' };
const SHA = '0123456789abcdef0123456789abcdef01234567';

function commit(message: string, author: Person = HUMAN, committer: Person = author): Commit {
  return { sha: SHA, parents: [], author, committer, authorDate: '2026-01-01T00:00:00Z', message };
}

const brief = (m: string, a?: Person, c?: Person) => commitEvidence(commit(m, a, c)).map((e) => [e.class, e.source, e.says, e.agent, e.model]);

describe('commitEvidence: declarations', () => {
  it('kernel Assisted-by is declared ai with agent and model', () => {
    const ev = commitEvidence(commit('Fix\n\nAssisted-by: Claude:claude-3-opus coccinelle sparse\nSigned-off-by: Ada Author <ada@example.com>\n'));
    expect(ev).toEqual([{
      class: 'declared',
      source: 'trailer:Assisted-by',
      detail: 'Assisted-by: Claude:claude-3-opus coccinelle sparse',
      says: 'ai',
      commit: SHA,
      agent: 'claude-code',
      model: 'claude-3-opus',
    }]);
  });

  it('AI-Assisted: no is declared human; yes is ai; key case is irrelevant', () => {
    expect(brief('Fix\n\nAI-Assisted: no\n')).toEqual([['declared', 'trailer:AI-Assisted', 'human', undefined, undefined]]);
    expect(brief('Fix\n\nai-assisted: FALSE\n')).toEqual([['declared', 'trailer:AI-Assisted', 'human', undefined, undefined]]);
    expect(brief('Fix\n\nAI-ASSISTED: yes\n')).toEqual([['declared', 'trailer:AI-Assisted', 'ai', undefined, undefined]]);
  });

  it('a negative answer to any declaration key is a human declaration', () => {
    expect(brief('Fix\n\nAssisted-by: none\nGenerated-by: no\n')).toEqual([
      ['declared', 'trailer:Assisted-by', 'human', undefined, undefined],
      ['declared', 'trailer:Generated-by', 'human', undefined, undefined],
    ]);
    expect(brief('Fix\n\nAssisted-by: nobody special\n')).toEqual([['declared', 'trailer:Assisted-by', 'ai', 'nobody special', undefined]]);
  });

  it('every declaration key, canonical source spelling', () => {
    expect(brief('Fix\n\ngenerated-by: Claude Code\nCo-authored-by-AI: GitHub Copilot (gpt-4.1)\nAI-used-for: test scaffolding\nSynthesized-by: generic LLM chatbot\n')).toEqual([
      ['declared', 'trailer:Generated-by', 'ai', 'claude-code', undefined],
      ['declared', 'trailer:Co-authored-by-AI', 'ai', 'copilot', 'gpt-4.1'],
      ['declared', 'trailer:AI-used-for', 'ai', undefined, undefined],
      ['declared', 'trailer:Synthesized-By', 'ai', 'generic LLM chatbot', undefined],
    ]);
  });

  it('free text naming the tool is kept as the agent, as written; long text is not', () => {
    expect(brief('Fix\n\nAssisted-by: ChatGPTv5\n')).toEqual([['declared', 'trailer:Assisted-by', 'ai', 'ChatGPTv5', undefined]]);
    expect(brief(`Fix\n\nAssisted-by: ${'x'.repeat(65)}\n`)).toEqual([['declared', 'trailer:Assisted-by', 'ai', undefined, undefined]]);
    expect(brief('Fix\n\nAI-Assisted: partially\n')).toEqual([['declared', 'trailer:AI-Assisted', 'ai', undefined, undefined]]);
  });

  it('empty declarations and declarations outside the trailer block say nothing', () => {
    expect(brief('Fix\n\nAssisted-by:\nSigned-off-by: A <a@b.c>\n')).toEqual([]);
    expect(brief('Fix\n\nAssisted-by: Claude\nwas not used, see below\n\nThanks.\n')).toEqual([]);
    expect(brief('Assisted-by: Claude\n')).toEqual([]);
  });
});

describe('commitEvidence: stamps', () => {
  it('vendor co-author trailers by e-mail', () => {
    expect(brief('Fix\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\nCo-authored-by: aider (gpt-4o) <aider@aider.chat>\n')).toEqual([
      ['stamped', 'co-author:noreply@anthropic.com', 'ai', 'claude-code', 'Claude Opus 4.5'],
      ['stamped', 'co-author:cursoragent@cursor.com', 'ai', 'cursor', undefined],
      ['stamped', 'co-author:aider@aider.chat', 'ai', 'aider', 'gpt-4o'],
    ]);
  });

  it('an AI identity in Signed-off-by is a stamp; a human sign-off is not', () => {
    expect(brief('Fix\n\nSigned-off-by: Claude <noreply@anthropic.com>\nSigned-off-by: Claude Smith <claude@smith.dev>\n')).toEqual([
      ['stamped', 'signed-off-by:noreply@anthropic.com', 'ai', 'claude-code', undefined],
    ]);
  });

  it('named humans are not AIs', () => {
    expect(brief('Fix\n\nCo-authored-by: Claude Smith <claude@smith.dev>\nCo-authored-by: Devin Jones <devin@jones.io>\nCo-authored-by: Codex <someone@openai.com>\n')).toEqual([]);
    expect(brief('Fix', { name: 'Claude', email: 'claude@example.org' })).toEqual([]);
    expect(brief('Fix', { name: 'Devin AI', email: 'devin@example.org' })).toEqual([]);
  });

  it('Copilot coding agent as author and committer', () => {
    const bot = { name: 'Copilot', email: '198982749+Copilot@users.noreply.github.com' };
    expect(brief('Fix\n\nCo-authored-by: octocat <583231+octocat@users.noreply.github.com>\nAgent-Logs-Url: https://github.com/o/r/sessions/1\n', bot, { name: 'GitHub', email: 'noreply@github.com' })).toEqual([
      ['stamped', 'author:copilot-swe-agent[bot]', 'ai', 'copilot-coding-agent', undefined],
      ['stamped', 'trailer:Agent-Logs-Url', 'ai', 'copilot-coding-agent', undefined],
    ]);
  });

  it('VS Code / CLI Copilot co-author', () => {
    expect(brief('Fix\n\nCo-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>\n')).toEqual([
      ['stamped', 'co-author:223556219+copilot@users.noreply.github.com', 'ai', 'copilot', undefined],
    ]);
  });

  it('footer, session trailer and declaration together, in fixed order', () => {
    const msg = 'Add parser\n\nBody.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nClaude-Session: https://claude.ai/code/session_1\nCo-Authored-By: Claude <noreply@anthropic.com>\nAssisted-by: Claude Code:claude-opus-4-5\n';
    expect(brief(msg)).toEqual([
      ['stamped', 'trailer:Claude-Session', 'ai', 'claude-code', undefined],
      ['stamped', 'co-author:noreply@anthropic.com', 'ai', 'claude-code', undefined],
      ['declared', 'trailer:Assisted-by', 'ai', 'claude-code', 'claude-opus-4-5'],
      ['stamped', 'footer:claude-code', 'ai', 'claude-code', undefined],
    ]);
  });

  it('aider name suffix and subject prefix', () => {
    const a = { name: 'Paul (aider)', email: 'paul@example.com' };
    expect(brief('aider: fix parser', a, HUMAN)).toEqual([
      ['stamped', 'author:(aider)', 'ai', 'aider', undefined],
      ['stamped', 'subject:aider', 'ai', 'aider', undefined],
    ]);
    expect(brief('fix parser', HUMAN, a)).toEqual([['stamped', 'committer:(aider)', 'ai', 'aider', undefined]]);
  });

  it('Replit, Entire and Amp session trailers', () => {
    expect(brief('Fix\n\nReplit-Commit-Author: Agent\nReplit-Commit-Session-Id: 7c3\nEntire-Agent: Claude Code\nAmp-Thread-ID: https://ampcode.com/threads/T-1\nCo-authored-by: Amp <amp@ampcode.com>\n')).toEqual([
      ['stamped', 'trailer:Replit-Commit-Author', 'ai', 'replit-agent', undefined],
      ['stamped', 'trailer:Replit-Commit-Session-Id', 'ai', 'replit-agent', undefined],
      ['stamped', 'trailer:Entire-Agent', 'ai', 'claude-code', undefined],
      ['stamped', 'trailer:Amp-Thread-ID', 'ai', 'amp', undefined],
      ['stamped', 'co-author:amp@ampcode.com', 'ai', 'amp', undefined],
    ]);
    expect(brief('Deploy\n\nReplit-Commit-Author: Deployment\n')).toEqual([]);
  });

  it('identical markers repeated in one commit count once', () => {
    expect(brief('Fix\n\nCo-authored-by: Claude <noreply@anthropic.com>\nCo-authored-by: Claude <noreply@anthropic.com>\n')).toHaveLength(1);
  });

  it('bounds the evidence of a 1 MB message full of distinct markers', () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `Co-authored-by: Claude ${i} <noreply@anthropic.com>`);
    const msg = `Fix\n\n${lines.join('\n')}\nAI-Assisted: no\n`;
    expect(msg.length).toBeGreaterThan(1_000_000);
    const ev = commitEvidence(commit(msg));
    expect(ev).toHaveLength(MAX_EVIDENCE_PER_COMMIT);
    expect(ev[0]!.detail).toBe('Co-authored-by: Claude 0 <noreply@anthropic.com>');
  });

  it('Entire-* trailers form a family', () => {
    expect(brief('Fix\n\nEntire-Transcript: abc\nEntire-: x\n')).toEqual([['stamped', 'trailer:Entire-Transcript', 'ai', 'entire', undefined]]);
  });

  it('is deterministic and cuts long attacker values in details', () => {
    const long = 'x'.repeat(5000);
    const c = commit(`Fix\n\nAssisted-by: ${long}\n`);
    const a = commitEvidence(c);
    expect(a).toEqual(commitEvidence(c));
    expect(a[0]!.detail!.length).toBeLessThan(200);
  });
});

describe('commitEvidence: policy markers', () => {
  const markers = [
    { kind: 'trailer-key', value: 'X-AI-Tool', agent: 'Internal Bot', class: 'declared' },
    { kind: 'co-author-domain', value: 'bots.example.com', agent: 'internal-bot', class: 'stamped' },
    { kind: 'co-author-email', value: 'helper@corp.example', agent: 'Claude', class: 'stamped' },
    { kind: 'author-email', value: 'ci-agent@corp.example', agent: 'internal-bot', class: 'stamped' },
    { kind: 'footer', value: '[made by robo]', agent: 'robo', class: 'stamped' },
  ] as const;
  it('matches literally and case-insensitively', () => {
    const c = commit(
      'Fix\n\nBody [Made by Robo]\n\nx-ai-tool: v2\nCo-authored-by: R <r@BOTS.example.com>\nCo-authored-by: H <Helper@corp.example>\n',
      { name: 'CI', email: 'CI-Agent@corp.example' },
      HUMAN,
    );
    expect(commitEvidence(c, { extraMarkers: markers }).map((e) => [e.class, e.source, e.agent])).toEqual([
      ['stamped', 'author:ci-agent@corp.example', 'internal-bot'],
      ['declared', 'trailer:X-AI-Tool', 'Internal Bot'],
      ['stamped', 'co-author:bots.example.com', 'internal-bot'],
      ['stamped', 'co-author:helper@corp.example', 'claude-code'],
      ['stamped', 'footer:robo', 'robo'],
    ]);
  });
  it('a declared policy key answered no is a human declaration', () => {
    expect(commitEvidence(commit('Fix\n\nX-AI-Tool: no\n'), { extraMarkers: markers }).map((e) => [e.class, e.says])).toEqual([['declared', 'human']]);
  });
  it('is not a pattern: metacharacters do not widen a match', () => {
    const m = [{ kind: 'co-author-domain', value: '.*', agent: 'x', class: 'stamped' }] as const;
    expect(commitEvidence(commit('Fix\n\nCo-authored-by: A <a@example.com>\n'), { extraMarkers: m })).toEqual([]);
    const d = [{ kind: 'co-author-domain', value: 'example.com', agent: 'x', class: 'stamped' }] as const;
    expect(commitEvidence(commit('Fix\n\nCo-authored-by: A <a@notexample.com>\n'), { extraMarkers: d })).toEqual([]);
  });
});

describe('contextEvidence', () => {
  it('PR body footers, bot author and branch prefix are weak stamps', () => {
    const ev = contextEvidence({
      headBranch: 'copilot/fix-12',
      pullRequestAuthor: 'Copilot',
      pullRequestBody: 'Fixes #12\n\n<a href="https://cursor.com/agents?id=bc-1">Open in Cursor</a>',
    });
    expect(ev.map((e) => [e.class, e.source, e.agent])).toEqual([
      ['stamped', 'pr-body:cursor', 'cursor'],
      ['stamped', 'pr-author:copilot-swe-agent[bot]', 'copilot-coding-agent'],
      ['stamped', 'branch:copilot/', 'copilot-coding-agent'],
    ]);
    for (const e of ev) {
      expect(e.detail).toContain('weak');
      expect(e.says).toBe('ai');
      expect(e.commit).toBeUndefined();
    }
  });
  it('says nothing for ordinary pull requests', () => {
    expect(contextEvidence({ headBranch: 'feature/claude-support', pullRequestAuthor: 'claude', pullRequestBody: 'Generated with care' })).toEqual([]);
    expect(contextEvidence({})).toEqual([]);
  });
});

describe('remediationEvidence', () => {
  const base = { user: 'octocat', headSha: SHA, paths: [], time: '2026-01-02T00:00:00Z' };
  it('a declaration line is declared evidence, source remediation', () => {
    expect(remediationEvidence({ ...base, declaration: 'Assisted-by: Claude:claude-opus-4-5' })).toEqual({
      class: 'declared',
      source: 'remediation',
      detail: 'declared by @octocat on 0123456789ab: Assisted-by: Claude:claude-opus-4-5',
      says: 'ai',
      agent: 'claude-code',
      model: 'claude-opus-4-5',
    });
  });
  it('AI-Assisted: no is a human declaration', () => {
    expect(remediationEvidence({ ...base, declaration: 'ai-assisted: no' })?.says).toBe('human');
  });
  it('uses the first declaration line and folds continuations', () => {
    expect(remediationEvidence({ ...base, declaration: 'Note: hi\nGenerated-by: Claude\n Code\n' })).toMatchObject({ agent: 'claude-code', detail: 'declared by @octocat on 0123456789ab: Generated-by: Claude Code' });
  });
  it.each(['Claude wrote this', 'Reviewed-by: Claude', 'Co-authored-by: Claude <noreply@anthropic.com>', 'Assisted-by:   ', ''])('%j is not a declaration', (declaration) => {
    expect(remediationEvidence({ ...base, declaration })).toBeUndefined();
  });
});

describe('parseRemediation', () => {
  const base = { user: 'octocat', headSha: SHA, paths: [], time: '2026-01-02T00:00:00Z' };
  it('returns the same evidence as remediationEvidence for a declaration', () => {
    const r = { ...base, declaration: 'Assisted-by: Claude:claude-opus-4-5' };
    expect(parseRemediation(r)).toEqual(remediationEvidence(r));
  });
  it.each([
    ['Claude wrote this', 'remediation "Claude wrote this" is not a trailer line (key: value)'],
    ['Reviewed-by: Claude', 'remediation key "Reviewed-by" is not a declaration key or has an empty value'],
    ['Assisted-by:   ', 'remediation key "Assisted-by" is not a declaration key or has an empty value'],
    ['\u001b[2J<b>x</b>', 'remediation "\\x1b[2J<b>x</b>" is not a trailer line (key: value)'],
  ])('%j is rejected with a clear error value', (declaration, message) => {
    const e = parseRemediation({ ...base, declaration });
    expect(e).toBeInstanceOf(UsageError);
    expect(e).toMatchObject({ code: 'BAD_INPUT', message });
    expect((e as UsageError).hint).toContain('Assisted-by: Claude:claude-opus-4-5');
  });
  it('rejects oversized text before parsing it', () => {
    const e = parseRemediation({ ...base, declaration: `Assisted-by: ${'x'.repeat(MAX_REMEDIATION_CHARS)}` });
    expect(e).toMatchObject({ code: 'BAD_INPUT' });
    expect((e as UsageError).message).toContain(`over ${MAX_REMEDIATION_CHARS}`);
  });
});

describe('an injected registry', () => {
  it('commitEvidence matches against the registry it is given, not the shipped one', () => {
    const custom = createRegistry({
      ...REGISTRY,
      version: 'test/1',
      declarationKeys: [{ key: 'Made-by-Robot', evidence: 'test' }],
      identities: [{ email: 'bot@robots.example', agent: 'robot', evidence: 'test' }],
    });
    const c = commit('Fix\n\nMade-by-Robot: yes please\nAssisted-by: Claude\nCo-authored-by: R <bot@robots.example>\nCo-authored-by: Claude <noreply@anthropic.com>\n');
    expect(commitEvidence(c, { registry: custom }).map((e) => [e.class, e.source, e.agent])).toEqual([
      ['declared', 'trailer:Made-by-Robot', 'yes please'],
      ['stamped', 'co-author:bot@robots.example', 'robot'],
    ]);
    expect(commitEvidence(c).map((e) => e.source)).toEqual(['trailer:Assisted-by', 'co-author:noreply@anthropic.com']);
  });
});

