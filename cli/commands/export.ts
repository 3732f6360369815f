// `trailmark export --agent-trace [--range BASE..HEAD] [--out FILE]` writes the committed Agent
// Trace records of the range (src/capture/export.ts) as JSONL; `--git-ai-notes` writes one
// git-ai `authorship/3.0.0` note per commit under refs/notes/ai, never replacing a note that is
// there. Without --range: every commit reachable from HEAD. Exit codes: 0 done; 1 when the
// records file holds invalid lines (they are reported and left out, the rest is exported);
// 2 usage or input error.
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../src/core/errors.js';
import { exportAgentTrace, exportGitAiNotes, type NotesExport, type TraceExport } from '../../src/capture/export.js';
import { EXIT_INTEGRITY } from '../io.js';
import type { CommandContext } from '../main.js';

interface ExportOptions {
  readonly agentTrace?: boolean;
  readonly gitAiNotes?: boolean;
  readonly range?: string;
  readonly out?: string;
  readonly json?: boolean;
}

/** Version of the `export --json` document; bumped on any incompatible change. */
export const EXPORT_JSON_SCHEMA = 'trailmark.export/v1';

/** Writes `text` to `path` whole or not at all: a temporary file beside it, then a rename. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, text, { flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('export')
    .description('export the committed capture records of a range: as Agent Trace JSONL (--agent-trace) and/or as git-ai notes under refs/notes/ai (--git-ai-notes)')
    .option('--agent-trace', 'write the records as Agent Trace, one JSON object per line')
    .option('--git-ai-notes', 'write one git-ai authorship/3.0.0 note per commit (an existing note is never replaced)')
    .option('--range <BASE..HEAD>', 'the commits to export (default: every commit reachable from HEAD)')
    .option('--out <file>', 'with --agent-trace: write to FILE instead of standard output')
    .option('--json', 'print a summary (schema trailmark.export/v1) instead of text; needs --out with --agent-trace')
    .addHelpText('after', '\nExit codes: 0 exported; 1 the records file holds invalid lines (reported, left out); 2 usage or input error.')
    .action(async (opts: ExportOptions) => {
      if (opts.agentTrace !== true && opts.gitAiNotes !== true) {
        throw new UsageError('USAGE', 'export needs --agent-trace or --git-ai-notes', { hint: 'trailmark export --agent-trace [--range BASE..HEAD] [--out FILE], or trailmark export --git-ai-notes [--range BASE..HEAD]' });
      }
      if (opts.out !== undefined && opts.agentTrace !== true) throw new UsageError('USAGE', '--out goes with --agent-trace', { hint: 'git-ai notes are written to the repository (refs/notes/ai), not to a file' });
      if (opts.json === true && opts.agentTrace === true && opts.out === undefined) {
        throw new UsageError('USAGE', '--json with --agent-trace needs --out FILE', { hint: 'the records and the summary cannot share standard output: pass --out FILE' });
      }
      const repo = ctx.io.cwd;
      let traces: TraceExport | undefined;
      let notes: NotesExport | undefined;
      let out: string | undefined;
      if (opts.agentTrace === true) {
        traces = await exportAgentTrace(repo, opts.range);
        if (opts.out !== undefined) {
          out = isAbsolute(opts.out) ? opts.out : join(ctx.io.cwd, opts.out);
          await writeAtomic(out, traces.text);
        } else {
          ctx.io.stdout.write(traces.text);
        }
      }
      if (opts.gitAiNotes === true) notes = await exportGitAiNotes(repo, opts.range);
      const problems = (traces ?? notes)!.problems;
      if (opts.json === true) {
        ctx.io.stdout.write(`${JSON.stringify({
          schema: EXPORT_JSON_SCHEMA,
          ...(opts.range !== undefined ? { range: opts.range } : {}),
          records: (traces ?? notes)!.recordsPath,
          ...(traces !== undefined ? { agentTrace: { out, records: traces.records, commits: traces.commits } } : {}),
          ...(notes !== undefined ? { gitAiNotes: { written: notes.written, unchanged: notes.unchanged, skipped: notes.skipped } } : {}),
          problems: problems.map((p) => p.message),
        }, null, 2)}\n`);
      } else {
        if (traces !== undefined && out !== undefined) ctx.io.stderr.write(`wrote ${traces.records} record(s) of ${traces.commits} commit(s) to ${out}\n`);
        if (traces !== undefined && traces.records === 0) ctx.io.stderr.write(`no committed records in the range (read ${traces.recordsPath})\n`);
        if (notes !== undefined) {
          ctx.io.stderr.write(`git-ai notes: ${notes.written.length} written, ${notes.unchanged.length} unchanged, ${notes.skipped.length} skipped\n`);
          for (const s of notes.skipped) ctx.io.stderr.write(`  skipped: ${s.reason}\n`);
        }
        for (const p of problems) ctx.io.stderr.write(`trailmark: ${p.message}\n`);
      }
      if (problems.length > 0) {
        ctx.io.stderr.write(`trailmark: ${problems.length} invalid line(s) in the records file were left out\nhint: the records file is written by the post-commit hook; move the bad lines aside and run the export again\n`);
        ctx.exitCode = EXIT_INTEGRITY;
      }
    });
}
