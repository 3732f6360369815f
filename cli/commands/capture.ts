// `trailmark capture …`: the commands agent hooks and git hooks run.
//
//   capture claude-code|cursor|codex|copilot   the tool's hook payload on stdin (at most 8 MiB)
//   capture generic --agent A [--model M] [--session S] --files F…
//   capture prepare-commit-msg MSGFILE [SOURCE [SHA]]
//   capture commit-msg MSGFILE
//   capture post-commit
//
// HOOK CONTRACT: these never fail the agent's action or the commit. Every error is appended to
// the capture log (homePaths(trailmarkHome()).log) with a timestamp and the command exits 0;
// `--strict` (tests, debugging) exits 2 instead. They stay fast: capture modules are imported on
// first use, no detector or parser is loaded, and nothing touches the network.
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { describeError, printable } from '../../src/core/errors.js';
import { homePaths, trailmarkHome } from '../../src/capture/paths.js';
import { CAPTURE_TOOLS, type CaptureEvent, type CaptureSkip, type CaptureTool, type DetailKeeper, type SpoolDraft, type SpoolRecord, type SpoolWriter } from '../../src/capture/types.js';
import { EXIT_OK, EXIT_USAGE } from '../io.js';
import type { CommandContext } from '../main.js';

/** Largest hook payload read from stdin (Claude Code Write payloads carry whole files). */
export const MAX_PAYLOAD_BYTES = 8 * 1024 * 1024;

/** The capture ports the command runs with (the real spool, detail tier and payload parsers). */
export interface CaptureWiring {
  openSpool(home: string): Promise<SpoolWriter>;
  openDetail(home: string): Promise<DetailKeeper | undefined>;
  parsePayload(tool: CaptureTool, text: string, now: Date): Promise<CaptureEvent | CaptureSkip>;
  device(home: string): Promise<string>;
}

interface StrictOption {
  readonly strict?: boolean;
}

interface GenericOptions extends StrictOption {
  readonly agent: string;
  readonly model?: string;
  readonly session?: string;
  readonly files: readonly string[];
}

export function register(program: Command, ctx: CommandContext): void {
  const capture = program
    .command('capture')
    .description('record what an agent or a commit did (run by hooks: always exits 0, errors go to the capture log)');
  const strict = '--strict';
  const strictHelp = 'exit 2 on any error instead of logging it and exiting 0 (tests, debugging)';

  for (const tool of CAPTURE_TOOLS.filter((t) => t !== 'generic')) {
    capture
      .command(tool)
      .description(`read a ${tool} hook payload on stdin and record the edit`)
      .option(strict, strictHelp)
      .action((opts: StrictOption) => hook(ctx, opts, `capture ${tool}`, async (w, home) => {
        const input = await ctx.io.readStdin();
        if (input.length > MAX_PAYLOAD_BYTES) return `payload of ${input.length} bytes skipped: over ${MAX_PAYLOAD_BYTES}`;
        const parsed = await w.parsePayload(tool, input.toString('utf8'), new Date());
        if ('skipped' in parsed) return `payload skipped: ${parsed.skipped}`;
        return runCapture(ctx, w, home, parsed);
      }));
  }

  capture
    .command('generic')
    .description('record an edit by any other tool: the files it just wrote')
    .requiredOption('--agent <name>', 'the agent, e.g. aider')
    .option('--model <id>', 'the model id, when known')
    .option('--session <id>', 'session or conversation id')
    .requiredOption('--files <path...>', 'the files the agent edited (relative to the working directory, or absolute)')
    .option(strict, strictHelp)
    .action((opts: GenericOptions) => hook(ctx, opts, 'capture generic', async (w, home) => {
      const event: CaptureEvent = {
        tool: 'generic',
        kind: 'edit',
        agent: opts.agent,
        ...(opts.model !== undefined ? { model: opts.model } : {}),
        ...(opts.session !== undefined ? { sessionId: opts.session } : {}),
        cwd: ctx.io.cwd,
        time: new Date().toISOString(),
        edits: opts.files.map((path) => ({ path, operation: 'unknown' as const })),
      };
      return runCapture(ctx, w, home, event);
    }));

  capture
    .command('prepare-commit-msg')
    .description('git prepare-commit-msg hook: add Assisted-by trailers for staged agent lines')
    .argument('<msgfile>', 'the commit message file')
    .argument('[source]', 'message, template, merge, squash or commit')
    .argument('[sha]', 'the commit (with source commit)')
    .option(strict, strictHelp)
    .action((msgfile: string, source: string | undefined, _sha: string | undefined, opts: StrictOption) => hook(ctx, opts, 'capture prepare-commit-msg', async () => {
      const { prepareCommitMsg } = await import('../../src/capture/commit.js');
      const notes: string[] = [];
      // A skip (no agent line staged, a merge message) is the normal case: not logged.
      await prepareCommitMsg(msgfile, source, { env: { ...ctx.io.env }, cwd: ctx.io.cwd, log: (m) => void notes.push(m) });
      return notes.length > 0 ? notes.join('; ') : undefined;
    }));

  capture
    .command('commit-msg')
    .description('git commit-msg hook: a message that holds only Assisted-by trailers is emptied, so git aborts as it would without them')
    .argument('<msgfile>', 'the commit message file')
    .option(strict, strictHelp)
    .action((msgfile: string, opts: StrictOption) => hook(ctx, opts, 'capture commit-msg', async () => {
      const { commitMsg } = await import('../../src/capture/commit.js');
      await commitMsg(msgfile, { env: { ...ctx.io.env }, cwd: ctx.io.cwd, log: () => undefined });
      return undefined;
    }));

  capture
    .command('post-commit')
    .description('git post-commit hook: record the agent lines of the new commit')
    .option(strict, strictHelp)
    .action((opts: StrictOption) => hook(ctx, opts, 'capture post-commit', async (w, home) => {
      const { postCommit } = await import('../../src/capture/commit.js');
      const notes: string[] = [];
      await postCommit({
        env: { ...ctx.io.env }, cwd: ctx.io.cwd, log: (m) => void notes.push(m),
        spool: await w.openSpool(home), device: await w.device(home), now: () => new Date(), newId: randomUUID,
      });
      return notes.length > 0 ? notes.join('; ') : undefined;
    }));
}

