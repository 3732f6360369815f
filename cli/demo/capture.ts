// The capture half of the demo, offline: an agent's edit arrives as a Claude Code PostToolUse
// payload on stdin of `trailmark capture claude-code`; a human rewrites one of its lines; the
// commit goes through the two commands the installed git hooks run (`capture prepare-commit-msg`
// adds the Assisted-by trailer, `capture post-commit` writes the committed Agent Trace record);
// the scan of that commit shows `recorded` evidence on the agent's lines only. Nothing leaves
// the machine: the records wait in the demo's own spool for `trailmark record push`.
//
// It drives the real CLI commands in process, like the ledger half, with TRAILMARK_HOME inside
// the demo's directory (the user's own capture state is never touched).

import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { CommandContext } from '../main.js';
import { buildProgram } from '../main.js';
import type { CliIo } from '../io.js';

const run = promisify(execFile);

/** The commit time of the capture scene: a day after the demo branch's last commit (fixed, like the rest of the demo). */
const CAPTURE_TIME = Date.UTC(2026, 10, 3, 14, 0, 0) / 1000;

export const CAPTURE_PATH = 'src/billing/discount.ts';
export const CAPTURE_MODEL = 'claude-sonnet-4-5';
const SESSION = '3b0f6a52-7c1d-4e8a-9b2f-5d6e7f8a9b0c';

/** What the agent writes: whole, commented functions, as agents do. */
export const AGENT_SOURCE = `/**
 * Applies a percentage discount to an amount in cents, rounding to the nearest cent.
 */
export function applyDiscount(amountCents: number, percent: number): number {
  // Validate the percentage to avoid negative or inflated prices
  if (percent < 0 || percent > 100) throw new RangeError('percent must be between 0 and 100');
  // Compute the discounted amount and round to whole cents
  return Math.round(amountCents * (1 - percent / 100));
}

/**
 * Returns the discount percentage for a customer tier.
 */
export function tierDiscount(tier: 'basic' | 'plus' | 'pro'): number {
  // Map each tier to its discount percentage
  const discounts = { basic: 0, plus: 5, pro: 10 };
  return discounts[tier];
}
`;

/** The human's change: one of the agent's lines (line 16, pro gets 12 %). */
export const HUMAN_SOURCE = AGENT_SOURCE.replace('const discounts = { basic: 0, plus: 5, pro: 10 };', 'const discounts = { basic: 0, plus: 5, pro: 12 };');

export interface CaptureDemoInput {
  /** The demo repository (its feature branch is checked out and clean). */
  readonly repoDir: string;
  /** The demo's scratch directory. */
  readonly work: string;
}

export interface CaptureDemoResult {
  readonly commit: string;
  /** The scan's hunk for CAPTURE_PATH. */
  readonly verdict: string;
  readonly recorded: readonly string[];
}

function bufferIo(io: CliIo, env: Record<string, string | undefined>, cwd: string, stdin?: string): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: {
      ...io,
      env,
      cwd,
      stdout: { write: (t) => void (out += t), isTTY: false },
      stderr: { write: (t) => void (err += t), isTTY: false },
      readStdin: () => Promise.resolve(Buffer.from(stdin ?? '')),
    },
    out: () => out,
    err: () => err,
  };
}

async function cli(io: CliIo, args: readonly string[]): Promise<number> {
  const ctx: CommandContext = { io, exitCode: 0 };
  await (await buildProgram(ctx)).parseAsync([...args], { from: 'user' });
  return ctx.exitCode;
}

