// Capture benchmark: what an agent waits for. A Claude Code hook is a whole process the agent
// blocks on (PostToolUse runs synchronously), so the figure that matters is the wall time of one
// `node bin/trailmark.js capture claude-code < payload` in a real repository, reported as a median
// and as a ratio to the raw primitive "start a node process that does nothing" (`node -e 0`)
// measured in the same run. Also: `trailmark --version` (the CLI's own load cost, the floor of
// every hook through bin/trailmark.js), a process importing only the capture command (the floor
// of a capture-only entry point), the in-process cost of one captureEvent, and one spool append against one fsync'd
// 1 KiB append (the durability floor of an acknowledged record).
//
// The capture modules are loaded by URL at run time and driven through the small local
// interfaces below (the contract of src/capture/types.ts), so the bench builds and reports a
// reason for each part a checkout does not have yet.

import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CaptureEvent, SpoolDraft, SpoolWriter } from '../capture/types.js';

export interface CaptureBenchOptions {
  /** The checkout: bin/trailmark.js and dist/lib are under it. */
  readonly projectRoot: string;
  /** Process runs per measurement (at least 15). */
  readonly runs: number;
  /** In-process iterations (captureEvent, spool append, fsync'd write). */
  readonly iterations: number;
  readonly log?: (line: string) => void;
}

export interface ProcessTimes {
  readonly runs: number;
  readonly medianMs: number;
  readonly p90Ms: number;
}

export interface CaptureBenchReport {
  /** `node -e 0`: the raw primitive. */
  readonly nodeStart: ProcessTimes;
  /** `node bin/trailmark.js --version`: the CLI's load cost (every command module is imported). */
  readonly cliStart: ProcessTimes & { readonly ratio: number };
  /** A process importing only the capture command's module: the floor a capture-only entry point would have. */
  readonly captureModuleStart: (ProcessTimes & { readonly ratio: number }) | { readonly skipped: string };
  /** One PostToolUse hook process, or why it was not measured. */
  readonly hook: (ProcessTimes & { readonly ratio: number; readonly payload: string; readonly exitCodes: readonly number[]; readonly recorded: number | null }) | { readonly skipped: string };
  /** One captureEvent in process (median ms), or why not. */
  readonly captureEvent: { readonly medianMs: number; readonly iterations: number } | { readonly skipped: string };
  /** One spool append of one record vs one fsync'd 1 KiB append (medians, ms). */
  readonly spool: { readonly appendMs: number; readonly fsyncWriteMs: number; readonly ratio: number; readonly recordBytes: number; readonly iterations: number } | { readonly skipped: string };
}

const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return s[lo]! + (s[hi]! - s[lo]!) * (i - lo);
};
const round = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d;
const ms = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;
const times = (xs: readonly number[]): ProcessTimes => ({ runs: xs.length, medianMs: round(quantile(xs, 0.5)), p90Ms: round(quantile(xs, 0.9)) });

/** Wall time of one child process from spawn to exit, stdin fed and closed. */
function timeProcess(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Promise<{ ms: number; code: number }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [...args], { cwd: options.cwd, env: options.env, stdio: ['pipe', 'ignore', 'ignore'] });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ ms: ms(start), code: code ?? -1 }));
    child.stdin.end(options.input ?? '');
  });
}

function git(cwd: string, args: readonly string[]): string {
  return execFileSync('git', ['-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com' },
  });
}

/**
 * A Claude Code PostToolUse payload: the payloads fixture (test/fixtures/capture/claude-code/)
 * with its paths moved into the bench repository when the checkout has one, else the documented
 * shape (https://code.claude.com/docs/en/hooks, PostToolUse input) for the Write tool.
 */
