// git-ai authorship notes (`refs/notes/ai`, one note per commit) as raw records. Parsing and
// validation happen in attest/. Note contents are attacker-controlled (anyone who can push the
// notes ref can write them); they are passed on as text with their origin.

import type { RawRecord } from '../core/ports.js';
import { Git } from './git.js';
import { readObjects } from './objects.js';
import { isObjectId } from './revision.js';

export const GIT_AI_NOTES_REF = 'refs/notes/ai';
/** Notes larger than this are not read. */
export const MAX_NOTE_BYTES = 8 * 1024 * 1024;

/** Notes attached to `commits` (full ids), in the order of `commits`; [] when the ref does not exist. */
export async function readGitAiNotes(repo: string, commits: readonly string[]): Promise<RawRecord[]> {
  const git = new Git(repo);
  const ref = await git.run(['rev-parse', '--verify', '--quiet', `${GIT_AI_NOTES_REF}^{commit}`], { allowExitCodes: [1, 128] });
  if (ref.exitCode !== 0) return [];
  const wanted = new Set(commits);
  const noteOf = new Map<string, string>();
  // `<note blob> <annotated object>` per line.
  for (const line of (await git.text(['notes', `--ref=${GIT_AI_NOTES_REF}`, 'list'])).split('\n')) {
    const [blob, object] = line.split(' ');
    if (blob !== undefined && object !== undefined && isObjectId(blob) && wanted.has(object)) noteOf.set(object, blob);
  }
  const objects = await readObjects(git, [...noteOf.values()], { maxObjectBytes: MAX_NOTE_BYTES });
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  const records: RawRecord[] = [];
  for (const commit of new Set(commits)) {
    const blob = noteOf.get(commit);
    const content = blob === undefined ? undefined : objects.get(blob)?.content;
    if (content === undefined) continue;
    records.push({ format: 'git-ai', origin: `${GIT_AI_NOTES_REF}:${commit}`, commit, text: decoder.decode(content) });
  }
  return records;
}
