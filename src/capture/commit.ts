// The git side of capture: prepare-commit-msg declares, post-commit records.
//
// prepare-commit-msg: the working attribution of each file is tracked to the staged blob (the
// index git is committing: GIT_INDEX_FILE, see repo.ts); the lines the commit adds (HEAD blob ->
// staged blob) that an agent still owns there (same content, same position) name the agents.
// One `Assisted-by: AGENT:MODEL` trailer per distinct agent:model (`AGENT` alone when the model
// is unknown) is added with `git interpret-trailers --if-exists addIfDifferent`, after checking
// that no trailer of the message already says it (key and value compared case-insensitively).
// Merge and squash messages are left alone. Never blocks: the caller logs errors and exits 0.
//
// commit-msg: a message left empty in the editor, but for those trailers, is emptied again so
// that git aborts the commit as it would have without trailmark.
//
// post-commit: the same tracking to the committed blobs of the new HEAD gives, per file, the
// lines the commit added that an agent still owns (a line a human changed after the agent is
// human). They become ONE stage "commit" Agent Trace record (vcs.revision = the commit, line
// numbers of the committed blobs), appended to <common dir>/trailmark/records.jsonl (one line,
// fsync'd; a crash mid-append leaves a torn last line that the reader reports and skips) and to
// the spool. Then the committed part of the working attribution is cleared: lines of the working
// file equal to the committed blob's (tracked by diff) lose their owner; lines not committed
// (unstaged agent lines) keep it.
import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { printable } from '../core/errors.js';
import { parseTrailers } from '../attest/trailers.js';
import { AttributionStore, carryOwners, hasAgentLines, splitLines, stateFrom, toRanges, trackTo, type FileState, type LineOwner } from './attribution.js';
import { AGENT_TRACE_VERSION, rangeHash } from './capture.js';
import { repoPaths } from './paths.js';
import { attributionDir, commitParents, decodeTracked, headCommit, openCaptureRepo, originRepository, readBlobs, type CaptureRepo } from './repo.js';
import { TRACE_METADATA_KEY, type SpoolDraft, type SpoolRecord, type SpoolWriter, type TraceMetadata } from './types.js';

export const ASSISTED_BY = 'Assisted-by';

export interface CommitHookDeps {
  readonly env: NodeJS.ProcessEnv;
  /** The hook's working directory (git runs hooks at the top of the work tree). */
  readonly cwd: string;
  readonly log: (message: string) => void;
}

export interface PostCommitDeps extends CommitHookDeps {
  readonly spool: SpoolWriter;
  readonly device: string;
  readonly now: () => Date;
  readonly newId: () => string;
}

/** `AGENT:MODEL`, or `AGENT` when the model is unknown. */
export function trailerValue(owner: Pick<LineOwner, 'agent' | 'model'>): string {
  return owner.model === undefined || owner.model === '' ? owner.agent : `${owner.agent}:${owner.model}`;
}

/** Lines (1-based) of `next` that are new against `prev` (what the commit adds). */
function addedLines(prev: readonly string[], next: readonly string[]): Set<number> {
  const { changed } = carryOwners(prev, new Array<number>(prev.length).fill(0), next);
  const out = new Set<number>();
  changed.forEach((c, i) => {
    if (c) out.add(i + 1);
  });
  return out;
}

/** Per file: the added lines of `text` an agent owns, by owner. */
function ownedAdded(state: FileState, text: string, prevText: string | undefined): { lines: string[]; owned: { line: number; owner: LineOwner }[] } {
  const tracked = trackTo(state, text);
  const added = addedLines(prevText === undefined ? [] : splitLines(prevText), tracked.lines);
  const owned: { line: number; owner: LineOwner }[] = [];
  tracked.owners.forEach((o, i) => {
    if (o !== undefined && added.has(i + 1)) owned.push({ line: i + 1, owner: o });
  });
  return { lines: tracked.lines, owned };
}

export type PrepareResult = { readonly skipped: string } | { readonly added: readonly string[] };

