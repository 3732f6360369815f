// How much of the added code is comment, and how often comments trail code lines. Measured on
// the added lines only; comparison with the rest of the file is the consistency detector's job.

import type { Feature } from '../src/core/types.js';
import type { Detector, DetectorContext } from './detector.js';
import { clamp01, finish, support } from './feature.js';
import { hunkView } from './hunk-view.js';

const ID = 'comment-density';

export const commentDensity: Detector = {
  id: ID,
  version: '1.0.0',
  features: [
    { id: `${ID}/density`, direction: 'ai', description: 'share of added non-blank lines that are comments, trusted from 15 non-blank lines on' },
    { id: `${ID}/trailing`, direction: 'ai', description: 'share of added code lines ending in a trailing comment' },
    { id: `${ID}/inline`, direction: 'ai', description: 'own-line comments between statements (not JSDoc, not trailing) per added code line' },
  ],
  detect(ctx: DetectorContext): Feature[] {
    const view = hunkView(ctx);
    const { style } = view;
    const out: Feature[] = [];
    const total = style.codeLines + style.commentLines;
    if (style.codeLines > 0 && total > 0) {
      const ratio = style.commentLines / total;
      const value = ratio * support(total, 6, 15);
      out.push({
        id: `${ID}/density`,
        value: clamp01(value),
        detail: `${style.commentLines} of ${total} added non-blank lines are comments (${Math.round(ratio * 100)}%)`,
      });
      const trailing = style.trailingComments / style.codeLines;
      out.push({
        id: `${ID}/trailing`,
        value: clamp01(trailing * 2 * support(style.codeLines, 4, 12)),
        detail: `${style.trailingComments} of ${style.codeLines} added code lines end in a comment`,
      });
    }
    if (style.codeLines > 0) {
      let inline = 0;
      for (const c of view.comments) {
        // A comment between statements: not a doc block, not trailing code, and code follows it.
        if (c.style === 'jsdoc' || c.trailing || c.line === 1) continue;
        if (view.facts.kinds[c.endLine] === undefined) continue;
        inline += c.endLine - c.line + 1;
      }
      if (inline > 0) {
        const ratio = inline / style.codeLines;
        out.push({
          id: `${ID}/inline`,
          value: clamp01(ratio * 3) * support(style.codeLines, 4, 12),
          detail: `${inline} comment line${inline === 1 ? '' : 's'} between ${style.codeLines} added code lines`,
        });
      }
    }
    return finish(out);
  },
};
