// File writes of `trailmark hooks`: atomic (a reader sees the old file or the new one, never a
// part), durable (fsync of the file and of its directory before we go on), mode kept.
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError, printable } from '../../core/errors.js';

/** Largest configuration file or hook script trailmark edits (its bytes go into the manifest). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export interface FileState {
  readonly bytes: Buffer;
  /** Permission bits. */
  readonly mode: number;
}

/** The file's bytes and mode, undefined when absent. Refuses what is not a regular file. */
export function readState(path: string): FileState | undefined {
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError('BAD_INPUT', `cannot read ${printable(path)}: ${(err as Error).message}`, { cause: err, hint: 'check the permissions of the file and its directory' });
  }
  if (st.isSymbolicLink()) {
    throw new UsageError('BAD_INPUT', `${printable(path)} is a symbolic link: trailmark does not edit through links`, { hint: 'edit the file the link points to by hand, or replace the link with the file' });
  }
  if (!st.isFile()) throw new UsageError('BAD_INPUT', `${printable(path)} is not a regular file`, { hint: 'move it away, then install again' });
  if (st.size > MAX_CONFIG_BYTES) {
    throw new UsageError('BAD_INPUT', `${printable(path)} is ${st.size} bytes, more than the ${MAX_CONFIG_BYTES} trailmark edits`, { hint: 'add the hook entries by hand (see docs/hooks.md)' });
  }
  return { bytes: readFileSync(path), mode: st.mode & 0o7777 };
}

/** The missing directories above `path`, outermost first (what mkdir -p would create). */
export function missingDirs(path: string): string[] {
  const out: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    try {
      lstatSync(dir);
      break;
    } catch {
      out.unshift(dir);
      if (dirname(dir) === dir) break;
    }
  }
  return out;
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` with `bytes` atomically: a temporary file in the same directory, fsync'd,
 * renamed over the target, then the directory fsync'd. A crash leaves the old file or the new
 * one (and at worst a `.trailmark-*.tmp` file beside it).
 */
export function writeAtomic(path: string, bytes: Uint8Array, mode: number): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.trailmark-${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, bytes);
    fchmodSync(fd, mode);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dir);
}

export function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return;
  }
  fsyncDir(dirname(path));
}

/** Removes the directories trailmark created, innermost first, each only while it is empty. */
export function removeEmptyDirs(dirs: readonly string[]): void {
  for (const dir of [...dirs].reverse()) {
    try {
      if (readdirSync(dir).length > 0) return;
      rmdirSync(dir);
    } catch {
      return;
    }
  }
}
