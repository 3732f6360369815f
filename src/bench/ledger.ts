// Ledger benchmarks, each figure a ratio to the raw primitive measured in the same run:
//   append: entries/s appended (sign + canonical JSON + hashes + write, batched appends)
//           / raw node:crypto Ed25519 signatures/s over messages of the same size
//   verify: entries/s verified by the streaming verifier from the directory store, entry checks
//           in worker threads (default threads), and with one thread
//           / raw node:crypto Ed25519 verifications/s on one core, over the same entry bytes
//   memory: peak RSS and heap while verifying a large ledger (flat: O(log n) state)
// Entries for the memory run are generated with large batches (one fsync per batch).
import { runInChild, sendToParent, withMemoryPeaks } from './child.js';
import { generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Random } from '../core/ports.js';
import { verifyStore } from '../ledger/check-store.js';
import { CHANGE_ANALYZED_SCHEMA, type ChangeAnalyzedBody } from '../ledger/kinds/change-analyzed.js';
import { CHANGE_HUNKS_SCHEMA } from '../ledger/kinds/change-hunks.js';
import { openLedger, type EntryDraft } from '../ledger/log.js';
import { generateNoteKey, parseSignerKey, parseVerifierKey } from '../ledger/note.js';
import { openDirStore } from '../ledger/store/dir.js';
import { defaultThreads, maxThreads } from '../ledger/verify-pool.js';

export interface LedgerBenchOptions {
  /** Entries for the append and verify rate runs. Default 20,000. */
  readonly rateEntries?: number;
  /** Entries for the memory run. Default 1,000,000. 0 skips it. */
  readonly memoryEntries?: number;
  /** Entries per append call. Default 1,000. */
  readonly batch?: number;
  readonly log?: (line: string) => void;
}

export interface LedgerBenchReport {
  readonly entryBytes: number;
  readonly rawSignPerSec: number;
  readonly appendPerSec: number;
  readonly appendRatio: number;
  readonly rawVerifyPerSec: number;
  readonly verifyPerSec: number;
  readonly verifyRatio: number;
  /** Worker threads of the verify run (available parallelism) and its verify line size. */
  readonly verifyThreads: number;
  readonly verifyEntryBytes: number;
  /** The same verification on one thread, median ratio to raw verify. */
  readonly verifySequentialPerSec: number;
  readonly verifySequentialRatio: number;
  /** Milliseconds for one single-entry append (fsync-bound), median of 50. */
  readonly singleAppendMs: number;
  readonly memory: null | {
    readonly entries: number;
    readonly generateSec: number;
    readonly verifySec: number;
    readonly threads: number;
    readonly baselineRssMiB: number;
    readonly peakRssMiB: number;
    readonly peakHeapMiB: number;
    readonly fileMiB: number;
  };
}

/** Raw and ledger runs alternate this many times; medians are reported. */
const ROUNDS = 3;

const medianOf = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const clockAt = (t: number) => ({ now: () => t });
const counterRandom = (): Random => {
  let n = 0;
  return { bytes: (k) => Buffer.alloc(k, n++ & 0xff) };
};

function body(i: number): ChangeAnalyzedBody {
  return {
    schema: CHANGE_ANALYZED_SCHEMA,
    repository: 'octo/bench',
    pullRequest: i,
    base: 'a'.repeat(40),
    head: i.toString(16).padStart(40, '0'),
    tool: { name: 'trailmark', version: '0.1.0' },
    detectors: [{ id: 'assistant-text', version: '1' }],
    model: 'model-1',
    thresholds: { low: 0.5, high: 0.8 },
    counts: {
      files: 1,
      hunks: 1,
      addedLines: 12,
      commits: 1,
      omissions: 0,
      verdicts: { attested: 0, unattested: 1, contradicted: 0, clear: 0, uncertain: 0, skipped: 0 },
      findings: { unattested: 1, contradicted: 0, 'approval-drift': 0 },
      evidence: { recorded: 0, declared: 0, stamped: 0, inferred: 1 },
    },
    subjects: {},
    hunks: [{ path: `src/module/file-${i % 997}.ts`, startLine: 10, endLine: 22, contentDigest: `sha256:${(i % 251).toString(16).padStart(64, '0')}`, verdict: 'unattested', evidence: ['inferred'], score: 0.91 }],
    hunkPages: 0,
  };
}

