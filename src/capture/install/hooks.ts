// `trailmark hooks install | uninstall | status`: the use cases behind cli/commands/hooks.ts.
//
// Every change is planned first (read, parse, merge, in memory) and written only when every
// file of the request could be planned: a refused file (invalid JSON or TOML, a non-shell git
// hook) leaves everything untouched. Uninstall removes exactly what install added: a file that
// is byte-for-byte what trailmark wrote gets its original bytes and mode back (or is deleted,
// with the directories trailmark created, when it did not exist); a file the user edited since
// keeps their edits and loses only trailmark's entries.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseToml } from 'smol-toml';
import { UsageError, printable } from '../../core/errors.js';
import { sanitizedEnv } from '../../git/git.js';
import { trailmarkHome } from '../paths.js';
import { missingDirs, readState, removeEmptyDirs, removeFile, writeAtomic, type FileState } from './files.js';
import { hasBlock, insertBlock, newHookScript, removeBlock } from './git-hooks.js';
import { addHookEntries, emptyJsonConfig, eventsWithCommand, parseJsonConfig, removeHookEntries, renderJsonConfig } from './json-hooks.js';
import { readManifest, repoManifestPath, sha256, userManifestPath, writeManifest, type ManifestEntry } from './manifest.js';
import {
  GIT_HOOKS,
  JSON_LAYOUTS,
  agentConfigPath,
  agentHookCommand,
  codexConfigPath,
  detectionDirs,
  gitHookLine,
  type AgentHookTool,
  type HookScope,
  type HookTool,
  type ToolEnvironment,
} from './targets.js';

const execFileP = promisify(execFile);

export const HOOKS_SCHEMA = 'trailmark.hooks/v1';
export const HOOKS_STATUS_SCHEMA = 'trailmark.hooks-status/v1';

export type HookAction = 'created' | 'updated' | 'unchanged' | 'restored' | 'deleted' | 'removed-entries' | 'absent';

export interface HookFileResult {
  readonly tool: HookTool;
  readonly scope: HookScope;
  readonly path: string;
  readonly action: HookAction;
  readonly note?: string;
}

export interface HooksResult {
  readonly schema: typeof HOOKS_SCHEMA;
  readonly action: 'install' | 'uninstall';
  readonly dryRun: boolean;
  readonly results: readonly HookFileResult[];
  /** What the user should know: a tool's limits, a step left to them. */
  readonly notes: readonly string[];
}

export interface HooksContext {
  readonly cwd: string;
  /** The process environment (HOME, TRAILMARK_HOME, XDG_STATE_HOME, CODEX_HOME, COPILOT_HOME). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface HooksOptions {
  /** Empty: install every detected agent tool and git; uninstall everything trailmark installed. */
  readonly tools: readonly HookTool[];
  /** Install: default `repo`. Uninstall: default both. */
  readonly scope?: HookScope;
  /** Shell prefix of the hook commands, e.g. `'/usr/bin/node' '/opt/trailmark/bin/trailmark.js'`. */
  readonly commandPrefix: string;
  readonly dryRun: boolean;
}

interface Repository {
  readonly top: string;
  readonly commonDir: string;
  /** The hooks directory git really uses (`git rev-parse --git-path hooks`, honours core.hooksPath). */
  readonly hooksDir: string;
}

interface Environment extends ToolEnvironment {
  readonly trailmarkHome: string;
}

function environment(ctx: HooksContext): Environment {
  const home = nonEmpty(ctx.env['HOME']) ?? homedir();
  return {
    home,
    trailmarkHome: trailmarkHome({ ...ctx.env, XDG_STATE_HOME: nonEmpty(ctx.env['XDG_STATE_HOME']) ?? join(home, '.local', 'state') }),
    ...(nonEmpty(ctx.env['CODEX_HOME']) === undefined ? {} : { codexHome: ctx.env['CODEX_HOME'] }),
    ...(nonEmpty(ctx.env['COPILOT_HOME']) === undefined ? {} : { copilotHome: ctx.env['COPILOT_HOME'] }),
  };
}

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

