// `npm run bench`: every figure is a ratio to the raw primitive measured in the same run
// (tree-sitter parse for the scan, node:crypto Ed25519 sign/verify for the ledger), so the
// numbers mean the same on a fast laptop and a loaded CI machine.
//
// GitHub API cost is counted, not timed: requests per Action run against the simulator.
// Options: --json (stable machine output), --quick (smaller runs, no 1M-entry memory run),
// --api-only (only the API request counts), --report-only (only the report case),
// --capture-only (only the capture hook latency), --ledger-only (only the ledger append/verify
// runs: the figures as JSON on stdout, the log lines on stderr).

import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { benchHistory } from './history.js';
import { benchScan } from './scan.js';
import { benchLedger, benchLedgerAppend } from './ledger.js';
import { benchApiCost } from './api-cost.js';
import { benchReport, type ReportBenchReport } from './report.js';
import { benchPostgresStore, type PostgresBenchReport } from './ledger-postgres.js';
import { benchCapture, captureLines } from './capture.js';

const args = new Set(process.argv.slice(2));
const json = args.has('--json');
const quick = args.has('--quick');
const scanOnly = args.has('--scan-only');
const apiOnly = args.has('--api-only');
const reportOnly = args.has('--report-only');
const log = (line: string): void => {
  if (!json) process.stderr.write(`${line}\n`);
};

// Run from dist/lib/src/bench/main.js.
const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

const runReport = (): Promise<ReportBenchReport> => benchReport({ entries: quick ? 2_000 : 20_000, memoryEntries: quick ? 0 : 1_000_000, rounds: quick ? 3 : 5, log });
const reportLines = (r: ReportBenchReport | null): string[] => {
  if (r === null) return [];
  const lines = [
    '',
    `report ${r.entries} entries (mean ${r.meanEntryBytes} bytes), medians: raw JSON.parse ${r.rawParseMs} ms`,
    `       read + aggregate             ${r.aggregateMs} ms = ${r.aggregateRatio}× raw parse`,
    `       buildReport (verify + aggregate) ${r.reportMs} ms = ${r.reportRatio}× raw parse`,
  ];
  if (r.memory !== null) lines.push(`       buildReport on ${r.memory.entries} entries (${r.memory.fileMiB} MiB) in ${r.memory.reportSec} s: peak RSS ${r.memory.peakRssMiB} MiB (baseline ${r.memory.baselineRssMiB}), peak heap ${r.memory.peakHeapMiB} MiB`);
  return lines;
};
const runCapture = () => benchCapture({ projectRoot, runs: quick ? 15 : 31, iterations: quick ? 50 : 200, log });
if (args.has('--capture-only')) {
  const c = await runCapture();
  process.stdout.write(json ? `${JSON.stringify({ capture: c }, null, 2)}\n` : `${captureLines(c).join('\n')}\n`);
  process.exit(0);
}
if (reportOnly) {
  const r = await runReport();
  process.stdout.write(json ? `${JSON.stringify({ report: r }, null, 2)}\n` : `${reportLines(r).join('\n')}\n`);
  process.exit(0);
}

if (args.has('--ledger-only')) {
  const ledger = await benchLedger({ rateEntries: quick ? 2_000 : 20_000, memoryEntries: quick ? 0 : 1_000_000, log });
  const ledgerAppend = await benchLedgerAppend({ changes: quick ? 400 : 2_000, rounds: 3, log });
  process.stdout.write(`${JSON.stringify({ ledger, ledgerAppend }, null, 2)}\n`);
  process.exit(0);
}

const api = scanOnly ? null : await benchApiCost({ projectRoot, scenarios: quick ? ['basic'] : ['basic', 'large'], log });
const apiLines = (): string[] => {
  if (api === null) return [];
  if (api.skipped !== undefined) return ['', `api    skipped: ${api.skipped}`];
  const lines = ['', 'api    GitHub requests per Action run (dist/action via run-action.mjs against github-sim; counted, not timed)'];
  for (const s of api.scenarios) {
    for (const r of s.runs) {
      const ops = Object.entries(r.byOperation).sort(([a], [b]) => (a < b ? -1 : 1)).map(([op, n]) => `${op} ${n}`).join(', ');
      lines.push(`       ${s.scenario.padEnd(6)} ${r.run}: ${r.total} requests, ledger ${r.ledger}, ${r.findings} findings, exit ${r.exitCode}`, `              ${ops}`);
    }
  }
  return lines;
};
if (apiOnly) {
  process.stdout.write(json ? `${JSON.stringify({ api }, null, 2)}\n` : `${apiLines().join('\n')}\n`);
  process.exit(0);
}

