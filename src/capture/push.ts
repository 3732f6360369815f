// `trailmark record push`: replays the spool to each registered collector (docs/collector-protocol.md)
// in seq order and in batches, keeps every verified receipt, and moves the collector's cursor
// only past records a verified receipt lists as accepted, duplicate or rejected. Anything else
// (collector down, 429, 5xx, a bad receipt) leaves the cursor where it was: nothing is lost, and
// the next push sends the same records again (the collector answers duplicates by id).
//
// Crash consistency per batch: receipt appended to spool/receipts.jsonl and fsync'd, then the
// cursor written (tmp + fsync + rename). A crash between the two resends a batch whose records
// come back as duplicates.
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TrailmarkError, describeError, printable } from '../core/errors.js';
import { canonicalize } from '../ledger/canonical.js';
import { LockFile } from '../ledger/store/lock-file.js';
import { nodeFileOps } from '../ledger/store/file-ops.js';
import { deviceId, DEVICE_ID_PATTERN, fsyncDir } from './device.js';
import { homePaths } from './paths.js';
import { checkReceipt, collectorPublicKey, verifyReceipt, type CollectorKey, type Receipt } from './receipt.js';
import { openSpool, type Spool } from './spool.js';
import type { SpoolRecord } from './types.js';

export type PushCode = 'PUSH_REFUSED' | 'PUSH_UNREACHABLE' | 'PUSH_NO_PROGRESS' | 'COLLECTORS_INVALID' | 'REGISTER_REFUSED' | 'REGISTER_INVALID';
export class PushError extends TrailmarkError<PushCode> {}

export const PUSH_RESULT_SCHEMA = 'trailmark.record-push/v1';
export const COLLECTORS_SCHEMA = 'trailmark.collectors/v1';
export const BATCH_SCHEMA = 'trailmark.batch/v1';
export const DEVICE_SCHEMA = 'trailmark.device/v1';

export interface CollectorLimits {
  readonly batchRecords: number;
  readonly batchBytes: number;
  readonly recordBytes: number;
}
/** The collector's published limits (docs/collector-protocol.md §1), used when an entry has none. */
export const DEFAULT_LIMITS: CollectorLimits = { batchRecords: 500, batchBytes: 4 * 1024 * 1024, recordBytes: 1024 * 1024 };

export interface CollectorEntry {
  readonly url: string;
  readonly token: string;
  readonly installation: number;
  readonly device: string;
  readonly login?: string;
  readonly collector: CollectorKey;
  /** `owner/name`s whose records go to this collector; absent: every record. */
  readonly repositories?: readonly string[];
  readonly limits?: CollectorLimits;
}

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: Uint8Array | string; signal?: AbortSignal }) => Promise<Response>;

/** Attempts per batch before a push gives up on a collector (the cursor stays). */
export const DEFAULT_MAX_ATTEMPTS = 6;
const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 60_000;
/** A longer Retry-After is cut to this; the push then tries again and may give up. */
const RETRY_AFTER_CAP_MS = 15 * 60_000;
const REQUEST_TIMEOUT_MS = 60_000;
/** A push holds its lock this long at most before another may take it over (pid-dead is faster). */
const PUSH_LOCK_STALE_MS = 6 * 3600_000;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const TOKEN = /^tmu_[A-Za-z0-9_-]{43}$/;
const REPOSITORY = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

// ---------------------------------------------------------------- collectors.json

const collectorsHint = (path: string) => `fix or remove ${path}, then run \`trailmark record register\` again`;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseLimits(v: unknown): CollectorLimits | null {
  if (!isObject(v)) return null;
  const { batchRecords, batchBytes, recordBytes } = v;
  if (![batchRecords, batchBytes, recordBytes].every((n) => Number.isSafeInteger(n) && (n as number) > 0)) return null;
  return { batchRecords: batchRecords as number, batchBytes: batchBytes as number, recordBytes: recordBytes as number };
}

