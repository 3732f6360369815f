// Public surface of detectors/: parsing, the detector set, the scoring model.

export { DEFAULT_DETECTORS, detectorsFor, DETECTORS_VERSION, FEATURE_DETECTORS } from './registry.js';
export type { AddedLine, Detector, DetectorContext, FeatureDirection, FeatureSpec } from './detector.js';
export { analyzeHunk, coefficient, DEFAULT_MODEL, scoreFeatures, type HunkAnalysis, type HunkScore, type ScoringModel } from './model.js';
export { isParsable, languageOfPath, type ParsableLanguage } from './language.js';
export { INPUT_CHUNK, nodeText, parseSource, type ParsedFile, type SyntaxNode, type Tree } from './parse.js';
export { lineFactsOf, LineKind, splitLines, type CommentBlock, type LineFacts } from './line-facts.js';
export { enclosingUnits, functionShape, unitsInRange, type FunctionShape, type UnitInfo, type UnitKind } from './units.js';
export { hunkContext, type ContextFile, type ContextOptions } from './context.js';