/** The repository around `cwd`, or undefined outside one. Runs git without trailmark's forced `core.hooksPath`. */
async function repository(ctx: HooksContext): Promise<Repository | undefined> {
  const env = sanitizedEnv({ ...process.env, ...ctx.env });
  const run = async (arg: string, extra: readonly string[] = []): Promise<string | undefined> => {
    try {
      const { stdout } = await execFileP('git', ['rev-parse', ...extra, arg], { cwd: ctx.cwd, env, encoding: 'utf8' });
      const line = stdout.replace(/\r?\n$/, '');
      return line === '' ? undefined : line;
    } catch {
      return undefined;
    }
  };
  const top = await run('--show-toplevel');
  if (top === undefined) return undefined;
  const commonDir = await run('--git-common-dir');
  const hooksDir = await run('hooks', ['--git-path']);
  if (commonDir === undefined || hooksDir === undefined) return undefined;
  return { top, commonDir: resolve(ctx.cwd, commonDir), hooksDir: resolve(ctx.cwd, hooksDir) };
}

interface Plan {
  readonly result: HookFileResult;
  /** The file's new bytes and mode; `null` deletes it; undefined leaves it. */
  readonly write?: { readonly bytes: Buffer; readonly mode: number } | null;
  readonly removeDirs?: readonly string[];
  readonly manifest: string;
  /** The file's manifest entry after this plan; null drops it; undefined leaves it. */
  readonly entry?: ManifestEntry | null;
}

function manifestFor(scope: HookScope, env: Environment, repo: Repository | undefined): string {
  if (scope === 'user') return userManifestPath(env.trailmarkHome);
  if (repo === undefined) throw new UsageError('USAGE', 'not inside a git repository', { hint: 'run it in the repository, or pass --user for your per-user configuration' });
  return repoManifestPath(repo.commonDir);
}

/** The manifest entry after trailmark writes `after` over `cur`. */
function nextEntry(
  prev: ManifestEntry | undefined,
  base: Pick<ManifestEntry, 'tool' | 'scope' | 'path'>,
  cur: FileState | undefined,
  after: Buffer,
  commands: readonly string[],
  created: ManifestEntry['created'],
): ManifestEntry {
  const union = (a: readonly string[], b: readonly string[]): string[] => [...new Set([...a, ...b])];
  const mergedCreated = (p: ManifestEntry['created']): ManifestEntry['created'] => ({
    dirs: p.dirs,
    hooksKey: p.hooksKey,
    rootKeys: p.rootKeys,
    events: union(p.events, created.events),
  });
  if (prev !== undefined && cur !== undefined) {
    if (sha256(cur.bytes) === prev.writtenSha256) {
      // Unchanged since our last write: the original from the first install still holds.
      return { ...prev, writtenSha256: sha256(after), commands: union(prev.commands, commands), created: mergedCreated(prev.created) };
    }
    // Edited since: the bytes before our first write are gone; uninstall can only take entries out.
    const { original: _dropped, ...rest } = prev;
    return { ...rest, writtenSha256: sha256(after), commands: union(prev.commands, commands), created: mergedCreated(prev.created) };
  }
  return {
    ...base,
    existed: cur !== undefined,
    ...(cur === undefined ? {} : { original: { base64: cur.bytes.toString('base64'), sha256: sha256(cur.bytes), mode: cur.mode } }),
    writtenSha256: sha256(after),
    commands,
    created,
  };
}

function planAgentInstall(tool: AgentHookTool, scope: HookScope, env: Environment, repo: Repository | undefined, prefix: string, entries: ReadonlyMap<string, ManifestEntry>, manifest: string): Plan {
  const path = agentConfigPath(tool, scope, env, repo?.top ?? '');
  const layout = JSON_LAYOUTS[tool];
  const cur = readState(path);
  const config = cur === undefined ? emptyJsonConfig() : parseJsonConfig(cur.bytes.toString('utf8'), path);
  const command = agentHookCommand(prefix, tool);
  const { config: next, added } = addHookEntries(config, layout, command);
  if (added.length === 0) return { result: { tool, scope, path, action: 'unchanged', note: 'already installed' }, manifest };
  const hooksBefore = config.value['hooks'];
  const after = Buffer.from(renderJsonConfig(next), 'utf8');
  const entry = nextEntry(entries.get(path), { tool, scope, path }, cur, after, [command], {
    dirs: cur === undefined ? missingDirs(path) : [],
    hooksKey: hooksBefore === undefined,
    rootKeys: Object.keys(layout.root).filter((k) => !(k in config.value)),
    events: added.filter((e) => typeof hooksBefore !== 'object' || hooksBefore === null || !(e in hooksBefore)),
  });
  return {
    result: { tool, scope, path, action: cur === undefined ? 'created' : 'updated', note: `added ${added.join(', ')}` },
    write: { bytes: after, mode: cur?.mode ?? 0o644 },
    manifest,
    entry,
  };
}