async function runCapture(ctx: CommandContext, w: CaptureWiring, home: string, event: CaptureEvent): Promise<string | undefined> {
  const { captureEvent } = await import('../../src/capture/capture.js');
  const notes: string[] = [];
  const detail = await w.openDetail(home);
  const result = await captureEvent(event, {
    spool: await w.openSpool(home),
    ...(detail !== undefined ? { detail } : {}),
    device: await w.device(home),
    env: { ...ctx.io.env },
    cwd: ctx.io.cwd,
    now: () => new Date(),
    newId: randomUUID,
    log: (m) => void notes.push(m),
  });
  if ('skipped' in result) notes.push(`skipped: ${result.skipped}`);
  return notes.length > 0 ? notes.join('; ') : undefined;
}

/**
 * Runs one hook body under the hook contract. The body returns a note to log (a skip reason) or
 * undefined; a throw is logged as an error. Exit 0 always, 2 on error with --strict.
 */
async function hook(ctx: CommandContext, opts: StrictOption, name: string, body: (w: CaptureWiring, home: string) => Promise<string | undefined>): Promise<void> {
  const home = trailmarkHome({ ...ctx.io.env });
  const log = homePaths(home).log;
  try {
    const note = await body(await loadWiring(), home);
    if (note !== undefined) await appendLog(log, `${name}: ${note}`);
    ctx.exitCode = EXIT_OK;
  } catch (err) {
    await appendLog(log, `${name}: error: ${describeError(err)}`).catch(() => undefined);
    if (opts.strict === true) {
      ctx.io.stderr.write(`trailmark: ${name}: ${printable(describeError(err), 500)}\nhint: see ${log}\n`);
      ctx.exitCode = EXIT_USAGE;
    } else ctx.exitCode = EXIT_OK;
  }
}

async function appendLog(file: string, line: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  // One line per entry: control characters (a newline in a path) are escaped by printable.
  await appendFile(file, `${new Date().toISOString()} ${printable(line, 4000)}\n`, { mode: 0o600 });
}

// WIRING: the spool (spool.ts openSpool), the detailed tier (detail.ts openDetail) and the
// payload parsers (payloads/index.ts parsePayload) are written in parallel with this command.
// Until they are on the branch, they are looked up at run time by module path; a missing one
// degrades (payloads: the edit is skipped and logged; spool: drafts go to an interim file
// `<home>/spool/unsequenced.jsonl`, fsync'd; detail: light tier only). Replace this function
// with static imports when merging.
async function loadWiring(): Promise<CaptureWiring> {
  const spool = await optionalModule('../../src/capture/spool.js');
  const payloads = await optionalModule('../../src/capture/payloads/index.js');
  return {
    openSpool: async (home) => {
      const open = spool?.['openSpool'];
      if (typeof open === 'function') return (await (open as (h: string) => Promise<SpoolWriter> | SpoolWriter)(home));
      return interimSpool(home);
    },
    openDetail: () => Promise.resolve(undefined),
    parsePayload: async (tool, text, now) => {
      const parse = payloads?.['parsePayload'];
      if (typeof parse !== 'function') return { skipped: `no payload parser for ${tool} in this build` };
      return (await (parse as (t: CaptureTool, x: string, n: Date) => Promise<CaptureEvent | CaptureSkip> | CaptureEvent | CaptureSkip)(tool, text, now));
    },
    device: readDeviceId,
  };
}

async function optionalModule(specifier: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The device id from device.json (`id` or `device`), or `unknown-device`. */
async function readDeviceId(home: string): Promise<string> {
  try {
    const doc = JSON.parse(await readFile(homePaths(home).device, 'utf8')) as Record<string, unknown>;
    for (const k of ['id', 'device']) if (typeof doc[k] === 'string' && doc[k] !== '') return doc[k];
  } catch {
    // No device yet: the spool creates it.
  }
  return 'unknown-device';
}

function interimSpool(home: string): SpoolWriter {
  const file = `${homePaths(home).spool}/unsequenced.jsonl`;
  return {
    append: async (drafts: readonly SpoolDraft[]): Promise<readonly SpoolRecord[]> => {
      const { open } = await import('node:fs/promises');
      await mkdir(dirname(file), { recursive: true });
      const records = drafts.map((d) => ({ schema: 'trailmark.spool/v1' as const, device: 'unknown-device', seq: 0, ...d }));
      const handle = await open(file, 'a', 0o600);
      try {
        await handle.write(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
        await handle.sync();
      } finally {
        await handle.close();
      }
      return records;
    },
  };
}
