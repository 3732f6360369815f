// The record of what `trailmark hooks install` changed, so that uninstall removes exactly that.
//
// One manifest per scope: `<TRAILMARK_HOME>/hooks.json` for per-user configuration files,
// `<git common dir>/trailmark/hooks.json` for a repository's files and its git hooks. For each
// file: whether it existed, its bytes before trailmark's first write (base64, with their digest
// and mode), the digest of what trailmark wrote last, the commands (or hook lines) it added and
// what it created (directories, keys, events).
//
// Crash consistency: install writes the manifest before the files, uninstall writes the files
// before the manifest. A manifest entry whose file still holds its original bytes (a crash
// before the install's write) is simply dropped by uninstall.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { UsageError, printable } from '../../core/errors.js';
import { repoPaths } from '../paths.js';
import { readState, removeFile, writeAtomic } from './files.js';
import { HOOK_TOOLS, type HookScope, type HookTool } from './targets.js';

export const MANIFEST_SCHEMA = 'trailmark.hooks-manifest/v1';

export interface ManifestEntry {
  readonly tool: HookTool;
  readonly scope: HookScope;
  readonly path: string;
  readonly existed: boolean;
  /**
   * The bytes before trailmark's first write (base64) and their mode, when they can be put back
   * exactly; absent when the file did not exist, or when the user edited it between two installs
   * (then uninstall can only take trailmark's entries out).
   */
  readonly original?: { readonly base64: string; readonly sha256: string; readonly mode: number };
  readonly writtenSha256: string;
  /** Agent tools: the hook commands added; git: the hook lines added. */
  readonly commands: readonly string[];
  readonly created: {
    readonly dirs: readonly string[];
    readonly hooksKey: boolean;
    readonly rootKeys: readonly string[];
    readonly events: readonly string[];
  };
}

export interface Manifest {
  readonly schema: typeof MANIFEST_SCHEMA;
  readonly entries: readonly ManifestEntry[];
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export function userManifestPath(trailmarkHome: string): string {
  return join(trailmarkHome, 'hooks.json');
}

export function repoManifestPath(gitCommonDir: string): string {
  return join(repoPaths(gitCommonDir).root, 'hooks.json');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function parseEntry(v: unknown): ManifestEntry | undefined {
  if (!isObject(v)) return undefined;
  const { tool, scope, path, existed, original, writtenSha256, commands, created } = v;
  if (typeof tool !== 'string' || !(HOOK_TOOLS as readonly string[]).includes(tool)) return undefined;
  if (scope !== 'user' && scope !== 'repo') return undefined;
  if (typeof path !== 'string' || typeof existed !== 'boolean' || typeof writtenSha256 !== 'string' || !isStrings(commands)) return undefined;
  if (!isObject(created) || !isStrings(created['dirs']) || typeof created['hooksKey'] !== 'boolean' || !isStrings(created['rootKeys']) || !isStrings(created['events'])) return undefined;
  let orig: ManifestEntry['original'];
  if (original !== undefined) {
    if (!isObject(original) || typeof original['base64'] !== 'string' || typeof original['sha256'] !== 'string' || typeof original['mode'] !== 'number') return undefined;
    orig = { base64: original['base64'], sha256: original['sha256'], mode: original['mode'] };
  }
  return {
    tool: tool as HookTool,
    scope,
    path,
    existed,
    ...(orig === undefined ? {} : { original: orig }),
    writtenSha256,
    commands,
    created: { dirs: created['dirs'], hooksKey: created['hooksKey'], rootKeys: created['rootKeys'], events: created['events'] },
  };
}

/** The manifest at `path` (empty when absent). A damaged manifest is an error, never ignored. */
export function readManifest(path: string): Manifest {
  const state = readState(path);
  if (state === undefined) return { schema: MANIFEST_SCHEMA, entries: [] };
  let value: unknown;
  try {
    value = JSON.parse(state.bytes.toString('utf8')) as unknown;
  } catch (err) {
    throw new UsageError('BAD_INPUT', `the hooks manifest ${printable(path)} is not valid JSON`, { cause: err, hint: 'restore it from a backup, or remove it and remove trailmark\'s hook entries by hand (see docs/hooks.md)' });
  }
  if (!isObject(value) || value['schema'] !== MANIFEST_SCHEMA || !Array.isArray(value['entries'])) {
    throw new UsageError('BAD_INPUT', `the hooks manifest ${printable(path)} is not a ${MANIFEST_SCHEMA} file`, { hint: 'it may come from another trailmark version; remove trailmark\'s hook entries by hand (see docs/hooks.md)' });
  }
  const entries: ManifestEntry[] = [];
  for (const e of value['entries'] as unknown[]) {
    const parsed = parseEntry(e);
    if (parsed === undefined) throw new UsageError('BAD_INPUT', `the hooks manifest ${printable(path)} has a malformed entry`, { hint: 'remove trailmark\'s hook entries by hand (see docs/hooks.md)' });
    entries.push(parsed);
  }
  return { schema: MANIFEST_SCHEMA, entries };
}

/** Writes the manifest atomically (entries sorted by path); an empty one is removed. */
export function writeManifest(path: string, entries: readonly ManifestEntry[]): void {
  if (entries.length === 0) {
    removeFile(path);
    return;
  }
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  writeAtomic(path, Buffer.from(`${JSON.stringify({ schema: MANIFEST_SCHEMA, entries: sorted }, null, 2)}\n`), 0o600);
}