function parseEntry(v: unknown, path: string, index: number): CollectorEntry {
  const bad = (what: string) => new PushError('COLLECTORS_INVALID', `${path}: collector ${index} ${what}`, { hint: collectorsHint(path) });
  if (!isObject(v)) throw bad('is not an object');
  const { url, token, installation, device, login, collector, repositories, limits } = v;
  if (typeof url !== 'string' || normalizeUrl(url) === null) throw bad('has no http(s) url');
  if (typeof token !== 'string' || !TOKEN.test(token)) throw bad('has no tmu_ token');
  if (!Number.isSafeInteger(installation)) throw bad('has no installation number');
  if (typeof device !== 'string' || !DEVICE_ID_PATTERN.test(device)) throw bad('has no device id');
  if (!isObject(collector) || typeof collector['keyId'] !== 'string' || typeof collector['publicKey'] !== 'string') throw bad('has no collector key');
  const key = { keyId: collector['keyId'], publicKey: collector['publicKey'] };
  collectorPublicKey(key);
  if (repositories !== undefined && (!Array.isArray(repositories) || !(repositories as unknown[]).every((r) => typeof r === 'string' && REPOSITORY.test(r)))) throw bad('has repositories that are not OWNER/NAME');
  const parsedLimits = limits === undefined ? undefined : parseLimits(limits);
  if (parsedLimits === null) throw bad('has invalid limits');
  return {
    url,
    token,
    installation: installation as number,
    device,
    ...(typeof login === 'string' ? { login } : {}),
    collector: key,
    ...(repositories !== undefined ? { repositories: repositories as string[] } : {}),
    ...(parsedLimits !== undefined ? { limits: parsedLimits } : {}),
  };
}

/** The registered collectors (empty when none). The file holds upload tokens: mode 0600. */
export function readCollectors(home: string): CollectorEntry[] {
  const path = homePaths(home).collectors;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new PushError('COLLECTORS_INVALID', `cannot read ${path}`, { cause: err, hint: 'check the permissions of TRAILMARK_HOME' });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new PushError('COLLECTORS_INVALID', `${path} is not JSON`, { hint: collectorsHint(path) });
  }
  if (!isObject(doc) || !Array.isArray(doc['collectors'])) throw new PushError('COLLECTORS_INVALID', `${path} has no collectors list`, { hint: collectorsHint(path) });
  return (doc['collectors'] as unknown[]).map((e, i) => parseEntry(e, path, i));
}

/** Replaces collectors.json atomically (tmp 0600 + fsync + rename + dir fsync). */
export function writeCollectors(home: string, entries: readonly CollectorEntry[]): void {
  const path = homePaths(home).collectors;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify({ schema: COLLECTORS_SCHEMA, collectors: entries }, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

function normalizeUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '') return null;
  // Tokens travel in the Authorization header: plain http only to this machine.
  if (u.protocol === 'http:' && !LOOPBACK_HOSTS.has(u.hostname)) return null;
  return u.toString().replace(/\/+$/, '');
}

/** The spool cursor of one collector entry. */
export const cursorKey = (entry: Pick<CollectorEntry, 'url' | 'installation'>): string => `${entry.url}#${entry.installation}`;

// ---------------------------------------------------------------- registration

export interface RegisterOptions {
  readonly home: string;
  readonly url: string;
  /** The GitHub user token (`ghu_`/`gho_`); sent once to the collector, never stored. */
  readonly githubToken: string;
  readonly repository: string;
  readonly fetch?: FetchLike;
}

