// The shape of a rewrite, read from the hunk's deleted lines: a whole block replaced by new text
// rather than edited in place, comments written where the replaced code had none, replacement
// lines longer than the ones they replace. Silent on pure additions (nothing was deleted).

import type { Feature } from '../src/core/types.js';
import type { Detector, DetectorContext } from './detector.js';
import { clamp01, finish, support } from './feature.js';
import { hunkView } from './hunk-view.js';
import { LineKind } from './line-facts.js';

const ID = 'rewrite';

/** Non-blank deleted lines a hunk needs before it counts as a rewrite. */
export const MIN_DELETED = 4;

const COMMENT_LINE = /^\s*(?:\/\/|\/\*|\*(?!\*?\/?\s*$)|\*\/)/;

/** Whether a deleted line, judged alone, is a comment line. */
function deletedComment(text: string): boolean {
  return COMMENT_LINE.test(text);
}

const norm = (s: string): string => s.trim().replace(/\s+/g, ' ');

export const rewrite: Detector = {
  id: ID,
  version: '1.0.0',
  features: [
    { id: `${ID}/block-replaced`, direction: 'ai', description: 'a block of code replaced wholesale, almost no line kept' },
    { id: `${ID}/comments-added`, direction: 'ai', description: 'comments added to code that had none' },
    { id: `${ID}/lines-lengthened`, direction: 'ai', description: 'replacement lines longer than the lines they replace' },
    { id: `${ID}/edit-in-place`, direction: 'human', description: 'a small edit of existing lines: most replaced lines kept nearly as they were' },
  ],
  detect(ctx: DetectorContext): Feature[] {
    const deleted = ctx.hunk.deleted.map(norm).filter((t) => t.length > 0);
    if (deleted.length === 0) return [];
    const view = hunkView(ctx);
    const addedTexts: string[] = [];
    let addedComments = 0;
    let addedCode = 0;
    let addedCodeChars = 0;
    for (const line of view.added) {
      const kind = view.facts.kinds[line - 1];
      if (kind === LineKind.Blank) continue;
      addedTexts.push(norm(view.facts.lines[line - 1] as string));
      if (kind === LineKind.Comment) addedComments++;
      if (kind === LineKind.Code || kind === LineKind.Mixed) {
        addedCode++;
        addedCodeChars += Math.min(300, (view.facts.code[line - 1] as string).trim().length);
      }
    }
    if (addedTexts.length === 0) return [];
    const out: Feature[] = [];
    const added = new Set(addedTexts);
    const kept = deleted.filter((t) => added.has(t)).length;
    // Lines changed by one token or so: same first 12 characters as some added line.
    const prefixes = new Set(addedTexts.map((t) => t.slice(0, 12)));
    const similar = deleted.filter((t) => added.has(t) || prefixes.has(t.slice(0, 12))).length;

    if (deleted.length >= MIN_DELETED && addedTexts.length >= MIN_DELETED && similar / deleted.length <= 0.2) {
      out.push({
        id: `${ID}/block-replaced`,
        value: clamp01(1 - similar / deleted.length) * support(Math.min(deleted.length, addedTexts.length), MIN_DELETED, 12),
        detail: `${deleted.length} lines removed and ${addedTexts.length} written in their place; ${kept} of the removed lines kept`,
      });
    }

    const deletedComments = deleted.filter(deletedComment).length;
    if (deleted.length >= 3 && deletedComments === 0 && addedComments >= 2) {
      out.push({
        id: `${ID}/comments-added`,
        value: saturateRatio(addedComments, addedTexts.length),
        detail: `${addedComments} comment lines added where the ${deleted.length} replaced lines had none`,
      });
    }

    const deletedCode = deleted.filter((t) => !deletedComment(t));
    if (deletedCode.length >= 3 && addedCode >= 3) {
      const dm = deletedCode.reduce((s, t) => s + Math.min(300, t.length), 0) / deletedCode.length;
      const am = addedCodeChars / addedCode;
      if (am >= dm + 6) {
        out.push({
          id: `${ID}/lines-lengthened`,
          value: clamp01((am - dm - 6) / 20 + 0.2) * support(Math.min(deletedCode.length, addedCode), 3, 8),
          detail: `replacement code lines average ${am.toFixed(0)} characters, the ${deletedCode.length} replaced ones ${dm.toFixed(0)}`,
        });
      }
    }

    if (deleted.length <= 6 && addedTexts.length <= deleted.length + 3 && similar >= Math.ceil(deleted.length / 2)) {
      out.push({
        id: `${ID}/edit-in-place`,
        value: clamp01(similar / deleted.length),
        detail: `${addedTexts.length} added lines edit ${deleted.length} existing ones; ${similar} of those kept their start`,
      });
    }
    return finish(out);
  },
};

function saturateRatio(part: number, whole: number): number {
  return clamp01(0.3 + (part / Math.max(1, whole)) * 2);
}
