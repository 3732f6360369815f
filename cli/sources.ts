// The CLI's port implementations for the review use case (engine/review.ts): the policy file
// (the base revision, `--config FILE` overriding), the capture records (the Agent Trace file at
// the head, git-ai notes, the records `trailmark capture post-commit` wrote to
// `<git common dir>/trailmark/records.jsonl`, `--records`), and the ledger directory (`--ledger DIR`).
import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { UsageError } from '../src/core/errors.js';
import { systemClock, systemRandom, type PolicySource, type RawRecord, type RecordSource } from '../src/core/ports.js';
import type { ChangeSet } from '../src/core/types.js';
import { AGENT_TRACE_PATH, CONFIG_PATH, type ReviewLedger } from '../src/engine/review.js';
import { Git, readFileAtRevision, readGitAiNotes } from '../src/git/index.js';
import { repoPaths } from '../src/capture/paths.js';
import { loadSigner } from '../src/ledger/store/key-source.js';

/** Record files bigger than this are refused rather than read into memory. */
const MAX_RECORD_FILE_BYTES = 16 * 1024 * 1024;

export interface LocalChange {
  /** The repository the change set was read from; absent for a plain patch. */
  readonly repo?: string;
  readonly changeSet: ChangeSet;
}

/** The policy file: `--config FILE` when given, else CONFIG_PATH at the base revision (a change cannot weaken its own policy). */
export function localPolicySource(change: LocalChange, configFile: string | undefined): PolicySource {
  return {
    atBase: async () => {
      if (configFile !== undefined) return { found: true, text: (await readInputFile(configFile, 'config')).toString('utf8'), source: configFile };
      const { base } = change.changeSet;
      if (change.repo === undefined) return { found: false, why: 'a plain patch has no base revision (pass --config FILE)' };
      if (base === null) return { found: false, why: 'the change has no base revision' };
      const text = await readFileAtRevision(change.repo, base, CONFIG_PATH);
      const source = `${CONFIG_PATH}@${base.slice(0, 12)}`;
      return text === undefined ? { found: false, why: `no ${source}` } : { found: true, text, source };
    },
  };
}

/** Agent Trace at the head and git-ai notes of the change's commits (repositories only), then every `--records` file. */
export function localRecordSource(change: LocalChange, paths: readonly string[]): RecordSource {
  return {
    load: async () => {
      const records: RawRecord[] = [];
      const { head, commits } = change.changeSet;
      if (change.repo !== undefined && head !== null) {
        const inRepo = await readFileAtRevision(change.repo, head, AGENT_TRACE_PATH);
        if (inRepo !== undefined) records.push({ format: 'agent-trace', origin: `${AGENT_TRACE_PATH}@${head.slice(0, 12)}`, text: inRepo });
        records.push(...(await readGitAiNotes(change.repo, commits.map((c) => c.sha))));
        const captured = await readCaptureRecords(change.repo, commits.map((c) => c.sha));
        if (captured !== undefined) records.push(captured);
      }
      for (const path of paths) {
        for (const file of await recordFiles(path)) {
          records.push({ format: 'agent-trace', origin: file, text: (await readInputFile(file, 'record')).toString('utf8') });
        }
      }
      return records;
    },
  };
}

export interface DirLedgerOptions {
  readonly dir: string;
  readonly keyFile?: string;
  readonly origin?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Repair notices (a torn tail truncated after a crash): never silent. */
  readonly warn: (message: string) => void;
}

/**
 * The ledger directory. The signing key is loaded here, before anything is analyzed: without
 * one the scan is refused (UsageError) and nothing is written. The directory is created only
 * when the review appends.
 */