/**
 * A `change.analyzed` body the size of a real one (a line of ~4.4 KB): sixteen hunks. The
 * verify rate depends on the line size (hashing, parsing, the signed message).
 */
function realBody(i: number): ChangeAnalyzedBody {
  const b = body(i);
  const hunks = Array.from({ length: 16 }, (_, h) => ({ ...b.hunks[0]!, path: `src/module/dir-${h}/file-${(i + h) % 997}.ts`, startLine: 10 + 20 * h, endLine: 22 + 20 * h, contentDigest: `sha256:${((i * 31 + h) % 65_521).toString(16).padStart(64, '0')}` }));
  return { ...b, counts: { ...b.counts, hunks: hunks.length, files: hunks.length, addedLines: 12 * hunks.length }, hunks };
}

const drafts = (from: number, n: number, make: (i: number) => ChangeAnalyzedBody = body): EntryDraft[] => Array.from({ length: n }, (_, j) => ({ kind: 'change.analyzed', policy: 'bench-1', body: make(from + j) }));

function perSec(n: number, start: bigint): number {
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/**
 * Appends `entries` entries in batches. With `raw`, each batch is preceded by as many raw
 * signatures, timed separately, so both sides see the same machine load (the bench host may
 * be shared); returns both rates.
 */
async function fill(dir: string, entries: number, batch: number, raw?: () => void, make: (i: number) => ChangeAnalyzedBody = body): Promise<{ ledger: number; raw: number }> {
  const key = generateNoteKey('bench.example/ledger', Buffer.alloc(32, 1));
  const ledger = await openLedger({ store: openDirStore(dir, { create: true }), signer: parseSignerKey(key.signerKey), origin: 'bench.example/ledger', clock: clockAt(Date.UTC(2026, 0, 1)), random: counterRandom() });
  let ledgerNs = 0n;
  let rawNs = 0n;
  for (let i = 0; i < entries; i += batch) {
    const n = Math.min(batch, entries - i);
    // Bodies are built before the clock starts: the figure is the ledger's cost, not the caller's.
    const d = drafts(i, n, make);
    if (raw !== undefined) {
      const r = process.hrtime.bigint();
      for (let j = 0; j < n; j++) raw();
      rawNs += process.hrtime.bigint() - r;
    }
    const t = process.hrtime.bigint();
    await ledger.append(d);
    ledgerNs += process.hrtime.bigint() - t;
  }
  const rate = (ns: bigint) => (ns === 0n ? 0 : entries / (Number(ns) / 1e9));
  return { ledger: rate(ledgerNs), raw: rate(rawNs) };
}

interface ChildResult {
  readonly ok: boolean;
  readonly entries: number;
  readonly problem: string | null;
  readonly verifySec: number;
  readonly threads: number;
  readonly baselineRss: number;
  readonly peakRss: number;
  readonly peakHeap: number;
}

const CHILD_FLAG = '--trailmark-bench-verify-child';

/** Verifies `dir` in a fresh process, so that its RSS is the verifier's and nothing else's. */
function verifyInChild(dir: string, verifierKey: string): Promise<ChildResult> {
  return runInChild<ChildResult>(fileURLToPath(import.meta.url), CHILD_FLAG, [dir, verifierKey], 'verify');
}

async function verifyChildMain(dir: string, verifierKey: string): Promise<void> {
  const start = process.hrtime.bigint();
  const { result: report, ...peaks } = await withMemoryPeaks(() => verifyStore(openDirStore(dir), [parseVerifierKey(verifierKey)]));
  const verifySec = Number(process.hrtime.bigint() - start) / 1e9;
  const result: ChildResult = {
    ok: report.ok,
    entries: report.entries,
    problem: report.problems[0]?.message ?? null,
    verifySec,
    // verifyStore's default, as `trailmark verify` runs without --threads.
    threads: defaultThreads(),
    ...peaks,
  };
  sendToParent(result);
}

if (process.argv[2] === CHILD_FLAG) await verifyChildMain(process.argv[3]!, process.argv[4]!);

export async function benchLedger(options: LedgerBenchOptions = {}): Promise<LedgerBenchReport> {
  const log = options.log ?? (() => undefined);
  const rateEntries = options.rateEntries ?? 20_000;
  const memoryEntries = options.memoryEntries ?? 1_000_000;
  const batch = options.batch ?? 1_000;
  const key = generateNoteKey('bench.example/ledger', Buffer.alloc(32, 1));
  const verifier = parseVerifierKey(key.verifierKey);
  const root = mkdtempSync(join(tmpdir(), 'trailmark-bench-'));
  try {
    // Raw primitives, over messages of the size of a real entry. The machine may be shared:
    // raw and ledger runs alternate, and the medians of ROUNDS runs are reported.
    const sample = Buffer.from(JSON.stringify({ body: body(0), kind: 'change.analyzed', policy: 'bench-1', prev: '0'.repeat(64), seq: 123456, time: '2026-01-01T00:00:00.000Z', v: 1 }));
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    let rawSignPerSec = 0;
    let appendPerSec = 0;
    const rateDir = join(root, 'rate');
    // Each round pairs the raw primitive with the ledger under the same load (the machine may
    // be shared); the medians of the rounds are reported.
    let appendRatio = 0;
    const appendRounds: { ledger: number; raw: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      rmSync(rateDir, { recursive: true, force: true });
      appendRounds.push(await fill(rateDir, rateEntries, batch, () => sign(null, sample, privateKey)));
    }
    appendRatio = medianOf(appendRounds.map((a) => a.ledger / a.raw));
    appendPerSec = medianOf(appendRounds.map((a) => a.ledger));
    rawSignPerSec = medianOf(appendRounds.map((a) => a.raw));
    log(`ledger append: ${Math.round(appendPerSec)} entries/s vs raw ed25519 sign ${Math.round(rawSignPerSec)}/s: ratio ${appendRatio.toFixed(2)} (median of ${ROUNDS}, batches of ${batch}, entry ~${sample.byteLength} bytes)`);

    // Verify: a ledger of real-sized entries; raw verify over one of its own lines.
    const verifyDir = join(root, 'verify');
    await fill(verifyDir, rateEntries, batch, undefined, realBody);
    let verifyEntryBytes = 0;
    let realLine: Uint8Array | null = null;
    for await (const line of openDirStore(verifyDir).readLines(0)) {
      verifyEntryBytes += line.byteLength;
      realLine ??= Buffer.from(line);
    }
    verifyEntryBytes = Math.round(verifyEntryBytes / rateEntries);
    const realSig = sign(null, realLine!, privateKey);
    const threads = maxThreads();
    const runs: { raw: number; parallel: number; sequential: number }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let t = process.hrtime.bigint();
      for (let i = 0; i < rateEntries; i++) verify(null, realLine!, publicKey, realSig);
      const raw = perSec(rateEntries, t);
      t = process.hrtime.bigint();
      // Workers from the first line: the rate of the parallel path itself (the CLI starts them
      // past PARALLEL_THRESHOLD lines only, which a quick run does not reach).
      const report = await verifyStore(openDirStore(verifyDir), [verifier], { threads, threshold: 0 });
      const parallel = perSec(rateEntries, t);
      t = process.hrtime.bigint();
      const one = await verifyStore(openDirStore(verifyDir), [verifier], { threads: 1 });
      const sequential = perSec(rateEntries, t);
      if (!report.ok || !one.ok) throw new Error(`bench ledger does not verify: ${report.problems[0]?.message ?? one.problems[0]?.message}`);
      runs.push({ raw, parallel, sequential });
    }
    const verifyRatio = medianOf(runs.map((r) => r.parallel / r.raw));
    const verifySequentialRatio = medianOf(runs.map((r) => r.sequential / r.raw));
    const rawVerifyPerSec = medianOf(runs.map((r) => r.raw));
    const verifyPerSec = medianOf(runs.map((r) => r.parallel));
    const verifySequentialPerSec = medianOf(runs.map((r) => r.sequential));
    log(`ledger verify (${threads} worker threads): ${Math.round(verifyPerSec)} entries/s vs raw ed25519 verify on one core ${Math.round(rawVerifyPerSec)}/s: ratio ${verifyRatio.toFixed(2)}; one thread ${Math.round(verifySequentialPerSec)}/s: ratio ${verifySequentialRatio.toFixed(2)} (medians of ${ROUNDS}, ${rateEntries} entries of ~${verifyEntryBytes} bytes, workers from the first line; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`);
    rmSync(verifyDir, { recursive: true, force: true });

    const single = join(root, 'single');
    const ledger = await openLedger({ store: openDirStore(single, { create: true }), signer: parseSignerKey(key.signerKey), origin: 'bench.example/ledger', clock: clockAt(0), random: counterRandom() });
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const s = process.hrtime.bigint();
      await ledger.append(drafts(i, 1));
      times.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    times.sort((a, b) => a - b);
    const singleAppendMs = Math.round(times[25]! * 100) / 100;
    log(`ledger single-entry append: median ${singleAppendMs} ms (lines and both checkpoint files fsynced at once, then the history directory)`);

    let memory: LedgerBenchReport['memory'] = null;
    if (memoryEntries > 0) {
      const memDir = join(root, 'memory');
      const gs = process.hrtime.bigint();
      await fill(memDir, memoryEntries, 10_000);
      const generateSec = Number(process.hrtime.bigint() - gs) / 1e9;
      const m = await verifyInChild(memDir, key.verifierKey);
      if (!m.ok || m.entries !== memoryEntries) throw new Error(`memory-run ledger does not verify: ${m.problem}`);
      const { statSync } = await import('node:fs');
      memory = {
        entries: memoryEntries,
        generateSec: Math.round(generateSec * 10) / 10,
        verifySec: Math.round(m.verifySec * 10) / 10,
        threads: m.threads,
        baselineRssMiB: mib(m.baselineRss),
        peakRssMiB: mib(m.peakRss),
        peakHeapMiB: mib(m.peakHeap),
        fileMiB: mib(statSync(join(memDir, 'entries.jsonl')).size),
      };
      log(`ledger verify memory on ${memoryEntries} entries (${memory.fileMiB} MiB), fresh process, ${memory.threads} worker threads: peak RSS ${memory.peakRssMiB} MiB (${memory.baselineRssMiB} MiB at start), peak heap ${memory.peakHeapMiB} MiB; verified in ${memory.verifySec} s, generated in ${memory.generateSec} s`);
    }
    return {
      entryBytes: sample.byteLength,
      rawSignPerSec,
      appendPerSec,
      appendRatio,
      rawVerifyPerSec,
      verifyPerSec,
      verifyRatio,
      verifyThreads: threads,
      verifyEntryBytes,
      verifySequentialPerSec,
      verifySequentialRatio,
      singleAppendMs,
      memory,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

// ---- append with real entry sizes: group commit under concurrent callers ----

export interface AppendBenchOptions {
  /** Pull requests appended per run (each one `change.analyzed` + one `change.hunks` page). Default 2,000. */
  readonly changes?: number;
  /** Callers with an append in flight at once. Default 8. */
  readonly callers?: number;
  /** Pull requests per append call in the bulk mode (2 entries each). Default 64. */
  readonly bulk?: number;
  /** Runs per mode; medians are reported. Default 3. */
  readonly rounds?: number;
  readonly log?: (line: string) => void;
}

export interface AppendModeFigures {
  /** Median ledger entries/s. */
  readonly appendPerSec: number;
  /** Median raw Ed25519 signatures/s over the same entry bytes, measured next to each run. */
  readonly rawSignPerSec: number;
  /** Median of the per-run ratios append / raw sign. */
  readonly ratio: number;
}

export interface AppendBenchReport {
  /** Mean line length in bytes of the entries appended. */
  readonly entryBytes: number;
  readonly callers: number;
  /** `callers` appenders in flight at once, 2 entries (one pull request) per append: group-committed. */
  readonly concurrent: AppendModeFigures;
  /** `callers` appenders in flight at once, `bulkEntries` entries per append (backfills, imports). */
  readonly bulk: AppendModeFigures;
  readonly bulkEntries: number;
  /** One appender awaiting each append before the next (no grouping possible). */
  readonly sequential: AppendModeFigures;
}

// Seven hunks with their attribution make a line of ~4.4 KB, the size of real entries.
const HUNKS_PER_ENTRY = 7;

function realHunks(change: number, page: number): ChangeAnalyzedBody['hunks'][number][] {
  return Array.from({ length: HUNKS_PER_ENTRY }, (_, h) => {
    const n = change * 1_000 + page * 100 + h;
    const commit = (n * 2654435761).toString(16).padStart(40, '7').slice(0, 40);
    return {
      path: `src/services/payments/reconciliation/handlers/module-${n % 997}/settlement-${h}.ts`,
      startLine: 10 + h * 40,
      endLine: 42 + h * 40,
      contentDigest: `sha256:${(n % 65_521).toString(16).padStart(64, 'c')}`,
      verdict: h % 3 === 0 ? 'unattested' : 'attested',
      evidence: h % 3 === 0 ? ['inferred'] : ['declared', 'inferred'],
      score: 0.5 + (n % 50) / 100,
      addedLines: 32,
      commits: [commit],
      attribution: [{ class: 'declared', source: 'commit-trailer', agent: 'claude-code', model: 'claude-sonnet-4', commit }],
    };
  });
}

/**
 * What the engine appends for one analysed pull request with two pages of hunks. The page's
 * hunks are built here, before the clock starts, as engine/record.ts builds its pages before
 * appending: the body function only adds the reference to the change entry, which needs its
 * hash (building the hunks inside it measured ~30 µs per entry of the caller's work).
 */
function realDrafts(change: number): EntryDraft[] {
  const page = realHunks(change, 1);
  const analyzed: ChangeAnalyzedBody = {
    ...body(change),
    counts: { ...body(change).counts, files: HUNKS_PER_ENTRY * 2, hunks: HUNKS_PER_ENTRY * 2, addedLines: 64 * HUNKS_PER_ENTRY },
    hunks: realHunks(change, 0),
    hunkPages: 1,
    job: `octo/bench#${change}@${change.toString(16).padStart(40, '0')}`,
  };
  return [
    { kind: 'change.analyzed', policy: 'bench-1', body: analyzed },
    {
      kind: 'change.hunks',
      policy: 'bench-1',
      body: (ctx) => {
        const of = ctx.previous.at(-1)!;
        return { schema: CHANGE_HUNKS_SCHEMA, change: { seq: of.seq, hash: of.hash }, page: 1, hunks: page };
      },
    },
  ];
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** One run: `callers` loops appending `changes` pull requests between them; returns entries/s. */
async function appendRun(dir: string, changes: number, callers: number, perAppend: number): Promise<{ perSec: number; lines: Uint8Array[] }> {
  const key = generateNoteKey('bench.example/ledger', Buffer.alloc(32, 1));
  const ledger = await openLedger({ store: openDirStore(dir, { create: true }), signer: parseSignerKey(key.signerKey), origin: 'bench.example/ledger', clock: { now: () => Date.now() }, random: counterRandom() });
  // Drafts are built before the clock starts: the figure is the ledger's cost, not the caller's.
  const work = Array.from({ length: Math.ceil(changes / perAppend) }, (_, a) =>
    Array.from({ length: Math.min(perAppend, changes - a * perAppend) }, (_, j) => realDrafts(a * perAppend + j)).flat(),
  );
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: callers }, async () => {
    while (next < work.length) await ledger.append(work[next++]!);
  }));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const lines: Uint8Array[] = [];
  for await (const line of ledger.store.readLines(0)) lines.push(Buffer.from(line));
  const report = await verifyStore(openDirStore(dir), [parseVerifierKey(key.verifierKey)]);
  if (!report.ok || report.entries !== changes * 2) throw new Error(`append bench ledger does not verify: ${report.problems[0]?.message ?? `${report.entries} entries`}`);
  return { perSec: (changes * 2) / seconds, lines };
}

/** Raw Ed25519 signatures/s over exactly the signing-sized messages of `lines`. */
function rawSignRate(lines: readonly Uint8Array[], privateKey: KeyObject): number {
  const start = process.hrtime.bigint();
  for (const line of lines) sign(null, line, privateKey);
  return perSec(lines.length, start);
}

export async function benchLedgerAppend(options: AppendBenchOptions = {}): Promise<AppendBenchReport> {
  const log = options.log ?? (() => undefined);
  const changes = options.changes ?? 2_000;
  const callers = options.callers ?? 8;
  const rounds = options.rounds ?? 3;
  const { privateKey } = generateKeyPairSync('ed25519');
  const root = mkdtempSync(join(tmpdir(), 'trailmark-bench-append-'));
  let entryBytes = 0;
  try {
    const mode = async (name: string, n: number, c: number, perAppend: number): Promise<AppendModeFigures> => {
      const runs: { ledger: number; raw: number }[] = [];
      for (let r = 0; r < rounds; r++) {
        const dir = join(root, `${name}-${r}`);
        const { perSec: ledger, lines } = await appendRun(dir, n, c, perAppend);
        // Raw signing right after, over the same bytes, under the same machine load.
        const raw = rawSignRate(lines, privateKey);
        entryBytes = Math.round(lines.reduce((s, l) => s + l.byteLength, 0) / lines.length);
        runs.push({ ledger, raw });
        rmSync(dir, { recursive: true, force: true });
      }
      return { appendPerSec: median(runs.map((x) => x.ledger)), rawSignPerSec: median(runs.map((x) => x.raw)), ratio: median(runs.map((x) => x.ledger / x.raw)) };
    };
    const bulk = options.bulk ?? 64;
    const concurrent = await mode('concurrent', changes, callers, 1);
    log(`ledger append, ${callers} callers in flight (group commit): ${Math.round(concurrent.appendPerSec)} entries/s vs raw ed25519 sign ${Math.round(concurrent.rawSignPerSec)}/s: ratio ${concurrent.ratio.toFixed(2)} (median of ${rounds}, 2 entries per append, ~${entryBytes} bytes each; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores)`);
    // Sequential appends are fsync-bound (two rounds of fsyncs each): fewer of them keep the run short.
    const bulkFigures = await mode('bulk', changes * 4, callers, bulk);
    log(`ledger append, ${callers} callers in flight with ${bulk * 2} entries per append: ${Math.round(bulkFigures.appendPerSec)} entries/s vs raw ed25519 sign ${Math.round(bulkFigures.rawSignPerSec)}/s: ratio ${bulkFigures.ratio.toFixed(2)} (median of ${rounds})`);
    const sequential = await mode('sequential', Math.max(1, Math.round(changes / 10)), 1, 1);
    log(`ledger append, 1 sequential caller: ${Math.round(sequential.appendPerSec)} entries/s vs raw ed25519 sign ${Math.round(sequential.rawSignPerSec)}/s: ratio ${sequential.ratio.toFixed(2)} (median of ${rounds})`);
    return { entryBytes, callers, concurrent, bulk: bulkFigures, bulkEntries: bulk * 2, sequential };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
