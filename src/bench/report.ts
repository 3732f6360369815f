// Report benchmark: a realistic ledger (pull requests over twelve weeks: change.analyzed
// entries of 1 to 8 hunks with attribution and a pr.author commitment, their findings,
// re-analyses, approvals, merges, remediations), then, each figure a ratio to the raw primitive
// measured in the same round:
//   aggregate: read + strict parse + aggregate (no verification) / raw JSON.parse of the lines
//   report:    buildReport (verification + aggregation) / raw JSON.parse of the lines
// Medians over the rounds. Memory: peak RSS of buildReport over a large ledger, in a fresh
// process (flat: aggregates only, never entries).
import { runInChild, sendToParent, withMemoryPeaks } from './child.js';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Random } from '../core/ports.js';
import { buildReport } from '../engine/report.js';
import { openLedger, type EntryDraft } from '../ledger/log.js';
import { generateNoteKey, parseSignerKey, parseVerifierKey } from '../ledger/note.js';
import { readEntries } from '../ledger/read.js';
import { openDirStore } from '../ledger/store/dir.js';
import { DEFAULT_SIGNIFICANCE, ReportAggregator } from '../report/aggregate.js';
import { previousWeeks, weekRange } from '../report/week.js';

export interface ReportBenchOptions {
  /** Entries of the timing ledger. Default 20,000. */
  readonly entries?: number;
  /** Entries of the memory run. Default 1,000,000; 0 skips it. */
  readonly memoryEntries?: number;
  readonly rounds?: number;
  readonly log?: (line: string) => void;
}

export interface ReportBenchReport {
  readonly entries: number;
  readonly meanEntryBytes: number;
  readonly rawParseMs: number;
  readonly aggregateMs: number;
  readonly reportMs: number;
  /** Medians of the per-round ratios. */
  readonly aggregateRatio: number;
  readonly reportRatio: number;
  readonly memory: null | {
    readonly entries: number;
    readonly fileMiB: number;
    readonly generateSec: number;
    readonly reportSec: number;
    readonly baselineRssMiB: number;
    readonly peakRssMiB: number;
    readonly peakHeapMiB: number;
  };
}

const ORIGIN = 'bench.example/report';
const WEEK = '2026-W49';
const START = Date.parse(weekRange(previousWeeks(WEEK, 12)[0]!).since);
const SPAN_MS = 12 * 7 * 86_400_000;
const NOW = Date.parse(weekRange(WEEK).until) + 86_400_000;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const counterRandom = (): Random => {
  let n = 0;
  return { bytes: (k) => Buffer.alloc(k, n++ & 0xff) };
};

const hex = (n: number, len: number) => n.toString(16).padStart(len, '0').slice(-len);
const VERDICTS = ['attested', 'unattested', 'contradicted', 'clear', 'uncertain', 'skipped'] as const;
const AGENTS = [
  ['claude-code', 'claude-opus-4-5'],
  ['cursor', null],
  ['copilot', 'gpt-5'],
  ['aider', 'claude-sonnet-4-5'],
] as const;

