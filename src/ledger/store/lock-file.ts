// Cross-process writer lock: a file created with O_EXCL holding {pid, host, boot, time, token}.
//
// A lock is stale when its holder is provably dead (same host and boot, pid gone; or same host
// and a different boot id: the machine restarted) or when it is older than `staleMs` (a holder
// on another host, or a reused pid). Stale locks are broken under a second O_EXCL file
// (`lock.break`) so that two waiters never both break one lock and delete each other's fresh
// lock. Residual risk, by design: a live holder older than `staleMs` loses its lock; appends
// must finish well inside that bound (they take milliseconds; the default bound is 10 minutes).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { LedgerError } from '../../core/errors.js';
import { isNotFound, type FileOps } from './file-ops.js';

export interface LockOptions {
  /** Age after which any lock is stale. Default 10 minutes. */
  readonly staleMs?: number;
  /** How long to wait for a live holder before failing with LOCKED. Default 60 s. */
  readonly waitMs?: number;
}

interface LockContent {
  readonly pid: number;
  readonly host: string;
  readonly boot: string;
  readonly time: number;
  readonly token: string;
}

const DEFAULT_STALE_MS = 10 * 60_000;
const DEFAULT_WAIT_MS = 60_000;
/** A lock file without parseable content older than this is a crash between create and write. */
const UNWRITTEN_LOCK_MS = 2_000;
/** A `lock.break` file older than this was left by a breaker that died. */
const STALE_BREAK_MS = 30_000;

export function bootId(ops: FileOps): string {
  try {
    return ops.readFileOrNull('/proc/sys/kernel/random/boot_id')?.toString('utf8').trim() ?? '';
  } catch {
    return '';
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseLock(buf: Buffer): LockContent | null {
  try {
    const v = JSON.parse(buf.toString('utf8')) as Partial<LockContent>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.boot === 'string' && typeof v.time === 'number' && typeof v.token === 'string') {
      return v as LockContent;
    }
  } catch {
    // Unparseable: judged by its mtime below.
  }
  return null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class LockFile {
  readonly #ops: FileOps;
  readonly #path: string;
  readonly #staleMs: number;
  readonly #waitMs: number;
  readonly #host = hostname();
  readonly #boot: string;
  #token: string | null = null;

  constructor(ops: FileOps, path: string, options: LockOptions = {}) {
    this.#ops = ops;
    this.#path = path;
    this.#staleMs = options.staleMs ?? DEFAULT_STALE_MS;
    this.#waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
    this.#boot = bootId(ops);
  }

  get held(): boolean {
    return this.#token !== null;
  }

  async acquire(): Promise<void> {
    if (this.#token !== null) throw new LedgerError('STORE_CONTRACT', `lock ${this.#path} is already held by this store (not re-entrant)`);
    const started = Date.now();
    let delay = 2;
    for (;;) {
      if (this.#tryCreate()) return;
      const holder = this.#ops.readFileOrNull(this.#path);
      if (holder !== null && this.#isStale(holder)) {
        this.#breakStale(holder);
        continue;
      }
      if (Date.now() - started > this.#waitMs) {
        const who = holder === null ? null : parseLock(holder);
        // The same lock guards ledger appends, the App's state files and its weekly-report jobs: the path says which.
        throw new LedgerError('LOCKED', `lock ${this.#path} is held${who ? ` by pid ${who.pid} on ${who.host} since ${new Date(who.time).toISOString()}` : ''}`, {
          hint: 'another trailmark process is writing there; retry later, or remove the lock file if that process is gone',
        });
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 100);
    }
  }

  /** True when the lock file still carries this holder's token. */
  stillHeld(): boolean {
    if (this.#token === null) return false;
    const buf = this.#ops.readFileOrNull(this.#path);
    return buf !== null && parseLock(buf)?.token === this.#token;
  }

  release(): void {
    if (this.#token === null) return;
    // Never delete a lock someone else took after ours was (wrongly) judged stale.
    if (this.stillHeld()) this.#ops.unlinkSync(this.#path);
    this.#token = null;
  }

  #tryCreate(): boolean {
    let fd: number;
    try {
      fd = this.#ops.openSync(this.#path, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw new LedgerError('IO', `cannot create lock ${this.#path}`, { cause: err });
    }
    const token = randomBytes(16).toString('hex');
    const content: LockContent = { pid: process.pid, host: this.#host, boot: this.#boot, time: Date.now(), token };
    const buf = Buffer.from(JSON.stringify(content) + '\n');
    try {
      // A crash between create and this write leaves an empty lock: stale after UNWRITTEN_LOCK_MS.
      this.#ops.writeSync(fd, buf, 0, buf.byteLength, 0);
    } catch (err) {
      this.#ops.closeSync(fd);
      this.#ops.unlinkSync(this.#path);
      throw new LedgerError('IO', `cannot write lock ${this.#path}`, { cause: err });
    }
    this.#ops.closeSync(fd);
    this.#token = token;
    return true;
  }

  #isStale(buf: Buffer): boolean {
    const lock = parseLock(buf);
    if (lock === null) {
      const mtime = this.#ops.mtimeMs(this.#path);
      return mtime !== null && Date.now() - mtime > UNWRITTEN_LOCK_MS;
    }
    if (Date.now() - lock.time > this.#staleMs) return true;
    if (lock.host !== this.#host) return false;
    if (lock.boot !== '' && this.#boot !== '' && lock.boot !== this.#boot) return true;
    return !pidAlive(lock.pid);
  }

  /** Removes the stale lock whose content is `seen`, serialized with other breakers. */
  #breakStale(seen: Buffer): void {
    const breakPath = `${this.#path}.break`;
    let fd: number;
    try {
      fd = this.#ops.openSync(breakPath, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new LedgerError('IO', `cannot create ${breakPath}`, { cause: err });
      const mtime = this.#ops.mtimeMs(breakPath);
      if (mtime !== null && Date.now() - mtime > STALE_BREAK_MS) this.#unlinkQuiet(breakPath);
      return;
    }
    this.#ops.closeSync(fd);
    try {
      // Only breakers (serialized by lock.break) remove a stale lock and its dead holder cannot,
      // so if the content is unchanged now it stays unchanged until the unlink below.
      const now = this.#ops.readFileOrNull(this.#path);
      if (now !== null && now.equals(seen)) this.#unlinkQuiet(this.#path);
    } finally {
      this.#unlinkQuiet(breakPath);
    }
  }

  #unlinkQuiet(path: string): void {
    try {
      this.#ops.unlinkSync(path);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
