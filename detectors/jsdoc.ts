// Uniform JSDoc: every added function gets the same @param/@returns block, trivial ones
// included, and in TypeScript the block repeats the types the signature already states.

import type { Feature } from '../src/core/types.js';
import type { Detector, DetectorContext } from './detector.js';
import { finish, saturate, support } from './feature.js';
import { hunkView } from './hunk-view.js';
import type { CommentBlock } from './line-facts.js';
import { functionShape } from './units.js';
import { JSDOC_HABIT, MIN_BASELINE_LINES } from './consistency.js';

const ID = 'jsdoc';

const TAGGED = /@(?:param|returns?|throws|example)\b/;
const TYPED_TAG = /@(?:param|returns?|type)\s*\{/;

export const jsdoc: Detector = {
  id: ID,
  version: '1.0.0',
  features: [
    { id: `${ID}/uniform`, direction: 'ai', description: 'share of added functions carrying a tagged JSDoc block, from 2 functions on' },
    { id: `${ID}/trivial`, direction: 'ai', description: 'tagged JSDoc blocks on one-statement functions' },
    { id: `${ID}/typed-in-ts`, direction: 'ai', description: 'JSDoc {types} repeating the TypeScript signature' },
  ],
  detect(ctx: DetectorContext): Feature[] {
    const view = hunkView(ctx);
    const { facts, baseline } = view;
    // The repository is its own baseline: where the file already documents its functions,
    // documenting the new ones is following the house style.
    if (baseline.codeLines >= MIN_BASELINE_LINES && baseline.jsdocBlocks / baseline.codeLines >= JSDOC_HABIT) return [];
    let functions = 0;
    let documented = 0;
    let trivial = 0;
    let trivialLine = 0;
    let trivialName = '';
    let typed = 0;
    let typedLine = 0;
    const ts = ctx.language === 'typescript' || ctx.language === 'tsx';
    for (const u of view.units) {
      if (u.kind === 'class' || u.kind === 'interface' || !view.isAdded(u.declLine)) continue;
      functions++;
      let at = u.declLine >= 2 ? (facts.commentAt[u.declLine - 2] as number) : -1;
      // commentAt points at the first comment touching the line; the doc block is the last one.
      while (at >= 0 && (facts.comments[at + 1]?.line ?? Infinity) <= u.declLine - 1) at++;
      const doc: CommentBlock | undefined = at >= 0 ? facts.comments[at] : undefined;
      if (doc === undefined || doc.style !== 'jsdoc' || doc.endLine !== u.declLine - 1 || !view.isAdded(doc.line)) continue;
      if (!TAGGED.test(doc.text)) continue;
      documented++;
      if (u.endLine - u.startLine <= 3 && functionShape(u).statements <= 1) {
        if (trivial++ === 0) {
          trivialLine = doc.line;
          trivialName = u.name ?? 'anonymous function';
        }
      }
      if (ts && TYPED_TAG.test(doc.text)) {
        if (typed++ === 0) typedLine = doc.line;
      }
    }
    const out: Feature[] = [];
    if (documented >= 2) {
      out.push({
        id: `${ID}/uniform`,
        value: (documented / functions) * support(functions, 2, 4),
        detail: `${documented} of ${functions} added functions carry a @param/@returns JSDoc block`,
      });
    }
    if (trivial > 0) {
      out.push({
        id: `${ID}/trivial`,
        value: saturate(trivial, 2),
        line: trivialLine,
        detail: `tagged JSDoc on ${trivial} one-statement function${trivial === 1 ? '' : 's'}, e.g. ${trivialName.slice(0, 60)}`,
      });
    }
    if (typed > 0) {
      out.push({ id: `${ID}/typed-in-ts`, value: saturate(typed, 2), line: typedLine, detail: 'JSDoc {type} annotations repeat the TypeScript types' });
    }
    return finish(out);
  },
};
