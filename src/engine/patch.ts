// The ChangeSource port over a plain unified diff (`trailmark scan --patch`): no repository,
// so no base, head, commits or commit-level evidence. The text is attacker-controlled; diff/
// parses it within its limits and throws a typed error with a hint on malformed input.
import type { ChangeSource } from '../core/ports.js';
import { changeSetFromPatch } from '../diff/patch-source.js';

export function patchChangeSource(text: string): ChangeSource {
  // A malformed patch rejects the load (the executor's throw), never throws synchronously.
  return { load: () => new Promise((resolve) => resolve(changeSetFromPatch(text))) };
}
