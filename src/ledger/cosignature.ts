// C2SP tlog-cosignature, Ed25519 form (signature type 0x04, "cosignature/v1"): a witness's
// statement that, at the given time, the checkpoint is the largest consistent tree head it has
// seen for the log. The note signature is timestamp (u64, big-endian) || Ed25519 signature
// over "cosignature/v1\ntime <timestamp>\n" || checkpoint note text.
// A cosignature verifier is an ordinary NoteVerifier, so `openNote` checks witness
// cosignatures exactly like log signatures when their keys are passed in.
import { LedgerError } from '../core/errors.js';
import { encodeUtf8 } from './encoding.js';
import { decodeVerifierKey, ed25519Verifier, keyId, type NoteVerifier } from './note.js';

export const ALG_COSIGNATURE_V1 = 0x04;
const TIMESTAMP_SIZE = 8;
const ED25519_SIGNATURE_SIZE = 64;
const MAX_TIMESTAMP = 2n ** 63n - 1n;

/** Parses a type 0x04 verifier key ("name+hash+base64(0x04 || 32-byte Ed25519 key)"). */
export function parseCosignatureVerifierKey(text: string): NoteVerifier {
  const { name, keyHash, alg, material } = decodeVerifierKey(text);
  const id = keyId({ name, keyHash });
  if (alg !== ALG_COSIGNATURE_V1) {
    throw new LedgerError('BAD_KEY', `verifier key ${id} is of type 0x${alg.toString(16).padStart(2, '0')}, not a cosignature/v1 (0x04) key`, {
      hint: 'witness keys for cosignature/v1 have type byte 0x04; log keys (0x01) go to parseVerifierKey',
    });
  }
  const verifyEd25519 = ed25519Verifier(id, material);
  return {
    name,
    keyHash,
    publicKey: material,
    verify: (message, signature) => {
      const timestamp = cosignatureTimestamp(signature);
      if (timestamp === undefined) return false;
      const header = encodeUtf8(`cosignature/v1\ntime ${timestamp}\n`);
      const signed = new Uint8Array(header.byteLength + message.byteLength);
      signed.set(header, 0);
      signed.set(message, header.byteLength);
      return verifyEd25519(signed, signature.subarray(TIMESTAMP_SIZE));
    },
  };
}

/**
 * The POSIX timestamp of a cosignature/v1 signature (the bytes after the 4-byte key hash), or
 * `undefined` when the signature has the wrong length or a timestamp above 2^63 - 1.
 */
export function cosignatureTimestamp(signature: Uint8Array): bigint | undefined {
  if (signature.byteLength !== TIMESTAMP_SIZE + ED25519_SIGNATURE_SIZE) return undefined;
  const t = new DataView(signature.buffer, signature.byteOffset, TIMESTAMP_SIZE).getBigUint64(0, false);
  return t > MAX_TIMESTAMP ? undefined : t;
}