function hookPayload(projectRoot: string, repo: string, file: string, content: string, transcript: string): { text: string; source: string } {
  const dir = join(projectRoot, 'test', 'fixtures', 'capture', 'claude-code');
  const names = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.json')).sort() : [];
  for (const name of names) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    } catch {
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null) continue;
    const p = parsed as Record<string, unknown>;
    if (p['hook_event_name'] !== 'PostToolUse' || p['tool_name'] !== 'Write') continue;
    const toolInput = { ...(p['tool_input'] as Record<string, unknown>), file_path: file, content };
    const toolResponse = typeof p['tool_response'] === 'object' && p['tool_response'] !== null ? { ...(p['tool_response'] as Record<string, unknown>), filePath: file, content } : { filePath: file, content };
    return { text: JSON.stringify({ ...p, cwd: repo, transcript_path: transcript, tool_input: toolInput, tool_response: toolResponse }), source: `test/fixtures/capture/claude-code/${name}` };
  }
  return {
    text: JSON.stringify({
      session_id: '0c6d7e1f-9a2b-4c3d-8e5f-6a7b8c9d0e1f', transcript_path: transcript, cwd: repo, permission_mode: 'acceptEdits',
      hook_event_name: 'PostToolUse', tool_name: 'Write', tool_input: { file_path: file, content },
      tool_response: { type: 'update', filePath: file, content, structuredPatch: [] },
    }),
    source: 'documented shape (code.claude.com/docs/en/hooks)',
  };
}

