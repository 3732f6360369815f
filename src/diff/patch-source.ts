// `trailmark scan --patch`: a change set from a unified diff alone. No commits, no head
// contents, no line attribution: evidence can only come from the detectors and from records.

import type { ChangeSet } from '../core/types.js';
import { parseUnifiedDiff, type ParseDiffOptions } from './parse.js';

/**
 * Parses attacker-controlled patch text (throws DiffError) into a change set with
 * `base`/`head` null and no commits. Files keep the patch's order.
 */
export function changeSetFromPatch(text: string, options: ParseDiffOptions = {}): ChangeSet {
  const files = parseUnifiedDiff(text, options);
  return {
    base: null,
    head: null,
    commits: [],
    files,
    omissions: files.length === 0 ? [{ reason: 'the patch contains no file changes' }] : [],
  };
}
