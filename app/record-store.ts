// Agent Trace records posted to the collector, stored per installation and repository as
// `installations/<id>/records/<owner>/<repo>/<sha256>.jsonl` (content-addressed: posting the
// same bytes twice stores them once). Written to a temporary file, fsynced, renamed.
import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { RawRecord } from '../src/core/ports.js';

/** Records kept per repository; the collector refuses more (ours: bounds every analysis). */
export const RECORD_FILES_PER_REPOSITORY_MAX = 2_000;

/** GitHub owner and repository names: letters, digits, `-`, `_`, `.`; checked before use as a path. */
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

export function isRepositoryName(owner: string, repo: string): boolean {
  return NAME.test(owner) && NAME.test(repo) && owner !== '.' && owner !== '..' && repo !== '.' && repo !== '..';
}

export class RecordStore {
  #counter = 0;

  constructor(readonly dataDir: string) {}

  #dir(installationId: number, owner: string, repo: string): string {
    if (!isRepositoryName(owner, repo)) throw new Error(`invalid repository name ${JSON.stringify(`${owner}/${repo}`)}`);
    return join(this.dataDir, 'installations', String(installationId), 'records', owner.toLowerCase(), repo.toLowerCase());
  }

  /** Stores `text`; returns its digest, or null when the repository already holds the maximum. */
  async put(installationId: number, owner: string, repo: string, text: string): Promise<{ digest: string; stored: boolean } | null> {
    const dir = this.#dir(installationId, owner, repo);
    await mkdir(dir, { recursive: true });
    const hex = createHash('sha256').update(text, 'utf8').digest('hex');
    const names = await readdir(dir);
    if (names.includes(`${hex}.jsonl`)) return { digest: `sha256:${hex}`, stored: false };
    if (names.filter((n) => n.endsWith('.jsonl')).length >= RECORD_FILES_PER_REPOSITORY_MAX) return null;
    const tmp = join(dir, `.${hex}.${process.pid}.${this.#counter++}.tmp`);
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, join(dir, `${hex}.jsonl`));
    return { digest: `sha256:${hex}`, stored: true };
  }

  /** Every stored record of the repository, sorted by digest, as engine input. */
  async load(installationId: number, owner: string, repo: string): Promise<RawRecord[]> {
    if (!isRepositoryName(owner, repo)) return [];
    const dir = this.#dir(installationId, owner, repo);
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.jsonl') && !n.startsWith('.')).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: RawRecord[] = [];
    for (const name of names) out.push({ format: 'agent-trace', origin: `collector:${name.slice(0, 12)}`, text: await readFile(join(dir, name), 'utf8') });
    return out;
  }
}
