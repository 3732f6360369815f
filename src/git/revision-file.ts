// Reading one file as it is at a revision (e.g. `.github/trailmark.yml` at the BASE revision,
// so a pull request cannot weaken its own policy). Never reads the working tree.

import { GitError, printable } from '../core/errors.js';
import { Git } from './git.js';
import { checkObjects, readContents } from './objects.js';
import { checkRevisionName, unknownRevision } from './revision.js';

/** Files read this way are configuration-sized. */
export const MAX_REVISION_FILE_BYTES = 4 * 1024 * 1024;

/**
 * The file's text (UTF-8, invalid bytes replaced) at `rev`, or undefined when the revision has
 * no file at `path` (absent, a directory, a submodule). An unknown revision is BAD_REVISION.
 *
 * One `cat-file --batch-check` resolves the revision's tree and the file together, and a
 * `cat-file --batch` reads the file only when there is one: a scan reads two such files after
 * the change set is in memory, when every process it starts costs the most to fork.
 */
export async function readFileAtRevision(repo: string, rev: string, path: string): Promise<string | undefined> {
  checkRevisionName(rev);
  const git = new Git(repo);
  const clean = path.startsWith('/') ? path.slice(1) : path;
  const readable = clean.length > 0 && !clean.includes('\n') && !clean.includes('\0');
  // `<rev>^{tree}` peels as `rev-parse --verify <rev>^{tree}` does (a commit, a tag, a tree).
  const treeName = `${rev}^{tree}`;
  const fileName = `${treeName}:${clean}`;
  const found = await checkObjects(git, readable ? [treeName, fileName] : [treeName]);
  if (found.get(treeName)?.type !== 'tree') throw unknownRevision(rev);
  if (!readable) return undefined;
  const object = found.get(fileName);
  if (object === undefined || object.type !== 'blob') return undefined;
  if (object.size > MAX_REVISION_FILE_BYTES) {
    throw new GitError('GIT_FAILED', `${printable(clean)} at ${printable(rev)} is ${object.size} bytes, over the ${MAX_REVISION_FILE_BYTES}-byte limit`, {
      hint: 'keep the file smaller',
    });
  }
  const content = (await readContents(git, [object])).get(object.id);
  if (content === undefined) return undefined;
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(content);
}
