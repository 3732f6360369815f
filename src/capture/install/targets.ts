// What `trailmark hooks install` writes for each tool, from each tool's own documentation
// (docs/hooks.md cites the pages). Pure data and path arithmetic; no I/O.
import { join } from 'node:path';

export const HOOK_TOOLS = ['claude-code', 'cursor', 'codex', 'copilot', 'git'] as const;
export type HookTool = (typeof HOOK_TOOLS)[number];
export type AgentHookTool = Exclude<HookTool, 'git'>;
export type HookScope = 'user' | 'repo';

/**
 * How a tool's JSON file lists hooks under its top-level `hooks` object:
 * - `grouped` (Claude Code, Codex): `hooks[event]` is a list of `{matcher?, hooks: [handler]}`
 *   groups and a handler is `{type: "command", command, timeout}`;
 * - `flat` (Cursor, Copilot): `hooks[event]` is a list of handlers.
 */
export interface JsonHookLayout {
  readonly style: 'grouped' | 'flat';
  /** The handler key that holds the shell command: `command`, or Copilot's `bash`. */
  readonly commandKey: 'command' | 'bash';
  /** Top-level keys a file needs besides `hooks` (set only when absent), e.g. `version: 1`. */
  readonly root: Readonly<Record<string, unknown>>;
  readonly events: readonly { readonly event: string; readonly matcher?: string }[];
  /** The handler's other keys, in order; `$EVENT` in a string value is replaced by the event. */
  readonly handler: Readonly<Record<string, unknown>>;
}

/** Seconds a tool waits for our hook before it gives up on it; capture itself takes milliseconds. */
export const HOOK_TIMEOUT_SECONDS = 10;

export const JSON_LAYOUTS: Readonly<Record<AgentHookTool, JsonHookLayout>> = {
  // https://docs.claude.com/en/docs/claude-code/hooks: settings.json `hooks`, matcher a regex
  // over tool names, `timeout` in seconds.
  'claude-code': {
    style: 'grouped',
    commandKey: 'command',
    root: {},
    events: [
      { event: 'PostToolUse', matcher: 'Write|Edit|MultiEdit' },
      { event: 'UserPromptSubmit' },
      { event: 'SessionStart' },
      { event: 'SessionEnd' },
    ],
    handler: { type: 'command', timeout: HOOK_TIMEOUT_SECONDS },
  },
  // https://cursor.com/docs/agent/hooks: `{"version": 1, "hooks": {event: [{command}]}}`.
  cursor: {
    style: 'flat',
    commandKey: 'command',
    root: { version: 1 },
    events: [{ event: 'afterFileEdit' }, { event: 'beforeSubmitPrompt' }],
    handler: {},
  },
  // https://developers.openai.com/codex/hooks: hooks.json next to config.toml, Claude Code's
  // layout; file edits go through the `apply_patch` tool (PostToolUse runs for it from Codex
  // 0.124). Codex has no session-end event (`Stop` ends a turn, not a session).
  codex: {
    style: 'grouped',
    commandKey: 'command',
    root: {},
    events: [
      { event: 'PostToolUse', matcher: 'apply_patch|Edit|Write' },
      { event: 'UserPromptSubmit' },
      { event: 'SessionStart' },
    ],
    handler: { type: 'command', timeout: HOOK_TIMEOUT_SECONDS },
  },
  // https://docs.github.com/en/copilot/reference/hooks-reference: `.github/hooks/*.json`
  // (repository; Copilot CLI and the cloud agent) and `~/.copilot/hooks/*.json` (Copilot CLI).
  // Its payloads do not name their event, so the handler's `env` does.
  copilot: {
    style: 'flat',
    commandKey: 'bash',
    root: { version: 1 },
    events: [{ event: 'sessionStart' }, { event: 'sessionEnd' }, { event: 'userPromptSubmitted' }, { event: 'postToolUse' }],
    handler: { type: 'command', env: { TRAILMARK_HOOK_EVENT: '$EVENT' }, timeoutSec: HOOK_TIMEOUT_SECONDS },
  },
};