const scan = await benchScan({
  projectRoot,
  bin: join(projectRoot, 'bin', 'trailmark.js'),
  rawParse: join(dirname(fileURLToPath(import.meta.url)), 'raw-parse.js'),
  ...(quick ? { maxBytes: 1.5 * 1024 * 1024, rounds: 3, startRuns: 5 } : { rounds: 5, startRuns: 9 }),
  log,
});
// The same against a real history: this project's last 300 first-parent commits, when it is a git checkout with them.
const history = benchHistory({
  repo: projectRoot,
  bin: join(projectRoot, 'bin', 'trailmark.js'),
  rawParse: join(dirname(fileURLToPath(import.meta.url)), 'raw-parse.js'),
  commits: quick ? 50 : 300,
  rounds: 3,
  log,
});
const ledger = scanOnly ? null : await benchLedger({ rateEntries: quick ? 2_000 : 20_000, memoryEntries: quick ? 0 : 1_000_000, log });
// Real entry sizes (~4.4 KB), concurrent callers (group commit), bulk and sequential appends.
const ledgerAppend = scanOnly ? null : await benchLedgerAppend({ changes: quick ? 400 : 2_000, rounds: 3, log });
const report = scanOnly ? null : await runReport();
const capture = scanOnly ? null : await runCapture();

const postgres = scanOnly ? null : await benchPostgresStore({ entries: quick ? 500 : 5_000, log });
const postgresLines = (p: PostgresBenchReport | null, f: (n: number, d?: number) => string): string[] => {
  if (p === null) return [];
  if (p.skipped !== undefined || p.dir === null || p.postgres === null) return ['', `store  skipped: ${p.skipped ?? 'no result'}`];
  const row = (name: string, r: NonNullable<PostgresBenchReport['dir']>) =>
    `       ${name.padEnd(10)} append ${Math.round(r.appendPerSec)}/s = ${f(r.appendRatio)}× raw sign   verify ${Math.round(r.verifyPerSec)}/s = ${f(r.verifyRatio)}× raw verify`;
  return ['', `store  directory vs PostgreSQL, ${p.entries} entries of ${p.entryBytes} bytes in batches of ${p.batch} (medians of 3; raw sign ${Math.round(p.rawSignPerSec)}/s, verify ${Math.round(p.rawVerifyPerSec)}/s)`, row('directory', p.dir), row('postgres', p.postgres)];
};

