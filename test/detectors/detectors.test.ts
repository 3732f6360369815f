// Table tests per detector: positive examples fire, terse human edits stay quiet.

import { describe, expect, it } from 'vitest';
import type { Language } from '../../src/core/types.js';
import type { Detector } from '../../detectors/detector.js';
import { assistantText } from '../../detectors/assistant-text.js';
import { commentDensity } from '../../detectors/comment-density.js';
import { consistency } from '../../detectors/consistency.js';
import { defensive } from '../../detectors/defensive.js';
import { humanMarkers } from '../../detectors/human-markers.js';
import { hunkShape } from '../../detectors/hunk-shape.js';
import { jsdoc } from '../../detectors/jsdoc.js';
import { lexical } from '../../detectors/lexical.js';
import { narration } from '../../detectors/narration.js';
import { restatingComment, restates } from '../../detectors/restating-comment.js';
import { FEATURE_DETECTORS } from '../../detectors/registry.js';
import { nameShape, NameShape } from '../../detectors/identifiers.js';
import { appendedContext, contextOf } from './fixture.js';

function ids(detector: Detector, text: string, language: Language = 'typescript'): string[] {
  return detector.detect(contextOf(text, undefined, language)).map((f) => f.id);
}

function feature(detector: Detector, text: string, id: string) {
  return detector.detect(contextOf(text)).find((f) => f.id === id);
}

/** A terse human edit: must not fire any AI-direction feature. */
const TERSE_HUMAN = `if (!res.ok) return cb(res.status)
n += chunk.length
`;

describe('no AI-direction feature fires on a terse human edit', () => {
  it.each(FEATURE_DETECTORS.map((d) => [d.id, d] as const))('%s', (_id, detector) => {
    const aiDirection = new Set(detector.features.filter((f) => f.direction === 'ai').map((f) => f.id));
    const fired = detector.detect(contextOf(TERSE_HUMAN, undefined, 'javascript')).filter((f) => aiDirection.has(f.id) && f.id !== 'hunk-shape/size');
    expect(fired).toEqual([]);
  });
});

describe('assistant-text', () => {
  it.each([
    ["// Here's the updated function with error handling\nfoo();", 'assistant-text/chat-phrase'],
    ["// I've added validation for the input\nfoo();", 'assistant-text/chat-phrase'],
    ['// Certainly! This handles the edge case.\nfoo();', 'assistant-text/chat-phrase'],
    ['foo();\nHere is the complete implementation of the module:', 'assistant-text/chat-phrase'],
    ['```typescript\nfoo();\n```', 'assistant-text/code-fence'],
    ['foo();\n// ... rest of the code remains the same', 'assistant-text/placeholder'],
    ['// ... existing code ...\nfoo();', 'assistant-text/placeholder'],
    ['/* your implementation here */\nfoo();', 'assistant-text/placeholder'],
  ])('fires on %j', (text, id) => {
    expect(ids(assistantText, text)).toContain(id);
  });

  it.each([
    ['const msg = "Here is the updated list";'],
    ['// here we go again\nfoo();'],
    ['const md = `\\`\\`\\`ts\\ncode\\n\\`\\`\\``;'],
    ['// Rest of the arguments are forwarded\nfoo(...rest);'],
    ["// I've no idea why this works\nfoo();"],
  ])('stays quiet on %j', (text) => {
    expect(ids(assistantText, text)).toEqual([]);
  });

  it('points at the first phrase and quotes it in the detail', () => {
    const f = feature(assistantText, "foo();\n// Here's the updated code\nbar();", 'assistant-text/chat-phrase')!;
    expect(f.line).toBe(2);
    expect(f.detail).toContain("Here's the updated code");
  });
});

