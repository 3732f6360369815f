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
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { describeError, printable } from '../../src/core/errors.js';
import { homePaths, trailmarkHome } from '../../src/capture/paths.js';
import { CAPTURE_TOOLS, type CaptureEvent, type CaptureSkip, type CaptureTool, type DetailKeeper, type SpoolWriter } from '../../src/capture/types.js';
import { EXIT_OK, EXIT_USAGE } from '../io.js';
import type { CommandContext } from '../main.js';

/** Largest hook payload read from stdin (Claude Code Write payloads carry whole files). */
export const MAX_PAYLOAD_BYTES = 8 * 1024 * 1024;

/** The capture ports the command runs with (the real spool, detail tier and payload parsers). */
export interface CaptureWiring {
  openSpool(home: string): Promise<SpoolWriter>;
  openDetail(home: string): Promise<DetailKeeper | undefined>;
  /** `hookEvent`: TRAILMARK_HOOK_EVENT, set by the hooks trailmark installs for tools whose payload does not name its event. */
  parsePayload(tool: CaptureTool, text: string, now: Date, hookEvent?: string): Promise<CaptureEvent | CaptureSkip>;
  device(home: string): Promise<string>;
  /** Starts `trailmark record push --background` when a collector is registered. */
  pushInBackground(home: string): Promise<void>;
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
        const parsed = await w.parsePayload(tool, input.toString('utf8'), new Date(), ctx.io.env['TRAILMARK_HOOK_EVENT']);
        if ('skipped' in parsed) return `payload skipped: ${parsed.skipped}`;
        // Cursor reads beforeSubmitPrompt's stdout as its answer; every other hook prints nothing
        // (Claude Code would add a prompt hook's stdout to the model's context).
        if (tool === 'cursor' && parsed.kind === 'prompt') ctx.io.stdout.write('{"continue":true}\n');
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
      const result = await postCommit({
        env: { ...ctx.io.env }, cwd: ctx.io.cwd, log: (m) => void notes.push(m),
        spool: await w.openSpool(home), device: await w.device(home), now: () => new Date(), newId: randomUUID,
      });
      if ('record' in result && result.record !== undefined) await w.pushInBackground(home);
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
  else if (result.records.length > 0) await w.pushInBackground(home);
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
    const note = await body(loadWiring(), home);
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

/**
 * The real spool, detailed tier and payload parsers, imported on first use so that a hook that
 * only logs (a session start) loads none of them. After anything was spooled, a background push
 * starts when a collector is registered (`trailmark record register`); it never throws into the hook.
 */
function loadWiring(): CaptureWiring {
  return {
    openSpool: async (home) => (await import('../../src/capture/spool.js')).openSpool(home),
    openDetail: async (home) => (await import('../../src/capture/detail.js')).openDetail(home),
    parsePayload: async (tool, text, now, hookEvent) => (await import('../../src/capture/payloads/index.js')).parsePayload(tool, text, () => now, hookEvent !== undefined ? { hookEvent } : {}),
    device: async (home) => (await import('../../src/capture/device.js')).deviceId(home),
    pushInBackground: async (home) => {
      const push = await import('../../src/capture/push.js');
      // An unreadable collectors.json is the push's error to report, not the hook's.
      let registered = false;
      try {
        registered = push.readCollectors(home).length > 0;
      } catch {
        registered = true;
      }
      if (registered) push.spawnBackgroundPush(home);
    },
  };
}
