// The detailed tier (issue #10, "two tiers of detail"): for edits of sensitive paths or large
// edits, the prompt and the output are kept on this device, secrets redacted (redact.ts),
// encrypted at rest (seal.ts), off the ledger. Only a salted commitment leaves the machine: the
// capture record carries it (TraceMetadata.detail).
//
// Layout under `homePaths(home).detail` (mode 0700):
//   key                         the device data key (seal.ts)
//   prompts/<sha256(session)>.sealed   the session's latest prompt, redacted; AAD binds it to the session
//   blobs/<commitment hex>.sealed      one kept edit; AAD = the commitment `sha256:<hex>`
//
// Commitment: `sha256:` + hex SHA-256(salt ‖ RFC 8785 canonical JSON of {output, path, prompt,
// time}) with a fresh random 32-byte salt, over the REDACTED prompt and output (the clear text is
// never stored). The salt lives only inside the encrypted blob: without it the commitment cannot
// be opened or confirmed by guessing, so deleting the blob (`erase`, `expire`) erases the detail
// the way other personal data is erased, and the ledger keeps verifying.
//
// Crash consistency: every file is written to a temporary file (exclusive, mode 0600, fsync'd)
// and renamed into place, then the directory is fsync'd. A crash leaves the old file or the new
// one, never a mix; `*.tmp` leftovers are ignored. A blob's name is its commitment, so a blob is
// never overwritten. A stashed prompt is replaced whole: the last completed stash wins.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { printable } from '../core/errors.js';
import { retentionCutoff, type CapturePolicy, type RetentionPeriod } from '../core/policy.js';
import { systemClock, systemRandom, type Clock, type Random } from '../core/ports.js';
import { canonicalBytes } from '../ledger/canonical.js';
import { homePaths } from './paths.js';
import { normalizeText, redactSecrets } from './redact.js';
import { DetailError, keyPath, loadOrCreateKey, seal, syncDirectory, unseal, writeTemporary, type DetailCode } from './seal.js';
import type { DetailKeeper, DetailReason } from './types.js';

export { DetailError, DETAIL_INTEGRITY_CODES, type DetailCode } from './seal.js';

/** A stashed prompt is cut to this many UTF-8 bytes after redaction (issue #10 bound). */
export const MAX_PROMPT_BYTES = 256 * 1024;
/** A kept output is cut to this many UTF-8 bytes after redaction. */
export const MAX_OUTPUT_BYTES = 1024 * 1024;
export const SALT_BYTES = 32;

const COMMITMENT = /^sha256:([0-9a-f]{64})$/;
const BLOB_NAME = /^([0-9a-f]{64})\.sealed$/;
const PROMPT_NAME = /^[0-9a-f]{64}\.sealed$/;
const PROMPT_AAD_PREFIX = 'trailmark.detail.prompt/v1:';

/** What `open` returns: the kept detail, redacted, after its commitment was re-checked. */
export interface DetailRecord {
  readonly commitment: string;
  readonly path: string;
  /** RFC 3339, as the capture event gave it. */
  readonly time: string;
  /** The session's stashed prompt at the time of the edit (redacted), or null when there was none. */
  readonly prompt: string | null;
  readonly output: string;
  /** Secrets replaced by `[REDACTED:<rule>]` in prompt and output together. */
  readonly redactions: number;
  /** Set when prompt or output was cut to its bound after redaction. */
  readonly truncated: boolean;
}

/** One line of `list`: a readable blob's summary, or why it cannot be read. */
export interface DetailSummary {
  readonly commitment: string;
  readonly bytes: number;
  readonly path?: string;
  readonly time?: string;
  readonly redactions?: number;
  readonly error?: { readonly code: DetailCode; readonly message: string };
}

export interface ExpireResult {
  /** RFC 3339: detail whose edit time is before this instant was erased. */
  readonly cutoff: string;
  readonly erased: readonly string[];
  /** Stashed prompts older than the cutoff that were deleted. */
  readonly prompts: number;
  /** Blobs left in place, with the reason (unreadable ones are never deleted by expiry). */
  readonly skipped: readonly { readonly commitment: string; readonly reason: string }[];
}