function planGitInstall(hook: (typeof GIT_HOOKS)[number], repo: Repository, prefix: string, entries: ReadonlyMap<string, ManifestEntry>, manifest: string): Plan {
  const path = join(repo.hooksDir, hook);
  const line = gitHookLine(prefix, hook);
  const cur = readState(path);
  let after: string;
  if (cur === undefined) {
    after = newHookScript(line);
  } else {
    const text = cur.bytes.toString('utf8');
    if ((cur.mode & 0o111) === 0) {
      throw new UsageError('BAD_INPUT', `${printable(path)} exists but is not executable, so git does not run it`, {
        hint: 'make it executable (chmod +x) if you mean git to run it, or move it away; then install again',
      });
    }
    after = insertBlock(removeBlock(text), line, path);
    if (after === text) return { result: { tool: 'git', scope: 'repo', path, action: 'unchanged', note: 'already installed' }, manifest };
  }
  const bytes = Buffer.from(after, 'utf8');
  const entry = nextEntry(entries.get(path), { tool: 'git', scope: 'repo', path }, cur, bytes, [line], {
    dirs: cur === undefined ? missingDirs(path) : [],
    hooksKey: false,
    rootKeys: [],
    events: [],
  });
  return {
    result: { tool: 'git', scope: 'repo', path, action: cur === undefined ? 'created' : 'updated', note: cur === undefined ? undefined : 'added the trailmark block after the #! line' },
    write: { bytes, mode: cur?.mode ?? 0o755 },
    manifest,
    entry,
  };
}

/** Codex runs hooks only with its `hooks` feature on; config.toml may turn it off. */
function codexNotes(scope: HookScope, env: Environment, repo: Repository | undefined): string[] {
  const path = codexConfigPath(scope, env, repo?.top ?? '');
  const cur = readState(path);
  const notes = ['codex: Codex asks you to review and trust new command hooks before it runs them (codex /hooks)'];
  if (cur === undefined) return notes;
  let value: Record<string, unknown>;
  try {
    value = parseToml(cur.bytes.toString('utf8'));
  } catch (err) {
    throw new UsageError('BAD_INPUT', `${printable(path)} is not valid TOML (${(err as Error).message.split('\n')[0] ?? ''})`, {
      cause: err,
      hint: 'fix it first: Codex would not read it either',
    });
  }
  const features = value['features'];
  if (typeof features === 'object' && features !== null && ((features as Record<string, unknown>)['hooks'] === false || (features as Record<string, unknown>)['codex_hooks'] === false)) {
    notes.push(`codex: hooks are turned off in ${path} ([features] hooks = false): trailmark's hooks will not run until you turn them on`);
  }
  return notes;
}

function detectedTools(env: Environment, repo: Repository | undefined): AgentHookTool[] {
  return (['claude-code', 'cursor', 'codex', 'copilot'] as const).filter((t) => detectionDirs(t, env, repo?.top).some((d) => existsSync(d)));
}

function loadEntries(paths: readonly string[]): Map<string, Map<string, ManifestEntry>> {
  const out = new Map<string, Map<string, ManifestEntry>>();
  for (const p of paths) out.set(p, new Map(readManifest(p).entries.map((e) => [e.path, e])));
  return out;
}

