// The detector interface. A detector looks at one hunk of one file and reports features; the
// scoring model (model.ts) weighs them. Detectors are pure and deterministic, linear in the
// size of the hunk (per-file work is cached on the file's line array), never re-parse, and never
// throw on odd input: empty, huge, binary-looking, U+FFFD-ridden, CRLF, or unparsable text.

import type { Feature, Language } from '../src/core/types.js';
import type { ParsedFile } from './parse.js';

export interface AddedLine {
  /** 1-based line number in the head version of the file. */
  readonly line: number;
  /** Line text without the diff marker and the line terminator. Attacker-controlled. */
  readonly text: string;
}

export interface DetectorContext {
  /** Path in the head tree. Attacker-controlled. */
  readonly path: string;
  readonly language: Language;
  readonly file: {
    /**
     * The head version split into lines (`splitLines`). Use the same array as `parsed.lines`
     * when parsed: per-file facts are cached on this array's identity. May be empty when the
     * source could not read the file; detectors then fall back to the added lines.
     */
    readonly lines: readonly string[];
    readonly parsed?: ParsedFile;
  };
  readonly hunk: {
    /** 1-based inclusive range of the hunk in the head version. */
    readonly startLine: number;
    readonly endLine: number;
    /** Added lines in ascending order, all within startLine..endLine. */
    readonly added: readonly AddedLine[];
    /** Text of the deleted lines. Attacker-controlled. */
    readonly deleted: readonly string[];
  };
  /**
   * Every line added anywhere in this file by the change set (all hunks). The lines not in this
   * set are the file's own unchanged code: the baseline the hunk is compared against. Use the
   * same set object for all hunks of a file (the baseline is cached on it).
   */
  readonly addedLines: ReadonlySet<number>;
}

/** Which way a feature points. Training constrains the sign of its weight accordingly. */
export type FeatureDirection = 'ai' | 'human';

export interface FeatureSpec {
  /** Full feature id, `<detector-id>/<feature>`. */
  readonly id: string;
  readonly direction: FeatureDirection;
  readonly description: string;
}

export interface Detector {
  /** Stable kebab-case id, the prefix of every feature id it emits. */
  readonly id: string;
  /** Semantic version; bump the minor for new features, the major when a feature changes meaning. */
  readonly version: string;
  /** Every feature this detector can emit. */
  readonly features: readonly FeatureSpec[];
  /**
   * Features observed in the hunk, each id at most once, only with value > 0, sorted by id.
   * Values are finite, normally in 0..1; `line`, when set, is an added line of the hunk.
   */
  detect(ctx: DetectorContext): Feature[];
}
