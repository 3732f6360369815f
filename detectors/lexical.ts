// Lexical statistics of the added code: identifier length, long descriptive names, how uniform
// line lengths are, and emoji in code or strings.

import type { Feature } from '../src/core/types.js';
import type { Detector, DetectorContext } from './detector.js';
import { clamp01, finish, saturate, support } from './feature.js';
import { hunkView } from './hunk-view.js';

const ID = 'lexical';

const EMOJI = /\p{Extended_Pictographic}/u;
/** Every emoji lies above U+007F; most lines are plain ASCII and skip the Unicode test. */
function hasNonAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) return true;
  return false;
}

export const lexical: Detector = {
  id: ID,
  version: '1.0.0',
  features: [
    { id: `${ID}/identifier-length`, direction: 'ai', description: 'mean identifier length above 5 characters, trusted from 30 identifiers on' },
    { id: `${ID}/descriptive-names`, direction: 'ai', description: 'share of identifiers made of three or more words' },
    { id: `${ID}/uniform-lines`, direction: 'ai', description: 'low variation of code line lengths' },
    { id: `${ID}/emoji`, direction: 'ai', description: 'emoji in code, strings or comments' },
  ],
  detect(ctx: DetectorContext): Feature[] {
    const view = hunkView(ctx);
    const { style } = view;
    const out: Feature[] = [];
    if (style.identifiers > 0) {
      const mean = style.identifierChars / style.identifiers;
      const trust = support(style.identifiers, 10, 30);
      out.push({
        id: `${ID}/identifier-length`,
        value: clamp01((mean - 5) / 7) * trust,
        detail: `identifiers average ${mean.toFixed(1)} characters over ${style.identifiers} names`,
      });
      const share = style.descriptive / style.identifiers;
      out.push({
        id: `${ID}/descriptive-names`,
        value: clamp01(share * 3) * trust,
        detail: `${style.descriptive} of ${style.identifiers} identifiers have three or more words`,
      });
    }
    if (style.codeLines >= 8) {
      const mean = style.lineLengthSum / style.codeLines;
      const variance = Math.max(0, style.lineLengthSquares / style.codeLines - mean * mean);
      const cv = mean > 0 ? Math.sqrt(variance) / mean : 1;
      out.push({
        id: `${ID}/uniform-lines`,
        value: clamp01((0.6 - cv) / 0.4) * support(style.codeLines, 8, 20),
        detail: `code line lengths vary little (coefficient of variation ${cv.toFixed(2)})`,
      });
    }
    let emoji = 0;
    let emojiLine = 0;
    for (const line of view.added) {
      const raw = view.facts.lines[line - 1] as string;
      if (raw.length <= 2000 && hasNonAscii(raw) && EMOJI.test(raw) && emoji++ === 0) emojiLine = line;
    }
    if (emoji > 0) out.push({ id: `${ID}/emoji`, value: saturate(emoji, 2), line: emojiLine, detail: `emoji on ${emoji} added line${emoji === 1 ? '' : 's'}` });
    return finish(out);
  },
};
