// One error type per layer, each with a typed `code` and an optional wrapped `cause`.
// Messages are lowercase and name the offending value; user-facing ones end with a hint.

export class TrailmarkError<C extends string = string> extends Error {
  readonly code: C;
  readonly hint?: string;

  constructor(code: C, message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.hint !== undefined) this.hint = options.hint;
    this.name = new.target.name;
  }
}

export type UsageCode = 'USAGE' | 'BAD_INPUT' | 'NOT_FOUND' | 'NO_KEY';
/** Bad invocation or bad input: CLI exit code 2. */
export class UsageError extends TrailmarkError<UsageCode> {}

export type DiffCode = 'MALFORMED_DIFF' | 'DIFF_TOO_LARGE';
export class DiffError extends TrailmarkError<DiffCode> {}

export type GitCode = 'GIT_FAILED' | 'NOT_A_REPOSITORY' | 'BAD_REVISION' | 'OUTPUT_TOO_LARGE';
export class GitError extends TrailmarkError<GitCode> {}

export type ConfigCode = 'CONFIG_INVALID' | 'CONFIG_UNREADABLE';
export class ConfigError extends TrailmarkError<ConfigCode> {}

export type RecordCode = 'RECORD_INVALID' | 'RECORD_TOO_LARGE';
export class RecordError extends TrailmarkError<RecordCode> {}

export type LedgerCode =
  | 'NOT_CANONICAL'
  | 'CANONICAL_INPUT'
  | 'CHAIN_MISMATCH'
  | 'SEQ_GAP'
  | 'BAD_SIGNATURE'
  | 'UNKNOWN_KEY'
  | 'ROOT_MISMATCH'
  | 'BAD_CHECKPOINT'
  | 'TRUNCATED'
  | 'ENTRY_TOO_LARGE'
  | 'BAD_KEY'
  | 'BAD_PROOF'
  | 'BAD_ENTRY'
  | 'BAD_BODY'
  | 'LOCKED'
  | 'STORE_CONTRACT'
  | 'IO';
export class LedgerError extends TrailmarkError<LedgerCode> {}

export type GitHubCode = 'GITHUB_HTTP' | 'GITHUB_FORBIDDEN' | 'GITHUB_CONFLICT' | 'GITHUB_RATE_LIMIT';
export class GitHubError extends TrailmarkError<GitHubCode> {}

/** Lowercase description of an unknown thrown value, for logs. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * An untrusted value (path, revision, header line) made safe to embed in an error message:
 * control characters (C0, DEL, C1) and line/bidi separators are escaped, so a message cannot
 * move the terminal cursor or forge lines; long values are cut at `max` characters.
 */
export function printable(value: string, max = 120): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  let out = '';
  for (const ch of cut) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
      out += c <= 0xff ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
    } else {
      out += ch;
    }
  }
  return out;
}
