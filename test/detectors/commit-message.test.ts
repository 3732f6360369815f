import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MESSAGE_MODEL,
  describeMessage,
  messageFeatures,
  messageLogit,
  MESSAGE_FEATURE_IDS,
  PHRASES,
  scoreMessage,
  stampMarkersFrom,
  stripStamps,
  type MessageModel,
} from '../../detectors/commit-message.js';
import { REGISTRY } from '../../src/attest/registry.js';
import { commitEvidence } from '../../src/attest/commit-evidence.js';
import { AGENT_STYLE_MESSAGE } from '../support/commit-messages.js';

const markers = stampMarkersFrom(REGISTRY);

const AGENT_STYLE = [
  'Add retry with exponential backoff to the webhook client',
  '',
  '## Summary',
  '- Wrap `sendWebhook` in `retry()` so transient 5xx responses are retried',
  '- Add `src/lib/retry.ts` with jittered exponential backoff',
  '- Cap the total delay at 30 seconds',
  '',
  '## Changes',
  '- `src/webhooks/client.ts`: call the new helper',
  '- `src/lib/retry.ts`: new module',
  '',
  '## Test plan',
  '- [x] `npm test -- test/webhooks/client.test.ts`',
  '- [x] Manually triggered a 503 from the mock server',
].join('\n');


const TERSE = 'fix typo';
const HUMAN_PLAIN = 'Fix off-by-one in pagination\n\nThe last page was dropped when the total was a multiple of the page size.';

function commitWith(message: string) {
  const person = { name: 'Ada', email: 'ada@example.com' };
  return { sha: 'a'.repeat(40), parents: [], author: person, committer: person, authorDate: '2026-01-01T00:00:00Z', message };
}

describe('stripStamps', () => {
  const base = 'Fix the parser\n\nHandle empty input without throwing.';

  it('removes every footer of the registry, and the message then scores like the unstamped one', () => {
    expect(REGISTRY.footers.length).toBeGreaterThan(0);
    for (const f of REGISTRY.footers) {
      for (const line of [`🤖 ${f.text}`, f.text.toUpperCase(), `Some text https://${f.text}123 more`]) {
        const stamped = `${base}\n\n${line}\n`;
        // The test is only meaningful where the registry itself sees a stamp.
        if (commitEvidence(commitWith(stamped)).length === 0) continue;
        expect(stripStamps(stamped, markers)).toBe(base);
        expect(scoreMessage(stamped, markers).llr).toBe(scoreMessage(base, markers).llr);
      }
    }
  });

  it('removes the real Claude Code footer and co-author trailer', () => {
    const stamped = `${base}\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n`;
    expect(commitEvidence(commitWith(stamped)).some((e) => e.says === 'ai')).toBe(true);
    expect(stripStamps(stamped, markers)).toBe(base);
    expect(scoreMessage(stamped, markers)).toEqual(scoreMessage(base, markers));
  });

  it('removes every declaration key, stamp key and AI identity the registry knows', () => {
    const lines: string[] = [];
    for (const k of REGISTRY.declarationKeys) lines.push(`${k.key}: Claude:claude-opus-4-5`, `${k.key.toUpperCase()}: yes`);
    for (const k of REGISTRY.stampKeys) lines.push(`${k.prefix === true ? `${k.key}Transcript` : k.key}: ${k.values?.[0] ?? 'https://example.com/session/1'}`);
    for (const i of REGISTRY.identities) {
      const email = i.email ?? `bot@${i.domain ?? 'x'}`;
      lines.push(`Co-authored-by: Some Tool <${email}>`, `Signed-off-by: Some Tool <${email}>`);
    }
    lines.push('Co-authored-by: Copilot <198982749+Copilot@users.noreply.github.com>');
    for (const line of lines) {
      const stamped = `${base}\n\n${line}`;
      expect(commitEvidence(commitWith(stamped)).some((e) => e.says === 'ai' || e.says === 'human'), line).toBe(true);
      expect(stripStamps(stamped, markers), line).toBe(base);
      expect(scoreMessage(stamped, markers).llr, line).toBe(scoreMessage(base, markers).llr);
    }
    // All of them at once, after a body paragraph.
    expect(stripStamps(`${base}\n\n${lines.join('\n')}\n`, markers)).toBe(base);
  });

  it('removes the aider subject prefix, session links and agent names, and keeps other trailers', () => {
    expect(stripStamps(`${REGISTRY.aider.subjectPrefix}Fix the parser`, markers)).toBe('Fix the parser');
    expect(stripStamps('Fix it\n\nDevin session: https://app.devin.ai/sessions/abc', markers)).toBe('Fix it');
    expect(stripStamps('Fix it\n\nSee https://chatgpt.com/codex/tasks/task_e_1', markers)).toBe('Fix it');
    expect(stripStamps('Ask Claude Code to fix the parser', markers)).toBe('Ask to fix the parser');
    expect(stripStamps('Fix it\n\nSigned-off-by: Ada <ada@example.com>', markers)).toBe('Fix it\n\nSigned-off-by: Ada <ada@example.com>');
    // Ordinary words that are also agent aliases stay.
    expect(stripStamps('Continue when the cursor is at the end', markers)).toBe('Continue when the cursor is at the end');
  });

  it('reads CRLF as LF and bounds the work on huge messages', () => {
    expect(stripStamps('Fix it\r\n\r\nBody.\r\n', markers)).toBe('Fix it\n\nBody.');
    const huge = `Subject\n\n${'x'.repeat(200_000)}`;
    expect(stripStamps(huge, markers).length).toBeLessThanOrEqual(65_536);
  });
});