async function git(cwd: string, args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run('git', ['-c', 'commit.gpgsign=false', '-c', 'core.autocrlf=false', ...args], {
    cwd,
    env: { ...process.env, ...env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** Runs the scene. */
export async function runCaptureDemo(input: CaptureDemoInput, ctx: CommandContext): Promise<CaptureDemoResult | undefined> {
  const { io } = ctx;
  const say = (t: string): void => io.stdout.write(t);
  say('\n── capture ─────────────────────────────────────────────────────────────\n');
  const home = join(input.work, 'capture-home');
  const env: Record<string, string | undefined> = { ...io.env, TRAILMARK_HOME: home };
  const repo = input.repoDir;
  const fail = (what: string, code: number, err: string): never => {
    throw new Error(`demo capture: ${what} failed (exit ${code})${err === '' ? '' : `: ${err.trim()}`}`);
  };

  // Claude Code's transcript, where the hook reads the model name (the payload has none).
  const transcript = join(input.work, 'claude-transcript.jsonl');
  await writeFile(transcript, `${JSON.stringify({ type: 'assistant', sessionId: SESSION, requestId: 'req_011CVdemo4pR7sT2mN9xQ1wZ', message: { role: 'assistant', model: CAPTURE_MODEL, content: [{ type: 'text', text: 'Adding the discount helpers.' }] } })}\n`);

  // 1. The agent writes a file; Claude Code then runs the PostToolUse hook with this payload on stdin.
  const file = join(repo, CAPTURE_PATH);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, AGENT_SOURCE);
  const payload = JSON.stringify({
    session_id: SESSION, transcript_path: transcript, cwd: repo, permission_mode: 'acceptEdits',
    hook_event_name: 'PostToolUse', tool_name: 'Write',
    tool_input: { file_path: file, content: AGENT_SOURCE },
    tool_response: { type: 'create', filePath: file, content: AGENT_SOURCE, structuredPatch: [] },
  });
  say(`Claude Code writes ${CAPTURE_PATH} (${AGENT_SOURCE.split('\n').length - 1} lines); its PostToolUse hook runs:\n`);
  say(`$ trailmark capture claude-code < payload.json\n`);
  const captured = bufferIo(io, env, repo, payload);
  const rc = await cli(captured.io, ['capture', 'claude-code', '--strict']);
  if (rc !== 0) fail('trailmark capture claude-code', rc, captured.err());

  // 2. A human changes one of the agent's lines before committing.
  await writeFile(file, HUMAN_SOURCE);
  say(`Raj edits one of those lines (pro tier: 10 % → 12 %), then commits.\n`);

  // 3. The commit, through the commands the git hooks (`trailmark hooks install --git`) run.
  await git(repo, ['add', CAPTURE_PATH]);
  const messageFile = join(input.work, 'COMMIT_EDITMSG');
  await writeFile(messageFile, 'Add discount helpers\n');
  say(`$ git commit -m "Add discount helpers"      # hooks: trailmark capture prepare-commit-msg / post-commit\n`);
  const prepare = bufferIo(io, env, repo);
  const prc = await cli(prepare.io, ['capture', 'prepare-commit-msg', messageFile, 'message', '--strict']);
  if (prc !== 0) fail('trailmark capture prepare-commit-msg', prc, prepare.err());
  const when = `@${CAPTURE_TIME} +0000`;
  await git(repo, ['commit', '-q', '--no-verify', '-F', messageFile], {
    GIT_AUTHOR_NAME: 'Raj Patel', GIT_AUTHOR_EMAIL: 'raj@example.com', GIT_AUTHOR_DATE: when,
    GIT_COMMITTER_NAME: 'Raj Patel', GIT_COMMITTER_EMAIL: 'raj@example.com', GIT_COMMITTER_DATE: when,
  });
  const post = bufferIo(io, env, repo);
  const poc = await cli(post.io, ['capture', 'post-commit', '--strict']);
  if (poc !== 0) fail('trailmark capture post-commit', poc, post.err());
  const commit = (await git(repo, ['rev-parse', 'HEAD'])).trim();
  const message = await git(repo, ['log', '-1', '--format=%B', commit]);
  say(indent(message.trimEnd()));

  // 4. The scan of that commit reads the committed record (.git/trailmark/records.jsonl).
  say(`\n$ trailmark scan --base HEAD~1 --format json   # excerpt\n`);
  const scan = bufferIo(io, env, repo);
  const src = await cli(scan.io, ['scan', '--base', 'HEAD~1', '--head', 'HEAD', '--format', 'json']);
  if (src !== 0) fail('trailmark scan', src, scan.err());
  const result = JSON.parse(scan.out()) as { hunks: { path: string; startLine: number; endLine: number; verdict: string; evidence: { class: string; source: string; detail?: string }[] }[] };
  const hunk = result.hunks.find((h) => h.path === CAPTURE_PATH);
  if (hunk === undefined) throw new Error(`demo capture: the scan has no hunk for ${CAPTURE_PATH}`);
  say(`${CAPTURE_PATH} L${hunk.startLine}-${hunk.endLine}: ${hunk.verdict}\n`);
  for (const e of hunk.evidence) say(`    ${e.class} (${e.source})${e.detail !== undefined ? `: ${e.detail}` : ''}\n`);
  const recorded = hunk.evidence.filter((e) => e.class === 'recorded').map((e) => e.detail ?? e.source);

  // 5. Offline: the records wait in the spool until `trailmark record push` reaches the App.
  const status = bufferIo(io, env, repo);
  if ((await cli(status.io, ['record', 'status', '--json']).catch(() => -1)) === 0) {
    const s = JSON.parse(status.out()) as { lastSeq?: unknown; collectors?: unknown };
    const registered = Array.isArray(s.collectors) ? s.collectors.length : 0;
    if (typeof s.lastSeq === 'number') say(`\n${s.lastSeq} capture records (edit and commit stages) wait in this device's spool; ${registered === 0 ? 'no collector is registered: nothing left the machine' : `${registered} collector(s) registered`}.\nLater: \`trailmark record register --collector URL --repository OWNER/NAME\`, then \`trailmark record push\`.\n`);
  }
  return { commit, verdict: hunk.verdict, recorded };
}

function indent(text: string): string {
  return `${text.split('\n').map((l) => (l === '' ? l : `    ${l}`)).join('\n')}\n`;
}
