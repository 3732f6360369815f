// `.github/trailmark.yml` → Policy. The file is read at the base revision (a pull request
// cannot weaken its own policy) by the adapters; this module only parses and validates. The
// text is parsed defensively all the same: size-capped, core schema only (no custom tags),
// alias expansion bounded, duplicate keys refused.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import picomatch from 'picomatch';
import { parseDocument } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { DEFAULT_POLICY, RETENTION_RULES, parseRetentionPeriod, type ExtraMarker, type Policy, type RetentionPeriod, type RetentionPolicy, type RetentionRule } from '../core/policy.js';
import type { FindingLevel } from '../core/types.js';
import { KNOWN_KEYS, POLICY_FILE_SCHEMA } from './schema.js';

/** Policy files larger than this are refused. */
export const MAX_POLICY_BYTES = 256 * 1024;
/** Bounds YAML alias expansion ("billion laughs"). */
const MAX_ALIASES = 100;

// Compiled on the first policy file read, not at import: most scans have no policy file, and
// compiling the schema costs ~80 ms of CPU at every start of the CLI.
let compiled: ValidateFunction | undefined;
const validator = (): ValidateFunction => (compiled ??= new Ajv({ allErrors: true, strict: true }).compile(POLICY_FILE_SCHEMA));

interface PolicyFile {
  'policy-version'?: string;
  thresholds?: { low?: number; high?: number };
  'sensitive-paths'?: string[];
  ignore?: string[];
  annotations?: { unattested?: FindingLevel; 'unattested-sensitive'?: FindingLevel; contradicted?: FindingLevel };
  markers?: { kind: ExtraMarker['kind']; value: string; agent: string; class?: 'declared' | 'stamped' }[];
  ledger?: { enabled?: boolean; origin?: string; branch?: string };
  report?: { destination?: 'issue' | 'none' };
  'fail-on'?: 'none' | 'unattested' | 'contradicted';
  retention?: { subjects?: string; records?: string; prompts?: string };
  drill?: { every?: string };
  capture?: { detail?: { sensitive?: boolean; 'min-lines'?: number } };
  calibration?: 'auto' | 'off';
}

export interface ParsePolicyOptions {
  /** Where the text came from, for messages (`.github/trailmark.yml@abc123`). */
  readonly source?: string;
  /** Policy the file is merged over: the defaults, or the organization's policy. */
  readonly base?: Policy;
}

export function parsePolicy(yamlText: string, options: ParsePolicyOptions = {}): Policy {
  const source = options.source ?? '.github/trailmark.yml';
  const base = options.base ?? DEFAULT_POLICY;
  const fail = (message: string, cause?: unknown): never => {
    throw new ConfigError('CONFIG_INVALID', `${source}: ${message}`, {
      ...(cause !== undefined ? { cause } : {}),
      hint: 'fix the key named above; every key is documented in docs/config.md',
    });
  };
  if (Buffer.byteLength(yamlText, 'utf8') > MAX_POLICY_BYTES) fail(`file is larger than ${MAX_POLICY_BYTES} bytes`);
  // Attacker-influenced text: parsed with the core schema only (no custom tags, no !!js types).
  const doc = parseDocument(yamlText, { schema: 'core', uniqueKeys: true, prettyErrors: true, strict: true });
  if (doc.errors.length > 0) fail(`not valid YAML: ${firstLine(doc.errors[0]!.message)}`, doc.errors[0]);
  // The core schema leaves unknown tags (`!!js/function`, `!custom`) unresolved with a warning;
  // a policy file has no use for tags, so any tag warning refuses the file.
  const tagWarning = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (tagWarning !== undefined) fail(`custom YAML tags are not allowed: ${firstLine(tagWarning.message)}`, tagWarning);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (err) {
    fail(`not valid YAML: ${err instanceof Error ? firstLine(err.message) : 'unreadable'}`, err);
  }
  if (value === null || value === undefined) return base;
  const validate = validator();
  if (!validate(value)) fail(describeErrors(validate.errors ?? [], value));
  const file = value as PolicyFile;
  file.markers?.forEach((m, i) => {
    const problem = markerValueProblem(m.kind, m.value);
    if (problem !== undefined) fail(`markers[${i}].value: ${JSON.stringify(m.value)} ${problem} (kind ${m.kind})`);
  });

  const thresholds = { low: file.thresholds?.low ?? base.thresholds.low, high: file.thresholds?.high ?? base.thresholds.high };
  if (thresholds.low > thresholds.high) fail(`thresholds.low (${thresholds.low}) must be <= thresholds.high (${thresholds.high})`);
  for (const [key, globs] of [['sensitive-paths', file['sensitive-paths']], ['ignore', file.ignore]] as const) {
    globs?.forEach((g, i) => {
      try {
        picomatch.makeRe(g);
      } catch (err) {
        fail(`${key}[${i}]: ${JSON.stringify(g)} is not a valid glob`, err);
      }
    });
  }
  // Each rule replaces the base's rule of the same name; the others are inherited.
  const retention: Partial<Record<RetentionRule, RetentionPeriod>> = { ...base.retention };
  for (const rule of RETENTION_RULES) {
    const written = file.retention?.[rule];
    if (written === undefined) continue;
    const period = parseRetentionPeriod(written);
    if (period === undefined) fail(`retention.${rule}: ${JSON.stringify(written)} is not a duration (write a positive whole number and a unit: 30d, 12w, 18m, 7y; leave the key out to keep forever)`);
    else retention[rule] = period;
  }
  const retentionPolicy: RetentionPolicy = retention;
  // `drill: {every: 30d}` replaces the base's; `drill: {}` inherits it.
  let drill = base.drill;
  const every = file.drill?.every;
  if (every !== undefined) {
    const period = parseRetentionPeriod(every);
    if (period === undefined) fail(`drill.every: ${JSON.stringify(every)} is not a duration (write a positive whole number and a unit: 7d, 4w, 1m; leave the key out for no scheduled drill)`);
    else drill = { every: period };
  }
  return {
    version: file['policy-version'] ?? base.version,
    thresholds,
    sensitivePaths: file['sensitive-paths'] ?? base.sensitivePaths,
    ignore: file.ignore ?? base.ignore,
    annotations: {
      unattested: file.annotations?.unattested ?? base.annotations.unattested,
      unattestedSensitive: file.annotations?.['unattested-sensitive'] ?? base.annotations.unattestedSensitive,
      contradicted: file.annotations?.contradicted ?? base.annotations.contradicted,
    },
    markers: file.markers?.map((m) => ({ kind: m.kind, value: m.value.toLowerCase(), agent: m.agent, class: m.class ?? (m.kind === 'trailer-key' ? 'declared' : 'stamped') })) ?? base.markers,
    ledger: {
      enabled: file.ledger?.enabled ?? base.ledger.enabled,
      ...(file.ledger?.origin !== undefined ? { origin: file.ledger.origin } : base.ledger.origin !== undefined ? { origin: base.ledger.origin } : {}),
      branch: file.ledger?.branch ?? base.ledger.branch,
    },
    report: { destination: file.report?.destination ?? base.report.destination },
    blocking: { failOn: file['fail-on'] ?? base.blocking.failOn },
    // Present only when a rule is set: without one everything is kept forever.
    ...(Object.keys(retentionPolicy).length === 0 ? {} : { retention: retentionPolicy }),
    ...(drill === undefined ? {} : { drill }),
    ...(file.calibration !== undefined ? { calibration: file.calibration } : base.calibration !== undefined ? { calibration: base.calibration } : {}),
    capture: {
      detail: {
        sensitive: file.capture?.detail?.sensitive ?? base.capture.detail.sensitive,
        minLines: file.capture?.detail?.['min-lines'] ?? base.capture.detail.minLines,
      },
    },
  };
}

