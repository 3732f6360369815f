// Use case `analyzeChange`: change set + policy + records → ScanResult (trailmark.scan/v1).
// The only orchestration of diff/, detectors/, attest/ and the cross-check; it does no I/O.
// Every file and hunk of the change set appears in the result: analysed, or `skipped` with a
// reason — nothing is dropped silently.

import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import type { Policy } from '../core/policy.js';
import type { RawRecord } from '../core/ports.js';
import type {
  ChangeSet,
  Commit,
  DiffHunk,
  Evidence,
  EvidenceClass,
  FileChange,
  Finding,
  HunkResult,
  Language,
  Omission,
  Remediation,
  ScanResult,
  ScanSummary,
  Signal,
  SyntacticUnit,
  Verdict,
} from '../core/types.js';
import { EVIDENCE_CLASSES, VERDICTS } from '../core/types.js';
import { classifyFile } from '../diff/classify.js';
import { nativeParser, type ParsedFile, type Parser } from '../../detectors/parse.js';
import { isParsable } from '../../detectors/language.js';
import { splitLines } from '../../detectors/line-facts.js';
import { enclosingUnits } from '../../detectors/units.js';
import { DEFAULT_DETECTORS, detectorsFor } from '../../detectors/registry.js';
import type { Detector, DetectorContext } from '../../detectors/detector.js';
import { analyzeHunk, coefficient, DEFAULT_MODEL, type ScoringModel } from '../../detectors/model.js';
import { DEFAULT_MESSAGE_MODEL, scoreMessage, stampMarkersFrom, type MessageModel, type MessageScore } from '../../detectors/commit-message.js';
import { REGISTRY } from '../attest/registry.js';
import { commitEvidence, contextEvidence, remediationCovers, remediationEvidence, remediationScope } from '../attest/commit-evidence.js';
import { parseRecords, recordedEvidence } from '../attest/match.js';
import { crosscheck } from './crosscheck.js';
import { findingFor } from './findings.js';

