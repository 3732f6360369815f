// Byte encodings used by the ledger formats: lowercase hex (entry `prev`, digests), standard
// padded base64 (RFC 4648 §4: checkpoint roots, note keys and signatures), UTF-8.
// Decoders are strict and canonical: they accept exactly what the encoders produce, so every
// value has one spelling and a re-encoded value equals the input byte for byte.

const HEX_LOWER = /^(?:[0-9a-f]{2})*$/;
const BASE64_STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function encodeHex(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('hex');
}

/** Lowercase, even-length hex only; `undefined` for anything else. */
export function decodeHex(text: string): Uint8Array | undefined {
  if (!HEX_LOWER.test(text)) return undefined;
  return Buffer.from(text, 'hex');
}

export function encodeBase64(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('base64');
}

/**
 * Standard padded base64 only (no URL alphabet, no whitespace, no missing padding, zero pad
 * bits); `undefined` for anything else. Node's own decoder silently skips invalid characters.
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!BASE64_STD.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // Non-zero pad bits decode to the same bytes as zero ones: reject the non-canonical spelling.
  if (bytes.toString('base64') !== text) return undefined;
  return bytes;
}

export function encodeUtf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

const FATAL_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Fatal UTF-8 decoding: `undefined` when the bytes are not well-formed UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return FATAL_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && asBuffer(a).equals(asBuffer(b));
}
