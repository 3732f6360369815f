// `trailmark blame FILE [-L START,END] [--rev REV] [--ledger DIR]... [--format text|json] [--proofs]`:
// for each run of lines, the commits and pull requests that introduced it and what the ledgers
// recorded about them (evidence, agent, model, approvals, verdict, entry seq, proofs). Works
// offline from a clone and ledger directories. JSON: `trailmark.blame/v1` (docs/blame.md).
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError, printable } from '../../src/core/errors.js';
import { blame, type BlameReport, type BlameRun, type HunkHistory } from '../../src/engine/blame.js';
import { isEmptyLedger } from '../../src/engine/ledger.js';
import { localBlameGit } from '../../src/git/blame.js';
import { DEFAULT_LEDGER_DIR, openDirStore } from '../../src/ledger/store/dir.js';
import type { CommandContext } from '../main.js';

interface BlameOptions {
  readonly L?: string;
  readonly rev: string;
  readonly ledger: string[];
  readonly repo: string;
  readonly repository?: string;
  readonly format: 'text' | 'json';
  readonly proofs?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `-L START,END` (git's form; also `START` alone, and `START,+COUNT`). */
export function parseLineRange(value: string): { start: number; end: number } {
  const m = /^([1-9][0-9]{0,8})(?:,(\+?)([0-9]{1,9}))?$/.exec(value.trim());
  if (m === null) throw new UsageError('BAD_INPUT', `invalid line range ${JSON.stringify(printable(value, 40))}`, { hint: 'use -L START,END (e.g. -L 40,60) or -L START,+COUNT' });
  const start = Number(m[1]);
  const end = m[3] === undefined ? start : m[2] === '+' ? start + Math.max(1, Number(m[3])) - 1 : Number(m[3]);
  if (end < start) throw new UsageError('BAD_INPUT', `line range ${value} ends before it starts`, { hint: 'use -L START,END with START <= END' });
  return { start, end };
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('blame')
    .description('show, line by line, the commits and pull requests behind a file and what the ledger recorded about their AI involvement')
    .argument('<file>', 'file to blame (relative to the current directory or the repository root)')
    .option('-L <range>', 'lines START,END (or START,+COUNT)')
    .option('--rev <rev>', 'revision to blame', 'HEAD')
    .option('--ledger <dir>', `ledger directory (repeatable; default ${DEFAULT_LEDGER_DIR})`, collect, [])
    .option('--repo <dir>', 'git repository (clone)', '.')
    .option('--repository <owner/name>', 'only entries of this repository (default: every repository in the ledgers)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--proofs', 'attach the inclusion proof of every cited entry')
    .action(async (file: string, opts: BlameOptions) => {
      const repo = resolve(ctx.io.cwd, opts.repo);
      const dirs = (opts.ledger.length > 0 ? opts.ledger : [DEFAULT_LEDGER_DIR]).map((d) => (isAbsolute(d) ? d : join(ctx.io.cwd, d)));
      const stores = dirs.map((d) => openDirStore(d));
      for (const [i, store] of stores.entries()) {
        if (await isEmptyLedger(store)) {
          throw new UsageError('NOT_FOUND', `${printable(dirs[i]!, 200)} holds no ledger (no entries, no checkpoint)`, { hint: 'pass --ledger DIR pointing at a ledger directory (it holds entries.jsonl and checkpoint)' });
        }
      }
      const report = await blame({
        repository: opts.repository ?? null,
        file: repoPath(repo, ctx.io.cwd, file),
        ...(opts.L === undefined ? {} : { range: parseLineRange(opts.L) }),
        rev: opts.rev,
        ledgers: stores,
        git: localBlameGit(repo),
        proofs: opts.proofs === true,
      });
      ctx.io.stdout.write(opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderBlame(report));
    });
}

/** The path relative to the repository root: as given when it is not under the current directory's part of the repo. */
function repoPath(repo: string, cwd: string, file: string): string {
  const abs = resolve(cwd, file);
  const rel = relative(repo, abs);
  if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) return rel.split(sep).join('/');
  return file;
}

const p = (s: string) => printable(s, 200);

function historyLine(h: HunkHistory): string {
  const pr = h.pullRequest === null ? '' : ` PR #${h.pullRequest}`;
  const ev = h.evidence.length === 0 ? 'no evidence' : h.evidence.join('+');
  const who = [h.agents.length > 0 ? `agent ${h.agents.map(p).join(', ')}` : '', h.models.length > 0 ? `model ${h.models.map(p).join(', ')}` : '', h.sources.length > 0 ? `via ${h.sources.map(p).join(', ')}` : '']
    .filter((s) => s !== '')
    .join('; ');
  let out = `    ${h.verdict}${pr} (${ev}${who === '' ? '' : `; ${who}`}) — ${p(h.path)}:${h.startLine}-${h.endLine} at ${h.head?.slice(0, 12) ?? '(no head)'}; change.analyzed seq ${h.analysis.seq} in ${p(h.analysis.ledger)}${h.analysis.proof === undefined ? '' : ' [proof]'}\n`;
  if (h.approvals.length > 0) out += `      approved by ${h.approvals.map((a) => `${p(a.reviewer)}${a.atAnalyzedHead ? '' : ' (on another head)'} (seq ${a.entry.seq})`).join(', ')}\n`;
  if (h.merge !== null) out += `      merged as ${h.merge.mergeCommit?.slice(0, 12) ?? '(unknown)'} (${h.merge.method}${h.merge.approvedAsMerged === false ? ', approval drift' : ''}) (seq ${h.merge.entry.seq})\n`;
  for (const r of h.remediations) out += `      declared later by ${p(r.declarer ?? '[erased]')}: ${p(r.declaration)} (seq ${r.entry.seq})\n`;
  for (const f of h.findings) out += `      finding ${f.finding} (${f.level}) (seq ${f.entry.seq})\n`;
  if (h.records.length > 0) out += `      records: ${h.records.map((r) => `${r.digest.slice(0, 19)}… (seq ${r.entry.seq})`).join(', ')}\n`;
  return out;
}

function runHeader(r: BlameRun): string {
  const lines = r.startLine === r.endLine ? `${r.startLine}` : `${r.startLine}-${r.endLine}`;
  const moved = r.origPath !== '' ? ` ${p(r.origPath)}:${r.origStartLine}` : '';
  const link = r.link === 'none' ? 'no analysis in the ledgers' : `${r.link}${r.pullRequests.length > 0 ? ` → PR ${r.pullRequests.map((n) => `#${n}`).join(', ')}` : ''}`;
  return `${lines}\t${r.commit.slice(0, 12)}${r.boundary ? ' (boundary)' : ''}${moved} ${p(r.author.name)} <${p(r.author.email)}> "${p(r.summary)}": ${link}\n`;
}

export function renderBlame(report: BlameReport): string {
  let out = `blame ${p(report.file)} at ${report.rev.slice(0, 12)}${report.range === null ? '' : ` lines ${report.range.start}-${report.range.end}`} (${report.ledgers.map((l) => `${p(l.location)}: ${l.entries} entries`).join('; ')})\n`;
  for (const r of report.runs) {
    out += runHeader(r);
    for (const h of r.history) out += historyLine(h);
  }
  return out;
}
