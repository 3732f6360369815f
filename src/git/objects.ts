// Reads many objects with two git processes in total: `cat-file --batch-check` for types and
// sizes (checkObjects), then `cat-file --batch` for the contents of those within the size cap
// (readContents).

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
  const checked = await checkObjects(git, names);
  const found = new Map<string, GitObject>();
  const wanted: { name: string; object: GitObject }[] = [];
  for (const [name, object] of checked) {
    if (object.size > options.maxObjectBytes) found.set(name, object);
    else wanted.push({ name, object });
  }
  if (wanted.length === 0) return found;
  const contentBytes = [...new Map(wanted.map((w) => [w.object.id, w.object.size])).values()].reduce((n, size) => n + size, 0);
  if (contentBytes > options.maxTotalBytes) return undefined;
  const contents = await readContents(git, wanted.map((w) => w.object));
  for (const w of wanted) {
    const content = contents.get(w.object.id);
    if (content !== undefined) found.set(w.name, { ...w.object, content });
  }
  return found;
}

/**
 * Types and sizes (no contents) by the name they were asked for, with one `cat-file
 * --batch-check` process; names git cannot resolve (missing, ambiguous) or that cannot be asked
 * in batch mode (a newline or NUL in them) are absent.
 */
export async function checkObjects(git: Git, names: readonly string[]): Promise<Map<string, GitObject>> {
  const asked = [...new Set(names.filter((n) => n.length > 0 && !n.includes('\n') && !n.includes('\0')))];
  const found = new Map<string, GitObject>();
  if (asked.length === 0) return found;
  const check = await git.text(['cat-file', '--batch-check', '--buffer'], { input: asked.map((n) => `${n}\n`).join('') });
  const lines = check.split('\n');
  asked.forEach((name, k) => {
    const fields = (lines[k] ?? '').split(' ');
    if (fields.length !== 3) return; // "<name> missing" / "ambiguous"
    const [id, type, sizeText] = fields as [string, string, string];
    const size = Number(sizeText);
    if (!Number.isSafeInteger(size) || size < 0) return;
    found.set(name, { id, type, size });
  });
  return found;
}

/** The contents of objects checkObjects found, by id, with one `cat-file --batch` process. */
export async function readContents(git: Git, objects: readonly GitObject[]): Promise<Map<string, Buffer>> {
  const sizes = new Map(objects.map((o) => [o.id, o.size]));
  if (sizes.size === 0) return new Map();
  let expected = 0;
  for (const [id, size] of sizes) expected += size + id.length + 64;
  const { stdout } = await git.run(['cat-file', '--batch', '--buffer'], {
    input: [...sizes.keys()].map((id) => `${id}\n`).join(''),
    maxBuffer: expected + 1024,
  });
  return parseBatch(stdout);
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