export async function installHooks(ctx: HooksContext, opts: HooksOptions): Promise<HooksResult> {
  const env = environment(ctx);
  const repo = await repository(ctx);
  const scope = opts.scope ?? 'repo';
  const explicit = opts.tools.length > 0;
  const tools: HookTool[] = explicit ? [...new Set(opts.tools)] : [...detectedTools(env, repo), ...(repo === undefined ? [] : (['git'] as const))];
  const notes: string[] = [];
  if (!explicit) notes.push(tools.length === 0 ? 'no agent tool detected and not in a git repository: nothing to install' : `detected: ${tools.join(', ')}`);
  if (tools.includes('git') && repo === undefined) throw new UsageError('USAGE', 'git hooks need a git repository, and this is not inside one', { hint: 'run it in the repository' });

  const agentManifest = tools.some((t) => t !== 'git') ? manifestFor(scope, env, repo) : undefined;
  const gitManifest = tools.includes('git') ? manifestFor('repo', env, repo) : undefined;
  const manifests = loadEntries([...new Set([agentManifest, gitManifest].filter((p): p is string => p !== undefined))]);

  const plans: Plan[] = [];
  for (const tool of tools) {
    if (tool === 'git') {
      for (const hook of GIT_HOOKS) plans.push(planGitInstall(hook, repo!, opts.commandPrefix, manifests.get(gitManifest!)!, gitManifest!));
      continue;
    }
    plans.push(planAgentInstall(tool, scope, env, repo, opts.commandPrefix, manifests.get(agentManifest!)!, agentManifest!));
    if (tool === 'codex') notes.push(...codexNotes(scope, env, repo));
    if (tool === 'copilot' && scope === 'repo') notes.push('copilot: the Copilot cloud agent runs .github/hooks on GitHub\'s machines (from the default branch), where this machine\'s command does not exist; for it, install with --command \'npx trailmark\'');
    if (tool === 'cursor' && scope === 'repo') notes.push('cursor: .cursor/hooks.json is usually committed; its command names this machine\'s paths unless you pass --command \'npx trailmark\'');
  }
  if (!opts.dryRun) apply(plans, manifests, 'install');
  return { schema: HOOKS_SCHEMA, action: 'install', dryRun: opts.dryRun, results: plans.map((p) => p.result), notes };
}

/**
 * Writes the plans. Install: manifests first, then files (a crash leaves entries whose files
 * still hold their original bytes, which uninstall drops). Uninstall: files first, then manifests.
 */
function apply(plans: readonly Plan[], manifests: Map<string, Map<string, ManifestEntry>>, action: 'install' | 'uninstall'): void {
  const writeManifests = (): void => {
    const touched = new Set<string>();
    for (const plan of plans) {
      if (plan.entry === undefined) continue;
      const entries = manifests.get(plan.manifest)!;
      if (plan.entry === null) entries.delete(plan.result.path);
      else entries.set(plan.result.path, plan.entry);
      touched.add(plan.manifest);
    }
    for (const m of touched) writeManifest(m, [...manifests.get(m)!.values()]);
  };
  if (action === 'install') writeManifests();
  for (const plan of plans) {
    if (plan.write === null) removeFile(plan.result.path);
    else if (plan.write !== undefined) writeAtomic(plan.result.path, plan.write.bytes, plan.write.mode);
    if (plan.removeDirs !== undefined) removeEmptyDirs(plan.removeDirs);
  }
  if (action === 'uninstall') writeManifests();
}

function planUninstall(entry: ManifestEntry, manifest: string): Plan {
  const { tool, scope, path } = entry;
  const base = { tool, scope, path };
  const cur = readState(path);
  if (cur === undefined) {
    return { result: { ...base, action: 'absent', note: entry.existed ? 'the file is gone already' : undefined }, removeDirs: entry.created.dirs, manifest, entry: null };
  }
  const digest = sha256(cur.bytes);
  if (entry.original !== undefined && digest === entry.original.sha256 && digest !== entry.writtenSha256) {
    return { result: { ...base, action: 'unchanged', note: 'trailmark never wrote it' }, manifest, entry: null };
  }
  if (digest === entry.writtenSha256) {
    if (!entry.existed) return { result: { ...base, action: 'deleted' }, write: null, removeDirs: entry.created.dirs, manifest, entry: null };
    if (entry.original !== undefined) {
      return { result: { ...base, action: 'restored' }, write: { bytes: Buffer.from(entry.original.base64, 'base64'), mode: entry.original.mode }, manifest, entry: null };
    }
  }
  const edited = digest === entry.writtenSha256 ? 'edited between two installs' : 'edited since install';
  const text = cur.bytes.toString('utf8');
  if (tool === 'git') {
    if (!hasBlock(text)) return { result: { ...base, action: 'absent', note: `${edited}; trailmark's block is gone already` }, manifest, entry: null };
    const after = removeBlock(text);
    if (!entry.existed && after.replace(/\s+$/, '') === '#!/bin/sh') {
      return { result: { ...base, action: 'deleted', note: `${edited}; only trailmark's block was left` }, write: null, removeDirs: entry.created.dirs, manifest, entry: null };
    }
    return { result: { ...base, action: 'removed-entries', note: `${edited}: removed only trailmark's block` }, write: { bytes: Buffer.from(after, 'utf8'), mode: cur.mode }, manifest, entry: null };
  }
  const layout = JSON_LAYOUTS[tool];
  const config = parseJsonConfig(text, path);
  const { config: next, removed } = removeHookEntries(config, layout, new Set(entry.commands), entry.created);
  if (removed === 0) return { result: { ...base, action: 'absent', note: `${edited}; trailmark's entries are gone already` }, manifest, entry: null };
  if (!entry.existed && Object.keys(next.value).length === 0) {
    return { result: { ...base, action: 'deleted', note: `${edited}; only trailmark's entries were left` }, write: null, removeDirs: entry.created.dirs, manifest, entry: null };
  }
  return { result: { ...base, action: 'removed-entries', note: `${edited}: removed only trailmark's entries` }, write: { bytes: Buffer.from(renderJsonConfig(next), 'utf8'), mode: cur.mode }, manifest, entry: null };
}

