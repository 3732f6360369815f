// Secret redaction on every write path of the detailed tier (DESIGN.md §5: prompts and
// transcripts are never stored in the clear; secrets are redacted before anything is written).
//
// Two rule sets, both fixed in code (no pattern is ever built from input):
// - the maintained one: secretlint's recommended preset (@secretlint/secretlint-rule-preset-
//   recommend, run through @secretlint/core `lintSource`), minus its `filter-comments` rule: in a
//   prompt, a `secretlint-disable` comment is attacker-controlled text and must not switch
//   redaction off;
// - a small fallback set (FALLBACK_RULES below) for what developers paste into prompts and the
//   preset misses: any PEM private-key block (also placeholders, encrypted keys, truncated ones and
//   JSON-escaped ones), `password=`/`token:` style assignments with values of 8+ characters, JWTs,
//   `Bearer`/`Basic` credentials, passwords in any `scheme://user:password@` URL, and well-known
//   token prefixes glued to a preceding letter.
//
// Contract of `redactSecrets`: every span either set reports is replaced by `[REDACTED:<rule>]`;
// overlapping or touching spans are merged into one replacement named after the span that starts
// first (the preset's rule before a fallback rule at the same offset). Offsets in `redactions`
// are UTF-16 offsets into the normalized input (see `normalizeText`), which for string input has
// the same length as the input. Redaction errs on the side of removing too much: a false positive
// costs a reader some context, a false negative leaks a secret.
//
// Cost (measured on the development container, Node 20, 2 cores, best of 5-20 runs): the first
// call in a process ~40 ms (the preset's rules warm up); then ~0.7 ms for a 4 KiB prompt, ~1.8 ms
// for 64 KiB, ~9 ms for 256 KiB (about 50x a SHA-256 of the same text). Hooks pay it only for the
// detailed tier.
import type { lintSource } from '@secretlint/core';

type SecretLintCoreConfig = Parameters<typeof lintSource>[0]['options']['config'];
type SecretLintCoreResultMessage = Awaited<ReturnType<typeof lintSource>>['messages'][number];

export interface Redaction {
  /** Rule name: the preset's rule without its `@secretlint/secretlint-rule-` prefix, or a fallback rule. */
  readonly rule: string;
  /** UTF-16 offsets into the normalized input, end exclusive. */
  readonly start: number;
  readonly end: number;
}

export interface RedactionResult {
  readonly text: string;
  /** Sorted by `start`, non-overlapping. */
  readonly redactions: readonly Redaction[];
}

const PRESET_PREFIX = '@secretlint/secretlint-rule-';
/** secretlint's rule that honours `secretlint-disable` comments in the scanned text. */
const FILTER_COMMENTS_RULE = '@secretlint/secretlint-rule-filter-comments';

/** secretlint's aws rule scans for access key ids and account ids only when asked (`enableIDScanRule`). */
const AWS_RULE = '@secretlint/secretlint-rule-aws';

/**
 * secretlint and its preset, loaded on the first redaction: the capture hook imports this module
 * on every agent edit, and only edits that keep the detailed tier pay for the rules (~40 ms).
 */
let secretlint: Promise<{ readonly lint: typeof lintSource; readonly config: SecretLintCoreConfig }> | undefined;
function loadSecretlint(): Promise<{ readonly lint: typeof lintSource; readonly config: SecretLintCoreConfig }> {
  secretlint ??= Promise.all([import('@secretlint/core'), import('@secretlint/secretlint-rule-preset-recommend')]).then(([core, preset]) => ({
    lint: core.lintSource,
    config: {
      rules: preset.rules
        .filter((rule) => rule.meta.id !== FILTER_COMMENTS_RULE)
        .map((rule) => (rule.meta.id === AWS_RULE ? { id: rule.meta.id, rule, options: { enableIDScanRule: true } } : { id: rule.meta.id, rule })),
    },
  }));
  return secretlint;
}

/**
 * The file name secretlint sees. Its gcp rule looks for service-account key JSON only in `.json`
 * files, so a prompt that is one JSON object is scanned as `prompt.json`.
 */
