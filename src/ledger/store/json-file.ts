// Whole-file JSON replacement for the small state files beside a ledger (the App's queue, pull
// request state, job index; `erase --app-data` rewriting them).
//
// Crash consistency: the document goes to a temporary file in the same directory, is fsync'd,
// then renamed over `path`. A crash leaves either the old file or the new one, never a mix
// (a leftover `*.tmp` is harmless). The directory entry is not fsync'd: after a power loss the
// rename may be lost and the old document survive, which callers treat as "not yet written".
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

let temporaryCounter = 0;

/** Replaces `path` with `JSON.stringify(doc)` atomically (see above); creates the directory. */
export async function writeJsonAtomic(path: string, doc: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${temporaryCounter++}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(JSON.stringify(doc));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}
