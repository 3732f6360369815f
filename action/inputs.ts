// The Action's inputs (action.yml), read once into a typed object. Values come from the workflow
// file and secrets: trusted for meaning, validated for shape.
import { UsageError } from '../src/core/errors.js';
import { CONFIG_PATH, type FailOn } from '../src/engine/review.js';

export type { FailOn };

export interface ActionInputs {
  readonly token: string;
  /** Repository path of the config file, read at the base revision. */
  readonly config: string;
  readonly ledger: 'branch' | 'none';
  readonly ledgerBranch: string;
  /** C2SP note signer key (`PRIVATE+KEY+name+hash+base64`); without it the ledger is not written. */
  readonly signingKey?: string;
  /** Secret sealing the subject openings on the ledger branch (docs/erasure.md); absent: openings in clear. */
  readonly subjectKey?: string;
  /** Previous subject-key secrets during a rotation (one per line). */
  readonly subjectKeyPrevious?: readonly string[];
  readonly failOn: FailOn;
  /** Path to write SARIF to, relative to the workspace. */
  readonly sarifFile?: string;
  /**
   * `auto` (default): `schedule` and a `workflow_dispatch` without a `base` input build the
   * weekly report, other events analyze; `analyze`: always analyze (a `schedule` is skipped);
   * `report`: `schedule` and `workflow_dispatch` build the report.
   */
  readonly mode: 'auto' | 'analyze' | 'report';
  /** ISO week to report (`2026-W49`); default: the last complete week. */
  readonly reportWeek?: string;
  /** Upsert the weekly issue (`true`) or not (`false`); unset: the policy's `report.destination` decides. */
  readonly reportIssue?: boolean;
}

/** Reads one input by its action.yml name; '' when unset (as @actions/core getInput does). */
export type InputReader = (name: string) => string;

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[], fallback: T): T {
  if (value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError('BAD_INPUT', `input ${name} is ${JSON.stringify(value)}`, { hint: `use one of: ${allowed.join(', ')}` });
}

/** Git refuses these in branch names (git check-ref-format); we refuse them before any API call. */
function validBranch(name: string): boolean {
  return (
    name.length > 0 && name.length <= 200 && !name.startsWith('-') && !name.startsWith('/') && !name.endsWith('/') && !name.endsWith('.lock') &&
    !name.includes('..') && !name.includes('//') && !name.includes('@{') && ![...name].some((c) => c <= ' ' || '~^:?*[\\\x7f'.includes(c))
  );
}

export function parseInputs(read: InputReader): ActionInputs {
  const get = (name: string) => read(name).trim();
  const token = get('github-token');
  if (token === '') throw new UsageError('BAD_INPUT', 'input github-token is empty', { hint: 'leave github-token at its default `${{ github.token }}` or pass a token' });
  const ledgerBranch = get('ledger-branch') || 'trailmark-ledger';
  if (!validBranch(ledgerBranch)) throw new UsageError('BAD_INPUT', `input ledger-branch ${JSON.stringify(ledgerBranch)} is not a valid branch name`, { hint: 'use a plain branch name such as trailmark-ledger' });
  const config = get('config') || CONFIG_PATH;
  if (config.startsWith('/') || config.split('/').includes('..')) throw new UsageError('BAD_INPUT', `input config ${JSON.stringify(config)} is not a repository-relative path`, { hint: 'use a path such as .github/trailmark.yml' });
  const signingKey = read('signing-key').trim();
  const subjectKey = read('subject-key').trim();
  const subjectKeyPrevious = read('subject-key-previous').split(/[\n,]/).map((k) => k.trim()).filter((k) => k !== '');
  if (subjectKey === '' && subjectKeyPrevious.length > 0) throw new UsageError('BAD_INPUT', 'input subject-key-previous is set without subject-key', { hint: 'pass the new secret as subject-key and the old one as subject-key-previous' });
  const sarifFile = get('sarif-file');
  const reportWeek = get('report-week');
  // The week's shape only; the report engine checks that it is a real week (W53 exists only in some years).
  if (reportWeek !== '' && !/^\d{4}-W(?:0[1-9]|[1-4]\d|5[0-3])$/.test(reportWeek)) throw new UsageError('BAD_INPUT', `input report-week ${JSON.stringify(reportWeek)} is not an ISO week`, { hint: 'use the form 2026-W49, or leave it empty for the last complete week' });
  const reportIssue = get('report-issue');
  return {
    token,
    config,
    ledger: oneOf('ledger', get('ledger'), ['branch', 'none'] as const, 'branch'),
    ledgerBranch,
    ...(signingKey === '' ? {} : { signingKey }),
    ...(subjectKey === '' ? {} : { subjectKey }),
    ...(subjectKeyPrevious.length === 0 ? {} : { subjectKeyPrevious }),
    failOn: oneOf('fail-on', get('fail-on'), ['none', 'unattested', 'contradicted'] as const, 'none'),
    ...(sarifFile === '' ? {} : { sarifFile }),
    mode: oneOf('mode', get('mode'), ['auto', 'analyze', 'report'] as const, 'auto'),
    ...(reportWeek === '' ? {} : { reportWeek }),
    ...(reportIssue === '' ? {} : { reportIssue: oneOf('report-issue', reportIssue, ['true', 'false'] as const, 'false') === 'true' }),
  };
}
