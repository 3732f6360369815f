// Encryption at rest for the detailed tier: AES-256-GCM under one per-device data key.
//
// Key file (`<home>/detail/key`): exactly 32 random bytes, mode 0600, in a 0700 directory. It is
// created once, atomically: the bytes go to a temporary file (exclusive create, mode 0600,
// fsync'd) that is then hard-linked to the final name. link(2) fails when the name exists, so two
// processes creating the key at once agree on one key (the loser reads the winner's), and a crash
// leaves either no key or a complete one (a leftover `key.*.tmp` is harmless). A key file that is
// readable or writable by group or others is refused, never used or repaired silently. Losing the
// key makes every blob unreadable: that is also how all detail of a device is shredded at once.
//
// Blob format, version 1 (all integers big-endian):
//   magic   4 bytes  "TMDS"
//   version 1 byte   0x01
//   nonce   12 bytes random (NIST SP 800-38D §8.2.2: random 96-bit IVs; with at most 2^32 blobs
//                    per key the collision probability stays under 2^-32)
//   body    n bytes  AES-256-GCM ciphertext of the plaintext
//   tag     16 bytes GCM authentication tag
// The additional authenticated data is supplied by the caller (detail.ts binds each blob to its
// commitment, each stashed prompt to its session), so a blob moved to another name fails to open.
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TrailmarkError } from '../core/errors.js';
import type { Random } from '../core/ports.js';

export type DetailCode =
  | 'KEY_PERMISSIONS'
  | 'KEY_INVALID'
  | 'BLOB_INVALID'
  | 'AUTH_FAILED'
  | 'COMMITMENT_MISMATCH'
  | 'BAD_COMMITMENT'
  | 'NOT_FOUND'
  | 'TOO_LARGE';
/** Errors of the detailed tier (key, blobs, commitments). */
export class DetailError extends TrailmarkError<DetailCode> {}

/** Codes that mean stored data failed verification (CLI exit 1), as opposed to bad input (exit 2). */
export const DETAIL_INTEGRITY_CODES: ReadonlySet<DetailCode> = new Set(['BLOB_INVALID', 'AUTH_FAILED', 'COMMITMENT_MISMATCH']);

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
const MAGIC = Buffer.from('TMDS', 'ascii');
export const BLOB_VERSION = 1;
const HEADER_BYTES = MAGIC.length + 1 + NONCE_BYTES;

/** Encrypts `plaintext` into a version-1 blob bound to `aad`. */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array, random: Random): Uint8Array {
  if (key.length !== KEY_BYTES) throw new DetailError('KEY_INVALID', `detail key is ${key.length} bytes, expected ${KEY_BYTES}`);
  const nonce = random.bytes(NONCE_BYTES);
  if (nonce.length !== NONCE_BYTES) throw new DetailError('KEY_INVALID', `random source gave ${nonce.length} nonce bytes, expected ${NONCE_BYTES}`);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([MAGIC, Buffer.from([BLOB_VERSION]), nonce, body, cipher.getAuthTag()]);
}

/** Decrypts a blob sealed with `aad`; DetailError BLOB_INVALID for a malformed blob, AUTH_FAILED when it was altered or `aad` differs. */
export function unseal(key: Uint8Array, blob: Uint8Array, aad: Uint8Array, what: string): Uint8Array {
  // `blob` is read from disk: anything could have written it.
  if (blob.length < HEADER_BYTES + TAG_BYTES) throw new DetailError('BLOB_INVALID', `${what} is truncated (${blob.length} bytes)`, { hint: 'the file was damaged; erase it with `trailmark detail erase`' });
  if (!Buffer.from(blob.subarray(0, MAGIC.length)).equals(MAGIC)) throw new DetailError('BLOB_INVALID', `${what} is not a trailmark detail blob`, { hint: 'the file was damaged or replaced; erase it with `trailmark detail erase`' });
  const version = blob[MAGIC.length]!;
  if (version !== BLOB_VERSION) throw new DetailError('BLOB_INVALID', `${what} has blob format version ${version}, this trailmark reads version ${BLOB_VERSION}`, { hint: 'open it with the trailmark version that wrote it' });
  const nonce = blob.subarray(MAGIC.length + 1, HEADER_BYTES);
  const body = blob.subarray(HEADER_BYTES, blob.length - TAG_BYTES);
  const tag = blob.subarray(blob.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch (err) {
    throw new DetailError('AUTH_FAILED', `${what} failed authentication: it was altered, moved, or sealed with another device key`, { cause: err, hint: 'do not trust its content; erase it with `trailmark detail erase`' });
  }
}

let temporaryCounter = 0;

/** Writes `bytes` to a fresh `path`.<pid>.<n>.tmp (exclusive, mode 0600) and fsyncs it; returns the temporary path. */
export async function writeTemporary(path: string, bytes: Uint8Array): Promise<string> {
  const tmp = `${path}.${process.pid}.${temporaryCounter++}.tmp`;
  const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return tmp;
}

/** fsyncs a directory so a rename or link in it survives a power loss (a no-op where directories cannot be opened). */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open a directory; its rename is durable without it.
  } finally {
    await handle?.close();
  }
}

const checkPermissions = process.platform !== 'win32';

async function readKey(path: string): Promise<Uint8Array | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw new DetailError('KEY_INVALID', `detail key ${path} is a symbolic link`, { hint: `replace it with the key file itself (mode 0600), or remove it to start a new key (old detail becomes unreadable)` });
    throw err;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new DetailError('KEY_INVALID', `detail key ${path} is not a regular file`, { hint: 'remove it to start a new key (old detail becomes unreadable)' });
    if (checkPermissions && (info.mode & 0o077) !== 0) {
      throw new DetailError('KEY_PERMISSIONS', `detail key ${path} is accessible by group or others (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')})`, {
        hint: `run \`chmod 600 ${path}\`; if others could read it, also consider its detail exposed`,
      });
    }
    const key = await handle.readFile();
    if (key.length !== KEY_BYTES) throw new DetailError('KEY_INVALID', `detail key ${path} is ${key.length} bytes, expected ${KEY_BYTES}`, { hint: 'the key file was damaged; restore it from a backup, or remove it to start a new key (old detail becomes unreadable)' });
    return key;
  } finally {
    await handle.close();
  }
}

/** Reads the device key at `path`, creating it (see the crash contract at the top) when absent. */
export async function loadOrCreateKey(path: string, random: Random): Promise<Uint8Array> {
  const existing = await readKey(path);
  if (existing !== undefined) return existing;
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (checkPermissions && ((await stat(dir)).mode & 0o077) !== 0) {
    // A group-readable directory does not expose the 0600 key, but blobs must not be listable by others either.
    throw new DetailError('KEY_PERMISSIONS', `detail directory ${dir} is accessible by group or others`, { hint: `run \`chmod 700 ${dir}\`` });
  }
  const key = random.bytes(KEY_BYTES);
  if (key.length !== KEY_BYTES) throw new DetailError('KEY_INVALID', `random source gave ${key.length} key bytes, expected ${KEY_BYTES}`);
  const tmp = await writeTemporary(path, key);
  try {
    await link(tmp, path);
    await syncDirectory(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(tmp);
  }
  const created = await readKey(path);
  if (created === undefined) throw new DetailError('KEY_INVALID', `detail key ${path} vanished while it was created`, { hint: 'is another process removing it? run the command again' });
  return created;
}

/** Where the key lives under a detail directory. */
export const keyPath = (detailDir: string): string => join(detailDir, 'key');
