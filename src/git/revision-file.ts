// Reading one file as it is at a revision (e.g. `.github/trailmark.yml` at the BASE revision,
// so a pull request cannot weaken its own policy). Never reads the working tree.

import { GitError, printable } from '../core/errors.js';
import { Git } from './git.js';
import { readObjects } from './objects.js';
import { resolveTree } from './revision.js';

/** Files read this way are configuration-sized. */
export const MAX_REVISION_FILE_BYTES = 4 * 1024 * 1024;

/**
 * The file's text (UTF-8, invalid bytes replaced) at `rev`, or undefined when the revision has
 * no file at `path` (absent, a directory, a submodule). An unknown revision is BAD_REVISION.
 */
export async function readFileAtRevision(repo: string, rev: string, path: string): Promise<string | undefined> {
  const git = new Git(repo);
  const tree = await resolveTree(git, rev);
  const clean = path.startsWith('/') ? path.slice(1) : path;
  if (clean.length === 0 || clean.includes('\n') || clean.includes('\0')) return undefined;
  const name = `${tree}:${clean}`;
  const objects = await readObjects(git, [name], { maxObjectBytes: MAX_REVISION_FILE_BYTES });
  const object = objects.get(name);
  if (object === undefined || object.type !== 'blob') return undefined;
  if (object.content === undefined) {
    throw new GitError('GIT_FAILED', `${printable(clean)} at ${printable(rev)} is ${object.size} bytes, over the ${MAX_REVISION_FILE_BYTES}-byte limit`, {
      hint: 'keep the file smaller',
    });
  }
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(object.content);
}
