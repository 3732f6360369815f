// This device's id: the collector numbers each device's records 1, 2, 3… (docs/collector-protocol.md
// §4), so the id must be created once and then never change for this TRAILMARK_HOME.
//
// Crash consistency: the id is written to a temporary file (mode 0600, fsync'd) which is then
// hard-linked to device.json. link(2) fails with EEXIST when the name exists, so of two processes
// creating the id at once exactly one wins and both return the winner's id; a crash leaves either
// no device.json (a leftover `*.tmp` is harmless) or a complete one, never a partial file.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { TrailmarkError, printable } from '../core/errors.js';
import { homePaths } from './paths.js';

export type DeviceCode = 'DEVICE_INVALID' | 'DEVICE_IO';
export class DeviceError extends TrailmarkError<DeviceCode> {}

/** `d_` + 26 lowercase RFC 4648 base32 characters (130 random bits). */
export const DEVICE_ID_PATTERN = /^d_[a-z2-7]{26}$/;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A fresh random device id (17 random bytes, the first 130 bits in base32). */
export function newDeviceId(bytes: Uint8Array = randomBytes(17)): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += BASE32[(value >>> (bits - 5)) & 31]!;
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (out.length !== 26) throw new DeviceError('DEVICE_INVALID', `a device id needs 130 random bits, got ${bytes.length} bytes`);
  return `d_${out}`;
}

function parseDeviceFile(path: string, text: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new DeviceError('DEVICE_INVALID', `${path} is not JSON`, { cause: err, hint: `move ${path} away to create a new device id (the collector will see a new device)` });
  }
  const device = (doc as { device?: unknown } | null)?.device;
  if (typeof device !== 'string' || !DEVICE_ID_PATTERN.test(device)) {
    throw new DeviceError('DEVICE_INVALID', `${path} holds no valid device id (${printable(String(device))})`, { hint: `move ${path} away to create a new device id (the collector will see a new device)` });
  }
  return device;
}

function readDevice(path: string): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DeviceError('DEVICE_IO', `cannot read ${path}`, { cause: err, hint: 'check the permissions of TRAILMARK_HOME' });
  }
  return parseDeviceFile(path, text);
}

/** This home's device id, created on first use (see the crash-consistency note above). */
export function deviceId(home: string): string {
  const path = homePaths(home).device;
  const existing = readDevice(path);
  if (existing !== null) return existing;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const id = newDeviceId();
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify({ device: id })}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      unlinkSync(tmp);
      throw new DeviceError('DEVICE_IO', `cannot create ${path}`, { cause: err, hint: 'check the permissions of TRAILMARK_HOME' });
    }
  }
  unlinkSync(tmp);
  fsyncDir(dirname(path));
  const winner = readDevice(path);
  if (winner === null) throw new DeviceError('DEVICE_IO', `${path} vanished right after it was created`, { hint: 'is another program deleting files in TRAILMARK_HOME?' });
  return winner;
}

/** fsync of a directory, so that a created or renamed entry survives a power loss. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
