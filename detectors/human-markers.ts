// Marks of a human hand, which count AGAINST AI authorship: TODO/FIXME/XXX/HACK notes,
// commented-out code, informal or profane comments, lowercase terse comments, terse names.

import type { Feature } from '../src/core/types.js';
import type { Detector, DetectorContext } from './detector.js';
import { clamp01, finish, saturate, snippet, support } from './feature.js';
import { hunkView } from './hunk-view.js';

const ID = 'human-markers';

const TODO = /\b(?:TODO|FIXME|XXX|HACK)\b/;
const CODE_IN_COMMENT = /^(?:(?:const|let|var|return|if|for|while|await|import|export|function|class)\b.*[=({;]|[\w$.]+\(.*\);?$|[\w$.[\]]+\s*[+\-*/]?=\s*[^=].*;$|[{}]\s*$|\}\s*(?:else|catch)\b)/;
const INFORMAL = /\b(?:wtf|lol|ugh|meh|hacky|dunno|gonna|wanna|kinda|crap|damn|shit|fuck\w*|kludge|yolo|oops|idk|tbh|imo|ftw|af|stupid|dumb|sucks?|silly)\b|!!|\?\?\?|[:;]-?[)(]/i;

export const humanMarkers: Detector = {
  id: ID,
  version: '1.0.0',
  features: [
    { id: `${ID}/todo`, direction: 'human', description: 'TODO/FIXME/XXX/HACK notes' },
    { id: `${ID}/commented-out-code`, direction: 'human', description: 'commented-out code' },
    { id: `${ID}/informal`, direction: 'human', description: 'informal or profane comments' },
    { id: `${ID}/lowercase-comments`, direction: 'human', description: 'terse comments starting in lowercase' },
    { id: `${ID}/terse-names`, direction: 'human', description: 'share of one- and two-letter names other than loop counters' },
  ],
  detect(ctx: DetectorContext): Feature[] {
    const view = hunkView(ctx);
    let todo = 0;
    let todoLine = 0;
    let todoText = '';
    let commented = 0;
    let commentedLine = 0;
    let informal = 0;
    let informalLine = 0;
    let lineComments = 0;
    let lowercase = 0;
    for (const c of view.comments) {
      if (c.text.length > 2000) continue;
      if (TODO.test(c.text) && todo++ === 0) {
        todoLine = c.line;
        todoText = c.text.split('\n')[0] ?? '';
      }
      if (INFORMAL.test(c.text) && informal++ === 0) informalLine = c.line;
      if (c.style === 'line') {
        const text = c.text.trim();
        if (CODE_IN_COMMENT.test(text)) {
          if (commented++ === 0) commentedLine = c.line;
        } else if (/^[a-z]/.test(text) && /\s/.test(text) && !/[.!?:]$/.test(text) && !/^[a-z]+:\/\//.test(text)) {
          lowercase++;
        }
        lineComments++;
      }
    }
    const out: Feature[] = [];
    if (todo > 0) out.push({ id: `${ID}/todo`, value: 1, line: todoLine, detail: `work-in-progress note: ${snippet(todoText)}` });
    if (commented > 0) out.push({ id: `${ID}/commented-out-code`, value: saturate(commented, 2), line: commentedLine, detail: `${commented} commented-out code line${commented === 1 ? '' : 's'}` });
    if (informal > 0) out.push({ id: `${ID}/informal`, value: 1, line: informalLine, detail: 'informal wording in a comment' });
    if (lowercase > 0) {
      out.push({
        id: `${ID}/lowercase-comments`,
        value: clamp01(lowercase / Math.max(1, lineComments)) * support(lowercase, 1, 3),
        detail: `${lowercase} of ${lineComments} line comments are terse lowercase notes`,
      });
    }
    const { style } = view;
    if (style.identifiers >= 10 && style.terse > 0) {
      out.push({
        id: `${ID}/terse-names`,
        value: clamp01((style.terse / style.identifiers) * 5) * support(style.identifiers, 10, 30),
        detail: `${style.terse} of ${style.identifiers} names have one or two letters`,
      });
    }
    return finish(out);
  },
};