/** A module of the build by its path under dist/lib, or undefined when this build has none. */
async function distModule(projectRoot: string, rel: string): Promise<Record<string, unknown> | undefined> {
  const file = join(projectRoot, 'dist', 'lib', rel);
  if (!existsSync(file)) return undefined;
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/** The code a file's lines are made of in the hook runs: a changing function, like an agent's edits. */
const sourceFor = (i: number): string => [
  '/**',
  ` * Scales a value by ${i + 2}; edit ${i} of the bench.`,
  ' */',
  `export function scale${i}(value: number): number {`,
  '  // Multiply and return the scaled value',
  `  return value * ${i + 2};`,
  '}',
  '',
].join('\n');

export async function benchCapture(options: CaptureBenchOptions): Promise<CaptureBenchReport> {
  const log = options.log ?? (() => undefined);
  const runs = Math.max(15, options.runs);
  const root = mkdtempSync(join(tmpdir(), 'trailmark-bench-capture-'));
  try {
    const repo = join(root, 'repo');
    const home = join(root, 'home');
    mkdirSync(join(repo, 'src'), { recursive: true });
    mkdirSync(home);
    git(repo, ['init', '-q', '-b', 'main']);
    git(repo, ['remote', 'add', 'origin', 'https://github.com/acme/widgets.git']);
    writeFileSync(join(repo, 'src', 'scale.ts'), sourceFor(0));
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'base']);
    const transcript = join(root, 'transcript.jsonl');
    writeFileSync(transcript, `${JSON.stringify({ type: 'assistant', requestId: 'req_bench', message: { role: 'assistant', model: 'claude-sonnet-4-5', content: [] } })}\n`);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: root, TRAILMARK_HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
    const bin = join(options.projectRoot, 'bin', 'trailmark.js');
    const hookAvailable = existsSync(join(options.projectRoot, 'dist', 'lib', 'cli', 'commands', 'capture.js'));
    const file = join(repo, 'src', 'scale.ts');

    // Interleaved rounds (raw, CLI, hook), so a loaded machine slows all three alike.
    const captureModule = join(options.projectRoot, 'dist', 'lib', 'cli', 'commands', 'capture.js');
    const importOnly = ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(captureModule).href)});`];
    const node: number[] = [];
    const cli: number[] = [];
    const moduleOnly: number[] = [];
    const hook: number[] = [];
    const codes: number[] = [];
    let payloadSource = '';
    for (let i = 0; i < runs + 1; i++) {
      const a = await timeProcess(['-e', '0'], { cwd: repo, env });
      const b = await timeProcess([bin, '--version'], { cwd: repo, env });
      // The first round warms the file cache; it is not counted.
      if (i > 0) {
        node.push(a.ms);
        cli.push(b.ms);
      }
      if (hookAvailable) {
        const m = await timeProcess(importOnly, { cwd: repo, env });
        if (i > 0) moduleOnly.push(m.ms);
        const content = sourceFor(i + 1);
        writeFileSync(file, content);
        const payload = hookPayload(options.projectRoot, repo, file, content, transcript);
        payloadSource = payload.source;
        const c = await timeProcess([bin, 'capture', 'claude-code'], { cwd: repo, env, input: payload.text });
        if (i > 0) {
          hook.push(c.ms);
          codes.push(c.code);
        }
      }
    }
    const nodeStart = times(node);
    const cliStart = { ...times(cli), ratio: round(quantile(cli, 0.5) / nodeStart.medianMs) };
    log(`capture bench: node -e 0 ${nodeStart.medianMs} ms, trailmark --version ${cliStart.medianMs} ms (${cliStart.ratio}×), medians of ${runs}`);
    const noCapture = { skipped: 'this build has no `trailmark capture` (dist/lib/cli/commands/capture.js)' };
    // Hooks always exit 0: whether each run recorded its edit is read from the spool.
    const spoolMod = await distModule(options.projectRoot, 'src/capture/spool.js');
    const openSpool = spoolMod?.['openSpool'];
    const recorded = hookAvailable && typeof openSpool === 'function' ? (await (await (openSpool as (home: string) => Promise<{ stats(): Promise<{ lastSeq: number }> }>)(home)).stats()).lastSeq : null;
    const hookReport: CaptureBenchReport['hook'] = hookAvailable
      ? { ...times(hook), ratio: round(quantile(hook, 0.5) / nodeStart.medianMs), payload: payloadSource, exitCodes: [...new Set(codes)], recorded }
      : noCapture;
    const captureModuleStart: CaptureBenchReport['captureModuleStart'] = hookAvailable ? { ...times(moduleOnly), ratio: round(quantile(moduleOnly, 0.5) / nodeStart.medianMs) } : noCapture;

    const captureReport = await benchCaptureEvent(options, repo, home, file);
    const spoolReport = await benchSpool(options, join(root, 'spool-home'), join(root, 'raw'));
    return { nodeStart, cliStart, captureModuleStart, hook: hookReport, captureEvent: captureReport, spool: spoolReport };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * The spool's SpoolWriter (src/capture/spool.ts openSpool) appending one record at a time, against
 * the primitive every durable append pays: open O_APPEND, write 1 KiB, fsync, close.
 */
async function benchSpool(options: CaptureBenchOptions, home: string, rawDir: string): Promise<CaptureBenchReport['spool']> {
  const mod = await distModule(options.projectRoot, 'src/capture/spool.js');
  const openSpool = mod?.['openSpool'];
  if (typeof openSpool !== 'function') return { skipped: 'this build has no openSpool (dist/lib/src/capture/spool.js)' };
  mkdirSync(home, { recursive: true });
  mkdirSync(rawDir, { recursive: true });
  const spool = (await (openSpool as (home: string) => Promise<SpoolWriter>)(home));
  const draft = (i: number): SpoolDraft => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    repository: 'acme/widgets',
    stage: 'edit',
    trace: {
      version: '0.1.0', id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, timestamp: '2026-01-01T00:00:00Z',
      vcs: { type: 'git', revision: '0'.repeat(40) }, tool: { name: 'claude-code' },
      files: [{ path: 'src/scale.ts', conversations: [{ contributor: { type: 'ai', model_id: 'claude-sonnet-4-5' }, ranges: [{ start_line: 1, end_line: 8, content_hash: `sha256:${'ab'.repeat(32)}` }] }] }],
      metadata: { 'dev.trailmark': { stage: 'edit', device: 'd_bench', session: '0c6d7e1f-9a2b-4c3d-8e5f-6a7b8c9d0e1f' } },
    },
  });
  const recordBytes = Buffer.byteLength(JSON.stringify(draft(0)));
  const append: number[] = [];
  const raw: number[] = [];
  const block = Buffer.alloc(1024, 0x61);
  const rawFile = join(rawDir, 'raw.log');
  for (let i = 0; i < options.iterations + 1; i++) {
    const a = process.hrtime.bigint();
    await spool.append([draft(i)]);
    const appendMs = ms(a);
    const b = process.hrtime.bigint();
    const fd = openSync(rawFile, 'a');
    writeSync(fd, block);
    fsyncSync(fd);
    closeSync(fd);
    const rawMs = ms(b);
    if (i > 0) {
      append.push(appendMs);
      raw.push(rawMs);
    }
  }
  const appendMs = round(quantile(append, 0.5), 3);
  const fsyncWriteMs = round(quantile(raw, 0.5), 3);
  options.log?.(`capture bench: spool append ${appendMs} ms vs fsync'd 1 KiB write ${fsyncWriteMs} ms`);
  return { appendMs, fsyncWriteMs, ratio: round(appendMs / fsyncWriteMs), recordBytes, iterations: options.iterations };
}

/**
 * captureEvent (src/capture/capture.ts) in process, with the build's real spool when it has one.
 * Its dependencies are CaptureDeps (src/capture/capture.ts): the spool, the device id, env, cwd,
 * clock, ids and log; no detail keeper (the light tier every edit pays). A refused call or a
 * skipped edit is reported as the reason, not as a time.
 */
