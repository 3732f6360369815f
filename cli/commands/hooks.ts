// `trailmark hooks install | uninstall | status`: writes each agent tool's own hook
// configuration and git's prepare-commit-msg/post-commit hooks, merged with what is there, and
// takes out exactly what it added. The work is in src/capture/install/; docs/hooks.md.
import type { Command } from 'commander';
import { UsageError, printable } from '../../src/core/errors.js';
import { defaultCommand, trailmarkBin } from '../../src/capture/install/command.js';
import { hooksStatus, installHooks, uninstallHooks, type HooksResult } from '../../src/capture/install/hooks.js';
import type { HookScope, HookTool } from '../../src/capture/install/targets.js';
import type { CommandContext } from '../main.js';

interface ToolFlags {
  readonly claudeCode?: boolean;
  readonly cursor?: boolean;
  readonly codex?: boolean;
  readonly copilot?: boolean;
  readonly git?: boolean;
  readonly user?: boolean;
  readonly repo?: boolean;
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly command?: string;
}

const TOOL_HELP = `
Tools and the files trailmark edits (--repo is the default scope; git hooks are always the repository's):
  --claude-code  .claude/settings.local.json (--repo; not the committed settings.json, because the
                 command names this machine's paths) or ~/.claude/settings.json (--user):
                 PostToolUse (Write|Edit|MultiEdit), UserPromptSubmit, SessionStart, SessionEnd
  --cursor       .cursor/hooks.json or ~/.cursor/hooks.json: afterFileEdit, beforeSubmitPrompt
  --codex        .codex/hooks.json or $CODEX_HOME/hooks.json (~/.codex): PostToolUse (apply_patch),
                 UserPromptSubmit, SessionStart. Codex has no session-end hook, and asks you to
                 trust new hooks before it runs them; its notify program only sees finished turns,
                 so trailmark does not use it. config.toml is read, never written.
  --copilot      .github/hooks/trailmark.json or $COPILOT_HOME/hooks/trailmark.json (~/.copilot):
                 sessionStart, sessionEnd, userPromptSubmitted, postToolUse. Copilot CLI runs
                 them here; the Copilot cloud agent runs them on GitHub's machines, where only a
                 --command such as 'npx trailmark' works.
  --git          prepare-commit-msg and post-commit in the hooks directory git uses (core.hooksPath
                 honoured); an existing shell hook gets a delimited block, never replaced; a hook
                 in another language is refused. The block never fails a commit.

Every hook runs '<node>' '<this trailmark's bin/trailmark.js>' capture <tool>, so it works when
trailmark is not on PATH; --command replaces the '<node>' '<bin>' part (e.g. --command 'npx trailmark').
Install twice adds nothing. Uninstall puts back the exact bytes of a file it changed when nobody
edited it since (else it removes only trailmark's entries, and says so). What was installed is
recorded in <git dir>/trailmark/hooks.json and $TRAILMARK_HOME/hooks.json.

Exit codes: 0 done; 2 usage error, or a file trailmark refuses to edit (nothing is written then).`;

function toolsOf(o: ToolFlags): HookTool[] {
  const out: HookTool[] = [];
  if (o.claudeCode === true) out.push('claude-code');
  if (o.cursor === true) out.push('cursor');
  if (o.codex === true) out.push('codex');
  if (o.copilot === true) out.push('copilot');
  if (o.git === true) out.push('git');
  return out;
}

function scopeOf(o: ToolFlags): HookScope | undefined {
  if (o.user === true && o.repo === true) throw new UsageError('USAGE', '--user and --repo are exclusive', { hint: 'run the command once per scope' });
  return o.user === true ? 'user' : o.repo === true ? 'repo' : undefined;
}