describe('messageFeatures', () => {
  it('measures the structure of an agent-style message', () => {
    const f = messageFeatures(AGENT_STYLE);
    expect(f.lines).toBeCloseTo(Math.log1p(11));
    expect(f.headings).toBeCloseTo(Math.log1p(3));
    expect(f.sections).toBeCloseTo(Math.log1p(3));
    expect(f.bullets).toBeCloseTo(Math.log1p(7));
    expect(f['bullet-share']).toBeCloseTo(7 / 10);
    expect(f['code-spans']).toBeCloseTo(Math.log1p(6));
    expect(f['file-paths']).toBeGreaterThanOrEqual(Math.log1p(3));
    expect(f.conventional).toBe(0);
    expect(f['empty-body']).toBe(0);
    expect(f.paragraphs).toBeCloseTo(Math.log1p(4));
  });

  it('measures a terse conventional subject', () => {
    const f = messageFeatures('feat(api): add users endpoint (#123)');
    expect(f.conventional).toBe(1);
    expect(f['pr-number']).toBe(1);
    expect(f['empty-body']).toBe(1);
    expect(f.bullets).toBe(0);
    expect(f['subject-lowercase']).toBe(1);
    expect(f.lines).toBeCloseTo(Math.log1p(1));
  });

  it('sees wrapping, trailing periods, emoji and bold text', () => {
    const f = messageFeatures('Fix the parser.\n\nFirst line of a wrapped body\nsecond line of the wrapped body\n\n✨ **Bold** note');
    expect(f['subject-period']).toBe(1);
    expect(f['wrapped-72']).toBe(1);
    expect(f.emoji).toBe(1);
    expect(f.bold).toBe(1);
    expect(messageFeatures(`Fix\n\n${'word '.repeat(30)}\nmore`)['long-lines']).toBeCloseTo(1 / 2);
  });

  it('counts checkboxes, non-stamp trailers and a code span in the subject', () => {
    const f = messageFeatures('Fix `parse()` on empty input\n\n- [x] tests\n- [ ] docs\n\nSigned-off-by: Ada <ada@example.com>\nReviewed-by: Bo <bo@example.com>\nFixes: #12');
    expect(f.checkboxes).toBeCloseTo(Math.log1p(2));
    expect(f['trailers-left']).toBeCloseTo(Math.log1p(3));
    expect(f['subject-code']).toBe(1);
    expect(f['body-starts-bullet']).toBe(1);
    expect(f['lines-3']).toBe(1);
    expect(f['subject-50']).toBe(0);
  });

  it('finds each phrase, and no phrase in a message without one', () => {
    // Every phrase feature is listed once, after the structural ones.
    expect(PHRASES.map((p) => p.id)).toEqual(MESSAGE_FEATURE_IDS.slice(-PHRASES.length));
    const f = messageFeatures([
      'Use the cache instead of refetching — ensures a robust, comprehensive fix',
      '',
      'Parsing now streamlines the path: old → new. This change adds support for tabs,',
      'enhances errors and improves logs; I checked it properly and addressed the review comments.',
      'It’s done.',
    ].join('\n'));
    for (const p of PHRASES) expect([p.id, f[p.id]]).toEqual([p.id, 1]);
    const none = messageFeatures(HUMAN_PLAIN);
    for (const p of PHRASES) expect([p.id, none[p.id]]).toEqual([p.id, 0]);
    // Words that only contain a phrase do not count.
    const near = messageFeatures('Fix snowfall and insurers\n\nknown improvisation, mine');
    expect([near.now, near.ensure, near.improve, near['first-person']]).toEqual([0, 0, 0, 0]);
  });

  it('names a phrase as a reason only when the model weighs it toward an agent', () => {
    const text = 'Use the cache instead of refetching — I checked it';
    const model: MessageModel = { id: 't', version: '1', bias: 0, weights: { 'instead-of': 0.5, 'em-dash': 0.2, 'first-person': -0.7 }, threshold: 1 };
    expect(describeMessage(text, model)).toBe('1 line, an em dash, "instead of"');
    expect(describeMessage(text, { ...model, weights: {} })).toBe('1 line');
  });

  it('describes a message in words a reader can check', () => {
    expect(describeMessage(AGENT_STYLE)).toBe('11 lines, 7 bullet points, sections "Summary", "Changes", "Test plan", 6 code spans, 4 file paths');
    expect(describeMessage(TERSE)).toBe('1 line');
  });
});

describe('the shipped commit-message model', () => {
  it('was trained (weights, an operating point and held-out figures)', () => {
    expect(Object.keys(DEFAULT_MESSAGE_MODEL.weights).length).toBeGreaterThan(5);
    expect(Number.isFinite(DEFAULT_MESSAGE_MODEL.threshold)).toBe(true);
    expect(DEFAULT_MESSAGE_MODEL.version).not.toMatch(/untrained/);
  });

  it('orders an agent-style message above plain and terse human ones', () => {
    const agent = scoreMessage(AGENT_STYLE_MESSAGE, markers);
    const plain = scoreMessage(HUMAN_PLAIN, markers);
    const terse = scoreMessage(TERSE, markers);
    expect(agent.llr).toBeGreaterThan(plain.llr);
    expect(agent.llr).toBeGreaterThan(terse.llr);
    expect(agent.agentLike).toBe(true);
    expect(plain.agentLike).toBe(false);
    expect(terse.agentLike).toBe(false);
  });

  it('scores as the logistic model over the features says', () => {
    const model: MessageModel = { id: 't', version: '1', bias: -1, weights: { bullets: 2, sections: 1 }, threshold: 0.5 };
    const f = messageFeatures(AGENT_STYLE);
    expect(messageLogit(f, model)).toBeCloseTo(-1 + 2 * Math.log1p(7) + Math.log1p(3));
    expect(scoreMessage(TERSE, markers, model)).toMatchObject({ llr: -1, agentLike: false });
  });
});