describe('narration', () => {
  it.each([
    ['// Step 1: Parse the input\nparse();', 'narration/step-comment'],
    ['// First, we load the config\nload();', 'narration/step-comment'],
    ['// Now we compute the total\ntotal();', 'narration/step-comment'],
    ["// Let's normalise the path\nnorm();", 'narration/step-comment'],
    ['// 2. Validate the result\ncheck();', 'narration/step-comment'],
    ['// Provides a comprehensive and robust parser\nparse();', 'narration/stock-vocabulary'],
  ])('fires on %j', (text, id) => {
    expect(ids(narration, text)).toContain(id);
  });

  it.each([['// now() is monotonic here\nnow();'], ['// parse step by step\nparse();'], ['// 2 retries max\nretry();']])('stays quiet on %j', (text) => {
    expect(ids(narration, text)).toEqual([]);
  });

  it('reports comments walking through the code in imperatives', () => {
    const text = '// Initialize the pointers\nlet lo = 0;\n// Check if the list is empty\nif (!xs.length) return;\n// Loop through each item\nfor (const x of xs) use(x);';
    const f = feature(narration, text, 'narration/imperative-walkthrough')!;
    expect(f.value).toBeCloseTo(0.75, 5);
    expect(f.line).toBe(1);
    expect(ids(narration, '// Initialize the pointers\nlet lo = 0;')).toEqual([]);
    expect(ids(narration, '// check the cache first\nget();\n// loop until drained\nrun();')).toEqual([]);
  });

  it('reports comments written as full sentences, not terse notes', () => {
    const text = '// Read the config from the environment\nload();\n// Keep a copy of the defaults for reset\ncopy();\n// terse note\nrun();';
    const f = feature(narration, text, 'narration/sentence-comments')!;
    expect(f.detail).toBe('2 of 3 comments are full sentences explaining the code');
    expect(ids(narration, '// read config\nload();\n// keep defaults\ncopy();')).toEqual([]);
  });

  it('saturates with the number of step comments', () => {
    const one = feature(narration, '// Step 1: a\na();\nb();', 'narration/step-comment')!;
    const three = feature(narration, '// Step 1: a\na();\n// Step 2: b\nb();\n// Step 3: c\nc();', 'narration/step-comment')!;
    expect(three.value).toBeGreaterThan(one.value);
    expect(three.value).toBe(1);
  });
});

describe('comment-density', () => {
  const dense = Array.from({ length: 12 }, (_, i) => `// Compute the value number ${i}\nconst v${i} = compute(${i});`).join('\n');
  it('measures the comment share of a long enough hunk', () => {
    const f = feature(commentDensity, dense, 'comment-density/density')!;
    expect(f.value).toBeCloseTo(0.5, 5);
  });

  it('does not trust a tiny hunk', () => {
    expect(ids(commentDensity, '// note\na();')).not.toContain('comment-density/density');
  });

  it('reports own-line comments between statements, not JSDoc', () => {
    const narrated = Array.from({ length: 12 }, (_, i) => `// Compute value ${i}\nconst v${i} = compute(${i});`).join('\n');
    expect(feature(commentDensity, narrated, 'comment-density/inline')!.value).toBe(1);
    const documented = Array.from({ length: 12 }, (_, i) => `/** Value ${i}. */\nexport const v${i} = compute(${i});`).join('\n');
    expect(ids(commentDensity, documented)).not.toContain('comment-density/inline');
  });

  it('reports trailing comments', () => {
    const text = Array.from({ length: 12 }, (_, i) => `const v${i} = compute(${i}); // value ${i}`).join('\n');
    expect(feature(commentDensity, text, 'comment-density/trailing')!.value).toBe(1);
  });
});

describe('restating-comment', () => {
  it.each([
    ['increment counter', 'counter++;'],
    ['Return the result', 'return result;'],
    ['Fetch user data', 'const userData = await fetchUser(id);'],
    ['Initialize the items array', 'const items = [];'],
    ['Log the error', "console.error('failed', error);"],
  ])('%j restates %j', (comment, code) => {
    expect(restates(comment, code)).toBe(true);
  });

  it.each([
    ['retry: the upstream drops the first request after idle', 'await send(req);'],
    ['counter', 'counter++;'],
    ['keep in sync with server/limits.go', 'const MAX = 50;'],
    ['"nonce too low"', 'if (message.match(/nonce too low/)) {'],
  ])('%j does not restate %j', (comment, code) => {
    expect(restates(comment, code)).toBe(false);
  });

  it('finds the comment above the code and the trailing comment', () => {
    const f = feature(restatingComment, '// Increment the counter\ncounter++;\ntotal += 1; // add to total', 'restating-comment/restates-code')!;
    expect(f.line).toBe(1);
    expect(f.detail).toContain('2 comments restate the code');
    expect(f.detail).toContain('`// Increment the counter` above `counter++;`');
  });
});

