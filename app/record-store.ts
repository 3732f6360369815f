// Agent Trace records posted to the collector, stored per installation and repository as
// `installations/<id>/records/<owner>/<repo>/<sha256>.jsonl` (content-addressed: posting the
// same bytes twice stores them once). Written to a temporary file, fsynced, renamed.
//
// A record uploaded in a collector batch (stage `commit`) also gets `<sha256>.receipt.json`
// beside it, `{"kid":…}`: the collector key that signed its receipt. It is written before the
// record (a crash in between leaves an inert marker, never an unmarked receipted record) and
// turns the record's evidence source into `collector receipt <kid>`, which a file anyone could
// write does not carry. Stage `edit` traces are audit only: stored under
// `installations/<id>/audit/<owner>/<repo>/<sha256>.json`, never read as evidence.
import { mkdir, open, readdir, readFile, rename, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { RawRecord } from '../src/core/ports.js';

/** Records kept per repository; the collector refuses more (ours: bounds every analysis). */
export const RECORD_FILES_PER_REPOSITORY_MAX = 2_000;

/** GitHub owner and repository names: letters, digits, `-`, `_`, `.`; checked before use as a path. */
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** Suffix of the receipt marker beside a receipted record. */
export const RECEIPT_SUFFIX = '.receipt.json';
/** A note key id (`name+<8 hex>`), as the marker must hold it. */
const KID = /^[A-Za-z0-9_.+:/-]{1,200}$/;

export function isRepositoryName(owner: string, repo: string): boolean {
  return NAME.test(owner) && NAME.test(repo) && owner !== '.' && owner !== '..' && repo !== '.' && repo !== '..';
}

/** What the collector and the worker need of the capture records: this file store, or app/pg/records.ts. */
export interface Records {
  put(installationId: number, owner: string, repo: string, text: string): Promise<{ digest: string; stored: boolean } | null>;
  putReceipted(installationId: number, owner: string, repo: string, text: string, kid: string): Promise<{ digest: string; stored: boolean } | null>;
  putAudit(installationId: number, owner: string, repo: string, text: string): Promise<{ digest: string; stored: boolean }>;
  load(installationId: number, owner: string, repo: string): Promise<RawRecord[]>;
}

export class RecordStore implements Records {
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
    await this.#write(dir, `${hex}.jsonl`, text);
    return { digest: `sha256:${hex}`, stored: true };
  }

  /**
   * Stores `text` as a receipted record: the receipt marker naming `kid` first, then the record
   * (put). Null when the repository holds the maximum and the record is not already there.
   */
  async putReceipted(installationId: number, owner: string, repo: string, text: string, kid: string): Promise<{ digest: string; stored: boolean } | null> {
    const dir = this.#dir(installationId, owner, repo);
    await mkdir(dir, { recursive: true });
    const hex = createHash('sha256').update(text, 'utf8').digest('hex');
    const names = await readdir(dir);
    if (!names.includes(`${hex}.jsonl`) && names.filter((n) => n.endsWith('.jsonl')).length >= RECORD_FILES_PER_REPOSITORY_MAX) return null;
    if (!names.includes(`${hex}${RECEIPT_SUFFIX}`)) await this.#write(dir, `${hex}${RECEIPT_SUFFIX}`, `${JSON.stringify({ kid })}\n`);
    return this.put(installationId, owner, repo, text);
  }

  /** Stores an edit-stage trace for audit (never loaded as evidence); content-addressed. */
  async putAudit(installationId: number, owner: string, repo: string, text: string): Promise<{ digest: string; stored: boolean }> {
    if (!isRepositoryName(owner, repo)) throw new Error(`invalid repository name ${JSON.stringify(`${owner}/${repo}`)}`);
    const dir = join(this.dataDir, 'installations', String(installationId), 'audit', owner.toLowerCase(), repo.toLowerCase());
    await mkdir(dir, { recursive: true });
    const hex = createHash('sha256').update(text, 'utf8').digest('hex');
    try {
      await stat(join(dir, `${hex}.json`));
      return { digest: `sha256:${hex}`, stored: false };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await this.#write(dir, `${hex}.json`, text);
    return { digest: `sha256:${hex}`, stored: true };
  }

  async #write(dir: string, name: string, text: string): Promise<void> {
    const tmp = join(dir, `.${name}.${process.pid}.${this.#counter++}.tmp`);
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, join(dir, name));
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
    for (const name of names) {
      const hex = name.slice(0, -'.jsonl'.length);
      const kid = await this.#receiptKid(dir, hex);
      // The kid is read back from our own marker file; printable() escapes it where it is shown.
      const origin = kid === null ? `collector:${name.slice(0, 12)}` : `collector receipt ${kid} ${name.slice(0, 12)}`;
      out.push({ format: 'agent-trace', origin, text: await readFile(join(dir, name), 'utf8') });
    }
    return out;
  }

  async #receiptKid(dir: string, hex: string): Promise<string | null> {
    let text: string;
    try {
      text = await readFile(join(dir, `${hex}${RECEIPT_SUFFIX}`), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      const kid = (JSON.parse(text) as { kid?: unknown }).kid;
      return typeof kid === 'string' && KID.test(kid) ? kid : null;
    } catch {
      return null;
    }
  }
}