/** The detailed tier of one device: the capture port plus the auditor's and the erasure operations. */
export interface DetailStore extends DetailKeeper {
  /** Decrypts a kept detail and re-checks its commitment; DetailError NOT_FOUND once erased. */
  open(commitment: string): Promise<DetailRecord>;
  /** Deletes a kept detail; false when there was none (already erased, or never kept here). */
  erase(commitment: string): Promise<boolean>;
  /** Deletes kept detail and stashed prompts whose time is older than `period` before now. */
  expire(period: RetentionPeriod): Promise<ExpireResult>;
  /** Every kept detail, oldest first. */
  list(): Promise<readonly DetailSummary[]>;
  /** Deletes a session's stashed prompt (at session end); false when there was none. */
  forgetPrompt(sessionId: string): Promise<boolean>;
}

export interface DetailOptions {
  readonly clock?: Clock;
  readonly random?: Random;
}

/** Parses `sha256:<64 lowercase hex>`; DetailError BAD_COMMITMENT otherwise. */
export function parseCommitment(text: string): string {
  const m = COMMITMENT.exec(text);
  if (m === null) throw new DetailError('BAD_COMMITMENT', `not a detail commitment: ${JSON.stringify(printable(text, 80))}`, { hint: 'pass the `sha256:<64 hex>` value from the record (`trailmark detail list` shows them)' });
  return m[1]!;
}

/** `sha256:<hex>` = SHA-256(salt ‖ canonical JSON {output, path, prompt, time}). */
export function computeCommitment(salt: Uint8Array, fields: { readonly prompt: string | null; readonly output: string; readonly path: string; readonly time: string }): string {
  const hash = createHash('sha256');
  hash.update(salt);
  hash.update(canonicalBytes({ output: fields.output, path: fields.path, prompt: fields.prompt, time: fields.time }));
  return `sha256:${hash.digest('hex')}`;
}

/** Cuts `text` to at most `max` UTF-8 bytes on a code point boundary. */
function cutUtf8(text: string, max: number): { text: string; cut: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return { text, cut: false };
  let end = max;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return { text: bytes.subarray(0, end).toString('utf8'), cut: true };
}

/** Session ids are untrusted: normalized, then hashed into a file name (never used as a path). */
const sessionKey = (sessionId: string): string => normalizeText(sessionId);
const sessionFile = (sessionId: string): string => `${createHash('sha256').update(sessionKey(sessionId), 'utf8').digest('hex')}.sealed`;

interface StashedPrompt {
  readonly session: string;
  readonly prompt: string;
  readonly time: string;
  readonly redactions: number;
  readonly truncated: boolean;
}

interface SealedDetail {
  readonly salt: string;
  readonly prompt: string | null;
  readonly output: string;
  readonly path: string;
  readonly time: string;
  readonly redactions: number;
  readonly truncated: boolean;
}

function parseJsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new DetailError('BLOB_INVALID', `${what} does not hold JSON`, { cause: err, hint: 'erase it with `trailmark detail erase`' });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new DetailError('BLOB_INVALID', `${what} does not hold a JSON object`, { hint: 'erase it with `trailmark detail erase`' });
  return doc as Record<string, unknown>;
}

function parseSealedDetail(doc: Record<string, unknown>, what: string): SealedDetail {
  const { salt, prompt, output, path, time, redactions, truncated } = doc;
  if (typeof salt !== 'string' || !/^[0-9a-f]{64}$/.test(salt) || (prompt !== null && typeof prompt !== 'string') || typeof output !== 'string' || typeof path !== 'string' || typeof time !== 'string' || typeof redactions !== 'number' || typeof truncated !== 'boolean') {
    throw new DetailError('BLOB_INVALID', `${what} has an unexpected shape`, { hint: 'erase it with `trailmark detail erase`' });
  }
  return { salt, prompt, output, path, time, redactions, truncated };
}

function parseStash(doc: Record<string, unknown>, what: string): StashedPrompt {
  const { session, prompt, time, redactions, truncated } = doc;
  if (typeof session !== 'string' || typeof prompt !== 'string' || typeof time !== 'string' || typeof redactions !== 'number' || typeof truncated !== 'boolean') {
    throw new DetailError('BLOB_INVALID', `${what} has an unexpected shape`, { hint: 'remove it; the next prompt of the session replaces it' });
  }
  return { session, prompt, time, redactions, truncated };
}

async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function unlinkIfExists(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function listNames(dir: string, pattern: RegExp): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => pattern.test(name)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Replaces `path` with `bytes` (temporary file, fsync, rename, directory fsync). */
async function writeAtomic(dir: string, name: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, name);
  const tmp = await writeTemporary(path, bytes);
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlinkIfExists(tmp);
    throw err;
  }
  await syncDirectory(dir);
}