async function benchCaptureEvent(options: CaptureBenchOptions, repo: string, home: string, file: string): Promise<CaptureBenchReport['captureEvent']> {
  const mod = await distModule(options.projectRoot, 'src/capture/capture.js');
  const captureEvent = mod?.['captureEvent'];
  if (typeof captureEvent !== 'function') return { skipped: 'this build has no captureEvent (dist/lib/src/capture/capture.js)' };
  const spoolMod = await distModule(options.projectRoot, 'src/capture/spool.js');
  const openSpool = spoolMod?.['openSpool'];
  if (typeof openSpool !== 'function') return { skipped: 'captureEvent needs a spool and this build has no openSpool (dist/lib/src/capture/spool.js)' };
  const spool = await (openSpool as (home: string) => Promise<SpoolWriter>)(home);
  const deviceMod = await distModule(options.projectRoot, 'src/capture/device.js');
  const deviceId = deviceMod?.['deviceId'];
  const device = typeof deviceId === 'function' ? String((deviceId as (home: string) => unknown)(home)) : 'd_benchbenchbenchbenchbenchbe';
  const notes: string[] = [];
  let n = 0;
  const deps = {
    spool, device, env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' }, cwd: repo,
    now: () => new Date(Date.UTC(2026, 0, 1)), newId: () => `00000000-0000-4000-9000-${String(++n).padStart(12, '0')}`, log: (m: string) => void notes.push(m),
  };
  const samples: number[] = [];
  try {
    for (let i = 0; i < options.iterations + 1; i++) {
      const content = sourceFor(1000 + i);
      writeFileSync(file, content);
      const event: CaptureEvent = {
        tool: 'claude-code', kind: 'edit', agent: 'claude-code', model: 'claude-sonnet-4-5', sessionId: 'bench-session', cwd: repo,
        time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), edits: [{ path: file, operation: 'write', content }],
      };
      const start = process.hrtime.bigint();
      const result = await (captureEvent as (event: CaptureEvent, deps: Record<string, unknown>) => Promise<unknown>)(event, deps);
      if (i > 0) samples.push(ms(start));
      if (typeof result === 'object' && result !== null && 'skipped' in result) return { skipped: `captureEvent skipped the bench's edit: ${String((result).skipped)}` };
    }
  } catch (err) {
    return { skipped: `captureEvent refused the bench's call: ${err instanceof Error ? err.message : String(err)}` };
  }
  return { medianMs: round(quantile(samples, 0.5), 3), iterations: options.iterations };
}

/** The human-readable lines of the report (main.ts prints them). */
export function captureLines(r: CaptureBenchReport): string[] {
  const lines = [
    '',
    `capture what an agent waits for (medians of ${r.nodeStart.runs} runs; raw primitive: node -e 0 ${r.nodeStart.medianMs} ms, p90 ${r.nodeStart.p90Ms} ms)`,
    `       trailmark --version (CLI load)     ${r.cliStart.medianMs} ms = ${r.cliStart.ratio}× node start`,
  ];
  if (!('skipped' in r.captureModuleStart)) lines.push(`       import capture command only         ${r.captureModuleStart.medianMs} ms = ${r.captureModuleStart.ratio}× node start (a capture-only entry point's floor)`);
  if ('skipped' in r.hook) lines.push(`       hook process                       skipped: ${r.hook.skipped}`);
  else lines.push(`       capture claude-code (PostToolUse)  ${r.hook.medianMs} ms = ${r.hook.ratio}× node start (p90 ${r.hook.p90Ms} ms; exit ${r.hook.exitCodes.join('/')}; ${r.hook.recorded ?? '?'} records spooled by ${r.hook.runs + 1} runs; payload ${r.hook.payload})`);
  if ('skipped' in r.captureEvent) lines.push(`       captureEvent in process            skipped: ${r.captureEvent.skipped}`);
  else lines.push(`       captureEvent in process            ${r.captureEvent.medianMs} ms (median of ${r.captureEvent.iterations})`);
  if ('skipped' in r.spool) lines.push(`       spool append                       skipped: ${r.spool.skipped}`);
  else lines.push(`       spool append, 1 record (${r.spool.recordBytes} B)     ${r.spool.appendMs} ms vs fsync'd 1 KiB append ${r.spool.fsyncWriteMs} ms = ${r.spool.ratio}×`);
  return lines;
}
