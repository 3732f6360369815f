// The detector sets, in the order they run, and the version of the featurization as a whole.
//
// FEATURE_DETECTORS is every detector: training (scripts/train.ts, scripts/train-real.ts) and
// evaluation featurize hunks with all of them, so that a model can learn a weight for any
// feature. A scan only needs the detectors whose features the scoring model weighs: a feature
// with weight 0 moves no score, is never a signal and is never shown, so running its detector
// on every hunk is pure cost (`relative` and `rewrite` under the shipped model: a few percent of
// the engine's time beside the parse, in CPU profiles of the scan bench). DEFAULT_DETECTORS is
// that subset for the shipped model; detectorsFor(model) gives it for any other.

import { assistantText } from './assistant-text.js';
import { commentDensity } from './comment-density.js';
import { consistency } from './consistency.js';
import { defensive } from './defensive.js';
import type { Detector } from './detector.js';
import { humanMarkers } from './human-markers.js';
import { hunkShape } from './hunk-shape.js';
import { jsdoc } from './jsdoc.js';
import { lexical } from './lexical.js';
import { coefficient, DEFAULT_MODEL, type ScoringModel } from './model.js';
import { narration } from './narration.js';
import { relative } from './relative.js';
import { restatingComment } from './restating-comment.js';
import { rewrite } from './rewrite.js';

export const FEATURE_DETECTORS: readonly Detector[] = [
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

/**
 * The detectors of FEATURE_DETECTORS (in its order) with at least one feature `model` weighs.
 * Scores are those of the full set: the others only add features of weight 0.
 */
export function detectorsFor(model: ScoringModel): readonly Detector[] {
  return FEATURE_DETECTORS.filter((d) => d.features.some((f) => coefficient(model, f.id) !== 0));
}

/** The detectors a scan runs with the shipped model (scan results list them with their versions). */
export const DEFAULT_DETECTORS: readonly Detector[] = detectorsFor(DEFAULT_MODEL);

/**
 * Version of FEATURE_DETECTORS, the featurization training caches and evaluation reports are
 * keyed by. Bump when any detector's version changes or detectors are added or removed.
 */
export const DETECTORS_VERSION = '1.2.0';