/** prepare-commit-msg MSGFILE [SOURCE [SHA]] (githooks(5)). */
export async function prepareCommitMsg(messageFile: string, source: string | undefined, deps: CommitHookDeps): Promise<PrepareResult> {
  if (source === 'merge' || source === 'squash') return { skipped: `${source} message left alone` };
  const repo = await openCaptureRepo(deps.cwd, deps.env);
  if (repo === undefined) return { skipped: 'not inside a git work tree' };
  const states = await new AttributionStore(attributionDir(repo)).list();
  if (states.length === 0) return { skipped: 'no pending agent lines' };

  const blobs = await readBlobs(repo, states.flatMap((s) => [`:0:${s.path}`, `HEAD:${s.path}`]));
  const values = new Map<string, string>();
  states.forEach((state, k) => {
    const staged = blobs[2 * k]!;
    const head = blobs[2 * k + 1]!;
    if (!('text' in staged)) return;
    for (const { owner } of ownedAdded(state, staged.text, 'text' in head ? head.text : undefined).owned) {
      const v = trailerValue(owner);
      if (!values.has(v.toLowerCase())) values.set(v.toLowerCase(), v);
    }
  });
  if (values.size === 0) return { skipped: 'no staged line is an agent\'s' };

  const file = resolve(deps.cwd, messageFile);
  const message = await readFile(file, 'utf8');
  const existing = new Set(parseTrailers(message).filter((t) => t.key.toLowerCase() === ASSISTED_BY.toLowerCase()).map((t) => t.value.trim().toLowerCase()));
  const wanted = [...values.entries()].filter(([lower]) => !existing.has(lower)).map(([, v]) => v).sort();
  if (wanted.length === 0) return { skipped: 'every Assisted-by trailer is already there' };
  // Values are agent and model names from payloads: one line each (interpret-trailers would
  // otherwise read a newline as a new trailer).
  const safe = wanted.filter((v) => !/[\r\n\0]/.test(v));
  if (safe.length !== wanted.length) deps.log('an agent or model name with a line break was not declared');
  if (safe.length === 0) return { skipped: 'no declarable agent name' };
  await repo.git(['interpret-trailers', '--in-place', '--if-exists', 'addIfDifferent', ...safe.flatMap((v) => ['--trailer', `${ASSISTED_BY}: ${v}`]), file]);
  return { added: safe };
}

/**
 * commit-msg MSGFILE: when the edited message holds nothing but comments, blank lines and
 * Assisted-by trailers, those trailers are removed so git still aborts on an empty message (git's
 * emptiness check ignores only Signed-off-by; the trailer prepare-commit-msg added before the
 * editor opened would otherwise turn "quit with an empty message" into a commit). `commentChar`
 * is git's core.commentChar ("#" by default).
 */
export async function commitMsg(messageFile: string, deps: CommitHookDeps): Promise<{ readonly emptied: boolean }> {
  const file = resolve(deps.cwd, messageFile);
  const message = await readFile(file, 'utf8');
  const repo = await openCaptureRepo(deps.cwd, deps.env);
  const configured = repo === undefined ? '' : await repo.git(['config', '--get', 'core.commentChar']).then((b) => b.toString('utf8').trim(), () => '');
  const comment = configured === '' || configured === 'auto' ? '#' : configured;
  const key = `${ASSISTED_BY.toLowerCase()}:`;
  let onlyTrailers = true;
  let sawTrailer = false;
  for (const raw of message.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.startsWith(comment) || line.trim() === '') continue;
    if (line.toLowerCase().startsWith(key)) {
      sawTrailer = true;
      continue;
    }
    onlyTrailers = false;
    break;
  }
  if (!onlyTrailers || !sawTrailer) return { emptied: false };
  const kept = message.split('\n').filter((raw) => !raw.toLowerCase().startsWith(key));
  await writeFile(file, kept.join('\n'));
  return { emptied: true };
}

export type PostCommitResult = { readonly skipped: string } | { readonly commit: string; readonly record?: SpoolRecord; readonly trace?: Readonly<Record<string, unknown>> };