function withToolFlags(cmd: Command): Command {
  return cmd
    .option('--claude-code', 'Claude Code')
    .option('--cursor', 'Cursor')
    .option('--codex', 'OpenAI Codex CLI')
    .option('--copilot', 'GitHub Copilot (CLI and cloud agent)')
    .option('--git', 'git prepare-commit-msg and post-commit')
    .option('--user', 'the per-user configuration files')
    .option('--repo', 'the repository\'s configuration files')
    .option('--dry-run', 'say what would change, write nothing')
    .option('--json', `machine-readable result (schema trailmark.hooks/v1)`)
    .addHelpText('after', TOOL_HELP);
}

function render(result: HooksResult, ctx: CommandContext, json: boolean): void {
  if (json) {
    ctx.io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const verb = result.dryRun ? 'would be ' : '';
  for (const r of result.results) {
    ctx.io.stdout.write(`${r.tool.padEnd(11)} ${r.scope.padEnd(4)} ${verb}${r.action.padEnd(15)} ${printable(r.path, 400)}${r.note === undefined ? '' : `  (${r.note})`}\n`);
  }
  for (const n of result.notes) ctx.io.stdout.write(`note: ${n}\n`);
}

export function register(program: Command, ctx: CommandContext): void {
  const hooks = program
    .command('hooks')
    .description('install the agent and git hooks that capture AI edits (`trailmark capture`), or take them out');

  withToolFlags(hooks.command('install').description('add trailmark\'s hooks to each tool\'s configuration (no tool flag: every detected tool and git)'))
    .option('--command <prefix>', 'shell command the hooks run instead of this trailmark, e.g. \'npx trailmark\'')
    .action(async (o: ToolFlags) => {
      let prefix = o.command;
      if (prefix === undefined) {
        const bin = trailmarkBin();
        if (bin === undefined) throw new UsageError('NOT_FOUND', 'cannot find this trailmark\'s bin/trailmark.js', { hint: 'pass --command, e.g. --command \'npx trailmark\'' });
        prefix = defaultCommand(process.execPath, bin);
      } else if (prefix.trim() === '' || /[\r\n]/.test(prefix)) {
        throw new UsageError('USAGE', `--command ${JSON.stringify(printable(prefix))} is empty or has a line break`, { hint: 'give one line of shell, e.g. --command \'npx trailmark\'' });
      }
      const scope = scopeOf(o);
      const result = await installHooks({ cwd: ctx.io.cwd, env: ctx.io.env }, { tools: toolsOf(o), ...(scope === undefined ? {} : { scope }), commandPrefix: prefix.trim(), dryRun: o.dryRun === true });
      render(result, ctx, o.json === true);
    });

  withToolFlags(hooks.command('uninstall').description('take out exactly what `hooks install` added (no tool flag: everything; no scope flag: both scopes)'))
    .action(async (o: ToolFlags) => {
      const scope = scopeOf(o);
      const result = await uninstallHooks({ cwd: ctx.io.cwd, env: ctx.io.env }, { tools: toolsOf(o), ...(scope === undefined ? {} : { scope }), dryRun: o.dryRun === true });
      render(result, ctx, o.json === true);
    });

  hooks
    .command('status')
    .description('the hooks trailmark installed here and for this user, and whether they are still in place')
    .option('--json', 'machine-readable result (schema trailmark.hooks-status/v1)')
    .action(async (o: { json?: boolean }) => {
      const status = await hooksStatus({ cwd: ctx.io.cwd, env: ctx.io.env });
      if (o.json === true) {
        ctx.io.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
        return;
      }
      ctx.io.stdout.write(`repository: ${status.repository === null ? '(none)' : printable(status.repository, 400)}\n`);
      ctx.io.stdout.write(`detected tools: ${status.detected.length === 0 ? '(none)' : status.detected.join(', ')}\n`);
      if (status.hooks.length === 0) ctx.io.stdout.write('no hooks installed by trailmark\n');
      for (const h of status.hooks) ctx.io.stdout.write(`${h.tool.padEnd(11)} ${h.scope.padEnd(4)} ${h.state.padEnd(9)} ${printable(h.path, 400)}\n`);
    });
}
