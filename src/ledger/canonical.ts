// RFC 8785 JSON Canonicalization Scheme (JCS): the only bytes the ledger hashes or signs.
//
// Contract of `canonicalize`: the input must be a JSON value built from plain data — null,
// booleans, finite numbers, well-formed strings, dense arrays and plain objects (prototype
// Object.prototype or null) without symbol keys. Everything else is refused with
// LedgerError('CANONICAL_INPUT') naming the JSON Pointer of the offending value, instead of
// being silently dropped or converted the way JSON.stringify would (undefined, toJSON, Map...).
// Numbers use the ECMAScript Number-to-String algorithm (RFC 8785 §3.2.2.3), keys are sorted by
// UTF-16 code units (§3.2.3), strings use the JSON.stringify escapes (§3.2.2.2).
import { LedgerError } from '../core/errors.js';

/** Nesting limit for both directions; ledger entries are a few levels deep. */
export const MAX_JSON_DEPTH = 256;

// In Unicode mode a surrogate pair is one code point, so this matches only lone surrogates.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

export function canonicalize(value: unknown): string {
  const ancestors: object[] = [];
  try {
    return write(value, ancestors);
  } catch (err) {
    const hint = 'ledger values must be plain JSON data: null, booleans, finite numbers, well-formed strings, arrays and plain objects';
    if (err instanceof Refusal) throw new LedgerError('CANONICAL_INPUT', `cannot canonicalize ${err.what} at ${jsonPointer(err.path)}`, { hint });
    // A getter or proxy trap threw while the value was read.
    throw new LedgerError('CANONICAL_INPUT', `cannot canonicalize: reading the value threw (${err instanceof Error ? err.message : String(err)})`, { hint, cause: err });
  }
}

export function canonicalBytes(value: unknown): Uint8Array {
  return Buffer.from(canonicalize(value), 'utf8');
}

/** Internal: carries the path outwards, so the success path pays nothing for error reporting. */
class Refusal extends Error {
  readonly path: (string | number)[] = [];
  constructor(readonly what: string) {
    super(what);
  }
}

type WellFormedString = { isWellFormed(): boolean };
// String.prototype.isWellFormed (ES2024) is native on Node 20+; the regex is the fallback.
const isWellFormed: (s: string) => boolean =
  typeof (String.prototype as Partial<WellFormedString>).isWellFormed === 'function'
    ? (s) => (s as unknown as WellFormedString).isWellFormed()
    : (s) => !LONE_SURROGATE.test(s);

// `ancestors` holds the open containers: a linear scan is cheapest at ledger depths (< 10).
function write(value: unknown, ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Refusal(`non-finite number ${String(value)}`);
      // String(-0) is "0", as RFC 8785 §3.2.2.3 requires.
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? writeArray(value, ancestors) : writeObject(value, ancestors);
    case 'undefined':
      throw new Refusal('undefined');
    case 'bigint':
      throw new Refusal(`bigint ${value.toString()}`);
    case 'function':
      throw new Refusal('function');
    case 'symbol':
      throw new Refusal('symbol');
  }
}