/** post-commit: records the agent lines of HEAD and clears them from the working attribution. */
export async function postCommit(deps: PostCommitDeps): Promise<PostCommitResult> {
  const repo = await openCaptureRepo(deps.cwd, deps.env);
  if (repo === undefined) return { skipped: 'not inside a git work tree' };
  const commit = await headCommit(repo);
  if (commit === undefined) return { skipped: 'no HEAD commit' };
  const store = new AttributionStore(attributionDir(repo));
  return store.locked(async () => {
    const states = await store.list();
    if (states.length === 0) return { skipped: 'no pending agent lines', commit };
    const parent = (await commitParents(repo, commit))[0];
    const blobs = await readBlobs(repo, states.flatMap((s) => [`${commit}:${s.path}`, `${parent ?? commit}:${s.path}`]));

    const files: Record<string, unknown>[] = [];
    const edits = new Set<string>();
    const sessions = new Set<string>();
    const agents = new Set<string>();
    for (const [k, state] of states.entries()) {
      const committed = blobs[2 * k]!;
      // A root commit adds every line: nothing to compare with.
      const prev = parent === undefined ? undefined : blobs[2 * k + 1]!;
      if ('text' in committed) {
        const { lines, owned } = ownedAdded(state, committed.text, prev !== undefined && 'text' in prev ? prev.text : undefined);
        if (owned.length > 0) files.push(fileEntry(state.path, lines, owned, edits, sessions, agents));
        await clearCommitted(repo, store, state, committed.text);
      } else if ('untracked' in committed) {
        deps.log(`${printable(state.path)} at ${commit.slice(0, 12)} not tracked: ${committed.untracked}`);
        await clearCommitted(repo, store, state, undefined);
      }
      // Missing in the commit: not committed yet; kept unless the work tree no longer has it.
      else if (!(await exists(join(repo.root, ...state.path.split('/'))))) await store.remove(state.path);
    }
    if (files.length === 0) return { commit };

    const id = deps.newId();
    const time = deps.now().toISOString();
    const sessionList = [...sessions].sort();
    const metadata: TraceMetadata = {
      stage: 'commit',
      device: deps.device,
      ...(sessionList.length === 1 ? { session: sessionList[0]! } : {}),
      edits: [...edits].sort(),
    };
    const agentList = [...agents].sort();
    const trace: Record<string, unknown> = {
      version: AGENT_TRACE_VERSION,
      id,
      timestamp: time,
      vcs: { type: 'git', revision: commit },
      // One tool per record (Agent Trace): several agents in one commit are named together.
      tool: { name: agentList.join(',') },
      files,
      metadata: { [TRACE_METADATA_KEY]: metadata },
    };
    await appendRecord(repoPaths(repo.commonDir).records, trace);
    const repository = await originRepository(repo);
    const draft: SpoolDraft = { id, time, ...(repository !== undefined ? { repository } : {}), stage: 'commit', trace };
    const [record] = await deps.spool.append([draft]);
    return { commit, trace, ...(record !== undefined ? { record } : {}) };
  });
}

/** One Agent Trace `files[]` entry: a conversation per agent:model, its ranges with content hashes. */
function fileEntry(path: string, lines: readonly string[], owned: readonly { line: number; owner: LineOwner }[], edits: Set<string>, sessions: Set<string>, agents: Set<string>): Record<string, unknown> {
  const byModel = new Map<string, { model?: string; lines: number[] }>();
  for (const { line, owner } of owned) {
    edits.add(owner.edit);
    agents.add(owner.agent);
    if (owner.session !== undefined) sessions.add(owner.session);
    const key = trailerValue(owner);
    let g = byModel.get(key);
    if (g === undefined) {
      g = owner.model === undefined ? { lines: [] } : { model: owner.model, lines: [] };
      byModel.set(key, g);
    }
    g.lines.push(line);
  }
  const conversations = [...byModel.keys()].sort().map((key) => {
    const g = byModel.get(key)!;
    return {
      contributor: { type: 'ai', ...(g.model !== undefined ? { model_id: g.model } : {}) },
      ranges: toRanges(g.lines).map((r) => ({ start_line: r.start, end_line: r.end, content_hash: rangeHash(lines.slice(r.start - 1, r.end)) })),
    };
  });
  return { path, conversations };
}

/**
 * Clears the committed part of a file's attribution: the state is tracked to the working file;
 * working lines unchanged from the committed blob lose their owner. No agent line left: the
 * state is removed. The working file unreadable or gone: the state is removed.
 */
async function clearCommitted(repo: CaptureRepo, store: AttributionStore, state: FileState, committedText: string | undefined): Promise<void> {
  let working: string | undefined;
  try {
    const read = decodeTracked(await readFile(join(repo.root, ...state.path.split('/'))));
    working = 'text' in read ? read.text : undefined;
  } catch {
    working = undefined;
  }
  if (working === undefined || committedText === undefined) {
    await store.remove(state.path);
    return;
  }
  const tracked = trackTo(state, working);
  const committedLines = splitLines(committedText);
  const fromCommit = carryOwners(committedLines, committedLines.map(() => 0), tracked.lines).changed;
  const owners = tracked.owners.map((o, i) => (fromCommit[i] === true ? o : undefined));
  const next = stateFrom(state.path, working, owners);
  if (hasAgentLines(next)) await store.write(next);
  else await store.remove(state.path);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}

/**
 * Appends one JSON line and fsyncs it. A torn last line (a crash mid-append) is closed with a
 * newline first, so it stays one invalid line (reported and skipped by the reader) instead of
 * corrupting this record too.
 */
async function appendRecord(file: string, trace: Readonly<Record<string, unknown>>): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const handle = await open(file, 'a+', 0o644);
  try {
    const { size } = await handle.stat();
    let torn = false;
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      torn = last[0] !== 0x0a;
    }
    await handle.write(`${torn ? '\n' : ''}${JSON.stringify(trace)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