if (json) {
  process.stdout.write(`${JSON.stringify({ scan, history, ledger, ledgerAppend, report, capture, postgres, api }, null, 2)}\n`);
} else {
  const f = (n: number, d = 2): string => n.toFixed(d);
  const ms = (n: number): string => `${Math.round(n)} ms`;
  const cpu = (n: number | null): string => (n === null ? 'n/a' : ms(n));
  const lines = [
    'trailmark bench (ratios against the raw primitive measured in this run)',
    '',
    `scan   ${scan.files} TypeScript files, ${f(scan.megabytes, 1)} MiB, ${scan.commits} commits: ${scan.hunks} hunks, ${scan.addedLines} added lines (medians of ${scan.rounds} rounds)`,
    `       raw parse process (node + tree-sitter)  ${ms(scan.raw.wallMs)} wall  ${cpu(scan.raw.cpuMs)} CPU`,
    `       trailmark scan process                  ${ms(scan.scan.wallMs)} wall  ${cpu(scan.scan.cpuMs)} CPU  (${Math.round(scan.addedLinesPerSec)} added lines/s)`,
    `       whole scan = ${f(scan.wallRatio)}× raw parse in wall time, ${scan.cpuRatio === null ? 'n/a' : `${f(scan.cpuRatio)}×`} in CPU  (goal ≤ 1.5×)`,
    `       engine alone (in process) ${ms(scan.engine.engineMs)} = ${f(scan.engine.ratio)}× parseSource ${ms(scan.engine.rawParseMs)}; git load ${ms(scan.engine.loadMs)}`,
    `       start-up CPU: trailmark --help ${cpu(scan.start.help.cpuMs)} (goal < 100 ms), scan --help ${cpu(scan.start.scanHelp.cpuMs)}, --version ${cpu(scan.start.version.cpuMs)}; node -e 0 ${cpu(scan.start.node.cpuMs)}`,
    `                 wall: --help ${ms(scan.start.help.wallMs)}, scan --help ${ms(scan.start.scanHelp.wallMs)}, --version ${ms(scan.start.version.wallMs)}; node -e 0 ${ms(scan.start.node.wallMs)}`,
    ...(history.skipped !== undefined || history.scan === undefined || history.raw === undefined
      ? ['', `history skipped: ${history.skipped ?? 'no result'}`]
      : [
        '',
        `history this repository's last ${history.firstParentCommits} first-parent commits (${history.commits} with merged branches): ${history.hunks} hunks; ${history.files} files parsed, ${f(history.megabytes ?? 0, 1)} MiB (medians of ${history.rounds} rounds)`,
        `       raw parse process ${ms(history.raw.wallMs)} wall  ${cpu(history.raw.cpuMs)} CPU; trailmark scan process ${ms(history.scan.wallMs)} wall  ${cpu(history.scan.cpuMs)} CPU`,
        `       whole scan = ${f(history.wallRatio ?? 0)}× raw parse in wall time, ${history.cpuRatio === null || history.cpuRatio === undefined ? 'n/a' : `${f(history.cpuRatio)}×`} in CPU  (goal ≤ 1.5×)`,
      ]),
  ];
  if (ledger) lines.push(
    '',
    `ledger entry ${ledger.entryBytes} bytes`,
    `       append  ${Math.round(ledger.appendPerSec)}/s vs raw Ed25519 sign ${Math.round(ledger.rawSignPerSec)}/s  = ${f(ledger.appendRatio)} (goal ≥ 0.7)`,
    `       verify  one thread (the default) ${Math.round(ledger.verifySequentialPerSec)}/s vs raw Ed25519 verify ${Math.round(ledger.rawVerifyPerSec)}/s  = ${f(ledger.verifySequentialRatio)}; ${ledger.verifyThreads} worker threads ${Math.round(ledger.verifyPerSec)}/s = ${f(ledger.verifyRatio)} (${ledger.verifyEntryBytes}-byte entries; goal ≥ 1.5 with threads)`,
    `       single-entry append (fsync-bound) ${f(ledger.singleAppendMs)} ms`,
  );
  if (ledgerAppend) {
    const row = (name: string, m: typeof ledgerAppend.sequential) => `       ${name.padEnd(34)} ${Math.round(m.appendPerSec)}/s vs raw sign ${Math.round(m.rawSignPerSec)}/s = ${f(m.ratio)}`;
    lines.push(
      '',
      `ledger append, real entries of ${ledgerAppend.entryBytes} bytes (medians of 3; goal ≥ 0.8× raw sign)`,
      row(`${ledgerAppend.callers} callers, 2 entries per append`, ledgerAppend.concurrent),
      row(`${ledgerAppend.callers} callers, ${ledgerAppend.bulkEntries} entries per append`, ledgerAppend.bulk),
      row('1 sequential caller, 2 per append', ledgerAppend.sequential),
    );
  }
  if (ledger?.memory) {
    const m = ledger.memory;
    lines.push(`       verify ${m.entries} entries (${f(m.fileMiB, 0)} MiB) in ${f(m.verifySec, 1)} s: peak RSS ${f(m.peakRssMiB, 0)} MiB (baseline ${f(m.baselineRssMiB, 0)}), peak heap ${f(m.peakHeapMiB, 0)} MiB`);
  }
  lines.push(...reportLines(report));
  if (capture !== null) lines.push(...captureLines(capture));
  lines.push(...postgresLines(postgres, f));
  lines.push(...apiLines());
  process.stdout.write(`${lines.join('\n')}\n`);
}