/** The drafts of one pull request's activity: analysis (+ findings), maybe approval, re-analysis, merge. */
function pullRequestDrafts(pr: number, rnd: () => number): EntryDraft[][] {
  const repo = `acme/service-${pr % 5}`;
  const author = `dev-${Math.floor(rnd() * 40)}`;
  const analysis = (rev: number): EntryDraft[] => {
    const n = 1 + Math.floor(rnd() * 8);
    const verdicts = { attested: 0, unattested: 0, contradicted: 0, clear: 0, uncertain: 0, skipped: 0 };
    const evidence = { recorded: 0, declared: 0, stamped: 0, inferred: 0 };
    let added = 0;
    const hunks = Array.from({ length: n }, (_, i) => {
      const r = rnd();
      const verdict = r < 0.3 ? 'attested' : r < 0.5 ? 'unattested' : r < 0.55 ? 'contradicted' : VERDICTS[3 + Math.floor(rnd() * 3)]!;
      const start = 1 + Math.floor(rnd() * 400);
      const lines = 3 + Math.floor(rnd() * 60);
      added += lines;
      verdicts[verdict]++;
      const agent = AGENTS[Math.floor(rnd() * AGENTS.length)]!;
      const ev = verdict === 'attested' ? ['declared', 'inferred'] : verdict === 'contradicted' ? ['declared', 'inferred'] : ['inferred'];
      for (const e of ev) evidence[e as keyof typeof evidence]++;
      // Each repository has 400 files; pull requests touch some of them (paths repeat, as in a real repository).
      const file = Math.floor(rnd() * 400);
      return {
        path: `src/module-${file % 20}/file-${file}.ts`,
        startLine: start,
        endLine: start + lines - 1,
        contentDigest: `sha256:${hex(pr * 31 + i * 7 + rev, 64)}`,
        verdict,
        evidence: ev,
        score: Math.round(rnd() * 1e4) / 1e4,
        addedLines: lines,
        commits: [hex(pr * 1_000 + rev, 40)],
        ...(verdict === 'attested' ? { attribution: [{ class: 'declared', source: 'trailer:Assisted-by', agent: agent[0], model: agent[1], commit: hex(pr * 1_000 + rev, 40) }] } : {}),
      };
    });
    const gaps = hunks.filter((h) => h.verdict === 'unattested' || h.verdict === 'contradicted');
    const change: EntryDraft = {
      kind: 'change.analyzed',
      policy: 'bench-1',
      body: (ctx) => ({
        schema: 'trailmark.change.analyzed/v1',
        repository: repo,
        pullRequest: pr,
        base: hex(pr, 40),
        head: hex(pr * 1_000 + rev, 40),
        tool: { name: 'trailmark', version: '0.1.0' },
        detectors: [{ id: 'assistant-text', version: '1' }, { id: 'structure', version: '2' }],
        model: 'trailmark-model/1',
        thresholds: { low: 0.5, high: 0.8 },
        counts: {
          files: n,
          hunks: n,
          addedLines: added,
          commits: 1,
          omissions: 0,
          verdicts,
          findings: { unattested: verdicts.unattested, contradicted: verdicts.contradicted, 'approval-drift': 0 },
          evidence,
        },
        subjects: { 'pr.author': ctx.commit(author) },
        hunks,
        hunkPages: 0,
      }),
    };
    const findings: EntryDraft[] = gaps.map((h) => ({
      kind: 'finding',
      policy: 'bench-1',
      body: (ctx) => ({
        schema: 'trailmark.finding/v1',
        change: { seq: ctx.previous[0]!.seq, hash: ctx.previous[0]!.hash },
        finding: h.verdict as 'unattested' | 'contradicted',
        path: h.path,
        startLine: h.startLine,
        endLine: h.endLine,
        level: 'warning',
        score: h.score,
        message: `${h.path}:${h.startLine}-${h.endLine} looks AI-written (score ${h.score}) and no evidence says so`,
      }),
    }));
    return [change, ...findings];
  };
  const digest = `sha256:${hex(pr, 64)}`;
  const out: EntryDraft[][] = [analysis(0)];
  if (rnd() < 0.2) out.push(analysis(1));
  if (rnd() < 0.6) {
    out.push([{ kind: 'review.approved', policy: 'bench-1', body: (ctx) => ({ schema: 'trailmark.review-approved/v1', repository: repo, pullRequest: pr, review: pr, head: hex(pr, 40), diffDigest: digest, subjects: { reviewer: ctx.commit(`dev-${pr % 40}`) } }) }]);
    if (rnd() < 0.05) out.push([{ kind: 'remediation', policy: 'bench-1', body: (ctx) => ({ schema: 'trailmark.remediation/v1', repository: repo, pullRequest: pr, head: hex(pr, 40), declaration: 'Assisted-by: Claude:claude-opus-4-5', paths: [], subjects: { 'declared-by': ctx.commit(author) } }) }]);
    if (rnd() < 0.85) {
      const drift = rnd() < 0.1;
      out.push([{ kind: 'merge', policy: 'bench-1', body: (ctx) => ({ schema: 'trailmark.merge/v1', repository: repo, pullRequest: pr, mergeCommit: hex(pr * 3, 40), method: 'merge', head: hex(pr, 40), diffDigest: drift ? `sha256:${hex(pr + 1, 64)}` : digest, approvedDigest: digest, subjects: { 'merged-by': ctx.commit(`dev-${(pr + 1) % 40}`) } }) }]);
    }
  }
  return out;
}