/** POST /trailmark/devices, then stores (or updates) the collector entry in collectors.json. */
export async function register(options: RegisterOptions): Promise<CollectorEntry> {
  const url = normalizeUrl(options.url);
  if (url === null) throw new PushError('REGISTER_INVALID', `collector url ${printable(options.url)} is not an https URL (or http to localhost) without credentials or query`, { hint: 'pass the App origin, e.g. --collector https://trailmark.example.com' });
  if (!REPOSITORY.test(options.repository)) throw new PushError('REGISTER_INVALID', `repository ${printable(options.repository)} is not OWNER/NAME`, { hint: 'pass --repository OWNER/NAME' });
  if (options.githubToken === '') throw new PushError('REGISTER_INVALID', 'the GitHub user token is empty', { hint: 'export a GitHub user token (gh auth token) in GITHUB_TOKEN or the variable named by --token-env' });
  const device = deviceId(options.home);
  const doFetch = options.fetch ?? (globalThis.fetch);
  let res: Response;
  try {
    res = await doFetch(`${url}/trailmark/devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.githubToken}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ schema: DEVICE_SCHEMA, device, repository: options.repository, name: hostname() }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    throw new PushError('PUSH_UNREACHABLE', `cannot reach the collector at ${url}: ${describeError(err)}`, { cause: err, hint: 'check the URL and your network, then retry' });
  }
  const text = await res.text();
  if (res.status !== 201) {
    const why: Record<number, string> = {
      401: 'the collector refused the GitHub token (401)',
      403: `you have no push access to ${options.repository} (403)`,
      404: `the App is not installed on ${options.repository} (404)`,
      422: 'the collector refused the registration request (422)',
    };
    throw new PushError('REGISTER_REFUSED', why[res.status] ?? `the collector answered ${res.status} to the registration`, { hint: res.status === 401 ? 'use a GitHub user token of the App (or `gh auth token`) in the --token-env variable' : 'check the repository and the App installation, then retry' });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = null;
  }
  const bad = (what: string) => new PushError('REGISTER_INVALID', `registration answer from ${url}: ${what}`, { hint: 'is this URL a trailmark App? check --collector' });
  if (!isObject(doc) || doc['schema'] !== DEVICE_SCHEMA) throw bad('not a trailmark.device/v1 document');
  if (doc['device'] !== device) throw bad(`device is ${printable(String(doc['device']))}, expected ${device}`);
  const limits = doc['limits'] === undefined ? DEFAULT_LIMITS : parseLimits(doc['limits']);
  if (limits === null) throw bad('invalid limits');
  const previous = readCollectors(options.home);
  const same = (e: CollectorEntry) => e.url === url && e.installation === doc['installation'];
  const old = previous.find(same);
  const repositories = [...new Set([...(old?.repositories ?? []), options.repository])].sort();
  const entry = parseEntry({ url, token: doc['token'], installation: doc['installation'], device, login: doc['login'], collector: doc['collector'], repositories, limits }, `registration answer from ${url}`, 0);
  writeCollectors(options.home, [...previous.filter((e) => !same(e)), entry]);
  return entry;
}

// ---------------------------------------------------------------- push

export interface CollectorPushResult {
  readonly url: string;
  readonly installation: number;
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: { seq: number; id: string; reason: string }[];
  /** Records not sent to this collector and passed over (they stay in the local spool). */
  skipped: { seq: number; reason: string }[];
  /** The device's missing seqs the collector reported in its last receipt. */
  gaps: { from: number; to: number }[];
  receipts: number;
  cursor: number;
  pending: number;
  error?: { code: string; message: string; hint?: string };
}

export interface PushResult {
  readonly schema: typeof PUSH_RESULT_SCHEMA;
  readonly device: string;
  /** True when another push held the lock: this one did nothing. */
  readonly busy: boolean;
  readonly collectors: readonly CollectorPushResult[];
  /** No collector ended with an error. */
  readonly ok: boolean;
}

export interface PushOptions {
  readonly home: string;
  readonly fetch?: FetchLike;
  /** One line per event (batch sent, retry, give up). */
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
  /** Waits between attempts (tests inject a recorder). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** In [0, 1): the jitter of the backoff. */
  readonly random?: () => number;
  readonly maxAttempts?: number;
  readonly progress?: (done: number, total: number) => void;
}

const realSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), in ms; null when absent or bad. */
export function retryAfterMs(value: string | null, now: number): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d{1,9}$/.test(v)) return Math.min(Number(v) * 1000, RETRY_AFTER_CAP_MS);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - now), RETRY_AFTER_CAP_MS);
}

/** Exponential backoff with jitter: attempt n waits in [d/2, d), d = min(cap, base·2^(n−1)). */
export function backoffMs(attempt: number, random: () => number): number {
  const d = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return Math.floor(d / 2 + (random() * d) / 2);
}

const destinedFor = (entry: CollectorEntry) => {
  if (entry.repositories === undefined) return () => true;
  const names = new Set(entry.repositories.map((r) => r.toLowerCase()));
  return (r: SpoolRecord) => r.repository !== undefined && names.has(r.repository.toLowerCase());
};

type Outcome = { kind: 'receipt'; receipt: Receipt } | { kind: 'too-large' };

class Pusher {
  readonly #o: PushOptions;
  readonly #spool: Spool;
  readonly #fetch: FetchLike;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #maxAttempts: number;
  readonly #log: (line: string) => void;

  constructor(o: PushOptions, spool: Spool) {
    this.#o = o;
    this.#spool = spool;
    this.#fetch = o.fetch ?? (globalThis.fetch);
    this.#sleep = o.sleep ?? ((ms) => realSleep(ms, o.signal));
    this.#random = o.random ?? Math.random;
    this.#maxAttempts = o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.#log = o.log ?? (() => undefined);
  }

  async push(entry: CollectorEntry): Promise<CollectorPushResult> {
    const key = cursorKey(entry);
    const result: CollectorPushResult = { url: entry.url, installation: entry.installation, sent: 0, accepted: 0, duplicates: 0, rejected: [], skipped: [], gaps: [], receipts: 0, cursor: this.#spool.cursor(key), pending: 0 };
    const limits = entry.limits ?? DEFAULT_LIMITS;
    const destined = destinedFor(entry);
    const startPending = (await this.#spool.stats(key)).pending;
    let maxRecords = limits.batchRecords;
    try {
      if (entry.device !== this.#spool.device) {
        throw new PushError('PUSH_REFUSED', `${entry.url} was registered for device ${entry.device}, but this device is ${this.#spool.device}`, { hint: 'device.json changed since the registration: run `trailmark record register` again' });
      }
      for (;;) {
        const cursor = this.#spool.cursor(key);
        this.#o.progress?.(Math.min(startPending, result.sent + result.skipped.length), startPending);
        const candidates = await this.#spool.read(cursor, maxRecords);
        if (candidates.length === 0) break;
        // Records up to `through` were considered: sent, or passed over (not for this collector, too large).
        const batch: SpoolRecord[] = [];
        const passed = new Set<number>();
        const overhead = Buffer.byteLength(canonicalize({ schema: BATCH_SCHEMA, device: this.#spool.device, records: [] }));
        let bytes = overhead;
        let through = cursor;
        for (const r of candidates) {
          if (!destined(r)) {
            passed.add(r.seq);
            through = r.seq;
            continue;
          }
          const size = Buffer.byteLength(canonicalize(r)) + 1;
          if (size > limits.recordBytes || overhead + size > limits.batchBytes) {
            result.skipped.push({ seq: r.seq, reason: `record of ${size} bytes is over the collector's limit (${Math.min(limits.recordBytes, limits.batchBytes)} bytes); it stays in the local spool` });
            passed.add(r.seq);
            through = r.seq;
            continue;
          }
          if (batch.length >= maxRecords || bytes + size > limits.batchBytes) break;
          batch.push(r);
          bytes += size;
          through = r.seq;
        }
        const acked = new Set<number>();
        if (batch.length > 0) {
          const body = Buffer.from(canonicalize({ schema: BATCH_SCHEMA, device: this.#spool.device, records: batch }), 'utf8');
          const outcome = await this.#send(entry, body, batch);
          if (outcome.kind === 'too-large') {
            if (batch.length > 1) {
              maxRecords = Math.max(1, Math.ceil(batch.length / 2));
              this.#log(`${entry.url}: batch of ${batch.length} refused as too large (413); retrying with at most ${maxRecords}`);
              continue;
            }
            result.skipped.push({ seq: batch[0]!.seq, reason: "the collector refused this single record as too large (413); it stays in the local spool" });
            passed.add(batch[0]!.seq);
          } else {
            const receipt = outcome.receipt;
            for (const s of checkReceipt(receipt, { device: this.#spool.device, installation: entry.installation, body, records: batch })) acked.add(s);
            this.#keepReceipt(receipt);
            result.receipts++;
            result.sent += batch.length;
            result.accepted += receipt.accepted.length;
            result.duplicates += receipt.duplicates.length;
            result.rejected.push(...receipt.rejected.map((a) => ({ seq: a.seq, id: a.id, reason: a.reason })));
            result.gaps = receipt.gaps.map((g) => ({ from: g.from, to: g.to }));
          }
        }
        let next = cursor;
        while (next < through && (acked.has(next + 1) || passed.has(next + 1))) next++;
        if (next === cursor) {
          throw new PushError('PUSH_NO_PROGRESS', `${entry.url} acknowledged none of the records after seq ${cursor}`, { hint: 'the collector keeps refusing this batch; check the App logs; nothing was lost, the next push retries' });
        }
        await this.#spool.advance(next, key);
        result.cursor = next;
        if (next < through) {
          throw new PushError('PUSH_NO_PROGRESS', `${entry.url} did not acknowledge seq ${next + 1}`, { hint: 'the collector answered for part of the batch only; the next push resends the rest' });
        }
      }
    } catch (err) {
      if (this.#o.signal?.aborted === true) throw err;
      const e = err instanceof TrailmarkError ? err : new PushError('PUSH_UNREACHABLE', describeError(err), { cause: err });
      result.error = { code: String(e.code), message: e.message, ...(e.hint !== undefined ? { hint: e.hint } : {}) };
      this.#log(`${entry.url}: ${e.message}`);
    }
    result.cursor = this.#spool.cursor(key);
    result.pending = (await this.#spool.stats(key)).pending;
    return result;
  }

  async #send(entry: CollectorEntry, body: Buffer, batch: readonly SpoolRecord[]): Promise<Outcome> {
    const url = `${entry.url}/trailmark/records/batch`;
    let lastProblem = '';
    for (let attempt = 1; ; attempt++) {
      let wait: number | null = null;
      try {
        const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
        const res = await this.#fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${entry.token}`, 'content-type': 'application/json', accept: 'application/json' },
          body,
          signal: this.#o.signal === undefined ? timeout : AbortSignal.any([this.#o.signal, timeout]),
        });
        const text = await res.text();
        if (res.status === 200) {
          let doc: unknown;
          try {
            doc = JSON.parse(text);
          } catch {
            doc = null;
          }
          return { kind: 'receipt', receipt: verifyReceipt(doc, entry.collector) };
        }
        if (res.status === 413) return { kind: 'too-large' };
        lastProblem = `HTTP ${res.status}`;
        if (res.status === 429) wait = retryAfterMs(res.headers.get('retry-after'), Date.now());
        else if (res.status < 500) {
          const hints: Record<number, string> = {
            401: 'the upload token was refused: run `trailmark record register` again',
            403: 'no push access to a repository of the batch: check your access, or register again',
            422: 'the collector refused the batch as invalid: check the App logs',
          };
          throw new PushError('PUSH_REFUSED', `${entry.url} refused the batch of seqs ${batch[0]!.seq}..${batch.at(-1)!.seq} with HTTP ${res.status}`, { hint: hints[res.status] ?? 'check the collector URL and the App logs; nothing was lost' });
        }
      } catch (err) {
        if (err instanceof TrailmarkError || this.#o.signal?.aborted === true) throw err;
        lastProblem = describeError(err);
      }
      if (attempt >= this.#maxAttempts) {
        throw new PushError('PUSH_UNREACHABLE', `${entry.url}: gave up after ${attempt} attempts (${lastProblem})`, { hint: 'nothing was lost: the records stay in the spool and the next push resends them' });
      }
      const ms = wait ?? backoffMs(attempt, this.#random);
      this.#log(`${entry.url}: ${lastProblem}; retrying in ${Math.round(ms / 1000)} s (attempt ${attempt + 1} of ${this.#maxAttempts})`);
      await this.#sleep(ms);
    }
  }

  /** Appends the verified receipt to spool/receipts.jsonl, fsync'd, before the cursor moves. */
  #keepReceipt(receipt: Receipt): void {
    const fd = openSync(join(this.#spool.dir, 'receipts.jsonl'), 'a', 0o600);
    try {
      writeSync(fd, `${canonicalize(receipt)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

const pushLockPath = (home: string) => join(homePaths(home).spool, 'push.lock');

/** Sends the spool to every registered collector; one push at a time per home. */
export async function pushSpool(options: PushOptions): Promise<PushResult> {
  const spool = await openSpool(options.home);
  const lock = new LockFile(nodeFileOps, pushLockPath(options.home), { waitMs: 0, staleMs: PUSH_LOCK_STALE_MS });
  try {
    await lock.acquire();
  } catch (err) {
    if (err instanceof TrailmarkError && err.code === 'LOCKED') return { schema: PUSH_RESULT_SCHEMA, device: spool.device, busy: true, collectors: [], ok: true };
    throw err;
  }
  try {
    const pusher = new Pusher(options, spool);
    const results: CollectorPushResult[] = [];
    for (const entry of readCollectors(options.home)) results.push(await pusher.push(entry));
    return { schema: PUSH_RESULT_SCHEMA, device: spool.device, busy: false, collectors: results, ok: results.every((r) => r.error === undefined) };
  } finally {
    lock.release();
  }
}

/** The last verified receipt kept by a push, or null. */
export function lastReceipt(home: string): Receipt | null {
  let text: string;
  try {
    text = readFileSync(join(homePaths(home).spool, 'receipts.jsonl'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const lines = text.split('\n').filter((l) => l !== '');
  const last = lines.at(-1);
  if (last === undefined) return null;
  try {
    return JSON.parse(last) as Receipt;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- background push

/** Appends one line to homePaths(home).log (the hooks' and background pushes' error log). */
export function appendLog(home: string, message: string): void {
  const path = homePaths(home).log;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  appendFileSync(path, `${new Date().toISOString()} ${message.replace(/[\r\n]+/g, ' ')}\n`, { mode: 0o600 });
}

/** True when the push lock is held by a live process on this host. */
export function pushRunning(home: string): boolean {
  let holder: unknown;
  try {
    holder = JSON.parse(readFileSync(pushLockPath(home), 'utf8'));
  } catch {
    return false;
  }
  if (!isObject(holder) || typeof holder['pid'] !== 'number' || holder['host'] !== hostname()) return false;
  try {
    process.kill(holder['pid'], 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** bin/trailmark.js of this package (from src/capture/ or dist/lib/src/capture/). */
export function trailmarkBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const bin = join(dir, 'bin', 'trailmark.js');
    if (existsSync(bin) && existsSync(join(dir, 'package.json'))) return bin;
    dir = dirname(dir);
  }
  throw new PushError('PUSH_UNREACHABLE', 'cannot find bin/trailmark.js above the trailmark package files', { hint: 'reinstall trailmark' });
}

/**
 * Starts `trailmark record push --background` detached (stdio ignored, unref'd) unless a push is
 * already running; its outcome and errors go to homePaths(home).log. Two callers racing may both
 * start one: the second finds the lock held and exits at once.
 */
export function spawnBackgroundPush(home: string, options: { readonly bin?: string; readonly execArgv?: readonly string[] } = {}): { readonly started: boolean; readonly pid?: number } {
  // Called from hooks, which must never fail the agent's action: problems go to the log.
  try {
    if (pushRunning(home)) return { started: false };
    if (readCollectors(home).length === 0) return { started: false };
    const child = spawn(process.execPath, [...(options.execArgv ?? []), options.bin ?? trailmarkBin(), 'record', 'push', '--background'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, TRAILMARK_HOME: home },
    });
    child.on('error', (err) => appendLog(home, `record push: cannot start a background push: ${describeError(err)}`));
    child.unref();
    return child.pid === undefined ? { started: false } : { started: true, pid: child.pid };
  } catch (err) {
    try {
      appendLog(home, `record push: cannot start a background push: ${describeError(err)}`);
    } catch {
      // Nowhere left to report; the next hook tries again.
    }
    return { started: false };
  }
}
