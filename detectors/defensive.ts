// Defensive boilerplate that assistants add by default: catch blocks that log and rethrow,
// the `error instanceof Error ? error.message : String(error)` idiom, and runs of input checks
// that throw.

import type { Feature } from '../src/core/types.js';
import type { Detector, DetectorContext } from './detector.js';
import { finish, saturate, snippet } from './feature.js';
import { hunkView } from './hunk-view.js';

const ID = 'defensive';

const CATCH = /\bcatch\s*(?:\(|\{)/;
const CONSOLE = /\bconsole\.(?:error|warn|log)\s*\(/;
const THROW = /\bthrow\b/;
const RETURN_EMPTY = /\breturn\s*(?:null|undefined|false|\[\]|\{\}|''|"")?\s*;?\s*$/;
const ERROR_IDIOM = /\binstanceof\s+Error\s*\?\s*[\w$.]+\.message\b|\bString\(\s*(?:err|error|e)\s*\)|['"`](?:An? )?unknown error(?: occurred)?['"`]|['"`]An error occurred/i;
const GUARD = /\bif\s*\(\s*(?:typeof\s+[\w$.]+\s*!==?\s*['"]\w+['"]|![\w$.]+\s*(?:\|\||\))|[\w$.]+\s*===?\s*(?:null|undefined)\b|!Array\.isArray\(|!Number\.is(?:Finite|Integer)\(|[\w$.]+\.length\s*===?\s*0\b)/;
const THROW_NEW = /\bthrow\s+new\s+\w*Error\b/;

export const defensive: Detector = {
  id: ID,
  version: '1.0.0',
  features: [
    { id: `${ID}/log-rethrow`, direction: 'ai', description: 'catch blocks that log to the console and rethrow' },
    { id: `${ID}/log-swallow`, direction: 'ai', description: 'catch blocks that log to the console and return an empty value' },
    { id: `${ID}/error-idiom`, direction: 'ai', description: 'the `error instanceof Error ? error.message : String(error)` idiom or "unknown error" messages' },
    { id: `${ID}/input-guards`, direction: 'ai', description: 'runs of input checks that throw (typeof/null/empty checks)' },
  ],
  detect(ctx: DetectorContext): Feature[] {
    const view = hunkView(ctx);
    const { facts } = view;
    const code = view.codeLines;
    let rethrow = 0;
    let rethrowLine = 0;
    let swallow = 0;
    let swallowLine = 0;
    let idiom = 0;
    let idiomLine = 0;
    let idiomText = '';
    let guards = 0;
    let guardLine = 0;
    for (let k = 0; k < code.length; k++) {
      const line = code[k] as number;
      const bare = facts.bare[line - 1] as string;
      const text = facts.code[line - 1] as string;
      if (text.length > 1000) continue;
      if (bare.includes('catch') && CATCH.test(bare)) {
        // Scan the catch body: up to 12 following added code lines, until its braces close.
        let depth = 0;
        let opened = false;
        let logs = false;
        let throws = false;
        let returnsEmpty = false;
        for (let m = k; m < Math.min(code.length, k + 13); m++) {
          const l = code[m] as number;
          const b = facts.bare[l - 1] as string;
          const segment = m === k ? b.slice(b.search(CATCH)) : b;
          if (CONSOLE.test(segment)) logs = true;
          if (THROW.test(segment)) throws = true;
          if (m > k && RETURN_EMPTY.test(segment)) returnsEmpty = true;
          for (const ch of segment) {
            if (ch === '{') {
              depth++;
              opened = true;
            } else if (ch === '}') depth--;
          }
          if (opened && depth <= 0) break;
        }
        if (logs && throws && rethrow++ === 0) rethrowLine = line;
        if (logs && !throws && returnsEmpty && swallow++ === 0) swallowLine = line;
      }
      const m = text.includes('rror') || text.includes('String(') ? ERROR_IDIOM.exec(text) : null;
      if (m !== null && idiom++ === 0) {
        idiomLine = line;
        idiomText = m[0];
      }
      if (bare.includes('if') && GUARD.test(text)) {
        const window = [line, code[k + 1], code[k + 2]].filter((l): l is number => l !== undefined && l - line <= 2);
        if (window.some((l) => THROW_NEW.test(facts.bare[l - 1] as string)) && guards++ === 0) guardLine = line;
      }
    }
    const out: Feature[] = [];
    if (rethrow > 0) out.push({ id: `${ID}/log-rethrow`, value: saturate(rethrow, 2), line: rethrowLine, detail: `catch block logs to the console and rethrows (${rethrow} in this hunk)` });
    if (swallow > 0) out.push({ id: `${ID}/log-swallow`, value: saturate(swallow, 2), line: swallowLine, detail: `catch block logs to the console and returns an empty value (${swallow} in this hunk)` });
    if (idiom > 0) out.push({ id: `${ID}/error-idiom`, value: saturate(idiom, 2), line: idiomLine, detail: `boilerplate error-message handling: ${snippet(idiomText)}` });
    if (guards >= 2) out.push({ id: `${ID}/input-guards`, value: saturate(guards - 1, 3), line: guardLine, detail: `${guards} input checks that throw` });
    return finish(out);
  },
};
