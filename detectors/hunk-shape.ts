// The shape of the change: complete units (functions, classes) added at once, and its size.

import type { Feature } from '../src/core/types.js';
import type { Detector, DetectorContext } from './detector.js';
import { clamp01, finish, support } from './feature.js';
import { hunkView } from './hunk-view.js';
import { enclosingUnits } from './units.js';

const ID = 'hunk-shape';

export const hunkShape: Detector = {
  id: ID,
  version: '1.0.0',
  features: [
    { id: `${ID}/whole-units`, direction: 'ai', description: 'share of added code lines inside complete units added at once' },
    { id: `${ID}/size`, direction: 'ai', description: 'added code lines on a log scale (512 lines = 1)' },
  ],
  detect(ctx: DetectorContext): Feature[] {
    const view = hunkView(ctx);
    const out: Feature[] = [];
    const codeLines = view.codeLines.length;
    if (codeLines === 0) return [];
    out.push({ id: `${ID}/size`, value: clamp01(Math.log2(1 + codeLines) / 9), detail: `${codeLines} added code lines` });
    if (view.parsed !== undefined) {
      const first = view.added[0] as number;
      const last = view.added[view.added.length - 1] as number;
      const wholes = enclosingUnits(view.parsed, first, last, view.isAdded).filter((u) => u.whole === true);
      if (wholes.length > 0) {
        let inside = 0;
        let k = 0;
        for (const line of view.codeLines) {
          while (k < wholes.length && (wholes[k]?.endLine ?? 0) < line) k++;
          const w = wholes[k];
          if (w !== undefined && w.startLine <= line) inside++;
        }
        const names = wholes
          .slice(0, 3)
          .map((u) => `${u.kind} ${(u.name ?? 'anonymous').slice(0, 40)}`)
          .join(', ');
        out.push({
          id: `${ID}/whole-units`,
          value: clamp01(inside / codeLines) * support(codeLines, 5, 15),
          line: wholes[0]?.startLine,
          detail: `${wholes.length} complete unit${wholes.length === 1 ? '' : 's'} added at once (${names}${wholes.length > 3 ? ', …' : ''})`,
        });
      }
    }
    return finish(out);
  },
};
