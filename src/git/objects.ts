// Reads many objects with two git processes in total: `cat-file --batch-check` for types and
// sizes, then `cat-file --batch` for the contents of those within the size cap.

import { GitError } from '../core/errors.js';
import type { Git } from './git.js';

export interface GitObject {
  /** Full object id. */
  readonly id: string;
  readonly type: string;
  readonly size: number;
  /** Absent when the object is over the size cap. */
  readonly content?: Buffer;
}

/**
 * Objects by the name they were asked for (an id or `<tree-ish>:<path>`); names git cannot
 * resolve are absent. Names containing a newline cannot be asked in batch mode and are absent.
 */
export async function readObjects(
  git: Git,
  names: readonly string[],
  options: { readonly maxObjectBytes: number },
): Promise<Map<string, GitObject>> {
  return (await readObjectsWithin(git, names, { ...options, maxTotalBytes: Number.POSITIVE_INFINITY }))!;
}

/**
 * readObjects, or undefined (nothing read but types and sizes) when the contents to read would
 * exceed `maxTotalBytes` in total.
 */
export async function readObjectsWithin(
  git: Git,
  names: readonly string[],
  options: { readonly maxObjectBytes: number; readonly maxTotalBytes: number },
): Promise<Map<string, GitObject> | undefined> {
  const asked = [...new Set(names.filter((n) => n.length > 0 && !n.includes('\n') && !n.includes('\0')))];
  const found = new Map<string, GitObject>();
  if (asked.length === 0) return found;
  const check = await git.text(['cat-file', '--batch-check', '--buffer'], { input: asked.map((n) => `${n}\n`).join('') });
  const lines = check.split('\n');
  const wanted: { name: string; id: string; type: string; size: number }[] = [];
  asked.forEach((name, k) => {
    const fields = (lines[k] ?? '').split(' ');
    if (fields.length !== 3) return; // "<name> missing" / "ambiguous"
    const [id, type, sizeText] = fields as [string, string, string];
    const size = Number(sizeText);
    if (!Number.isSafeInteger(size) || size < 0) return;
    if (size > options.maxObjectBytes) found.set(name, { id, type, size });
    else wanted.push({ name, id, type, size });
  });
  if (wanted.length === 0) return found;
  const sizes = new Map(wanted.map((w) => [w.id, w.size]));
  const ids = [...sizes.keys()];
  let expected = 0;
  let contentBytes = 0;
  for (const [id, size] of sizes) {
    expected += size + id.length + 64;
    contentBytes += size;
  }
  if (contentBytes > options.maxTotalBytes) return undefined;
  const { stdout } = await git.run(['cat-file', '--batch', '--buffer'], {
    input: ids.map((id) => `${id}\n`).join(''),
    maxBuffer: expected + 1024,
  });
  const contents = parseBatch(stdout);
  for (const w of wanted) {
    const content = contents.get(w.id);
    if (content === undefined) continue;
    found.set(w.name, { id: w.id, type: w.type, size: w.size, content });
  }
  return found;
}

/** `<id> <type> <size>\n<bytes>\n` records, by id. */
function parseBatch(out: Buffer): Map<string, Buffer> {
  const result = new Map<string, Buffer>();
  let pos = 0;
  while (pos < out.length) {
    const nl = out.indexOf(0x0a, pos);
    if (nl === -1) break;
    const header = out.toString('utf8', pos, nl).split(' ');
    pos = nl + 1;
    if (header.length !== 3) continue;
    const size = Number(header[2]);
    if (!Number.isSafeInteger(size) || pos + size > out.length) {
      throw new GitError('GIT_FAILED', `git cat-file --batch: truncated object ${header[0] ?? ''}`);
    }
    result.set(header[0]!, out.subarray(pos, pos + size));
    pos += size + 1;
  }
  return result;
}
