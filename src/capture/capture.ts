// captureEvent: one normalized hook event (payloads/) -> working attribution (attribution.ts)
// -> ONE spool draft of stage "edit" per edit event: an Agent Trace record of the lines the
// agent's edit owns in the working file at that moment. Stage "edit" records are an audit trail
// (match.ts never matches them to hunks by line); the `recorded` evidence comes from the stage
// "commit" record that post-commit writes (commit.ts).
//
// Every string of the event is untrusted: paths are resolved against the repository and refused
// when they leave it; nothing from the event reaches a shell, a RegExp or a file name (state
// files are named by the path's digest).
import { lstat, readFile, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { describeError, printable } from '../core/errors.js';
import { DEFAULT_POLICY, type Policy } from '../core/policy.js';
import { AttributionStore, applyAgentEdit, hasAgentLines, splitLines, toRanges, type LineOwner } from './attribution.js';
import { attributionDir, decodeTracked, headCommit, openCaptureRepo, originRepository, readBlobs, type CaptureRepo } from './repo.js';
import { decideDetail } from './detail.js';
import { TRACE_METADATA_KEY, type CaptureEdit, type CaptureEvent, type DetailKeeper, type DetailReason, type LineRange, type SpoolDraft, type SpoolRecord, type SpoolWriter, type TraceMetadata } from './types.js';
import { createHash } from 'node:crypto';

/** Agent Trace version trailmark writes. */
export const AGENT_TRACE_VERSION = '0.1.0';
/** Where the repository policy lives in the work tree. */
const POLICY_PATH = '.github/trailmark.yml';

export interface CaptureDeps {
  readonly spool: SpoolWriter;
  /** The detailed tier; without it no detail is kept (light tier only). */
  readonly detail?: DetailKeeper;
  /** This device's id (device.json), carried in each record's metadata. */
  readonly device: string;
  /** The hook's environment (GIT_INDEX_FILE and the git configuration variables are honoured). */
  readonly env: NodeJS.ProcessEnv;
  /** Working directory when the event names none. */
  readonly cwd: string;
  readonly now: () => Date;
  /** A fresh UUID per call (record ids). */
  readonly newId: () => string;
  /** Non-fatal notes (skipped edits and why): the capture log. */
  readonly log: (message: string) => void;
}

export type CaptureResult =
  | { readonly skipped: string }
  | { readonly records: readonly SpoolRecord[]; readonly files: readonly FileCapture[] };

/** What one edit of one file came to. */
export type FileCapture =
  | { readonly path: string; readonly ranges: readonly LineRange[] }
  | { readonly path: string; readonly deleted: true }
  | { readonly path: string; readonly untracked: string };

/** Content hash of lines as match.ts checks it: sha256 over the lines joined with "\n". */
export function rangeHash(lines: readonly string[]): string {
  return `sha256:${createHash('sha256').update(lines.join('\n'), 'utf8').digest('hex')}`;
}

export async function captureEvent(event: CaptureEvent, deps: CaptureDeps): Promise<CaptureResult> {
  if (event.kind === 'session-start' || event.kind === 'session-end') {
    deps.log(`${event.kind} ${printable(event.agent, 40)} session ${printable(event.sessionId ?? '-', 80)}`);
    return { skipped: `${event.kind}: logged, no record` };
  }
  if (event.kind === 'prompt') {
    if (event.prompt === undefined || event.prompt === '') return { skipped: 'prompt event without a prompt' };
    if (deps.detail === undefined) return { skipped: 'prompt: no detailed tier configured' };
    await deps.detail.stashPrompt(event.sessionId ?? 'unknown', event.prompt, event.time);
    return { skipped: 'prompt stashed for the detailed tier' };
  }
  if (event.edits.length === 0) return { skipped: 'edit event names no file' };

  const cwd = event.cwd !== undefined && event.cwd !== '' ? resolve(deps.cwd, event.cwd) : deps.cwd;
  const repo = await locateRepo(cwd, event.edits, deps.env);
  if (repo === undefined) return { skipped: `not inside a git work tree (${printable(cwd)})` };

  const id = deps.newId();
  const owner: LineOwner = {
    edit: id,
    agent: event.agent,
    ...(event.model !== undefined ? { model: event.model } : {}),
    ...(event.sessionId !== undefined ? { session: event.sessionId } : {}),
  };
  const store = new AttributionStore(attributionDir(repo));
  const files: FileCapture[] = [];
  const texts = new Map<string, string[]>();
  await store.locked(async () => {
    for (const edit of event.edits) {
      const path = await repoRelative(repo, cwd, edit.path);
      if (path === undefined) {
        deps.log(`edit of ${printable(edit.path)} skipped: outside the repository ${printable(repo.root)}`);
        continue;
      }
      const result = await captureFile(repo, store, path, edit, owner);
      files.push(result.capture);
      if (result.lines !== undefined) texts.set(path, result.lines);
    }
  });
  if (files.length === 0) return { skipped: 'every edited path is outside the repository' };

  const policy = await repoPolicy(repo, deps.log);
  const detail = await keepDetail(policy, files, texts, event, deps);
  const head = await headCommit(repo);
  const repository = await originRepository(repo);
  const time = deps.now().toISOString();
  const metadata: TraceMetadata = {
    stage: 'edit',
    device: deps.device,
    ...(event.sessionId !== undefined ? { session: event.sessionId } : {}),
    ...(event.requestId !== undefined ? { request: event.requestId } : {}),
    ...(detail !== undefined ? { detail } : {}),
  };
  const trace = {
    version: AGENT_TRACE_VERSION,
    id,
    timestamp: event.time,
    vcs: head === undefined ? { type: 'git' } : { type: 'git', revision: head },
    tool: { name: event.agent },
    files: files.map((f) => ({
      path: f.path,
      conversations: 'ranges' in f && f.ranges.length > 0
        ? [{
            contributor: { type: 'ai', ...(event.model !== undefined ? { model_id: event.model } : {}) },
            ranges: f.ranges.map((r) => ({ start_line: r.start, end_line: r.end, content_hash: rangeHash((texts.get(f.path) ?? []).slice(r.start - 1, r.end)) })),
          }]
        : [],
      ...('deleted' in f ? { deleted: true } : {}),
      ...('untracked' in f ? { untracked: f.untracked } : {}),
    })),
    metadata: { [TRACE_METADATA_KEY]: metadata },
  };
  const draft: SpoolDraft = { id, time, ...(repository !== undefined ? { repository } : {}), stage: 'edit', trace };
  const records = await deps.spool.append([draft]);
  return { records, files };
}

/** The work tree holding `cwd`, else the one holding the first absolute edit path. */
async function locateRepo(cwd: string, edits: readonly CaptureEdit[], env: NodeJS.ProcessEnv): Promise<CaptureRepo | undefined> {
  const fromCwd = await openCaptureRepo(cwd, env).catch(() => undefined);
  if (fromCwd !== undefined) return fromCwd;
  const first = edits.find((e) => isAbsolute(e.path));
  if (first === undefined) return undefined;
  let dir = dirname(first.path);
  for (let i = 0; i < 64; i++) {
    const info = await lstat(dir).catch(() => undefined);
    if (info?.isDirectory() === true) return openCaptureRepo(dir, env).catch(() => undefined);
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}

/** `path` relative to the work tree ("/"-separated), or undefined when it leaves it. */
async function repoRelative(repo: CaptureRepo, cwd: string, path: string): Promise<string | undefined> {
  if (path === '' || path.includes('\0')) return undefined;
  const abs = resolve(cwd, path);
  // The repository root from git is a real path; resolve symlinked directories the same way.
  const real = await realpath(dirname(abs)).then((d) => join(d, basename(abs))).catch(() => abs);
  const rel = relative(repo.root, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  const posix = rel.split(sep).join('/');
  if (posix === '.git' || posix.startsWith('.git/')) return undefined;
  return posix;
}

async function captureFile(repo: CaptureRepo, store: AttributionStore, path: string, edit: CaptureEdit, owner: LineOwner): Promise<{ capture: FileCapture; lines?: string[] }> {
  const file = join(repo.root, ...path.split('/'));
  const info = await lstat(file).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  });
  if (info === undefined || edit.operation === 'delete') {
    await store.remove(path);
    return { capture: { path, deleted: true } };
  }
  if (!info.isFile()) {
    await store.remove(path);
    return { capture: { path, untracked: info.isSymbolicLink() ? 'symbolic link' : 'not a regular file' } };
  }
  const current = decodeTracked(await readFile(file));
  if (!('text' in current)) {
    await store.remove(path);
    return { capture: { path, untracked: 'untracked' in current ? current.untracked : 'unreadable' } };
  }
  const previous = await store.read(path);
  const base = previous ?? { text: await committedText(repo, path), owners: [], lines: [] };
  const baseLines = previous?.lines ?? new Array<number>(splitLines(base.text).length).fill(0);
  const applied = applyAgentEdit(path, { text: base.text, owners: base.owners, lines: baseLines }, current.text, edit, owner);
  if (hasAgentLines(applied.state)) await store.write(applied.state);
  else await store.remove(path);
  return { capture: { path, ranges: toRanges(applied.agentLines) }, lines: splitLines(current.text) };
}

/** The file as the index has it, else as HEAD has it, else empty (a new file). */
async function committedText(repo: CaptureRepo, path: string): Promise<string> {
  const [index, head] = await readBlobs(repo, [`:0:${path}`, `HEAD:${path}`]);
  for (const b of [index, head]) if (b !== undefined && 'text' in b) return b.text;
  return '';
}

/** The repository policy from the work tree's `.github/trailmark.yml`; defaults when absent or invalid (logged). */
export async function repoPolicy(repo: CaptureRepo, log: (m: string) => void): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(join(repo.root, '.github', 'trailmark.yml'), 'utf8');
  } catch {
    return DEFAULT_POLICY;
  }
  try {
    // Loaded only when the repository has a policy: YAML and the schema validator are most of a
    // hook's start-up otherwise.
    const { parsePolicy } = await import('../config/policy.js');
    return parsePolicy(text, { source: POLICY_PATH });
  } catch (err) {
    log(`policy ignored, defaults used: ${describeError(err)}`);
    return DEFAULT_POLICY;
  }
}

