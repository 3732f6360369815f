// The real-commit corpus manifest (`eval/real/corpus.v1.jsonl`, `eval/real/repos.json`): references
// and digests only, never code. One JSON object per line, in a stable order.

import { CorpusError } from '../corpus-error.js';
import type { Split } from '../split.js';

export const CORPUS_SCHEMA = 'trailmark.real-corpus/v1';

export type RealLabel = 'agent' | 'human-old' | 'human-current';
export const REAL_LABELS: readonly RealLabel[] = ['agent', 'human-old', 'human-current'];

export interface RealSample {
  /** `owner/name`. */
  readonly repo: string;
  readonly commit: string;
  readonly parent: string;
  readonly path: string;
  /** New-side line of the first and last added line. */
  readonly startLine: number;
  readonly endLine: number;
  readonly added: number;
  readonly deleted: number;
  /** `sha256:<hex>` of the added lines joined with "\n" (the analyzer's contentDigest). */
  readonly sha256: string;
  readonly label: RealLabel;
  /** Agent named by the evidence (`claude`, `copilot`, …), `unknown` when it names none; absent for humans. */
  readonly agent?: string;
  /** Evidence source that labelled the commit (`co-author:…`, `footer:…`, `bot:…`); absent for humans. */
  readonly evidence?: string;
  /** RFC 3339 author date. */
  readonly authorDate: string;
  readonly split: Split;
}

export interface RealRepo {
  readonly repo: string;
  readonly head: string;
  readonly commits: number;
  readonly split: Split;
  readonly counts: Readonly<Record<RealLabel, number>>;
  /** Labelled commits found (before the caps). */
  readonly labelledCommits: Readonly<Record<RealLabel, number>>;
}

export interface ReposFile {
  readonly schema: typeof CORPUS_SCHEMA;
  readonly minedAt: string;
  readonly caps: Readonly<Record<RealLabel, number>>;
  readonly repos: readonly RealRepo[];
}

const HEX40 = /^[0-9a-f]{40}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Stable order: repo, label, commit, path, start line. */
export function compareSamples(a: RealSample, b: RealSample): number {
  return cmp(a.repo, b.repo) || cmp(a.label, b.label) || cmp(a.commit, b.commit) || cmp(a.path, b.path) || a.startLine - b.startLine;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function serializeSamples(samples: readonly RealSample[]): string {
  return [...samples].sort(compareSamples).map((s) => `${JSON.stringify(s)}\n`).join('');
}

/** Parses and validates the JSONL manifest; a bad line is a CorpusError naming the line. */
export function parseSamples(text: string): RealSample[] {
  const out: RealSample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new CorpusError('BAD_MANIFEST', `corpus line ${i + 1}: ${err instanceof Error ? err.message : String(err)}`);
    }
    out.push(validate(value, i + 1));
  }
  return out;
}

function validate(v: unknown, line: number): RealSample {
  const bad = (what: string): never => {
    throw new CorpusError('BAD_MANIFEST', `corpus line ${line}: ${what}`);
  };
  if (typeof v !== 'object' || v === null) return bad('not an object');
  const o = v as Record<string, unknown>;
  const str = (k: string): string => (typeof o[k] === 'string' ? (o[k]) : bad(`${k} is not a string`));
  const int = (k: string): number => (Number.isSafeInteger(o[k]) && (o[k] as number) >= 0 ? (o[k] as number) : bad(`${k} is not a non-negative integer`));
  const repo = str('repo');
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) bad(`repo ${JSON.stringify(repo)} is not owner/name`);
  const commit = str('commit');
  const parent = str('parent');
  if (!HEX40.test(commit) || !HEX40.test(parent)) bad('commit and parent must be 40-hex shas');
  const label = str('label');
  if (!(REAL_LABELS as readonly string[]).includes(label)) bad(`unknown label ${JSON.stringify(label)}`);
  const split = str('split');
  if (split !== 'train' && split !== 'test') bad(`unknown split ${JSON.stringify(split)}`);
  const sha256 = str('sha256');
  if (!DIGEST.test(sha256)) bad('sha256 is not sha256:<64 hex>');
  const sample: RealSample = {
    repo,
    commit,
    parent,
    path: str('path'),
    startLine: int('startLine'),
    endLine: int('endLine'),
    added: int('added'),
    deleted: int('deleted'),
    sha256,
    label: label as RealLabel,
    ...(o.agent === undefined ? {} : { agent: str('agent') }),
    ...(o.evidence === undefined ? {} : { evidence: str('evidence') }),
    authorDate: str('authorDate'),
    split: split as Split,
  };
  if (sample.endLine < sample.startLine) bad('endLine is before startLine');
  if ((sample.label === 'agent') !== (sample.agent !== undefined)) bad('agent is set exactly on agent samples');
  return sample;
}