// Without the `u` flag a class matches single UTF-16 code units: any surrogate, paired or not.
// eslint-disable-next-line no-control-regex -- the control characters are what JSON escapes.
const ESCAPED_OR_SURROGATE = /["\\\u0000-\u001F\uD800-\uDFFF]/;

/**
 * JSON.stringify spelling of a well-formed string (RFC 8785 §3.2.2.2). JSON.stringify escapes
 * exactly `"`, `\\`, U+0000..U+001F and lone surrogates, so a string with none of those nor any
 * surrogate is well-formed and spelled as itself between quotes; the rest take the full path.
 */
function quote(s: string): string {
  if (!ESCAPED_OR_SURROGATE.test(s)) return '"' + s + '"';
  if (!isWellFormed(s)) throw new Refusal('string with a lone surrogate');
  return JSON.stringify(s);
}

function enter(value: object, ancestors: object[]): void {
  if (ancestors.includes(value)) throw new Refusal('cycle');
  if (ancestors.length >= MAX_JSON_DEPTH) throw new Refusal(`nesting deeper than ${MAX_JSON_DEPTH}`);
  ancestors.push(value);
}

function writeArray(items: readonly unknown[], ancestors: object[]): string {
  enter(items, ancestors);
  if (Object.getPrototypeOf(items) !== Array.prototype) throw new Refusal('array subclass');
  let out = '[';
  let i = 0;
  try {
    for (; i < items.length; i++) {
      if (!(i in items)) throw new Refusal('hole in sparse array');
      if (i > 0) out += ',';
      out += write(items[i], ancestors);
    }
  } catch (err) {
    if (err instanceof Refusal) err.path.unshift(i);
    throw err;
  }
  ancestors.pop();
  return out + ']';
}

function writeObject(value: object, ancestors: object[]): string {
  enter(value, ancestors);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new Refusal(`non-plain object (${describeProto(proto)})`);
  if (Object.getOwnPropertySymbols(value).length > 0) throw new Refusal('object with symbol keys');
  const record = value as Readonly<Record<string, unknown>>;
  const keys = sortKeys(Object.keys(record));
  let out = '{';
  let i = 0;
  try {
    for (; i < keys.length; i++) {
      const key = keys[i]!;
      out += memberName(key, i > 0) + write(record[key], ancestors);
    }
  } catch (err) {
    if (err instanceof Refusal) err.path.unshift(keys[i]!);
    throw err;
  }
  ancestors.pop();
  return out + '}';
}

/**
 * Sorts member names by UTF-16 code units (RFC 8785 §3.2.3), in place. JS `<` on strings
 * compares code unit sequences, exactly that order; member names are unique, so stability is
 * moot. Insertion sort: objects have a handful of members, where it beats Array#sort.
 */
function sortKeys(keys: string[]): string[] {
  const n = keys.length;
  if (n > 32) return keys.sort();
  for (let i = 1; i < n; i++) {
    const k = keys[i]!;
    let j = i - 1;
    if (!(k < keys[j]!)) continue;
    do {
      keys[j + 1] = keys[j]!;
      j--;
    } while (j >= 0 && k < keys[j]!);
    keys[j + 1] = k;
  }
  return keys;
}

/**
 * `"name":` for a member name, preceded by `,` when `comma`, with its well-formedness checked.
 * Names recur from entry to entry (the body schemas fix them), so the spellings of the first
 * MEMBER_NAME_CACHE distinct well-formed names are kept: a name is in the cache only after it
 * passed the check, so a hit needs no re-check. The bound keeps attacker-chosen names from
 * growing it without limit.
 */
const MEMBER_NAME_CACHE = 4096;
const memberNames = new Map<string, readonly [first: string, next: string]>();

function memberName(key: string, comma: boolean): string {
  let spelled = memberNames.get(key);
  if (spelled === undefined) {
    if (!isWellFormed(key)) throw new Refusal('key with a lone surrogate');
    const name = JSON.stringify(key) + ':';
    spelled = [name, ',' + name];
    if (memberNames.size < MEMBER_NAME_CACHE) memberNames.set(key, spelled);
  }
  return comma ? spelled[1] : spelled[0];
}

function describeProto(proto: unknown): string {
  if (typeof proto === 'object' && proto !== null) {
    const ctor: unknown = (proto as { constructor?: unknown }).constructor;
    if (typeof ctor === 'function' && ctor.name !== '') return ctor.name;
  }
  return 'unknown prototype';
}

/** RFC 6901 JSON Pointer of a path; "" is the root. */
function jsonPointer(path: readonly (string | number)[]): string {
  if (path.length === 0) return '""';
  return JSON.stringify(path.map((p) => '/' + String(p).replaceAll('~', '~0').replaceAll('/', '~1')).join(''));
}

/**
 * Parses JSON text that is attacker-controlled (ledger lines, imported records) strictly:
 * RFC 8259 grammar only, no duplicate member names, no lone surrogates (raw or escaped), no
 * numbers outside the double range, at most MAX_JSON_DEPTH levels. Failures are
 * LedgerError('NOT_CANONICAL') with the UTF-16 offset of the problem.
 * Objects are ordinary objects; a "__proto__" member becomes an own data property, as with
 * JSON.parse.
 */
export function parseStrictJson(text: string): unknown {
  const parser = new StrictParser(text);
  parser.skipWhitespace();
  const value = parser.value(0);
  parser.skipWhitespace();
  if (parser.pos !== text.length) parser.fail('unexpected data after the json value');
  return value;
}

/**
 * Parses text that must already be canonical (RFC 8785) and returns its value; the fast path
 * for verifying ledger lines (native JSON.parse, then one canonicalization to compare).
 * Duplicate keys, lone surrogates and non-canonical spellings all make the round trip differ
 * or fail, so this accepts exactly the texts `isCanonical` accepts.
 */
export function parseCanonical(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new LedgerError('NOT_CANONICAL', `invalid json: ${lowerFirst(err instanceof Error ? err.message : String(err))}`, { cause: err });
  }
  let canonical: string;
  try {
    canonical = canonicalize(value);
  } catch (err) {
    const detail = err instanceof LedgerError ? err.message : String(err);
    throw new LedgerError('NOT_CANONICAL', `json text has no canonical form: ${detail}`, { cause: err });
  }
  if (canonical !== text) {
    throw new LedgerError('NOT_CANONICAL', `json text is not rfc 8785 canonical (first difference at position ${firstDifference(canonical, text)})`);
  }
  return value;
}

