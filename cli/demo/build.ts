// Builds the demo repository in a directory with real git: fixed identities and dates so the
// commits (and therefore the scan output) are the same on every machine.

import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { agentTraceRecord, BASE_COMMITS, FEATURE_COMMITS, RETRY_PATH, type DemoCommit } from './scenario.js';

const run = promisify(execFile);

/** First commit time of the demo; each further commit is one hour later. */
const DEMO_EPOCH = Date.UTC(2026, 10, 2, 9, 0, 0) / 1000;

export interface DemoRepository {
  readonly dir: string;
  readonly base: string;
  readonly head: string;
}

export async function buildDemoRepository(dir: string): Promise<DemoRepository> {
  await mkdir(dir, { recursive: true });
  await git(dir, ['init', '-q', '-b', 'main']);
  let tick = 0;
  const commit = async (c: DemoCommit): Promise<string> => {
    for (const [path, content] of Object.entries(c.files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    await git(dir, ['add', '--all']);
    const when = `@${DEMO_EPOCH + 3600 * tick++} +0000`;
    await git(dir, ['commit', '-q', '--no-verify', '-m', c.message], {
      GIT_AUTHOR_NAME: c.author.name,
      GIT_AUTHOR_EMAIL: c.author.email,
      GIT_AUTHOR_DATE: when,
      GIT_COMMITTER_NAME: c.author.name,
      GIT_COMMITTER_EMAIL: c.author.email,
      GIT_COMMITTER_DATE: when,
    });
    return (await git(dir, ['rev-parse', 'HEAD'])).trim();
  };
  let base = '';
  for (const c of BASE_COMMITS) base = await commit(c);
  await git(dir, ['checkout', '-q', '-b', 'feature/pricing']);
  let retryCommit = '';
  for (const c of FEATURE_COMMITS) {
    const sha = await commit(c);
    if (RETRY_PATH in c.files) retryCommit = sha;
  }
  // The agent's hook wrote its capture record for the retry helper; it is committed with the branch.
  const head = await commit({
    message: 'Add agent trace records\n',
    author: { name: 'Ana Lima', email: 'ana@example.com' },
    files: { '.agent-trace/traces.jsonl': agentTraceRecord(retryCommit) },
  });
  return { dir, base, head };
}

async function git(cwd: string, args: readonly string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run('git', ['-c', 'commit.gpgsign=false', '-c', 'core.autocrlf=false', ...args], {
    cwd,
    env: { ...process.env, ...env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}