export function dirLedger(o: DirLedgerOptions): ReviewLedger {
  const signer = loadSigner({ env: o.env, cwd: o.cwd, ...(o.keyFile === undefined ? {} : { keyFile: o.keyFile }) });
  const origin = o.origin ?? signer.name;
  if (origin !== signer.name) {
    throw new UsageError('BAD_INPUT', `--origin ${JSON.stringify(origin)} does not match the signing key name ${JSON.stringify(signer.name)}`, {
      hint: 'the checkpoint origin is the key name: create a key with `trailmark keygen --name ORIGIN`',
    });
  }
  return {
    location: o.dir,
    origin,
    // The ledger's store and writer (entry schemas, the validator, Merkle tree, checkpoints) load
    // when the review appends, not at start-up: a scan without --ledger never uses them.
    appendOnce: async (key, drafts) => {
      const [{ storeLedgerSink }, { openDirStore }] = await Promise.all([import('../src/engine/ledger.js'), import('../src/ledger/store/dir.js')]);
      return storeLedgerSink({
        store: openDirStore(o.dir, { create: true }), signer, origin, clock: systemClock, random: systemRandom,
        onRepair: (m) => o.warn(`ledger repaired on open: ${m}`),
      }).appendOnce(key, drafts);
    },
  };
}

/** Where the local capture records are named in evidence and omissions. */
export const CAPTURE_RECORDS_ORIGIN = '.git/trailmark/records.jsonl';

/**
 * The repository's local capture records (capture/commit.ts), as one Agent Trace JSONL text.
 * Up to MAX_RECORD_FILE_BYTES the whole file is read (a record may match by content hash in a
 * commit it was not written for, e.g. a cherry-pick); above it, only the lines that name one of
 * the change's commits, streamed, so the file's growth never bounds the scan. None: undefined.
 */
async function readCaptureRecords(repo: string, commits: readonly string[]): Promise<RawRecord | undefined> {
  let file: string;
  try {
    file = repoPaths(await new Git(repo).text(['rev-parse', '--path-format=absolute', '--git-common-dir'])).records;
  } catch {
    return undefined;
  }
  const info = await stat(file).catch(() => undefined);
  if (info === undefined || !info.isFile()) return undefined;
  if (info.size <= MAX_RECORD_FILE_BYTES) return { format: 'agent-trace', origin: CAPTURE_RECORDS_ORIGIN, text: await readFile(file, 'utf8') };
  const wanted = new Set(commits.map((c) => c.toLowerCase()));
  const kept: string[] = [];
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) {
    // Keeps line numbers: a skipped line stays as an empty line (the parser skips blank lines).
    kept.push(namesCommit(line, wanted) ? line : '');
  }
  return { format: 'agent-trace', origin: CAPTURE_RECORDS_ORIGIN, text: kept.join('\n') };
}

function namesCommit(line: string, commits: ReadonlySet<string>): boolean {
  try {
    const doc = JSON.parse(line) as { vcs?: { revision?: unknown } };
    const rev = doc.vcs?.revision;
    return typeof rev === 'string' && commits.has(rev.toLowerCase());
  } catch {
    return false;
  }
}

async function recordFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new UsageError('NOT_FOUND', `cannot read records at ${path}`, { cause, hint: 'pass an Agent Trace .json/.jsonl file or a directory of them' });
  });
  if (!info.isDirectory()) return [path];
  const names = (await readdir(path)).filter((n) => n.endsWith('.json') || n.endsWith('.jsonl')).sort();
  return names.map((n) => join(path, n));
}

export async function readInputFile(path: string, what: string): Promise<Buffer> {
  const info = await stat(path).catch((cause: unknown) => {
    throw new UsageError('NOT_FOUND', `cannot read ${what} file ${path}`, { cause, hint: 'check the path' });
  });
  if (what === 'record' && info.size > MAX_RECORD_FILE_BYTES) {
    throw new UsageError('BAD_INPUT', `record file ${path} is ${info.size} bytes, over the ${MAX_RECORD_FILE_BYTES}-byte limit`, { hint: 'split the records into smaller files' });
  }
  return readFile(path);
}