export function isCanonical(text: string): boolean {
  try {
    parseCanonical(text);
    return true;
  } catch (err) {
    if (err instanceof LedgerError) return false;
    throw err;
  }
}

function firstDifference(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return i;
  return n;
}

function lowerFirst(s: string): string {
  return s.length === 0 ? s : s[0]!.toLowerCase() + s.slice(1);
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class StrictParser {
  pos = 0;
  constructor(private readonly text: string) {}

  fail(what: string, at: number = this.pos): never {
    throw new LedgerError('NOT_CANONICAL', `invalid json at position ${at}: ${what}`);
  }

  skipWhitespace(): void {
    const t = this.text;
    let i = this.pos;
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.pos = i;
  }

  value(depth: number): unknown {
    const t = this.text;
    const c = t[this.pos];
    switch (c) {
      case '{':
        return this.object(depth + 1);
      case '[':
        return this.array(depth + 1);
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      case undefined:
        return this.fail('unexpected end of text');
      default:
        if (c === '-' || (c >= '0' && c <= '9')) return this.number();
        return this.fail(`unexpected character ${JSON.stringify(c)}`);
    }
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`unexpected character ${JSON.stringify(this.text[this.pos])}`);
    this.pos += word.length;
    return value;
  }

  private number(): number {
    const start = this.pos;
    NUMBER.lastIndex = start;
    const m = NUMBER.exec(this.text);
    if (m === null) return this.fail('malformed number');
    const end = start + m[0].length;
    // A number must not run into further digits or signs ("01", "1.", "1e").
    const next = this.text[end];
    if (next !== undefined && /[0-9.eE+-]/.test(next)) this.fail('malformed number', end);
    const n = Number(m[0]);
    if (!Number.isFinite(n)) this.fail(`number out of range ${m[0]}`, start);
    this.pos = end;
    return n;
  }

  private string(): string {
    const t = this.text;
    const start = this.pos;
    let i = start + 1;
    let out = '';
    let chunk = i;
    for (;;) {
      const c = t.charCodeAt(i);
      if (Number.isNaN(c)) this.fail('unterminated string', start);
      if (c === 0x22) break;
      if (c < 0x20) this.fail('control character in string', i);
      if (c === 0x5c) {
        out += t.slice(chunk, i);
        const e = t[i + 1];
        if (e === 'u') {
          const hex = t.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('malformed \\u escape', i);
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else {
          const r = e === undefined ? undefined : ESCAPES[e];
          if (r === undefined) this.fail('malformed escape', i);
          out += r;
          i += 2;
        }
        chunk = i;
        continue;
      }
      i++;
    }
    out += t.slice(chunk, i);
    if (LONE_SURROGATE.test(out)) this.fail('lone surrogate in string', start);
    this.pos = i + 1;
    return out;
  }

  private array(depth: number): unknown[] {
    if (depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH}`);
    this.pos++;
    const out: unknown[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      out.push(this.value(depth));
      this.skipWhitespace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === ']') return out;
      if (c !== ',') this.fail("expected ',' or ']'", this.pos - 1);
    }
  }

  private object(depth: number): Record<string, unknown> {
    if (depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH}`);
    this.pos++;
    const out: Record<string, unknown> = {};
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      const keyAt = this.pos;
      if (this.text[keyAt] !== '"') this.fail('expected a member name');
      const key = this.string();
      if (Object.hasOwn(out, key)) this.fail(`duplicate member name ${JSON.stringify(key)}`, keyAt);
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      this.skipWhitespace();
      const v = this.value(depth);
      // Plain assignment of "__proto__" would replace the prototype instead of adding a member.
      if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
      this.skipWhitespace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === '}') return out;
      if (c !== ',') this.fail("expected ',' or '}'", this.pos - 1);
    }
  }
}