/** Why a marker value can never match for its kind (attest/commit-evidence.ts compares literally). */
function markerValueProblem(kind: ExtraMarker['kind'], value: string): string | undefined {
  const at = value.indexOf('@');
  switch (kind) {
    case 'co-author-email':
    case 'author-email':
      return at > 0 && at === value.lastIndexOf('@') && at < value.length - 1 && !/\s/.test(value) ? undefined : 'is not an e-mail address';
    case 'co-author-domain':
      return at === -1 && !/\s/.test(value) && value.includes('.') ? undefined : 'is not a bare domain (write acme.ai, without @)';
    case 'trailer-key':
      // git trailer keys: alphanumerics and hyphens, no spaces or separator.
      return /^[A-Za-z0-9][A-Za-z0-9-]*$/.test(value) ? undefined : 'is not a trailer key (letters, digits and hyphens, without the colon)';
    case 'footer':
      return undefined;
  }
}

function describeErrors(errors: readonly ErrorObject[], value: unknown): string {
  // The most specific error first: unknown keys, then enum/type problems, by path.
  const sorted = [...errors].sort((a, b) => rank(a) - rank(b) || (a.instancePath < b.instancePath ? -1 : 1));
  const e = sorted[0];
  if (e === undefined) return 'invalid policy';
  const path = keyPath(e.instancePath);
  if (e.keyword === 'additionalProperty' || e.keyword === 'additionalProperties') {
    const key = String((e.params as { additionalProperty?: string }).additionalProperty);
    const full = path === '' ? key : `${path}.${key}`;
    const suggestion = closest(full);
    return `unknown key ${JSON.stringify(full)}${suggestion !== undefined ? ` (did you mean ${JSON.stringify(suggestion)}?)` : ''}`;
  }
  if (e.keyword === 'enum') {
    const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues ?? [];
    return `${path || '(root)'}: must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`;
  }
  // `policy-version: 2026.11` is a YAML number; say how to make it a string.
  const actual = valueAt(value, e.instancePath);
  const quote = e.keyword === 'type' && (e.params as { type?: unknown }).type === 'string' && (typeof actual === 'number' || typeof actual === 'boolean')
    ? ` (quote it: "${String(actual)}")`
    : '';
  return `${path || '(root)'}: ${e.message ?? 'invalid'}${quote}`;
}

function valueAt(value: unknown, pointer: string): unknown {
  let at = value;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function rank(e: ErrorObject): number {
  return e.keyword === 'additionalProperties' ? 0 : e.keyword === 'enum' || e.keyword === 'type' ? 1 : 2;
}

/** `/markers/0/kind` → `markers[0].kind` */
function keyPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc === '' ? part : `${acc}.${part}`), '');
}

function closest(key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const known of KNOWN_KEYS) {
    const d = distance(key.toLowerCase(), known);
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  if (bestDistance <= Math.max(2, Math.floor(key.length / 4))) return best;
  // `version` → `policy-version`, `high` → `thresholds.high`: a unique known key ending in it.
  const suffixed = KNOWN_KEYS.filter((k) => k.endsWith(`-${key.toLowerCase()}`) || k.endsWith(`.${key.toLowerCase()}`));
  return suffixed.length === 1 ? suffixed[0] : undefined;
}

/** Levenshtein distance; keys are short (capped by the schema) so O(n·m) is fine. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
