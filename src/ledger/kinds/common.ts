// JSON Schema fragments shared by the entry body schemas. Patterns are constants, never built
// from input.

export const DIGEST_PATTERN = '^sha256:[0-9a-f]{64}$';
export const HEX_HASH_PATTERN = '^[0-9a-f]{64}$';

export const uint = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
export const digest = { type: 'string', pattern: DIGEST_PATTERN } as const;
export const score = { type: 'number', minimum: 0, maximum: 1 } as const;
/** Free text from trailmark or an attacker-controlled source (paths): bounded, never a payload. */
export const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;
export const nullable = <T extends object>(schema: T) => ({ anyOf: [schema, { type: 'null' }] }) as const;

/** Reference from one entry to an earlier one: its seq and the hex SHA-256 of its line. */
export const entryRef = {
  type: 'object',
  additionalProperties: false,
  required: ['seq', 'hash'],
  properties: { seq: uint, hash: { type: 'string', pattern: HEX_HASH_PATTERN } },
} as const;

/**
 * Personal data enters bodies only as salted commitments, keyed by role (`pr.author`,
 * `commit.author`); the clear values live in the side store (see subjects.ts).
 */
export const subjects = {
  type: 'object',
  propertyNames: { pattern: '^[a-z][a-z0-9.-]{0,63}$' },
  additionalProperties: digest,
  maxProperties: 64,
} as const;

export interface EntryRef {
  readonly seq: number;
  /** Hex SHA-256 of the referenced entry's line (the value the next entry's `prev` carries). */
  readonly hash: string;
}
