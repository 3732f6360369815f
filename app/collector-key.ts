// The collector's Ed25519 receipt key: a dedicated note key (`PRIVATE+KEY+trailmark-collector+…`)
// kept in `<data dir>/collector/key` (mode 0600), made on first use. Not the ledger signing key:
// the App may run without one (TRAILMARK_SIGNING_KEY is optional), and the two rotate apart.
//
// Crash consistency: the key is written to a temporary file, fsynced, then hard-linked to its
// name, which fails when the name exists: two processes starting at once both end up with the
// one key that won, and a crash leaves either no key or the whole key (plus an inert temporary).
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Random } from '../src/core/ports.js';
import { collectorKeyOf, generateCollectorKey, type CollectorKey } from '../src/engine/collector.js';
import type { StateDoc } from './state-file.js';

export const COLLECTOR_KEY_NAME = 'trailmark-collector';

export function collectorKeyPath(dataDir: string): string {
  return join(dataDir, 'collector', 'key');
}

export async function loadCollectorKey(dataDir: string, random: Random): Promise<CollectorKey> {
  const path = collectorKeyPath(dataDir);
  try {
    return collectorKeyOf((await readFile(path, 'utf8')).trim());
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(join(dataDir, 'collector'), { recursive: true });
  const text = generateCollectorKey(COLLECTOR_KEY_NAME, random.bytes(32));
  const tmp = `${path}.${process.pid}.${Buffer.from(random.bytes(6)).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(`${text}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(tmp);
  }
  return collectorKeyOf((await readFile(path, 'utf8')).trim());
}

/** The key's document in the PostgreSQL mode (app/pg/documents.ts), shared by every replica. */
export const COLLECTOR_KEY_DOCUMENT = 'collector/key.json';

/**
 * The key kept in a state document (PostgreSQL mode), made on first use: the update runs under
 * the document's row lock, so replicas starting at once all end up with the one key made first.
 */
export async function loadCollectorKeyDocument(doc: StateDoc<{ key?: string }>, random: Random): Promise<CollectorKey> {
  const stored = (await doc.read()).key;
  if (typeof stored === 'string') return collectorKeyOf(stored);
  const text = await doc.update((d) => {
    if (typeof d.key !== 'string') d.key = generateCollectorKey(COLLECTOR_KEY_NAME, random.bytes(32));
    return d.key;
  });
  return collectorKeyOf(text);
}
