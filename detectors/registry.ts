// The detector set, in the order they run, and the version of the set as a whole.

import { assistantText } from './assistant-text.js';
import { commentDensity } from './comment-density.js';
import { consistency } from './consistency.js';
import { defensive } from './defensive.js';
import type { Detector } from './detector.js';
import { humanMarkers } from './human-markers.js';
import { hunkShape } from './hunk-shape.js';
import { jsdoc } from './jsdoc.js';
import { lexical } from './lexical.js';
import { narration } from './narration.js';
import { relative } from './relative.js';
import { restatingComment } from './restating-comment.js';
import { rewrite } from './rewrite.js';

export const DEFAULT_DETECTORS: readonly Detector[] = [
  assistantText,
  narration,
  commentDensity,
  restatingComment,
  jsdoc,
  defensive,
  lexical,
  hunkShape,
  consistency,
  relative,
  rewrite,
  humanMarkers,
];

/** Bump when any detector's version changes or detectors are added or removed. */
export const DETECTORS_VERSION = '1.2.0';

