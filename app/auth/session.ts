// The dashboard's session and OAuth-state cookies: no server-side state, so any replica can
// read them. A cookie value is `v1.<base64url JSON>.<base64url HMAC-SHA256>`; the MAC covers
// the cookie's purpose and the payload, so a state cookie cannot be replayed as a session. The
// session's user token is encrypted (AES-256-GCM, fresh 96-bit IV, the login and the expiry as
// associated data). MAC and encryption keys are derived from TRAILMARK_SESSION_SECRET with HKDF.
// Everything in a received cookie is attacker-controlled until its MAC checked (constant time).
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Clock, Random } from '../../src/core/ports.js';

/** A session lasts at most 8 hours, the lifetime of a GitHub App user access token. */
export const SESSION_MAX_AGE_MS = 8 * 60 * 60 * 1000;
/** The sign-in round trip (authorize page, consent) must finish within 10 minutes. */
export const STATE_MAX_AGE_MS = 10 * 60 * 1000;
/** Cookies larger than this are refused before any parsing (browsers cap a cookie at 4096 bytes). */
const MAX_COOKIE_VALUE = 4096;

export interface Session {
  readonly login: string;
  /** The user-to-server token GitHub issued at sign-in. */
  readonly token: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** What the sign-in remembers between /trailmark/login and /trailmark/callback. */
export interface OAuthState {
  readonly state: string;
  /** PKCE code verifier (RFC 7636, S256). */
  readonly verifier: string;
  /** Local path to return to after sign-in (checked to be under /trailmark/). */
  readonly returnTo: string;
  readonly expiresAt: number;
}

export type Opened<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly reason: 'session-invalid' | 'session-expired'; readonly login: string | null };

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const unb64 = (text: string) => Buffer.from(text, 'base64url');

export class CookieCodec {
  readonly #macKey: Buffer;
  readonly #encKey: Buffer;

  constructor(secret: string, readonly clock: Clock, readonly random: Random) {
    const derive = (info: string) => Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'trailmark-session-v1', info, 32));
    this.#macKey = derive('mac');
    this.#encKey = derive('aes-256-gcm');
  }

  #mac(purpose: string, payload: string): Buffer {
    return createHmac('sha256', this.#macKey).update(`${purpose}\n${payload}`).digest();
  }

  #sign(purpose: string, data: unknown): string {
    const payload = b64(Buffer.from(JSON.stringify(data), 'utf8'));
    return `v1.${payload}.${b64(this.#mac(purpose, payload))}`;
  }

  /** The payload of an authentic cookie, or null (malformed, oversized, or a MAC mismatch). */
  #verify(purpose: string, value: string): unknown {
    if (value.length > MAX_COOKIE_VALUE) return null;
    const parts = value.split('.');
    if (parts.length !== 3 || parts[0] !== 'v1') return null;
    const [, payload = '', mac = ''] = parts;
    const expected = this.#mac(purpose, payload);
    const given = unb64(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      return JSON.parse(unb64(payload).toString('utf8')) as unknown;
    } catch {
      return null;
    }
  }

  seal(login: string, token: string): string {
    const issuedAt = this.clock.now();
    const expiresAt = issuedAt + SESSION_MAX_AGE_MS;
    const iv = this.random.bytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#encKey, iv);
    cipher.setAAD(Buffer.from(`${login}\n${expiresAt}`, 'utf8'));
    const ct = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return this.#sign('session', { l: login, i: issuedAt, e: expiresAt, t: b64(Buffer.concat([iv, ct, cipher.getAuthTag()])) });
  }

  open(value: string): Opened<Session> {
    const data = this.#verify('session', value) as { l?: unknown; i?: unknown; e?: unknown; t?: unknown } | null;
    if (data === null || typeof data !== 'object' || typeof data.l !== 'string' || typeof data.i !== 'number' || typeof data.e !== 'number' || typeof data.t !== 'string') {
      return { ok: false, reason: 'session-invalid', login: null };
    }
    const login = data.l;
    // An authentic cookie past its time, or one claiming a lifetime over the maximum.
    if (data.e <= this.clock.now() || data.e - data.i > SESSION_MAX_AGE_MS) return { ok: false, reason: 'session-expired', login };
    const sealed = unb64(data.t);
    if (sealed.length < 12 + 16 + 1) return { ok: false, reason: 'session-invalid', login };
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#encKey, sealed.subarray(0, 12));
      decipher.setAAD(Buffer.from(`${login}\n${data.e}`, 'utf8'));
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      const token = Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]).toString('utf8');
      return { ok: true, value: { login, token, issuedAt: data.i, expiresAt: data.e } };
    } catch {
      return { ok: false, reason: 'session-invalid', login };
    }
  }

  /** A fresh state cookie: random state and PKCE verifier (32 bytes each). */
  sealState(returnTo: string): { readonly cookie: string; readonly state: OAuthState } {
    const state: OAuthState = { state: b64(this.random.bytes(32)), verifier: b64(this.random.bytes(32)), returnTo, expiresAt: this.clock.now() + STATE_MAX_AGE_MS };
    return { cookie: this.#sign('oauth-state', state), state };
  }

  openState(value: string): Opened<OAuthState> {
    const data = this.#verify('oauth-state', value) as Partial<OAuthState> | null;
    if (data === null || typeof data !== 'object' || typeof data.state !== 'string' || typeof data.verifier !== 'string' || typeof data.returnTo !== 'string' || typeof data.expiresAt !== 'number') {
      return { ok: false, reason: 'session-invalid', login: null };
    }
    if (data.expiresAt <= this.clock.now()) return { ok: false, reason: 'session-expired', login: null };
    return { ok: true, value: { state: data.state, verifier: data.verifier, returnTo: data.returnTo, expiresAt: data.expiresAt } };
  }
}

/** `Cookie:` header → name → value (the first of duplicates, as browsers send the most specific first). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

export interface CookieOptions {
  readonly maxAgeSeconds: number;
  readonly secure: boolean;
  readonly path: string;
}

/** A Set-Cookie value: HttpOnly, SameSite=Lax, Secure when served over https. */
export function setCookie(name: string, value: string, options: CookieOptions): string {
  return `${name}=${value}; Path=${options.path}; Max-Age=${options.maxAgeSeconds}; HttpOnly; SameSite=Lax${options.secure ? '; Secure' : ''}`;
}