/** Writes a ledger of about `entries` entries spread over twelve weeks ending with WEEK. */
export async function generateReportLedger(dir: string, entries: number): Promise<{ entries: number; verifierKey: string }> {
  return generate(dir, entries);
}

async function generate(dir: string, entries: number): Promise<{ entries: number; verifierKey: string }> {
  const key = generateNoteKey(ORIGIN, Buffer.alloc(32, 7));
  let now = START;
  const ledger = await openLedger({ store: openDirStore(dir, { create: true }), signer: parseSignerKey(key.signerKey), origin: ORIGIN, clock: { now: () => now }, random: counterRandom() });
  const rnd = mulberry32(42);
  let written = 0;
  let pr = 0;
  let batch: EntryDraft[] = [];
  while (written < entries) {
    for (const append of pullRequestDrafts(++pr, rnd)) {
      batch.push(...append);
      written += append.length;
    }
    if (batch.length >= 2_000 || written >= entries) {
      // One append per batch: the time moves forward evenly over the span.
      now = START + Math.floor((SPAN_MS * written) / entries);
      await ledger.append(batch);
      batch = [];
    }
  }
  return { entries: written, verifierKey: key.verifierKey };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;
const reportOptions = { clock: { now: () => NOW }, ...weekRange(WEEK) };

async function rawParse(dir: string): Promise<{ ms: number; bytes: number; lines: number }> {
  const t = process.hrtime.bigint();
  let bytes = 0;
  let lines = 0;
  const decoder = new TextDecoder();
  for await (const line of openDirStore(dir).readLines(0)) {
    bytes += line.byteLength;
    lines++;
    JSON.parse(decoder.decode(line));
  }
  return { ms: ms(t), bytes, lines };
}

async function aggregateOnly(dir: string): Promise<number> {
  const t = process.hrtime.bigint();
  const store = openDirStore(dir);
  const range = weekRange(WEEK);
  const agg = new ReportAggregator({
    ...range,
    now: new Date(NOW).toISOString(),
    trendWeeks: previousWeeks(WEEK, 8),
    cellWeeks: previousWeeks(WEEK, 8),
    repositories: [],
    isSensitive: () => false,
    rewriteWindowDays: 30,
    significance: DEFAULT_SIGNIFICANCE,
    cellCap: 5_000,
    pathRowCap: 500,
  });
  const i = agg.addLedger({ location: dir, origin: ORIGIN, size: (await store.tail()).size, root: null, verified: true, problem: null, subjects: await store.readSubjects() });
  for await (const e of readEntries(store)) agg.add(i, e);
  for (const { from } of agg.secondPass()) for await (const e of readEntries(store, from)) if (!agg.subtract(i, e)) break;
  agg.finish();
  return ms(t);
}

interface ChildResult {
  readonly reportSec: number;
  readonly baselineRss: number;
  readonly peakRss: number;
  readonly peakHeap: number;
  readonly verified: boolean;
}

const CHILD_FLAG = '--trailmark-bench-report-child';

function reportInChild(dir: string, verifierKey: string): Promise<ChildResult> {
  return runInChild<ChildResult>(fileURLToPath(import.meta.url), CHILD_FLAG, [dir, verifierKey], 'report');
}

async function reportChildMain(dir: string, verifierKey: string): Promise<void> {
  const t = process.hrtime.bigint();
  const { result: model, ...peaks } = await withMemoryPeaks(() => buildReport([{ store: openDirStore(dir), keys: [parseVerifierKey(verifierKey)] }], reportOptions));
  const reportSec = ms(t) / 1e3;
  const result: ChildResult = { reportSec, ...peaks, verified: model.provenance.ledgers.every((l) => l.verified) };
  sendToParent(result);
}

if (process.argv[2] === CHILD_FLAG) await reportChildMain(process.argv[3]!, process.argv[4]!);

export async function benchReport(options: ReportBenchOptions = {}): Promise<ReportBenchReport> {
  const log = options.log ?? (() => undefined);
  const rounds = options.rounds ?? 5;
  const memoryEntries = options.memoryEntries ?? 1_000_000;
  const root = mkdtempSync(join(tmpdir(), 'trailmark-bench-report-'));
  try {
    const dir = join(root, 'rate');
    const { entries, verifierKey } = await generate(dir, options.entries ?? 20_000);
    const keys = [parseVerifierKey(verifierKey)];
    const raw: number[] = [];
    const agg: number[] = [];
    const rep: number[] = [];
    const aggRatio: number[] = [];
    const repRatio: number[] = [];
    let bytes = 0;
    // Each round measures the raw parse next to both report paths, under the same load.
    for (let r = 0; r < rounds; r++) {
      const p = await rawParse(dir);
      bytes = p.bytes;
      const a = await aggregateOnly(dir);
      const t = process.hrtime.bigint();
      const model = await buildReport([{ store: openDirStore(dir), keys }], reportOptions);
      const b = ms(t);
      if (!model.provenance.ledgers[0]!.verified) throw new Error(`bench ledger does not verify: ${model.provenance.ledgers[0]!.problem}`);
      raw.push(p.ms);
      agg.push(a);
      rep.push(b);
      aggRatio.push(a / p.ms);
      repRatio.push(b / p.ms);
    }
    const result = {
      entries,
      meanEntryBytes: Math.round(bytes / entries),
      rawParseMs: Math.round(median(raw) * 10) / 10,
      aggregateMs: Math.round(median(agg) * 10) / 10,
      reportMs: Math.round(median(rep) * 10) / 10,
      aggregateRatio: Math.round(median(aggRatio) * 100) / 100,
      reportRatio: Math.round(median(repRatio) * 100) / 100,
    };
    log(`report: ${entries} entries (mean ${result.meanEntryBytes} bytes): raw JSON.parse ${result.rawParseMs} ms, aggregate ${result.aggregateMs} ms (${result.aggregateRatio}×), buildReport with verification ${result.reportMs} ms (${result.reportRatio}×), medians of ${rounds}`);
    let memory: ReportBenchReport['memory'] = null;
    if (memoryEntries > 0) {
      const memDir = join(root, 'memory');
      const g = process.hrtime.bigint();
      const gen = await generate(memDir, memoryEntries);
      const generateSec = ms(g) / 1e3;
      const m = await reportInChild(memDir, gen.verifierKey);
      if (!m.verified) throw new Error('memory-run ledger does not verify');
      memory = {
        entries: gen.entries,
        fileMiB: mib(statSync(join(memDir, 'entries.jsonl')).size),
        generateSec: Math.round(generateSec * 10) / 10,
        reportSec: Math.round(m.reportSec * 10) / 10,
        baselineRssMiB: mib(m.baselineRss),
        peakRssMiB: mib(m.peakRss),
        peakHeapMiB: mib(m.peakHeap),
      };
      log(`report memory on ${memory.entries} entries (${memory.fileMiB} MiB), fresh process: peak RSS ${memory.peakRssMiB} MiB (${memory.baselineRssMiB} at start), peak heap ${memory.peakHeapMiB} MiB; report in ${memory.reportSec} s`);
    }
    return { ...result, memory };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