export interface AnalyzeOptions {
  readonly policy: Policy;
  readonly records?: readonly RawRecord[];
  readonly remediations?: readonly Remediation[];
  /** Default: the detectors whose features `model` weighs (detectors/registry.ts detectorsFor). */
  readonly detectors?: readonly Detector[];
  readonly model?: ScoringModel;
  /** Commit-message model (detectors/commit-message.ts); default the shipped weights. */
  readonly messageModel?: MessageModel;
  /**
   * Tree-sitter backend (detectors/parsers/): the native binding by default; the Action passes
   * the WASM one. Each file is parsed once and released once its hunks are scored.
   */
  readonly parser?: Parser;
  /** Called after each file; adapters show progress on a TTY. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** How many top signals a hunk keeps in the result (the reasons shown to authors). */
const MAX_SIGNALS_PER_HUNK = 8;
/**
 * Most a message adds to a hunk's log-odds. Every commit message is scored, and its
 * log-likelihood ratio (agent over current-era human messages) is added to its hunks' code
 * log-odds within [0, MAX_MESSAGE_LOG_ODDS]: a message shaped like an agent's raises the score;
 * one shaped like a person's leaves the code's own score, since people commit assistants' code
 * under their own terse messages (the ratio measures agent-written commits, not AI-written code).
 * Thresholds for this rule were chosen on the real-commit train split by
 * scripts/operating-points.ts: train AUROC 0.80, against 0.57 when only messages at or above the
 * operating point were added, with the same 1% flag budget (spent on current-era human hunks).
 */
export const MAX_MESSAGE_LOG_ODDS = 3;

/** What a message with log-likelihood ratio `llr` adds to its hunks' log-odds: the ratio within [0, MAX_MESSAGE_LOG_ODDS]. */
export function messageLogOdds(llr: number): number {
  return llr > 0 ? Math.min(llr, MAX_MESSAGE_LOG_ODDS) : 0;
}
const STAMP_MARKERS = stampMarkersFrom(REGISTRY);
/** The message signals (commit-message/…, pr-description/…): they have their own evidence entry. */
const isMessageSignal = (id: string): boolean => id.startsWith('commit-message/') || id.startsWith('pr-description/');

/**
 * A scored commit message or PR description: what it adds to its hunks, the signal that says so,
 * and, at or above the message model's operating point, the `inferred` evidence entry.
 */
interface MessageEvidence {
  readonly evidence?: Evidence;
  readonly signal: Signal;
  readonly logOdds: number;
}

export function analyzeChange(changeSet: ChangeSet, options: AnalyzeOptions): Promise<ScanResult> {
  // Synchronous work behind an async contract: sources and sinks are async, analysis is CPU.
  return Promise.resolve(analyzeChangeSync(changeSet, options));
}

export function analyzeChangeSync(changeSet: ChangeSet, options: AnalyzeOptions): ScanResult {
  const { policy } = options;
  const model = options.model ?? DEFAULT_MODEL;
  const detectors = options.detectors ?? (model === DEFAULT_MODEL ? DEFAULT_DETECTORS : detectorsFor(model));
  const parser = options.parser ?? nativeParser;
  const isIgnored = picomatch(policy.ignore.length > 0 ? [...policy.ignore] : ['\0never'], { dot: true });
  const isSensitive = picomatch(policy.sensitivePaths.length > 0 ? [...policy.sensitivePaths] : ['\0never'], { dot: true });

  const commitsBySha = new Map(changeSet.commits.map((c) => [c.sha, c] as const));
  const evidenceByCommit = new Map<string, readonly Evidence[]>();
  const evidenceOf = (commit: Commit): readonly Evidence[] => {
    let ev = evidenceByCommit.get(commit.sha);
    if (ev === undefined) {
      ev = commitEvidence(commit, { extraMarkers: policy.markers });
      evidenceByCommit.set(commit.sha, ev);
    }
    return ev;
  };
  const changeWide = changeSet.context ? contextEvidence(changeSet.context) : [];
  const messageModel = options.messageModel ?? DEFAULT_MESSAGE_MODEL;
  const messageByCommit = new Map<string, MessageEvidence | undefined>();
  const messageOf = (commit: Commit): MessageEvidence | undefined => {
    if (!messageByCommit.has(commit.sha)) {
      messageByCommit.set(commit.sha, messageEvidence(scoreMessage(commit.message, STAMP_MARKERS, messageModel), messageModel, commit.sha));
    }
    return messageByCommit.get(commit.sha);
  };
  const body = changeSet.context?.pullRequestBody;
  // A PR description counts only when it reads like agents' (the message model was fitted on
  // commit messages; a person's PR template is not evidence either way).
  const prScored = body !== undefined && body.trim() !== '' ? messageEvidence(scoreMessage(body, STAMP_MARKERS, messageModel), messageModel, undefined) : undefined;
  const prMessage = prScored?.evidence === undefined ? undefined : prScored;
  // The most agent-like message among a hunk's commits; the PR description when it adds more.
  const messageFor = (commitShas: readonly string[]): MessageEvidence | undefined => {
    let best: MessageEvidence | undefined;
    for (const sha of commitShas) {
      const commit = commitsBySha.get(sha);
      const m = commit === undefined ? undefined : messageOf(commit);
      if (m !== undefined && (best === undefined || m.logOdds > best.logOdds)) best = m;
    }
    return prMessage !== undefined && (best === undefined || prMessage.logOdds > best.logOdds) ? prMessage : best;
  };
  const remediations = (options.remediations ?? []).map((r) => ({ r, evidence: remediationEvidence(r), scope: remediationScope(r.headSha, changeSet.head, changeSet.commits) }));
  const { records, problems } = parseRecords(options.records ?? []);
  const omissions: Omission[] = [...changeSet.omissions, ...problems.map((p) => ({ reason: `record ignored: ${p.message}` }))];

  const hunks: HunkResult[] = [];
  const findings: Finding[] = [];
  const files = [...changeSet.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  files.forEach((file, index) => {
    const ignored = isIgnored(file.path);
    const classification = ignored
      ? ({ skip: true, reason: 'ignored by config' } as const)
      : classifyFile({ path: file.path, headText: file.headText, binary: file.binary, size: file.headSize, status: file.status, mode: file.newMode });
    if (classification.skip) {
      hunks.push(...skippedHunks(file, classification.reason));
    } else if (!isParsable(classification.language)) {
      for (const h of unscoredHunks(file, classification.language, (hunk, commits) => hunkEvidence(file, hunk, commits), policy.thresholds)) {
        hunks.push(h);
        const finding = findingFor(h, policy, isSensitive(file.path));
        if (finding) findings.push(finding);
      }
    } else {
      const fileHunks = analyzeFile(file, classification.language, {
        detectors,
        model,
        parser,
        // Scored on lines alone then: said, never silent (a backend that cannot load fails every file).
        onParseFailure: (why) => omissions.push({ path: file.path, reason: `not parsed, scored without a syntax tree: ${why}` }),
        low: policy.thresholds.low,
        evidenceFor: (hunk, commits) => hunkEvidence(file, hunk, commits),
        messageFor,
      });
      for (const h of fileHunks) {
        const cross = h.verdict === 'skipped' ? undefined : crosscheck(h.score, h.evidence, policy.thresholds);
        const result: HunkResult = cross ? { ...h, verdict: cross.verdict, reason: cross.fromScore === true ? withCodeNote(cross.reason, h) : cross.reason } : h;
        hunks.push(result);
        const finding = findingFor(result, policy, isSensitive(file.path));
        if (finding) findings.push(finding);
      }
    }
    options.onProgress?.(index + 1, files.length);
  });

  function hunkEvidence(file: FileChange, hunk: AnalysedHunk, commitShas: readonly string[]): Evidence[] {
    const evidence: Evidence[] = [];
    for (const sha of commitShas) {
      const commit = commitsBySha.get(sha);
      if (commit) evidence.push(...evidenceOf(commit));
    }
    evidence.push(...changeWide);
    // A remediation covers the content as of the head it was made on (remediationScope).
    const lineCommits = hunk.added.map((a) => file.lineCommits?.get(a.line));
    for (const { r, evidence: ev, scope } of remediations) {
      if (ev && (r.paths.length === 0 || r.paths.includes(file.path)) && remediationCovers(scope, lineCommits)) evidence.push(ev);
    }
    evidence.push(...recordedEvidence(
      {
        path: file.path,
        startLine: hunk.startLine,
        endLine: hunk.endLine,
        addedLines: hunk.added,
        commits: commitShas,
        // Agent hooks record HEAD at edit time: the parent of the commit that later holds the lines.
        parents: commitShas.flatMap((sha) => commitsBySha.get(sha)?.parents ?? []),
      },
      records,
      changeSet.head,
    ));
    return dedupeEvidence(evidence);
  }

  const summary = summarize(changeSet, hunks, findings, policy, model, detectors, omissions);
  return {
    schema: 'trailmark.scan/v1',
    base: changeSet.base,
    head: changeSet.head,
    summary,
    hunks,
    findings: findings.sort(compareFindings),
  };
}

interface AnalysedHunk {
  readonly startLine: number;
  readonly endLine: number;
  readonly added: readonly { line: number; text: string }[];
}

interface FileAnalysisDeps {
  readonly detectors: readonly Detector[];
  readonly model: ScoringModel;
  readonly parser: Parser;
  readonly onParseFailure: (why: string) => void;
  readonly evidenceFor: (hunk: AnalysedHunk, commits: readonly string[]) => Evidence[];
  /** The agent-like commit message (or PR description) the hunk's commits share, if any. */
  readonly messageFor: (commits: readonly string[]) => MessageEvidence | undefined;
  readonly low: number;
}

function analyzeFile(file: FileChange, language: Language, deps: FileAnalysisDeps): HunkResult[] {
  // Parse the head version once per file; every hunk of the file shares the tree.
  const text = file.headText;
  const parsed: ParsedFile | undefined = text === undefined ? undefined : deps.parser.parse(text, language);
  if (parsed?.parseFailure !== undefined) deps.onParseFailure(parsed.parseFailure);
  try {
    return analyzeHunks(file, language, parsed, text, deps);
  } finally {
    // Results hold plain data only (units are copied out), never nodes of the tree.
    if (parsed !== undefined) deps.parser.release(parsed);
  }
}

/** A hunk's added lines (with their head line numbers) and deleted texts. */
function splitHunk(hunk: DiffHunk): { added: { line: number; text: string }[]; deleted: string[] } {
  const added: { line: number; text: string }[] = [];
  const deleted: string[] = [];
  for (const l of hunk.lines) {
    if (l.kind === 'add') {
      if (l.newLine !== undefined) added.push({ line: l.newLine, text: l.text });
    } else if (l.kind === 'del') {
      deleted.push(l.text);
    }
  }
  return { added, deleted };
}

function analyzeHunks(file: FileChange, language: Language, parsed: ParsedFile | undefined, text: string | undefined, deps: FileAnalysisDeps): HunkResult[] {
  const lines: readonly string[] = parsed?.lines ?? (text === undefined ? [] : splitLines(text));
  const addedLines = new Set<number>();
  for (const h of file.hunks) for (const l of h.lines) if (l.kind === 'add' && l.newLine !== undefined) addedLines.add(l.newLine);

  return file.hunks.map((hunk): HunkResult => {
    const { added, deleted } = splitHunk(hunk);
    if (added.length === 0) {
      return skippedHunk(file, hunk, ONLY_DELETIONS, language, deleted.length);
    }
    const startLine = added[0]!.line;
    const endLine = added[added.length - 1]!.line;
    // Without the head text (plain patch), the hunk's own lines are the only file context.
    const fileLines = lines.length > 0 ? lines : contextFromHunk(hunk);
    const ctx: DetectorContext = {
      path: file.path,
      language,
      file: { lines: fileLines, ...(parsed?.tree ? { parsed } : {}) },
      hunk: { startLine, endLine, added, deleted },
      addedLines,
    };
    const analysis = analyzeHunk(ctx, deps.detectors, deps.model);
    const commits = commitsOf(file, added);
    const units: readonly SyntacticUnit[] = parsed?.tree ? enclosingUnits(parsed, startLine, endLine, (l) => addedLines.has(l)) : [];
    const evidence = deps.evidenceFor({ startLine, endLine, added }, commits);
    // The commit is the unit an author wrote: its message joins every hunk it introduced, added
    // to the code's log-odds (bounded), small hunks included.
    const message = deps.messageFor(commits);
    const score = message === undefined ? analysis.score : sigmoid(codeLogOdds(analysis.features, deps.model) + message.logOdds);
    const signals = message === undefined ? analysis.signals : [...analysis.signals, message.signal];
    return {
      path: file.path,
      startLine,
      endLine,
      language,
      score: round(score),
      signals: topSignals(signals),
      evidence: message?.evidence === undefined ? evidence : dedupeEvidence([...evidence, message.evidence]),
      verdict: 'clear',
      addedLines: added.length,
      deletedLines: deleted.length,
      commits,
      units,
      contentDigest: digestLines(added.map((a) => a.text)),
    };
  }).map((h) => withInferredEvidence(h, deps.low));
}

/** The hunk model's log-odds, exactly as scoreFeatures sums them (before the sigmoid). */
function codeLogOdds(features: readonly { readonly id: string; readonly value: number }[], model: ScoringModel): number {
  let z = Number.isFinite(model.bias) ? model.bias : 0;
  for (const f of features) if (Number.isFinite(f.value)) z += coefficient(model, f.id) * f.value;
  return z;
}

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * What a scored message adds to its hunks, or nothing when it does not lean toward agents': its
 * log-likelihood ratio up to the bound, a signal whose words say how strongly, and, at or above
 * the operating point, `inferred` evidence (source `commit-message` with the commit, or
 * `pr-description`).
 */
function messageEvidence(m: MessageScore, model: MessageModel, sha: string | undefined): MessageEvidence | undefined {
  const logOdds = messageLogOdds(m.llr);
  if (logOdds === 0) return undefined;
  const what = sha === undefined ? 'the pull request description' : `commit ${sha.slice(0, 7)}'s message`;
  const source = sha === undefined ? 'pr-description' : 'commit-message';
  if (!m.agentLike) {
    // Shown with its weight, which is the ratio itself.
    const detail = `${what} leans toward agent-written messages (below the operating point): ${m.description}`;
    return { logOdds, signal: { id: `${source}/leans-agent`, weight: logOdds, detail } };
  }
  const reason = `${what} reads like agent-written messages: ${m.description}`;
  const detail = `${reason} (log-likelihood ratio ${m.llr.toFixed(2)}, operating point ${model.threshold.toFixed(2)})`;
  const evidence: Evidence = sha === undefined
    ? { class: 'inferred', source: 'pr-description', says: 'ai', detail }
    : { class: 'inferred', source: 'commit-message', says: 'ai', detail, commit: sha };
  return { evidence, logOdds, signal: { id: `${source}/agent-like`, weight: logOdds, detail: reason } };
}

/**
 * A score-based reason says so when no code signal fired: the score is then the model's base,
 * plus the commit message if one leans toward agents'. Small hunks are mostly like this.
 */
function withCodeNote(reason: string, h: HunkResult): string {
  if (codeSignalFired(h)) return reason;
  return `${reason}; beyond its size, no code signal fired on its ${h.addedLines} added ${h.addedLines === 1 ? 'line' : 'lines'}`;
}

/** The hunk-shape size feature: it fires on every hunk, so it says nothing about the content. */
const SIZE_SIGNAL = 'hunk-shape/size';

/** Whether a code signal other than size fired on the hunk (else its score is the model's base plus its message). */
export function codeSignalFired(h: { readonly signals: readonly { readonly id: string }[] }): boolean {
  return h.signals.some((s) => !isMessageSignal(s.id) && s.id !== SIZE_SIGNAL);
}

/** Adds the `inferred` evidence entry once the score reaches the low threshold. */
function withInferredEvidence(h: HunkResult, low: number): HunkResult {
  if (h.verdict === 'skipped' || h.score < low) return h;
  // The message signals have their own evidence entry (commit-message, pr-description).
  const top = h.signals.filter((s) => s.weight > 0 && !isMessageSignal(s.id)).slice(0, 3).map((s) => s.detail);
  if (top.length === 0) return h;
  const inferred: Evidence = {
    class: 'inferred',
    source: 'detectors',
    says: 'ai',
    detail: `score ${h.score.toFixed(2)}: ${top.join('; ')}`,
  };
  return { ...h, evidence: [...h.evidence, inferred] };
}

function contextFromHunk(hunk: DiffHunk): string[] {
  const lines: string[] = [];
  for (const l of hunk.lines) if (l.kind !== 'del') lines[(l.newLine ?? 1) - 1] = l.text;
  for (let i = 0; i < lines.length; i++) lines[i] ??= '';
  return lines;
}

function commitsOf(file: FileChange, added: readonly { line: number }[]): string[] {
  const map = file.lineCommits;
  if (!map || map.size === 0) return [];
  const seen = new Set<string>();
  for (const a of added) {
    const sha = map.get(a.line);
    if (sha) seen.add(sha);
  }
  return [...seen];
}

/**
 * Hunks of a text file in a language the detectors and the model do not cover (Markdown, JSON,
 * YAML, CSS, other programming languages). The model was fitted and its operating points chosen
 * on TypeScript and JavaScript; run over prose or data, its signals are not true statements (a
 * code fence in Markdown is no chat residue) and a third of real .mdx hunks reached `high`. So
 * nothing is inferred from their content, commit messages included. What the commits, the pull
 * request and the records say still decides: `attested`, `contradicted`, or `clear` when a person
 * declared it; otherwise the hunk is `skipped` with the reason, its evidence kept.
 */
function unscoredHunks(
  file: FileChange,
  language: Language,
  evidenceFor: (hunk: AnalysedHunk, commits: readonly string[]) => Evidence[],
  thresholds: Policy['thresholds'],
): HunkResult[] {
  const reason = `not scored: the detectors read TypeScript and JavaScript, not ${textKind(file.path)}`;
  return file.hunks.map((hunk): HunkResult => {
    const { added, deleted } = splitHunk(hunk);
    if (added.length === 0) return skippedHunk(file, hunk, ONLY_DELETIONS, language, deleted.length);
    const skipped = skippedHunk(file, hunk, reason, language, deleted.length);
    const evidence = evidenceFor({ startLine: skipped.startLine, endLine: skipped.endLine, added }, skipped.commits);
    // A score of 0: only claims decide (crosscheck), never inference.
    const cross = crosscheck(0, evidence, thresholds);
    return cross.fromScore === true ? { ...skipped, evidence } : { ...skipped, evidence, verdict: cross.verdict, reason: cross.reason };
  });
}

/** The skip reason of a hunk that adds no line, in scored and unscored files alike. */
const ONLY_DELETIONS = 'only deletions: nothing was written';

const TEXT_KINDS: Readonly<Record<string, string>> = {
  md: 'Markdown', mdx: 'Markdown', markdown: 'Markdown',
  json: 'JSON', jsonc: 'JSON', json5: 'JSON',
  yml: 'YAML', yaml: 'YAML',
  css: 'CSS', scss: 'CSS', sass: 'CSS', less: 'CSS',
  html: 'HTML', htm: 'HTML',
  vue: 'Vue single-file components', svelte: 'Svelte components', astro: 'Astro components',
};

/** What kind of text a path holds, for the reason an unscored hunk gives. */
function textKind(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return 'files without an extension';
  const ext = base.slice(dot + 1).toLowerCase();
  return TEXT_KINDS[ext] ?? `.${ext} files`;
}

function skippedHunks(file: FileChange, reason: string): HunkResult[] {
  const language = file.binary ? 'binary' : 'unknown';
  if (file.hunks.length === 0) {
    return [{
      path: file.path, startLine: 0, endLine: 0, language, score: 0, signals: [], evidence: [],
      verdict: 'skipped', reason, addedLines: 0, deletedLines: 0, commits: [], units: [],
      contentDigest: digestLines([]),
    }];
  }
  return file.hunks.map((h) => skippedHunk(file, h, reason, language, h.lines.filter((l) => l.kind === 'del').length));
}

function skippedHunk(file: FileChange, hunk: DiffHunk, reason: string, language: Language, deletedLines: number): HunkResult {
  const added = hunk.lines.filter((l) => l.kind === 'add');
  const first = added[0]?.newLine ?? hunk.newStart;
  const last = added[added.length - 1]?.newLine ?? first;
  return {
    path: file.path,
    startLine: first,
    endLine: last,
    language,
    score: 0,
    signals: [],
    evidence: [],
    verdict: 'skipped',
    reason,
    addedLines: added.length,
    deletedLines,
    commits: commitsOf(file, added.map((l) => ({ line: l.newLine ?? 0 }))),
    units: [],
    contentDigest: digestLines(added.map((l) => l.text)),
  };
}

/**
 * The strongest signals, by |weight|. A message signal is always kept (it is the one reason that
 * is not about the code, and readers of the result subtract it to get the code's own score); the
 * code's signals fill the rest.
 */
function topSignals(signals: readonly Signal[]): Signal[] {
  const kept = signals.filter((s) => s.weight !== 0);
  const message = kept.filter((s) => isMessageSignal(s.id));
  const code = kept.filter((s) => !isMessageSignal(s.id)).sort(byStrength).slice(0, Math.max(0, MAX_SIGNALS_PER_HUNK - message.length));
  return [...message, ...code].sort(byStrength).map((s) => ({ ...s, weight: round(s.weight) }));
}

function byStrength(a: Signal, b: Signal): number {
  return Math.abs(b.weight) - Math.abs(a.weight) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function dedupeEvidence(evidence: readonly Evidence[]): Evidence[] {
  const seen = new Set<string>();
  const out: Evidence[] = [];
  for (const e of evidence) {
    const key = `${e.class}\0${e.source}\0${e.says}\0${e.commit ?? ''}\0${e.detail ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}

/** `sha256:<hex>` of the lines joined with "\n" — the content digest in results and the ledger. */
export function digestLines(lines: readonly string[]): string {
  return `sha256:${createHash('sha256').update(lines.join('\n'), 'utf8').digest('hex')}`;
}

function round(n: number): number {
  return Math.round(n * 1e4) / 1e4;
}

function compareFindings(a: Finding, b: Finding): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : a.startLine - b.startLine || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0);
}

function summarize(
  changeSet: ChangeSet,
  hunks: readonly HunkResult[],
  findings: readonly Finding[],
  policy: Policy,
  model: ScoringModel,
  detectors: readonly Detector[],
  omissions: ScanSummary['omissions'],
): ScanSummary {
  const verdicts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  const evidence = Object.fromEntries(EVIDENCE_CLASSES.map((c) => [c, 0])) as Record<EvidenceClass, number>;
  let addedLines = 0;
  for (const h of hunks) {
    verdicts[h.verdict] += 1;
    addedLines += h.addedLines;
    for (const c of new Set(h.evidence.map((e) => e.class))) evidence[c] += 1;
  }
  const findingCounts = { unattested: 0, contradicted: 0, 'approval-drift': 0 };
  for (const f of findings) findingCounts[f.kind] += 1;
  return {
    files: changeSet.files.length,
    hunks: hunks.length,
    addedLines,
    commits: changeSet.commits.length,
    verdicts,
    findings: findingCounts,
    evidence,
    thresholds: { low: policy.thresholds.low, high: policy.thresholds.high },
    policyVersion: policy.version,
    modelVersion: `${model.id}@${model.version}`,
    detectors: [...detectors.map((d) => ({ id: d.id, version: d.version }))],
    omissions: [...omissions],
  };
}

