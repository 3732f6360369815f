// The marker registry: data consistency, then positive AND negative cases for every family.

import { describe, expect, it } from 'vitest';
import {
  MARKERS_VERSION,
  REGISTRY,
  botByLogin,
  branchPrefix,
  declarationKey,
  footersIn,
  hasAiderPrefix,
  hasAiderSuffix,
  identityOf,
  normalizeAgent,
  registrySize,
  stampKey,
  yesNo,
} from '../../src/attest/registry.js';
import { parseDeclaration } from '../../src/attest/declaration.js';

describe('registry data', () => {
  it('is versioned', () => {
    expect(MARKERS_VERSION).toMatch(/^markers\.v1\//);
    expect(registrySize()).toBeGreaterThan(60);
  });

  it('refers only to agents it defines, and aliases are unambiguous', () => {
    const ids = new Set(REGISTRY.agents.map((a) => a.id));
    const used = [
      ...REGISTRY.identities.map((i) => i.agent),
      ...REGISTRY.githubBots.map((b) => b.agent),
      ...REGISTRY.botLoginsWithoutId.map((b) => b.agent),
      ...REGISTRY.stampKeys.map((s) => s.agent).filter((a) => a.length > 0),
      ...REGISTRY.footers.map((f) => f.agent),
      ...REGISTRY.branchPrefixes.map((b) => b.agent),
    ];
    for (const a of used) expect(ids, a).toContain(a);
    const seen = new Map<string, string>();
    for (const a of REGISTRY.agents) {
      for (const alias of a.aliases) {
        const k = alias.toLowerCase().replace(/[\s._-]/g, '');
        expect(seen.get(k) ?? a.id, `alias ${alias}`).toBe(a.id);
        seen.set(k, a.id);
      }
    }
  });

  it('stores compared strings in lowercase and bot ids once', () => {
    for (const i of REGISTRY.identities) expect((i.email ?? i.domain)!).toBe((i.email ?? i.domain)!.toLowerCase());
    for (const f of REGISTRY.footers) expect(f.text).toBe(f.text.toLowerCase());
    for (const b of REGISTRY.branchPrefixes) expect(b.prefix).toBe(b.prefix.toLowerCase());
    const botIds = REGISTRY.githubBots.map((b) => b.id);
    expect(new Set(botIds).size).toBe(botIds.length);
    for (const x of [...REGISTRY.identities, ...REGISTRY.githubBots, ...REGISTRY.stampKeys, ...REGISTRY.footers]) {
      expect(x.evidence.length).toBeGreaterThan(0);
    }
  });

  it('has a changelog whose last entry is the current version', () => {
    expect(REGISTRY.changelog?.at(-1)?.version).toBe(MARKERS_VERSION);
    expect(REGISTRY.changelog?.at(-1)?.changes.length).toBeGreaterThan(0);
  });

  it('holds every bot id listed in MARKERS.md §12.1', () => {
    const ids = new Set(REGISTRY.githubBots.map((b) => b.id));
    for (const id of [198982749, 223556219, 167198135, 209825114, 215619710, 208546643, 206951365, 201670782, 215057067, 199175422, 176961590, 161369871, 158243242, 208079219, 205137888, 230936708, 201248094, 220155983, 138933559, 136622811]) {
      expect(ids, String(id)).toContain(id);
    }
  });
});

describe('agent aliases', () => {
  it.each([
    ['Claude', 'claude-code'],
    ['Claude Code', 'claude-code'],
    ['ClaudeCode', 'claude-code'],
    ['claude-code', 'claude-code'],
    ['GitHub Copilot', 'copilot'],
    ['Cursor', 'cursor'],
    ['Codex', 'codex'],
    ['aider', 'aider'],
  ])('%s → %s', (name, id) => expect(normalizeAgent(name)).toBe(id));
  it.each(['generic LLM chatbot', 'Claude Smith', 'vim', ''])('%s is not an agent', (name) => expect(normalizeAgent(name)).toBeUndefined());
});

const person = (name: string, email: string) => ({ name, email });

describe('identities (co-authors, authors, committers)', () => {
  it.each([
    ['Claude Opus 4.5', 'noreply@anthropic.com', 'claude-code', 'Claude Opus 4.5'],
    ['Claude', 'noreply@anthropic.com', 'claude-code', undefined],
    ['Claude', 'NoReply@Anthropic.COM', 'claude-code', undefined],
    ['Cursor Agent', 'cursoragent@cursor.com', 'cursor', undefined],
    ['aider (gpt-4o)', 'aider@aider.chat', 'aider', 'gpt-4o'],
    ['aider (anthropic/claude-3-7-sonnet)', 'noreply@aider.chat', 'aider', 'anthropic/claude-3-7-sonnet'],
    ['Codex', 'noreply@openai.com', 'codex', undefined],
    ['GPT 5.5', 'codex@openai.com', 'codex', 'GPT 5.5'],
    ['Amp', 'amp@ampcode.com', 'amp', undefined],
    ['opencode', 'noreply@opencode.ai', 'opencode', undefined],
    ['openhands', 'openhands@all-hands.dev', 'openhands', undefined],
    ['Oz', 'oz-agent@warp.dev', 'warp', undefined],
    ['Copilot', 'copilot@github.com', 'copilot', undefined],
  ])('%s <%s> is %s', (name, email, agent, model) => {
    const id = identityOf(person(name, email));
    expect(id?.agent).toBe(agent);
    expect(id?.model).toBe(model);
  });

  it.each([
    ['Copilot', '198982749+Copilot@users.noreply.github.com', 'copilot-coding-agent', 'copilot-swe-agent[bot]'],
    ['Copilot', '223556219+Copilot@users.noreply.github.com', 'copilot', 'Copilot'],
    ['Devin AI', '158243242+devin-ai-integration[bot]@users.noreply.github.com', 'devin', 'devin-ai-integration[bot]'],
    ['google-labs-jules[bot]', '161369871+google-labs-jules[bot]@users.noreply.github.com', 'jules', 'google-labs-jules[bot]'],
    ['gemini-code-assist[bot]', '176961590+gemini-code-assist[bot]@users.noreply.github.com', 'gemini', 'gemini-code-assist[bot]'],
    ['factory-droid[bot]', '138933559+factory-droid[bot]@users.noreply.github.com', 'factory-droid', 'factory-droid[bot]'],
    ['x', 'claude[bot]@users.noreply.github.com', 'claude-code', 'claude[bot]'],
  ])('GitHub noreply %s <%s> is %s', (name, email, agent, bot) => {
    const id = identityOf(person(name, email));
    expect(id?.agent).toBe(agent);
    expect(id?.bot).toBe(bot);
  });

  it.each([
    ['Claude Smith', 'claude@smith.dev'],
    ['Claude', 'claude@gmail.com'],
    ['Devin Jones', 'devin@jones.io'],
    ['Devin AI', 'devin@example.com'],
    ['Codex', 'someone@openai.com'],
    ['Sam', 'sam@anthropic.com'],
    ['Cursor', 'someone@cursor.com'],
    ['Copilot', 'octocat@github.com'],
    ['Copilot', 'Copilot@users.noreply.github.com'],
    ['Copilot', '12345+Copilot@users.noreply.github.com'],
    ['Mallory', '198982749+mallory@users.noreply.github.com'],
    ['Alice', '583231+octocat@users.noreply.github.com'],
    ['Aider fan', 'me@notaider.chat'],
    ['Gemini', 'gemini@google.com'],
    ['noreply', 'noreply@anthropic.com.evil.io'],
    ['empty', ''],
    ['no at', 'noreply.anthropic.com'],
  ])('%s <%s> is not an AI', (name, email) => {
    expect(identityOf(person(name, email))).toBeUndefined();
  });
});

describe('declaration keys', () => {
  it.each(['Assisted-by', 'assisted-by', 'ASSISTED-BY', 'Generated-by', 'Co-authored-by-AI', 'AI-Assisted', 'AI-assisted', 'AI-used-for', 'Synthesized-By'])('%s is a declaration key', (k) => {
    expect(declarationKey(k)).toBeDefined();
  });
  it.each(['Co-authored-by', 'Signed-off-by', 'Assisted', 'Reviewed-by', 'AI'])('%s is not a declaration key', (k) => {
    expect(declarationKey(k)).toBeUndefined();
  });
  it('only AI-Assisted takes yes/no answers', () => {
    expect(declarationKey('AI-Assisted')?.polarityValues).toBe(true);
    expect(declarationKey('Assisted-by')?.polarityValues).toBe(false);
    expect(yesNo(' No ')).toBe('human');
    expect(yesNo('false')).toBe('human');
    expect(yesNo('YES')).toBe('ai');
    expect(yesNo('true')).toBe('ai');
    expect(yesNo('Claude')).toBeUndefined();
  });
});

describe('declaration values', () => {
  it('parses the kernel form AGENT:MODEL [tools]', () => {
    expect(parseDeclaration('Claude:claude-3-opus coccinelle sparse')).toEqual({ agent: 'claude-code', model: 'claude-3-opus', tools: ['coccinelle', 'sparse'], text: 'Claude:claude-3-opus coccinelle sparse' });
    expect(parseDeclaration('Claude Code:claude-sonnet-4-6')).toMatchObject({ agent: 'claude-code', model: 'claude-sonnet-4-6' });
    expect(parseDeclaration('ClaudeCode:claude-sonnet-4-6')).toMatchObject({ agent: 'claude-code', model: 'claude-sonnet-4-6' });
    expect(parseDeclaration('MyBot:gpt-4.1 [clang-format]')).toMatchObject({ agent: 'mybot', model: 'gpt-4.1', tools: ['clang-format'] });
  });
  it('parses Tool (Model)', () => {
    expect(parseDeclaration('GitHub Copilot (gpt-4.1)')).toMatchObject({ agent: 'copilot', model: 'gpt-4.1' });
  });
  it('keeps free text', () => {
    expect(parseDeclaration('generic LLM chatbot')).toEqual({ tools: [], text: 'generic LLM chatbot' });
    expect(parseDeclaration('ChatGPTv5')).toEqual({ tools: [], text: 'ChatGPTv5' });
    expect(parseDeclaration('Claude Code')).toEqual({ agent: 'claude-code', tools: [], text: 'Claude Code' });
    expect(parseDeclaration('Note: used for tests')).toEqual({ tools: [], text: 'Note: used for tests' });
    expect(parseDeclaration('https://example.com/x')).toEqual({ tools: [], text: 'https://example.com/x' });
  });
});

describe('session and provenance keys', () => {
  it.each([
    ['Claude-Session', 'https://claude.ai/code/session_01', 'claude-code'],
    ['agent-logs-url', 'https://github.com/o/r/sessions/1', 'copilot-coding-agent'],
    ['Amp-Thread-ID', 'https://ampcode.com/threads/T-1', 'amp'],
    ['Entire-Checkpoint', 'abc', 'entire'],
    ['Entire-Agent', 'Claude Code', 'claude-code'],
    ['Replit-Commit-Author', 'Agent', 'replit-agent'],
    ['Replit-Commit-Session-Id', 'uuid', 'replit-agent'],
    ['Copilot-Session', 'x', 'copilot'],
    ['Codex-Session', 'x', 'codex'],
    ['Cursor-Session', 'x', 'cursor'],
    ['Made-with', 'Cursor', 'cursor'],
  ])('%s: %s is %s', (key, value, agent) => {
    expect(stampKey(key, value)?.agent).toBe(agent);
  });
  it.each([
    ['Replit-Commit-Author', 'Deployment'],
    ['Made-with', 'love'],
    ['Claude-Session', '  '],
    ['Session', 'x'],
    ['Reviewed-by', 'Claude <noreply@anthropic.com>'],
  ])('%s: %s is not a stamp', (key, value) => {
    expect(stampKey(key, value)).toBeUndefined();
  });
});

describe('footers, aider, branches, bot logins', () => {
  it('finds footers', () => {
    expect(footersIn('x\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n').map((f) => f.agent)).toEqual(['claude-code']);
    expect(footersIn('🤖 Generated with [opencode](https://opencode.ai)').map((f) => f.agent)).toEqual(['opencode']);
    expect(footersIn('Made with [Cursor](https://cursor.com)').map((f) => f.agent)).toEqual(['cursor']);
    expect(footersIn('<a href="https://cursor.com/agents?id=bc-123">Open in Cursor</a>').map((f) => f.agent)).toEqual(['cursor']);
    expect(footersIn('Devin Session: https://app.devin.ai/sessions/abc').map((f) => f.agent)).toEqual(['devin']);
  });
  it('does not find footers in ordinary text', () => {
    expect(footersIn('Generated with care by Claude Smith; made with cursor keys; devin session notes')).toEqual([]);
    expect(footersIn('see cursor.com/agents for docs')).toEqual([]);
  });
  it('aider suffix and prefix', () => {
    expect(hasAiderSuffix('Paul Gauthier (aider)')).toBe(true);
    expect(hasAiderSuffix('Paul Gauthier')).toBe(false);
    expect(hasAiderSuffix('Aiden (aider fan)')).toBe(false);
    expect(hasAiderPrefix('aider: fix the parser')).toBe(true);
    expect(hasAiderPrefix('aiders: fix')).toBe(false);
    expect(hasAiderPrefix('fix aider: thing')).toBe(false);
  });
  it('branch prefixes', () => {
    expect(branchPrefix('claude/fix-123')).toEqual({ prefix: 'claude/', agent: 'claude-code' });
    expect(branchPrefix('copilot/fix-1')?.agent).toBe('copilot-coding-agent');
    expect(branchPrefix('claude-fix')).toBeUndefined();
    expect(branchPrefix('feature/claude/x')).toBeUndefined();
    expect(branchPrefix('claude/')).toBeUndefined();
  });
  it('bot logins', () => {
    expect(botByLogin('copilot-swe-agent[bot]')?.agent).toBe('copilot-coding-agent');
    expect(botByLogin('Copilot')?.agent).toBe('copilot-coding-agent');
    expect(botByLogin('sweep-ai[bot]')?.agent).toBe('sweep');
    expect(botByLogin('claude')).toBeUndefined();
    expect(botByLogin('dependabot[bot]')).toBeUndefined();
  });
});

// Data-driven: one positive and several near-miss negatives for every entry of the shipped data,
// so a marker added to the JSON is tested by construction.
describe('every registry entry, positive and negative', () => {
  const identities = REGISTRY.identities;
  it.each(identities.filter((i) => i.email !== undefined).map((i) => [i.email!, i.agent]))('e-mail %s is %s; near misses are not', (email, agent) => {
    const [local, domain] = email.split('@') as [string, string];
    expect(identityOf(person('Anyone', email))?.agent).toBe(agent);
    expect(identityOf(person('Anyone', email.toUpperCase()))?.agent).toBe(agent);
    expect(identityOf(person('Anyone', `${local}@${domain}.evil.io`))).toBeUndefined();
    expect(identityOf(person('Anyone', `${local}@evil-${domain}`))).toBeUndefined();
    if (!identities.some((i) => i.domain === domain)) expect(identityOf(person('Anyone', `jane.doe@${domain}`))).toBeUndefined();
    // The display name alone never matches.
    expect(identityOf(person(agent, `${agent}@example.com`))).toBeUndefined();
  });
  it.each(identities.filter((i) => i.domain !== undefined).map((i) => [i.domain!, i.agent]))('domain %s is %s; look-alike domains are not', (domain, agent) => {
    expect(identityOf(person('x', `anything@${domain}`))?.agent).toBe(agent);
    expect(identityOf(person('x', `anything@${domain}.evil.io`))).toBeUndefined();
    expect(identityOf(person('x', `anything@not${domain}`))).toBeUndefined();
  });
  it.each(REGISTRY.githubBots.flatMap((b) => (b.logins ?? []).map((l) => [b.id!, l, b.agent] as const)))('noreply %i+%s is %s; wrong id or login is not', (id, login, agent) => {
    expect(identityOf(person('x', `${id}+${login}@users.noreply.github.com`))?.agent).toBe(agent);
    expect(identityOf(person('x', `${id + 1}+${login}@users.noreply.github.com`))).toBeUndefined();
    expect(identityOf(person('x', `${id}+${login}x@users.noreply.github.com`))).toBeUndefined();
    expect(identityOf(person('x', `${id}+${login}@users.noreply.github.com.evil.io`))).toBeUndefined();
    expect(identityOf(person(login, `${login.replace('[bot]', '')}@example.com`))).toBeUndefined();
  });
  it.each(REGISTRY.declarationKeys.map((k) => [k.key]))('declaration key %s; longer or shorter keys are not', (key) => {
    expect(declarationKey(key)?.key).toBe(key);
    expect(declarationKey(key.toUpperCase())?.key).toBe(key);
    expect(declarationKey(`${key}s`)).toBeUndefined();
    expect(declarationKey(key.slice(0, -1))).toBeUndefined();
  });
  it.each(REGISTRY.stampKeys.filter((s) => s.prefix !== true).map((s) => [s.key, s.values?.[0] ?? 'https://example.com/session/1']))('stamp key %s; empty values and look-alike keys are not', (key, value) => {
    expect(stampKey(key, value)).toBeDefined();
    expect(stampKey(key.toLowerCase(), value)).toBeDefined();
    expect(stampKey(key, '   ')).toBeUndefined();
    expect(stampKey(`X-${key}`, value)).toBeUndefined();
  });
  it.each(REGISTRY.footers.map((f) => [f.text, f.agent]))('footer %j is %s; a cut footer is not', (text, agent) => {
    expect(footersIn(`Body\n\n${text.toUpperCase()}(https://example.com)\n`).map((f) => f.agent)).toContain(agent);
    expect(footersIn(`Body\n\n${text.slice(0, -2)}\n`).filter((f) => f.text === text)).toEqual([]);
  });
  it.each(REGISTRY.branchPrefixes.map((b) => [b.prefix, b.agent]))('branch prefix %s is %s; the bare prefix and infixes are not', (prefix, agent) => {
    expect(branchPrefix(`${prefix}fix-bug`)?.agent).toBe(agent);
    expect(branchPrefix(prefix)).toBeUndefined();
    expect(branchPrefix(`feature/${prefix}fix`)).toBeUndefined();
  });
});

