// The App collector's capture records of one installation (app/record-store.ts layout:
// `installations/<id>/records/<owner>/<repo>/<sha256>.jsonl`) as the engine's CaptureRecordStore,
// for retention (engine/retention.ts). Shared by `trailmark erase --expired --app-data` and the
// App's own retention schedule (app/retention.ts), which both work on that layout.
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { CaptureRecordStore, StoredCaptureRecord } from '../../core/ports.js';

const RECORD_FILE = /^[0-9a-f]{64}\.jsonl$/;

/**
 * The App collector's records of one installation (`installations/<id>/records/<owner>/<repo>/
 * <sha256>.jsonl`, app/record-store.ts) as the engine's CaptureRecordStore. The storage time is
 * the file's modification time (records are written once, then renamed into place).
 */
export function appRecordStore(installationDir: string): CaptureRecordStore {
  const root = join(installationDir, 'records');
  const list = async (dir: string): Promise<string[]> => {
    try {
      return (await readdir(dir)).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  };
  const pathOf = (r: StoredCaptureRecord) => {
    const [owner, repo] = r.repository.split('/');
    return join(root, owner!, repo!, `${r.digest.slice('sha256:'.length)}.jsonl`);
  };
  return {
    location: root,
    list: async () => {
      const out: StoredCaptureRecord[] = [];
      for (const owner of await list(root)) {
        for (const repo of await list(join(root, owner))) {
          for (const name of (await list(join(root, owner, repo))).filter((n) => RECORD_FILE.test(n))) {
            const info = await stat(join(root, owner, repo, name));
            out.push({ digest: `sha256:${name.slice(0, 64)}`, repository: `${owner}/${repo}`, storedAt: info.mtimeMs });
          }
        }
      }
      return out;
    },
    remove: async (records) => {
      let removed = 0;
      for (const r of records) {
        try {
          await unlink(pathOf(r));
          removed++;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
      return removed;
    },
  };
}