function virtualExtension(text: string): '.json' | '.txt' {
  if (!text.trimStart().startsWith('{')) return '.txt';
  try {
    const doc: unknown = JSON.parse(text);
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? '.json' : '.txt';
  } catch {
    return '.txt';
  }
}

/** A fallback rule: a fixed pattern (global, with indices) and which capture group is the secret (0: whole match). */
interface FallbackRule {
  readonly rule: string;
  readonly pattern: RegExp;
  readonly groups: readonly number[];
}

// Every quantifier is bounded, so each pattern runs in time linear in the input times a constant.
const ASSIGNMENT_KEY = String.raw`[A-Za-z0-9_.-]{0,40}(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|auth[_-]?key|client[_-]?secret|private[_-]?key|credentials?)[A-Za-z0-9_.-]{0,40}`;

export const FALLBACK_RULES: readonly FallbackRule[] = [
  // A complete PEM private-key block, also inside a JSON string (escaped `\n`), also encrypted.
  { rule: 'pem-private-key', pattern: /-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----[\s\S]{0,20000}?-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----/dg, groups: [0] },
  // A truncated paste: the header and the base64 (or header) lines that follow it.
  { rule: 'pem-private-key', pattern: /-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:(?:\r?\n|\\n)(?:[A-Za-z0-9+/=]{4,200}|(?:Proc-Type|DEK-Info|Comment):[^\r\n]{0,200}))*/dg, groups: [0] },
  // JSON Web Tokens (header and payload are base64url JSON objects: `eyJ`); alg `none` has an empty signature.
  { rule: 'jwt', pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,16384}\.[A-Za-z0-9_-]{0,4096}(?![A-Za-z0-9_-])/dg, groups: [0] },
  // `password = "…"`, `api_key: …`, `"client_secret": "…"`, `DB_TOKEN=…`: the value only. An
  // unquoted value must end the token (`token = getToken()` is code, not a secret) and must not
  // be a dotted name (`process.env.TOKEN`, `config.apiKey`).
  {
    rule: 'credential-assignment',
    pattern: new RegExp(String.raw`(?<![A-Za-z0-9])["']?${ASSIGNMENT_KEY}["']?[ \t]{0,4}(?:=>|:=|=|:)[ \t]{0,4}(?!["']?\[REDACTED:)(?:"([^"\r\n]{8,1024})"|'([^'\r\n]{8,1024})'|(?![A-Za-z_$][\w$]{0,100}(?:\.[A-Za-z_$][\w$]{0,100}){1,10}(?![^\s"'\`,;)}\]]))([^\s"'\`,;(){}\[\]<>]{8,1024})(?![^\s"'\`,;)}\]]))`, 'dgi'),
    groups: [1, 2, 3],
  },
  // HTTP credentials: `Authorization: Bearer …`, `Basic …`, `token …`.
  { rule: 'http-credential', pattern: /(?<![A-Za-z0-9])(?:Bearer|Basic|Token)[ \t]{1,4}([A-Za-z0-9._~+/=-]{16,4096})/dgi, groups: [1] },
  // Well-known token prefixes glued to a preceding letter (`keyghp_…`), which the preset's
  // `(?<!\p{L})` guards skip. Shapes as in the preset's github, anthropic, openai, slack, npm,
  // gitlab and aws rules.
  { rule: 'prefixed-token', pattern: /(?:gh[pousr]_[A-Za-z0-9_]{36}|github_pat_[A-Za-z0-9_]{82}|sk-ant-[A-Za-z0-9_-]{32,200}|sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,200}|xox[abposr]-[A-Za-z0-9-]{10,200}|npm_[A-Za-z0-9]{36}|glpat-[A-Za-z0-9_-]{20,128}|(?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Za-z0-9_])/dg, groups: [0] },
  // The password of any `scheme://user:password@host` URL (database, broker, proxy, git remote).
  { rule: 'url-password', pattern: /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,30}:\/\/[^\s:@/?#]{0,128}:([^\s@/?#]{1,256})@/dg, groups: [1] },
];