describe('jsdoc', () => {
  const doc = (name: string, body: string) => `/**\n * Does ${name}.\n * @param {string} a - The a.\n * @returns {string} The result.\n */\nexport function ${name}(a: string): string {\n${body}\n}`;
  it('fires on uniform, trivial and typed JSDoc', () => {
    const text = [doc('one', '  return a;'), doc('two', '  return a + a;'), doc('three', '  const b = a.trim();\n  const c = b + a;\n  return c;')].join('\n');
    const out = jsdoc.detect(contextOf(text));
    expect(out.map((f) => f.id)).toEqual(['jsdoc/trivial', 'jsdoc/typed-in-ts', 'jsdoc/uniform']);
    expect(out.find((f) => f.id === 'jsdoc/uniform')!.value).toBeCloseTo(0.75, 5);
  });

  it('does not report typed JSDoc in JavaScript, where it is the only type information', () => {
    const text = `/**\n * @param {string} a\n * @returns {string}\n */\nfunction one(a) { return a; }\n/**\n * @param {string} a\n * @returns {string}\n */\nfunction two(a) { return a; }`;
    expect(ids(jsdoc, text, 'javascript')).not.toContain('jsdoc/typed-in-ts');
  });

  it('stays quiet where the rest of the file documents its functions the same way', () => {
    const existing = Array.from({ length: 12 }, (_, i) => `/**\n * Old ${i}.\n * @param a input\n */\nexport function old${i}(a: string): string {\n  return a;\n}`).join('\n');
    const added = [doc('one', '  return a;'), doc('two', '  return a + a;')].join('\n');
    expect(jsdoc.detect(appendedContext(existing, added))).toEqual([]);
    const plain = Array.from({ length: 12 }, (_, i) => `export function old${i}(a: string): string {\n  const b = a.trim();\n  return b;\n}`).join('\n');
    expect(jsdoc.detect(appendedContext(plain, added)).map((f) => f.id)).toContain('jsdoc/uniform');
  });

  it('stays quiet on an untagged summary line and on a single documented function', () => {
    expect(ids(jsdoc, '/** Adds. */\nfunction add(a: number, b: number) { return a + b; }\n/** Subtracts. */\nfunction sub(a: number, b: number) { return a - b; }')).toEqual([]);
    expect(ids(jsdoc, '/**\n * @param a x\n */\nfunction add(a: number) {\n  const b = a * 2;\n  log(b);\n  return b;\n}')).toEqual([]);
  });
});

describe('defensive', () => {
  it('finds log-and-rethrow, the error idiom and throwing input guards', () => {
    const text = `export function parse(input: unknown, name: string) {
  if (typeof input !== 'string') {
    throw new TypeError('input must be a string');
  }
  if (!name) {
    throw new Error('name is required');
  }
  try {
    return JSON.parse(input);
  } catch (error) {
    console.error('Failed to parse:', error instanceof Error ? error.message : String(error));
    throw error;
  }
}`;
    expect(ids(defensive, text)).toEqual(['defensive/error-idiom', 'defensive/input-guards', 'defensive/log-rethrow']);
  });

  it('finds log-and-swallow', () => {
    expect(ids(defensive, 'try {\n  return load();\n} catch (e) {\n  console.error(e);\n  return null;\n}')).toEqual(['defensive/log-swallow']);
  });

  it('stays quiet on a plain rethrow with context and on a single guard', () => {
    expect(ids(defensive, 'try {\n  load();\n} catch (err) {\n  throw new LoadError("load failed", { cause: err });\n}\nif (!x) throw new Error("no x");')).toEqual([]);
  });
});

describe('lexical', () => {
  it('scores long descriptive names above terse ones', () => {
    const verbose = Array.from({ length: 10 }, (_, i) => `const processedUserAccountData${i} = transformIncomingRequestPayload(rawRequestBody${i});`).join('\n');
    const terse = Array.from({ length: 10 }, (_, i) => `const d${i} = tx(rb${i});`).join('\n');
    const v = lexical.detect(contextOf(verbose));
    const t = lexical.detect(contextOf(terse));
    const value = (fs: typeof v, id: string) => fs.find((f) => f.id === id)?.value ?? 0;
    expect(value(v, 'lexical/identifier-length')).toBeGreaterThan(0.9);
    expect(value(t, 'lexical/identifier-length')).toBe(0);
    expect(value(v, 'lexical/descriptive-names')).toBeGreaterThan(0.9);
    expect(value(t, 'lexical/descriptive-names')).toBe(0);
  });

  it('reports emoji', () => {
    expect(ids(lexical, "console.log('✅ Done');")).toEqual(['lexical/emoji']);
  });
});

