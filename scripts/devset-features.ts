// The development set's hunks featurized as the training scripts need them (scripts/train.ts,
// scripts/train-real.ts --with-devset): every feature detector, an empty model (features only),
// and one parse per distinct file text, which many samples share.
import { hunkContext } from '../detectors/context.js';
import { languageOfPath } from '../detectors/language.js';
import { splitLines } from '../detectors/line-facts.js';
import { analyzeHunk, type HunkAnalysis, type ScoringModel } from '../detectors/model.js';
import { parseSource, type ParsedFile } from '../detectors/parse.js';
import { FEATURE_DETECTORS } from '../detectors/registry.js';
import type { Sample } from '../src/eval/corpus.js';

const EMPTY_MODEL: ScoringModel = { id: 'empty', version: '0', bias: 0, weights: {}, trainedOn: '', metrics: {} };

/** A featurizer whose samples sharing a file text share one parse. */
export function devsetFeaturizer(): (sample: Sample) => HunkAnalysis {
  const parses = new Map<string, { parsed: ParsedFile | undefined; lines: readonly string[] }>();
  return (sample) => {
    const language = languageOfPath(sample.path);
    const key = `${language}\0${sample.fileText}`;
    let entry = parses.get(key);
    if (entry === undefined) {
      const parsed = parseSource(sample.fileText, language);
      entry = { parsed, lines: parsed?.lines ?? splitLines(sample.fileText) };
      parses.set(key, entry);
    }
    const ctx = hunkContext(
      { path: sample.path, language, lines: entry.lines, ...(entry.parsed !== undefined ? { parsed: entry.parsed } : {}) },
      sample.startLine,
      sample.endLine,
      sample.deleted !== undefined ? { deleted: sample.deleted } : {},
    );
    return analyzeHunk(ctx, FEATURE_DETECTORS, EMPTY_MODEL);
  };
}