const LONE_SURROGATE = /[\uD800-\uDFFF]/gu;
// C0 controls except TAB, LF and CR; DEL; C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/**
 * The text redaction scans and stores: bytes are decoded as UTF-8 (invalid sequences become
 * U+FFFD); lone surrogates and control characters other than TAB, LF and CR become U+FFFD (one
 * code unit each, so string input keeps its offsets). Stored text thus never carries terminal
 * escape sequences.
 */
export function normalizeText(input: string | Uint8Array): string {
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: false }).decode(input);
  return text.replace(LONE_SURROGATE, '\uFFFD').replace(CONTROL, '\uFFFD');
}

interface Span {
  readonly rule: string;
  readonly start: number;
  readonly end: number;
  /** 0: the maintained preset, 1: fallback; orders spans that start at the same offset. */
  readonly tier: 0 | 1;
}

/** Literal (never RegExp) occurrences of the strings in a message's data that start inside its range. */
function dataSpans(text: string, message: SecretLintCoreResultMessage, rule: string, shift: number): Span[] {
  // secretlint's aws rule reports the range of the whole `KEY=value` match with the length of the
  // value alone (v13.0.7 reportAWSSecretAccessKey), so the range can stop inside the secret; the
  // secret itself is in the message data (maskSecrets off). Values under 8 characters are type
  // names or similar, never secrets the preset reports.
  const out: Span[] = [];
  const data = message.data as Record<string, unknown> | undefined;
  if (data === undefined || data === null) return out;
  const rangeStart = message.range[0] + shift;
  const rangeEnd = message.range[1] + shift;
  for (const value of Object.values(data)) {
    if (typeof value !== 'string' || value.length < 8) continue;
    for (let at = text.indexOf(value, rangeStart); at !== -1 && at <= rangeEnd; at = text.indexOf(value, at + 1)) {
      out.push({ rule, start: at, end: at + value.length, tier: 0 });
    }
  }
  return out;
}

async function presetSpans(text: string): Promise<Span[]> {
  const ext = virtualExtension(text);
  // secretlint drops a leading byte order mark and reports ranges without it.
  const shift = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const { lint, config } = await loadSecretlint();
  const result = await lint({
    source: { content: text, filePath: `prompt${ext}`, ext, contentType: 'text' },
    options: { config, maskSecrets: false, noPhysicFilePath: true },
  });
  const spans: Span[] = [];
  for (const message of result.messages) {
    if (message.type !== 'message') continue;
    const rule = message.ruleId.startsWith(PRESET_PREFIX) ? message.ruleId.slice(PRESET_PREFIX.length) : message.ruleId;
    const start = message.range[0] + shift;
    const end = message.range[1] + shift;
    if (Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end > start && end <= text.length) spans.push({ rule, start, end, tier: 0 });
    spans.push(...dataSpans(text, message, rule, shift));
  }
  return spans;
}

function fallbackSpans(text: string): Span[] {
  const spans: Span[] = [];
  for (const { rule, pattern, groups } of FALLBACK_RULES) {
    pattern.lastIndex = 0;
    for (const match of text.matchAll(pattern)) {
      for (const group of groups) {
        const at = match.indices?.[group];
        if (at !== undefined && at[1] > at[0]) spans.push({ rule, start: at[0], end: at[1], tier: 1 });
      }
    }
  }
  return spans;
}

/** Merges overlapping or touching spans; the first span (by start, then tier) names the merged one. */
function merge(spans: Span[]): Redaction[] {
  spans.sort((a, b) => a.start - b.start || a.tier - b.tier || b.end - a.end);
  const out: { rule: string; start: number; end: number }[] = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last !== undefined && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ rule: s.rule, start: s.start, end: s.end });
  }
  return out;
}

/** Replaces every secret in `input` with `[REDACTED:<rule>]` (see the contract at the top). */
export async function redactSecrets(input: string | Uint8Array): Promise<RedactionResult> {
  const text = normalizeText(input);
  if (text.length === 0) return { text, redactions: [] };
  const redactions = merge([...(await presetSpans(text)), ...fallbackSpans(text)]);
  let out = '';
  let at = 0;
  for (const r of redactions) {
    out += `${text.slice(at, r.start)}[REDACTED:${r.rule}]`;
    at = r.end;
  }
  out += text.slice(at);
  return { text: out, redactions };
}
