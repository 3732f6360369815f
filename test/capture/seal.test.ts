// seal.ts: AES-256-GCM blobs (format, tampering, wrong AAD, wrong key) and the device key file
// (creation mode, refusal of loose permissions, damaged files, concurrent creation).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemRandom } from '../../src/core/ports.js';
import { BLOB_VERSION, DetailError, KEY_BYTES, NONCE_BYTES, TAG_BYTES, loadOrCreateKey, seal, unseal } from '../../src/capture/seal.js';

const posix = process.platform !== 'win32';
const temp = () => mkdtempSync(join(tmpdir(), 'trailmark-seal-'));
const aad = Buffer.from('sha256:' + 'ab'.repeat(32));

function expectDetailError(fn: () => unknown, code: string): DetailError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DetailError);
    expect((err as DetailError).code).toBe(code);
    return err as DetailError;
  }
  throw new Error(`expected DetailError ${code}`);
}

describe('seal / unseal', () => {
  const key = systemRandom.bytes(KEY_BYTES);
  const plaintext = Buffer.from('{"prompt":"refactor the [REDACTED:github] loader"}');

  it('round-trips, with the version-1 layout and a fresh nonce per blob', () => {
    const a = seal(key, plaintext, aad, systemRandom);
    const b = seal(key, plaintext, aad, systemRandom);
    expect(Buffer.from(a.subarray(0, 4)).toString('ascii')).toBe('TMDS');
    expect(a[4]).toBe(BLOB_VERSION);
    expect(a.length).toBe(5 + NONCE_BYTES + plaintext.length + TAG_BYTES);
    expect(Buffer.from(a.subarray(5, 5 + NONCE_BYTES)).equals(Buffer.from(b.subarray(5, 5 + NONCE_BYTES)))).toBe(false);
    expect(Buffer.from(a).includes(Buffer.from('REDACTED'))).toBe(false);
    expect(Buffer.from(unseal(key, a, aad, 'blob')).equals(plaintext)).toBe(true);
  });

  it('any flipped bit fails authentication (header, nonce, body, tag)', () => {
    const blob = seal(key, plaintext, aad, systemRandom);
    for (let i = 5; i < blob.length; i++) {
      const bad = Buffer.from(blob);
      bad[i] = bad[i]! ^ 0x01;
      expectDetailError(() => unseal(key, bad, aad, 'blob'), 'AUTH_FAILED');
    }
  });

  it('another AAD (a blob moved to another commitment) or another key fails authentication', () => {
    const blob = seal(key, plaintext, aad, systemRandom);
    const e = expectDetailError(() => unseal(key, blob, Buffer.from('sha256:' + 'cd'.repeat(32)), 'detail x'), 'AUTH_FAILED');
    expect(e.message).toBe('detail x failed authentication: it was altered, moved, or sealed with another device key');
    expect(e.hint).toMatch(/trailmark detail erase/);
    expectDetailError(() => unseal(systemRandom.bytes(KEY_BYTES), blob, aad, 'blob'), 'AUTH_FAILED');
  });

  it('malformed blobs: truncated, wrong magic, unknown version', () => {
    const blob = Buffer.from(seal(key, plaintext, aad, systemRandom));
    expectDetailError(() => unseal(key, blob.subarray(0, 20), aad, 'blob'), 'BLOB_INVALID');
    expectDetailError(() => unseal(key, Buffer.concat([Buffer.from('XXXX'), blob.subarray(4)]), aad, 'blob'), 'BLOB_INVALID');
    const v2 = Buffer.from(blob);
    v2[4] = 2;
    expect(expectDetailError(() => unseal(key, v2, aad, 'blob'), 'BLOB_INVALID').message).toBe('blob has blob format version 2, this trailmark reads version 1');
  });

  it('refuses a key of the wrong length', () => {
    expectDetailError(() => seal(key.subarray(0, 16), plaintext, aad, systemRandom), 'KEY_INVALID');
  });
});

describe('the device key file', () => {
  it('is created once: 32 bytes, mode 0600, in a 0700 directory; later loads return the same key', async () => {
    const dir = join(temp(), 'detail');
    const path = join(dir, 'key');
    const key = await loadOrCreateKey(path, systemRandom);
    expect(key).toHaveLength(KEY_BYTES);
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(key))).toBe(true);
    if (posix) {
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    }
    expect(Buffer.from(await loadOrCreateKey(path, systemRandom)).equals(Buffer.from(key))).toBe(true);
    expect(readdirSync(dir)).toEqual(['key']);
  });

  it.runIf(posix)('refuses a key file readable by group or others, with a chmod hint', async () => {
    const dir = join(temp(), 'detail');
    const path = join(dir, 'key');
    await loadOrCreateKey(path, systemRandom);
    for (const mode of [0o640, 0o604, 0o660, 0o644]) {
      chmodSync(path, mode);
      const err = await loadOrCreateKey(path, systemRandom).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(DetailError);
      expect((err as DetailError).code).toBe('KEY_PERMISSIONS');
      expect((err as DetailError).message).toBe(`detail key ${path} is accessible by group or others (mode 0${mode.toString(8)})`);
      expect((err as DetailError).hint).toContain(`chmod 600 ${path}`);
    }
    chmodSync(path, 0o600);
    await expect(loadOrCreateKey(path, systemRandom)).resolves.toHaveLength(KEY_BYTES);
  });

  it('refuses a damaged key file and a symbolic link instead of replacing them', async () => {
    const dir = join(temp(), 'detail');
    mkdirSync(dir, { mode: 0o700 });
    const path = join(dir, 'key');
    writeFileSync(path, Buffer.alloc(31), { mode: 0o600 });
    await expect(loadOrCreateKey(path, systemRandom)).rejects.toMatchObject({ code: 'KEY_INVALID', message: `detail key ${path} is 31 bytes, expected 32` });
    expect(readFileSync(path)).toHaveLength(31);
    if (posix) {
      const other = join(dir, 'real-key');
      writeFileSync(other, Buffer.alloc(32), { mode: 0o600 });
      const link = join(dir, 'linked');
      symlinkSync(other, link);
      await expect(loadOrCreateKey(link, systemRandom)).rejects.toMatchObject({ code: 'KEY_INVALID' });
    }
  });

  it('concurrent creators agree on one key and leave no temporary file', async () => {
    const dir = join(temp(), 'detail');
    const path = join(dir, 'key');
    const keys = await Promise.all(Array.from({ length: 16 }, () => loadOrCreateKey(path, systemRandom)));
    for (const k of keys) expect(Buffer.from(k).equals(Buffer.from(keys[0]!))).toBe(true);
    expect(readdirSync(dir)).toEqual(['key']);
  });
});