/** Why the detailed tier is kept for this file's edit (policy.capture), or null: detail.ts decides. */
export function detailReason(policy: Policy, path: string, agentLineCount: number): DetailReason {
  return decideDetail({ path, addedLines: agentLineCount, policy: policy.capture, sensitivePaths: policy.sensitivePaths });
}

/**
 * Keeps the detailed tier once per event when some file calls for it: the output is the agent's
 * lines of those files (each under a `--- path` line). Returns the commitment, or undefined.
 */
async function keepDetail(policy: Policy, files: readonly FileCapture[], texts: ReadonlyMap<string, string[]>, event: CaptureEvent, deps: CaptureDeps): Promise<string | undefined> {
  if (deps.detail === undefined) return undefined;
  const parts: string[] = [];
  let firstPath: string | undefined;
  for (const f of files) {
    if (!('ranges' in f)) continue;
    const count = f.ranges.reduce((n, r) => n + r.end - r.start + 1, 0);
    if (count === 0 || detailReason(policy, f.path, count) === null) continue;
    const lines = texts.get(f.path) ?? [];
    firstPath ??= f.path;
    parts.push(`--- ${f.path}`, ...f.ranges.flatMap((r) => lines.slice(r.start - 1, r.end)));
  }
  if (firstPath === undefined) return undefined;
  try {
    const kept = await deps.detail.keep({ ...(event.sessionId !== undefined ? { sessionId: event.sessionId } : {}), path: firstPath, output: parts.join('\n'), time: event.time });
    return kept.commitment;
  } catch (err) {
    deps.log(`detailed tier not kept for ${printable(firstPath)}: ${describeError(err)}`);
    return undefined;
  }
}