/** The environment a tool's paths depend on. */
export interface ToolEnvironment {
  readonly home: string;
  /** `CODEX_HOME`, default `~/.codex`. */
  readonly codexHome?: string;
  /** `COPILOT_HOME`, default `~/.copilot`. */
  readonly copilotHome?: string;
}

/**
 * The configuration file trailmark edits for an agent tool and scope. `root` is the repository's
 * top-level directory for `repo`.
 *
 * Claude Code, repo scope: `.claude/settings.local.json`, not `.claude/settings.json`. The hook
 * command names this machine's node and trailmark, which is wrong on a teammate's machine, and
 * Claude Code keeps settings.local.json out of git (it adds it to .gitignore); a team that wants
 * the shared file installs with `--command 'npx trailmark'` and copies the entries.
 */
export function agentConfigPath(tool: AgentHookTool, scope: HookScope, env: ToolEnvironment, root: string): string {
  const codexHome = env.codexHome ?? join(env.home, '.codex');
  const copilotHome = env.copilotHome ?? join(env.home, '.copilot');
  switch (tool) {
    case 'claude-code':
      return scope === 'user' ? join(env.home, '.claude', 'settings.json') : join(root, '.claude', 'settings.local.json');
    case 'cursor':
      return scope === 'user' ? join(env.home, '.cursor', 'hooks.json') : join(root, '.cursor', 'hooks.json');
    case 'codex':
      return scope === 'user' ? join(codexHome, 'hooks.json') : join(root, '.codex', 'hooks.json');
    case 'copilot':
      return scope === 'user' ? join(copilotHome, 'hooks', 'trailmark.json') : join(root, '.github', 'hooks', 'trailmark.json');
  }
}

/** Directories whose presence says the tool is used here (for `install` without tool flags). */
export function detectionDirs(tool: AgentHookTool, env: ToolEnvironment, root: string | undefined): string[] {
  const inRepo = (p: string): string[] => (root === undefined ? [] : [join(root, p)]);
  switch (tool) {
    case 'claude-code':
      return [join(env.home, '.claude'), ...inRepo('.claude')];
    case 'cursor':
      return [join(env.home, '.cursor'), ...inRepo('.cursor')];
    case 'codex':
      return [env.codexHome ?? join(env.home, '.codex'), ...inRepo('.codex')];
    case 'copilot':
      return [env.copilotHome ?? join(env.home, '.copilot'), ...inRepo(join('.github', 'hooks'))];
  }
}

/** Codex reads hooks only when its `hooks` feature is on (on by default from 0.124). */
export function codexConfigPath(scope: HookScope, env: ToolEnvironment, root: string): string {
  return scope === 'user' ? join(env.codexHome ?? join(env.home, '.codex'), 'config.toml') : join(root, '.codex', 'config.toml');
}

/**
 * prepare-commit-msg adds the Assisted-by trailers; commit-msg empties a message that holds only
 * them, so an aborted edit still aborts; post-commit records the commit's agent lines.
 */
export const GIT_HOOKS = ['prepare-commit-msg', 'commit-msg', 'post-commit'] as const;
export type GitHookName = (typeof GIT_HOOKS)[number];

/** The shell line a git hook's block runs: never fails the commit. */
export function gitHookLine(prefix: string, hook: GitHookName): string {
  switch (hook) {
    case 'prepare-commit-msg':
      return `${prefix} capture prepare-commit-msg "$@" || true`;
    case 'commit-msg':
      return `${prefix} capture commit-msg "$1" || true`;
    case 'post-commit':
      return `${prefix} capture post-commit || true`;
  }
}

/** The command an agent tool's hook runs. */
export function agentHookCommand(prefix: string, tool: AgentHookTool): string {
  return `${prefix} capture ${tool}`;
}
