// Comments that narrate the code step by step ("// Step 1:", "// First, we…", "// Now we…")
// and the stock vocabulary of generated explanations ("comprehensive", "robust", "seamlessly").

import type { Feature } from '../src/core/types.js';
import type { Detector, DetectorContext } from './detector.js';
import { clamp01, finish, saturate, snippet } from './feature.js';
import { hunkView } from './hunk-view.js';

const ID = 'narration';

const STEP =
  /^(?:step\s*\d+\b|(?:first|second|third|next|then|now|finally|lastly|here),?\s+(?:we|let'?s|i)\b|let'?s\s+\w+|we\s+(?:need|want|have|will|can|must|should)\s+to\b|(?:this|the following|the code below)\s+(?:function|method|block|code|line|section)\s+(?:will|is used to|handles|ensures)\b)/i;
const NUMBERED_STEP = /^\d{1,2}[.)]\s+[A-Z][a-z]+/;
/** Unanchored supersets: a comment none of them matches has no matching line. */
const STEP_ANYWHERE = new RegExp(STEP.source.replace(/^\^/, ''), 'i');
const NUMBERED_ANYWHERE = new RegExp(NUMBERED_STEP.source.replace(/^\^/, ''));

/** "Check if we…", "Initialize the…", "Loop through each…": a capitalised imperative walking the reader through the code. */
const IMPERATIVE =
  /^(?:Check|Initiali[sz]e|Calculate|Compute|Create|Update|Handle|Validate|Ensure|Loop|Iterate|Convert|Parse|Set|Get|Add|Remove|Fetch|Retrieve|Return|Store|Build|Call|Find|Determine|Extract|Process|Define|Generate|Apply|Clear|Reset|Filter|Map|Sort|Format|Log|Send|Wait|Verify|Append|Increment|Decrement|Assign|Declare|Instantiate|Prepare|Perform|Use|Make|Try|Throw|Emit|Register|Merge|Normalize|Normalise|Split|Combine|Read|Write|Load|Save|Render|Show|Hide|Toggle|Skip|Start|Stop|Close|Open)\s+(?:the|a|an|if|all|each|every|through|over|up|our|this|that|any|whether|new|to|it|them|its)\b/;

/** A capitalised comment with articles: written as a sentence for a reader, not a terse note. */
const SENTENCE = /^[A-Z][a-z']*\b.*\b(?:the|an?)\b/;

const VOCABULARY = /\b(?:comprehensive(?:ly)?|robust(?:ly|ness)?|seamless(?:ly)?|leverag(?:e|es|ing)|utiliz(?:e|es|ing)|streamlin(?:e|es|ed|ing)|gracefully|enhanced?|meticulous(?:ly)?|delve|elegant(?:ly)?|ensures? that)\b/i;

export const narration: Detector = {
  id: ID,
  version: '1.1.0',
  features: [
    { id: `${ID}/step-comment`, direction: 'ai', description: 'comments narrating steps ("// Step 1:", "// First, we", "// Now we")' },
    { id: `${ID}/imperative-walkthrough`, direction: 'ai', description: 'own-line comments that walk through the code in capitalised imperatives ("// Check if the…", "// Initialize the…")' },
    { id: `${ID}/sentence-comments`, direction: 'ai', description: 'own-line comments written as full sentences with articles rather than terse notes' },
    { id: `${ID}/stock-vocabulary`, direction: 'ai', description: 'stock words of generated explanations in comments ("comprehensive", "robust", "seamlessly")' },
  ],
  detect(ctx: DetectorContext): Feature[] {
    const view = hunkView(ctx);
    let steps = 0;
    let stepLine = 0;
    let stepText = '';
    let vocab = 0;
    let vocabLine = 0;
    let vocabText = '';
    let lineComments = 0;
    let imperative = 0;
    let imperativeLine = 0;
    let imperativeText = '';
    let sentences = 0;
    let sentenceLine = 0;
    for (const c of view.comments) {
      if (c.style === 'line' && !c.trailing) {
        lineComments++;
        if (IMPERATIVE.test(c.text) && imperative++ === 0) {
          imperativeLine = c.line;
          imperativeText = c.text;
        }
        if (c.text.length <= 300 && SENTENCE.test(c.text) && sentences++ === 0) sentenceLine = c.line;
      }
      if (!STEP_ANYWHERE.test(c.text) && !NUMBERED_ANYWHERE.test(c.text) && !VOCABULARY.test(c.text)) continue;
      const parts = c.style === 'line' ? [c.text] : c.text.split('\n');
      for (let k = 0; k < parts.length; k++) {
        const part = (parts[k] as string).trim();
        if (part.length < 3 || part.length > 300) continue;
        if (STEP.test(part) || NUMBERED_STEP.test(part)) {
          if (steps++ === 0) {
            stepLine = c.line + k;
            stepText = part;
          }
        }
        const m = VOCABULARY.exec(part);
        if (m !== null) {
          if (vocab++ === 0) {
            vocabLine = c.line + k;
            vocabText = m[0];
          }
        }
      }
    }
    const out: Feature[] = [];
    if (steps > 0) {
      out.push({ id: `${ID}/step-comment`, value: saturate(steps, 3), line: stepLine, detail: `${steps} comment${steps === 1 ? '' : 's'} narrating steps, e.g. ${snippet(stepText)}` });
    }
    if (imperative >= 2) {
      out.push({
        id: `${ID}/imperative-walkthrough`,
        value: clamp01(imperative / lineComments) * saturate(imperative, 4),
        line: imperativeLine,
        detail: `${imperative} of ${lineComments} comments walk through the code step by step, e.g. ${snippet(imperativeText)}`,
      });
    }
    if (sentences >= 2 && sentences * 2 >= lineComments) {
      out.push({
        id: `${ID}/sentence-comments`,
        value: clamp01(sentences / lineComments) * saturate(sentences, 4),
        line: sentenceLine,
        detail: `${sentences} of ${lineComments} comments are full sentences explaining the code`,
      });
    }
    if (vocab > 0) {
      out.push({ id: `${ID}/stock-vocabulary`, value: saturate(vocab, 2), line: vocabLine, detail: `stock wording in comments, e.g. "${vocabText.toLowerCase()}"` });
    }
    return finish(out);
  },
};
