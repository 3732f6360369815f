// The finding kinds as rules: shared by SARIF (rules[]) and check-run annotations (titles).

import type { FindingKind } from '../core/types.js';

export interface Rule {
  readonly id: string;
  readonly kind: FindingKind;
  readonly title: string;
  readonly short: string;
  readonly full: string;
  readonly help: string;
}

const DECLARE_HELP =
  'If an AI assistant helped write this change, declare it: add a commit trailer such as ' +
  '`Assisted-by: Claude:claude-opus-4-5` (the Linux kernel / Fedora / LLVM form `AGENT:MODEL`), ' +
  'or comment `/trailmark attest Assisted-by: AGENT:MODEL` on the pull request. If it is your own ' +
  'work, nothing is required. `AI-Assisted: no` declares human authorship. These findings never block a merge unless the repository opts in.';

export const RULES: readonly Rule[] = [
  {
    id: 'trailmark/unattested',
    kind: 'unattested',
    title: 'Likely AI-generated, not declared',
    short: 'Code that scores as likely AI-generated, with no declaration, stamp or record of AI involvement.',
    full: 'trailmark scored this hunk at or above the repository threshold for AI-generation signals, and no commit trailer, vendor stamp, capture record or remediation says an AI was involved. The score is a signal, never proof.',
    help: DECLARE_HELP,
  },
  {
    id: 'trailmark/contradicted',
    kind: 'contradicted',
    title: 'Declared human-written, but evidence says AI',
    short: 'A human-authorship declaration contradicted by a capture record, a tool stamp on the same commit, or a high AI score.',
    full: 'A commit declares the change human-written (for example `AI-Assisted: no`), but a line-level capture record or a vendor stamp on the same commit says AI, or its score (the code, plus its commit message when the message leans toward agent-written ones) is at or above the threshold.',
    help: DECLARE_HELP,
  },
  {
    id: 'trailmark/approval-drift',
    kind: 'approval-drift',
    title: 'Merged content differs from what was approved',
    short: 'Commits were pushed after the last approval, so what merged is not what was approved.',
    full: 'The diff digest at merge time differs from the digest recorded when the pull request was last approved: the approval does not cover the merged content.',
    help: 'Ask for a fresh review after pushing changes, or require re-approval on push in branch protection.',
  },
];

export function ruleFor(kind: FindingKind): Rule {
  return RULES.find((r) => r.kind === kind)!;
}