describe('hunk-shape', () => {
  it('reports complete units added at once', () => {
    const text = 'export function a(x: number) {\n  const y = x + 1;\n  const z = y * 2;\n  log(z);\n  return z;\n}';
    const f = feature(hunkShape, text, 'hunk-shape/whole-units')!;
    expect(f.value).toBeGreaterThan(0);
    expect(f.detail).toContain('function a');
  });

  it('does not report whole units for a line inside an existing function', () => {
    const text = 'export function a(x: number) {\n  const y = x + 1;\n  const z = y * 2;\n  return z;\n}';
    expect(hunkShape.detect(contextOf(text, { start: 3, end: 3 })).map((f) => f.id)).toEqual(['hunk-shape/size']);
  });
});

describe('consistency', () => {
  const existing = Array.from({ length: 40 }, (_, i) => `function f${i}(a) {\n  return g(a, "k${i}")\n}`).join('\n');
  const aiStyle = Array.from({ length: 8 }, (_, i) => `// Compute the normalized value for item ${i}\nconst normalizedValue${i} = computeNormalizedValue('item${i}');`).join('\n');

  it('flags a hunk unlike the rest of its file', () => {
    const found = consistency.detect(appendedContext(existing, aiStyle, 'javascript')).map((f) => f.id);
    expect(found).toEqual(expect.arrayContaining(['consistency/quote-style', 'consistency/semicolons', 'consistency/comment-excess', 'consistency/identifier-excess']));
  });

  it('stays quiet on a hunk that matches its file', () => {
    const matching = Array.from({ length: 8 }, (_, i) => `function h${i}(a) {\n  return g(a, "h${i}")\n}`).join('\n');
    expect(consistency.detect(appendedContext(existing, matching, 'javascript'))).toEqual([]);
  });

  it('stays quiet without enough unchanged code to define a habit', () => {
    expect(consistency.detect(appendedContext('const a = "x"\n', aiStyle, 'javascript'))).toEqual([]);
  });

  it('flags JSDoc added to a file without a documentation habit, not to one with it', () => {
    const block = '/**\n * Returns the id.\n * @returns the id\n */\nexport function id(): string {\n  return current;\n}\n';
    expect(consistency.detect(appendedContext(existing, block, 'javascript')).map((f) => f.id)).toContain('consistency/jsdoc-excess');
    const documented = Array.from({ length: 40 }, (_, i) => `/** F${i}. */\nfunction f${i}(a) {\n  return g(a, "k${i}")\n}`).join('\n');
    expect(consistency.detect(appendedContext(documented, block, 'javascript')).map((f) => f.id)).not.toContain('consistency/jsdoc-excess');
  });

  it('does not count lines added elsewhere in the file as baseline', () => {
    const ctx = appendedContext(existing, aiStyle, 'javascript');
    const everything = new Set(Array.from({ length: ctx.file.lines.length }, (_, i) => i + 1));
    expect(consistency.detect({ ...ctx, addedLines: everything })).toEqual([]);
  });
});

describe('human-markers', () => {
  it.each([
    ['// TODO: handle retries\nsend();', 'human-markers/todo'],
    ['// FIXME broken on windows\nsend();', 'human-markers/todo'],
    ['// const old = legacy(x);\nsend();', 'human-markers/commented-out-code'],
    ['// ugh, this api is dumb\nsend();', 'human-markers/informal'],
    ['// retry once, server flakes\nsend();', 'human-markers/lowercase-comments'],
  ])('fires on %j', (text, id) => {
    expect(ids(humanMarkers, text)).toContain(id);
  });

  it('stays quiet on a plain sentence comment', () => {
    expect(ids(humanMarkers, '// Retries once because the server drops idle connections.\nsend();')).toEqual([]);
  });

  it('reports terse names', () => {
    const text = Array.from({ length: 10 }, (_, i) => `const q${i} = pv(rb, qq);`).join('\n');
    expect(ids(humanMarkers, text)).toContain('human-markers/terse-names');
  });
});

describe('name shapes', () => {
  it.each([
    ['fetchUserProfile', NameShape.Descriptive | NameShape.Camel],
    ['_updateAudioSampleReceivedCallback', NameShape.Descriptive | NameShape.Camel],
    ['max_retry_count', NameShape.Descriptive | NameShape.Snake],
    ['MAX_RETRY_COUNT', NameShape.Descriptive],
    ['q', NameShape.Terse],
    ['i', 0],
    ['value', 0],
  ])('%s', (name, shape) => {
    expect(nameShape(name)).toBe(shape);
  });
});