export async function uninstallHooks(ctx: HooksContext, opts: Omit<HooksOptions, 'commandPrefix'>): Promise<HooksResult> {
  const env = environment(ctx);
  const repo = await repository(ctx);
  const scopes: HookScope[] = opts.scope !== undefined ? [opts.scope] : repo === undefined ? ['user'] : ['user', 'repo'];
  if (opts.scope === 'repo' && repo === undefined) manifestFor('repo', env, repo);
  const paths = new Set<string>();
  for (const s of scopes) paths.add(manifestFor(s, env, repo));
  // Git hooks are recorded in the repository's manifest whatever the scope flag says.
  if (repo !== undefined && opts.tools.includes('git')) paths.add(manifestFor('repo', env, repo));
  const manifests = loadEntries([...paths]);
  const plans: Plan[] = [];
  for (const [manifest, entries] of manifests) {
    for (const entry of entries.values()) {
      if (opts.tools.length > 0 && !opts.tools.includes(entry.tool)) continue;
      if (opts.scope !== undefined && entry.tool !== 'git' && entry.scope !== opts.scope) continue;
      plans.push(planUninstall(entry, manifest));
    }
  }
  const notes = plans.length === 0 ? ['nothing to uninstall: no hooks installed by trailmark were found'] : [];
  if (!opts.dryRun) apply(plans, manifests, 'uninstall');
  return { schema: HOOKS_SCHEMA, action: 'uninstall', dryRun: opts.dryRun, results: plans.map((p) => p.result), notes };
}

export type HookState = 'installed' | 'edited' | 'removed' | 'missing';

export interface HooksStatus {
  readonly schema: typeof HOOKS_STATUS_SCHEMA;
  readonly repository: string | null;
  readonly detected: readonly AgentHookTool[];
  readonly hooks: readonly { readonly tool: HookTool; readonly scope: HookScope; readonly path: string; readonly state: HookState }[];
}

/**
 * What trailmark installed and whether it is still there: `installed` (the file is what it
 * wrote), `edited` (changed since, trailmark's entries still in it), `removed` (its entries are
 * gone), `missing` (the file is gone).
 */
export async function hooksStatus(ctx: HooksContext): Promise<HooksStatus> {
  const env = environment(ctx);
  const repo = await repository(ctx);
  const paths = [userManifestPath(env.trailmarkHome), ...(repo === undefined ? [] : [repoManifestPath(repo.commonDir)])];
  const hooks: { tool: HookTool; scope: HookScope; path: string; state: HookState }[] = [];
  for (const entries of loadEntries(paths).values()) {
    for (const e of entries.values()) {
      const cur = readState(e.path);
      let state: HookState;
      if (cur === undefined) state = 'missing';
      else if (sha256(cur.bytes) === e.writtenSha256) state = 'installed';
      else if (e.tool === 'git') state = hasBlock(cur.bytes.toString('utf8')) ? 'edited' : 'removed';
      else {
        let present = false;
        try {
          const config = parseJsonConfig(cur.bytes.toString('utf8'), e.path);
          present = e.commands.some((c) => eventsWithCommand(config, JSON_LAYOUTS[e.tool as AgentHookTool], c).length > 0);
        } catch {
          present = false;
        }
        state = present ? 'edited' : 'removed';
      }
      hooks.push({ tool: e.tool, scope: e.scope, path: e.path, state });
    }
  }
  hooks.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { schema: HOOKS_STATUS_SCHEMA, repository: repo?.top ?? null, detected: detectedTools(env, repo), hooks };
}