/** The detailed tier of the device whose state lives in `home` (paths.ts). */
export function openDetail(home: string, options: DetailOptions = {}): DetailStore {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const dir = homePaths(home).detail;
  const blobs = join(dir, 'blobs');
  const prompts = join(dir, 'prompts');
  let key: Promise<Uint8Array> | undefined;
  const getKey = (): Promise<Uint8Array> => {
    key ??= loadOrCreateKey(keyPath(dir), random).catch((err: unknown) => {
      key = undefined;
      throw err;
    });
    return key;
  };

  async function readStash(sessionId: string): Promise<StashedPrompt | undefined> {
    const name = sessionFile(sessionId);
    const bytes = await readIfExists(join(prompts, name));
    if (bytes === undefined) return undefined;
    const what = `stashed prompt ${name}`;
    const stash = parseStash(parseJsonObject(unseal(await getKey(), bytes, Buffer.from(PROMPT_AAD_PREFIX + name, 'utf8'), what), what), what);
    // The file name is a hash of the session id; the sealed id guards against a collision or a swap.
    return stash.session === sessionKey(sessionId) ? stash : undefined;
  }

  async function openBlob(commitment: string): Promise<DetailRecord> {
    const hex = parseCommitment(commitment);
    const bytes = await readIfExists(join(blobs, `${hex}.sealed`));
    if (bytes === undefined) throw new DetailError('NOT_FOUND', `no detail for ${commitment} on this device`, { hint: 'it was erased or expired (the salt is gone, so it cannot be opened again), or it was kept on another device' });
    const what = `detail ${commitment}`;
    const sealed = parseSealedDetail(parseJsonObject(unseal(await getKey(), bytes, Buffer.from(commitment, 'utf8'), what), what), what);
    const again = computeCommitment(Buffer.from(sealed.salt, 'hex'), sealed);
    if (again !== commitment) throw new DetailError('COMMITMENT_MISMATCH', `${what} holds content that commits to ${again}`, { hint: 'do not trust its content; erase it with `trailmark detail erase`' });
    return { commitment, path: sealed.path, time: sealed.time, prompt: sealed.prompt, output: sealed.output, redactions: sealed.redactions, truncated: sealed.truncated };
  }

  return {
    async stashPrompt(sessionId, prompt, time) {
      const redacted = await redactSecrets(prompt);
      const cut = cutUtf8(redacted.text, MAX_PROMPT_BYTES);
      const name = sessionFile(sessionId);
      const stash: StashedPrompt = { session: sessionKey(sessionId), prompt: cut.text, time: normalizeText(time), redactions: redacted.redactions.length, truncated: cut.cut };
      const sealed = seal(await getKey(), canonicalBytes(stash), Buffer.from(PROMPT_AAD_PREFIX + name, 'utf8'), random);
      await writeAtomic(prompts, name, sealed);
    },

    async keep(input) {
      let stash: StashedPrompt | undefined;
      try {
        stash = input.sessionId === undefined ? undefined : await readStash(input.sessionId);
      } catch (err) {
        // An altered or damaged stash is only a cache of the session's latest prompt: the edit is
        // kept without it (prompt null) rather than lost; the next prompt replaces the file.
        if (!(err instanceof DetailError) || (err.code !== 'AUTH_FAILED' && err.code !== 'BLOB_INVALID')) throw err;
        stash = undefined;
      }
      const output = await redactSecrets(input.output);
      const cut = cutUtf8(output.text, MAX_OUTPUT_BYTES);
      const salt = random.bytes(SALT_BYTES);
      if (salt.length !== SALT_BYTES) throw new DetailError('KEY_INVALID', `random source gave ${salt.length} salt bytes, expected ${SALT_BYTES}`);
      const fields = { prompt: stash?.prompt ?? null, output: cut.text, path: normalizeText(input.path), time: normalizeText(input.time) };
      const commitment = computeCommitment(salt, fields);
      const redactions = (stash?.redactions ?? 0) + output.redactions.length;
      const doc: SealedDetail = { salt: Buffer.from(salt).toString('hex'), ...fields, redactions, truncated: cut.cut || stash?.truncated === true };
      const blob = seal(await getKey(), canonicalBytes(doc), Buffer.from(commitment, 'utf8'), random);
      await writeAtomic(blobs, `${parseCommitment(commitment)}.sealed`, blob);
      return { commitment, redactions };
    },

    open: openBlob,

    async erase(commitment) {
      const hex = parseCommitment(commitment);
      const erased = await unlinkIfExists(join(blobs, `${hex}.sealed`));
      if (erased) await syncDirectory(blobs);
      return erased;
    },

    async expire(period) {
      const cutoffMs = retentionCutoff(period, clock.now());
      const erased: string[] = [];
      const skipped: { commitment: string; reason: string }[] = [];
      for (const name of await listNames(blobs, BLOB_NAME)) {
        const commitment = `sha256:${BLOB_NAME.exec(name)![1]!}`;
        let record: DetailRecord;
        try {
          record = await openBlob(commitment);
        } catch (err) {
          if (!(err instanceof DetailError) || err.code === 'KEY_PERMISSIONS' || err.code === 'KEY_INVALID') throw err;
          skipped.push({ commitment, reason: err.message });
          continue;
        }
        const at = Date.parse(record.time);
        if (Number.isNaN(at)) {
          skipped.push({ commitment, reason: `edit time ${JSON.stringify(printable(record.time, 40))} is not a date; erase it by commitment` });
          continue;
        }
        if (at < cutoffMs && (await unlinkIfExists(join(blobs, name)))) erased.push(commitment);
      }
      let stashes = 0;
      for (const name of await listNames(prompts, PROMPT_NAME)) {
        const bytes = await readIfExists(join(prompts, name));
        if (bytes === undefined) continue;
        let time: number;
        try {
          const what = `stashed prompt ${name}`;
          time = Date.parse(parseStash(parseJsonObject(unseal(await getKey(), bytes, Buffer.from(PROMPT_AAD_PREFIX + name, 'utf8'), what), what), what).time);
        } catch (err) {
          if (!(err instanceof DetailError) || err.code === 'KEY_PERMISSIONS' || err.code === 'KEY_INVALID') throw err;
          // A stashed prompt is a cache of the session's latest prompt: an unreadable one is dropped.
          time = Number.NaN;
        }
        if ((Number.isNaN(time) || time < cutoffMs) && (await unlinkIfExists(join(prompts, name)))) stashes++;
      }
      if (erased.length > 0) await syncDirectory(blobs);
      if (stashes > 0) await syncDirectory(prompts);
      return { cutoff: new Date(cutoffMs).toISOString(), erased, prompts: stashes, skipped };
    },

    async list() {
      const out: DetailSummary[] = [];
      for (const name of await listNames(blobs, BLOB_NAME)) {
        const commitment = `sha256:${BLOB_NAME.exec(name)![1]!}`;
        const bytes = (await readIfExists(join(blobs, name)))?.length ?? 0;
        try {
          const r = await openBlob(commitment);
          out.push({ commitment, bytes, path: r.path, time: r.time, redactions: r.redactions });
        } catch (err) {
          if (!(err instanceof DetailError) || err.code === 'KEY_PERMISSIONS' || err.code === 'KEY_INVALID') throw err;
          out.push({ commitment, bytes, error: { code: err.code, message: err.message } });
        }
      }
      return out.sort((a, b) => (a.time ?? '').localeCompare(b.time ?? '') || a.commitment.localeCompare(b.commitment));
    },

    async forgetPrompt(sessionId) {
      const removed = await unlinkIfExists(join(prompts, sessionFile(sessionId)));
      if (removed) await syncDirectory(prompts);
      return removed;
    },
  };
}

/** A matcher for the policy's sensitive-path globs (picomatch, dot files included, as the scan compiles them). */
export function sensitiveMatcher(globs: readonly string[]): (path: string) => boolean {
  return globs.length === 0 ? () => false : picomatch([...globs], { dot: true });
}

/**
 * Whether an edit keeps the detailed tier: `sensitive-path` when the policy keeps detail for
 * sensitive paths and `path` (repository-relative, `/`-separated) matches one, else `size` when
 * `minLines` is above 0 and the edit added at least that many lines, else null (light tier only).
 * `isSensitive`, when given, is the precompiled matcher of `sensitivePaths` (sensitiveMatcher).
 */
export function decideDetail(input: {
  readonly path: string;
  readonly addedLines: number;
  readonly policy: CapturePolicy;
  readonly sensitivePaths: readonly string[];
  readonly isSensitive?: (path: string) => boolean;
}): DetailReason {
  const { detail } = input.policy;
  if (detail.sensitive) {
    const isSensitive = input.isSensitive ?? sensitiveMatcher(input.sensitivePaths);
    if (isSensitive(input.path)) return 'sensitive-path';
  }
  if (detail.minLines > 0 && input.addedLines >= detail.minLines) return 'size';
  return null;
}
