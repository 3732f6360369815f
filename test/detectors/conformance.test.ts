// One conformance suite run against every detector (STYLE.md rule 9).

import { describe, expect, it } from 'vitest';
import { hunkContext } from '../../detectors/context.js';
import type { Detector, DetectorContext } from '../../detectors/detector.js';
import { FEATURE_DETECTORS, DETECTORS_VERSION } from '../../detectors/registry.js';
import { parseSource } from '../../detectors/parse.js';
import { splitLines } from '../../detectors/line-facts.js';
import { contextOf } from './fixture.js';

const AI_SAMPLE = `/**
 * Fetches the user profile.
 * @param {string} userId - The user id.
 * @returns {Promise<User>} The user.
 */
export async function fetchUserProfile(userId: string): Promise<User> {
  // Step 1: Validate the input
  if (typeof userId !== 'string') {
    throw new TypeError('userId must be a string');
  }
  try {
    // Fetch the user
    const user = await api.fetchUser(userId); // fetch user ✅
    return user;
  } catch (error) {
    console.error('Failed:', error instanceof Error ? error.message : String(error));
    throw error;
  }
}
// ... rest of the code remains the same
\`\`\`
Here's the updated code with the changes applied.
`;

const HUMAN_SAMPLE = `function f(a,b){
  // TODO: fix this hack, wtf
  // return old(a)
  var x=a+b;if(x>3)x=3
  return x
}
`;

function generated(lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(i % 7 === 0 ? `// step ${i}: compute value ${i}` : `const value${i} = compute(${i}); // set value`);
  return out.join('\n');
}

function cases(): [string, () => DetectorContext][] {
  return [
    ['empty hunk', () => hunkContext({ path: 'a.ts', language: 'typescript', lines: splitLines(AI_SAMPLE) }, 3, 2, { added: [] })],
    ['empty file', () => contextOf('', { start: 1, end: 0 })],
    ['one-line hunk', () => contextOf(AI_SAMPLE, { start: 13, end: 13 })],
    ['AI-looking hunk', () => contextOf(AI_SAMPLE)],
    ['human-looking hunk', () => contextOf(HUMAN_SAMPLE, undefined, 'javascript')],
    ['5,000-line hunk', () => contextOf(generated(5000))],
    ['hunk inside a 5,000-line file', () => contextOf(generated(5000), { start: 2400, end: 2450 })],
    ['binary-looking text', () => contextOf('\u0000\u0001\u0002\u0003PK\u0003\u0004\u00ff\u00fe\n'.repeat(200), undefined, 'javascript')],
    ['U+FFFD text', () => contextOf('const s = "\uFFFD\uFFFD";\n// \uFFFD\uFFFD\uFFFD comment\n\uFFFD\uFFFD\uFFFD\n'.repeat(50))],
    ['CRLF file', () => contextOf(AI_SAMPLE.replace(/\n/g, '\r\n'))],
    ['file that fails to parse', () => contextOf('function ( {{{\n  here is prose, not code at all\n)))) => => =>\n/* open comment\n'.repeat(30))],
    ['unknown language', () => contextOf('# heading\n\nsome text // not a comment\n', undefined, 'unknown')],
    ['huge single line', () => contextOf(`const a = [${'1, '.repeat(200_000)}];`)],
    ['unterminated template and string', () => contextOf('const a = `open\n${ {\n"also open\n\'and this')],
    ['head text missing', () => hunkContext({ path: 'a.ts', language: 'typescript', lines: [] }, 5, 7, { added: [{ line: 5, text: '// Step 1: do it' }, { line: 6, text: 'doIt();' }, { line: 7, text: '// TODO later' }] })],
    [
      'head text disagrees with the diff',
      () => {
        const parsed = parseSource(AI_SAMPLE, 'typescript')!;
        return hunkContext({ path: 'a.ts', language: 'typescript', lines: parsed.lines, parsed }, 2, 3, { added: [{ line: 2, text: 'other();' }, { line: 3, text: '// Now we do it' }] });
      },
    ],
    ['added lines past the end of the file', () => hunkContext({ path: 'a.ts', language: 'typescript', lines: ['a();'] }, 1, 3, { added: [{ line: 1, text: 'a();' }, { line: 3, text: 'b();' }] })],
  ];
}

function checkFeatures(detector: Detector, ctx: DetectorContext): void {
  const features = detector.detect(ctx);
  const declared = new Set(detector.features.map((f) => f.id));
  const ids = features.map((f) => f.id);
  expect(ids).toEqual([...ids].sort());
  expect(new Set(ids).size).toBe(ids.length);
  const added = new Set(ctx.hunk.added.map((a) => a.line));
  for (const f of features) {
    expect(f.id.startsWith(`${detector.id}/`)).toBe(true);
    expect(declared.has(f.id)).toBe(true);
    expect(Number.isFinite(f.value)).toBe(true);
    expect(f.value).toBeGreaterThan(0);
    expect(f.value).toBeLessThanOrEqual(1);
    if (f.line !== undefined) {
      expect(Number.isInteger(f.line)).toBe(true);
      expect(f.line).toBeGreaterThanOrEqual(ctx.hunk.startLine);
      expect(f.line).toBeLessThanOrEqual(ctx.hunk.endLine);
      expect(added.has(f.line)).toBe(true);
    }
    expect(f.detail.length).toBeGreaterThan(0);
    expect(f.detail.length).toBeLessThan(300);
    expect([...f.detail].some((ch) => ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127)).toBe(false);
  }
  // Deterministic: the same context and a freshly built equal context give the same features.
  expect(detector.detect(ctx)).toEqual(features);
}

describe('detector set', () => {
  it('has unique kebab-case ids, semver versions and declared feature ids', () => {
    expect(DETECTORS_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    const ids = FEATURE_DETECTORS.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    const featureIds = FEATURE_DETECTORS.flatMap((d) => d.features.map((f) => f.id));
    expect(new Set(featureIds).size).toBe(featureIds.length);
    for (const d of FEATURE_DETECTORS) {
      expect(d.id).toMatch(/^[a-z]+(?:-[a-z]+)*$/);
      expect(d.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(d.features.length).toBeGreaterThan(0);
      for (const f of d.features) {
        expect(f.id).toMatch(new RegExp(`^${d.id}/[a-z]+(?:-[a-z]+)*$`));
        expect(['ai', 'human']).toContain(f.direction);
        expect(f.description.length).toBeGreaterThan(0);
      }
    }
  });
});

describe.each(FEATURE_DETECTORS.map((d) => [d.id, d] as const))('detector %s conforms', (_id, detector) => {
  it.each(cases())('%s', (_name, make) => {
    checkFeatures(detector, make());
    expect(detector.detect(make())).toEqual(detector.detect(make()));
  });
});

describe('the detector set fires where it should', () => {
  it('reports something on the AI-looking sample and human markers on the human one', () => {
    const ai = contextOf(AI_SAMPLE);
    const aiIds = FEATURE_DETECTORS.flatMap((d) => d.detect(ai).map((f) => f.id));
    expect(aiIds).toEqual(expect.arrayContaining(['assistant-text/chat-phrase', 'assistant-text/code-fence', 'assistant-text/placeholder', 'narration/step-comment', 'defensive/log-rethrow']));
    const human = contextOf(HUMAN_SAMPLE, undefined, 'javascript');
    const humanIds = FEATURE_DETECTORS.flatMap((d) => d.detect(human).map((f) => f.id));
    expect(humanIds).toEqual(expect.arrayContaining(['human-markers/todo', 'human-markers/commented-out-code', 'human-markers/informal']));
  });
});
