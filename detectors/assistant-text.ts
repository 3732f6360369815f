// Leftovers of a chat answer pasted into source: assistant phrases ("Here's the updated…",
// "I've added…", "Certainly!"), markdown code fences, and "rest of the code remains the same"
// placeholders. Looks at comments and at prose lines that are not code.

import type { Feature } from '../src/core/types.js';
import type { Detector, DetectorContext } from './detector.js';
import { finish, saturate, snippet } from './feature.js';
import { hunkView } from './hunk-view.js';
import { LineKind } from './line-facts.js';

const ID = 'assistant-text';

const CHAT_PHRASES: readonly RegExp[] = [
  /\b(?:here'?s|here is|below is) (?:the|an?|your) (?:updated|modified|revised|complete|full|refactored|corrected|fixed|improved|final|new version)\b/i,
  /\b(?:I'?ve|I have|I'?ll|I will) (?:added|updated|modified|refactored|implemented|created|fixed|removed|replaced|included|kept|also added|now added)\b/i,
  /^(?:certainly|sure|absolutely|of course|great question)\s*[!,.:]/i,
  /\b(?:let me know if|hope this helps|feel free to (?:adjust|modify|customi[sz]e|change|extend|replace)|as an ai\b|as a language model)/i,
  /\bthis (?:updated|modified|revised|refactored|improved) (?:code|version|implementation|function|component)\b/i,
  /\b(?:key (?:changes|improvements)|changes made|explanation of changes)\s*:/i,
];

const PLACEHOLDERS: readonly RegExp[] = [
  /\brest of (?:the |your )?(?:code|file|implementation|component|function|class|logic|methods?|module)\b.{0,40}\b(?:same|unchanged)\b/i,
  /^\.{3}\s*(?:existing|rest|other|remaining|previous|same|unchanged|your|more)\b/i,
  /\b(?:existing|previous|other|remaining|original) (?:code|logic|implementation|methods|imports|functions)\s*(?:here|remains?|stays?|unchanged|goes here|as before|\.{3})/i,
  /\b(?:add|put|insert|implement) (?:your|the) (?:own )?(?:code|logic|implementation) here\b/i,
  /\byour (?:code|logic|implementation) (?:goes )?here\b/i,
];

const FENCE = /^\s*```[\w+#.-]*\s*$/;
/** A line of prose: starts with a word, several words, no code punctuation. */
const PROSE = /^[A-Z][A-Za-z']*(?:[ ,][A-Za-z'`()-]+){3,}[.:!]?$/;

/** One case-insensitive alternation of constant patterns: one scan per line instead of one per pattern. */
function anyOf(patterns: readonly RegExp[]): RegExp {
  return new RegExp(patterns.map((p) => `(?:${p.source})`).join('|'), 'i');
}

const CHAT = anyOf(CHAT_PHRASES);
const PLACEHOLDER = anyOf(PLACEHOLDERS);
/** Unanchored superset of both: a comment it does not match has no matching line. */
const PREFILTER = anyOf([...CHAT_PHRASES, ...PLACEHOLDERS].map((p) => new RegExp(p.source.replace(/^\^/, ''), 'i')));

export const assistantText: Detector = {
  id: ID,
  version: '1.0.0',
  features: [
    { id: `${ID}/chat-phrase`, direction: 'ai', description: 'a chat assistant phrase left in a comment or as a line of prose' },
    { id: `${ID}/code-fence`, direction: 'ai', description: 'a markdown code fence in source' },
    { id: `${ID}/placeholder`, direction: 'ai', description: 'a "rest of the code remains the same" placeholder comment' },
  ],
  detect(ctx: DetectorContext): Feature[] {
    const view = hunkView(ctx);
    const out: Feature[] = [];
    let chat = 0;
    let chatLine = 0;
    let chatText = '';
    let placeholder = 0;
    let placeholderLine = 0;
    let placeholderText = '';
    for (const c of view.comments) {
      if (!PREFILTER.test(c.text)) continue;
      const parts = c.text.split('\n');
      for (let k = 0; k < parts.length; k++) {
        const part = (parts[k] as string).trim();
        if (part === '') continue;
        const line = c.line + k;
        if (CHAT.test(part)) {
          if (chat++ === 0) {
            chatLine = line;
            chatText = part;
          }
        } else if (PLACEHOLDER.test(part)) {
          if (placeholder++ === 0) {
            placeholderLine = line;
            placeholderText = part;
          }
        }
      }
    }
    let fences = 0;
    let fenceLine = 0;
    for (const line of view.added) {
      const raw = view.facts.lines[line - 1] as string;
      if (raw.length > 400) continue;
      if (raw.includes('```') && FENCE.test(raw)) {
        if (fences++ === 0) fenceLine = line;
        continue;
      }
      const kind = view.facts.kinds[line - 1];
      if (kind !== LineKind.Code) continue;
      const trimmed = raw.trim();
      const first = trimmed.charCodeAt(0);
      if (first >= 65 && first <= 90 && PROSE.test(trimmed) && CHAT.test(trimmed)) {
        if (chat++ === 0 || line < chatLine) {
          chatLine = line;
          chatText = trimmed;
        }
      }
    }
    if (chat > 0) out.push({ id: `${ID}/chat-phrase`, value: saturate(chat, 1), line: chatLine, detail: `assistant phrase left in the code: ${snippet(chatText)}` });
    if (fences > 0) out.push({ id: `${ID}/code-fence`, value: saturate(fences, 1), line: fenceLine, detail: 'markdown code fence (```) in a source file' });
    if (placeholder > 0) {
      out.push({ id: `${ID}/placeholder`, value: saturate(placeholder, 1), line: placeholderLine, detail: `placeholder comment for omitted code: ${snippet(placeholderText)}` });
    }
    return finish(out);
  },
};
