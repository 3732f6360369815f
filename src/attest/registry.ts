// The versioned marker registry (markers.v1.json): every literal string trailmark recognises
// as a sign of AI involvement that was not inferred. Data only in the JSON; this module builds
// lookup tables and compares literally (lowercased). No RegExp is built from data or input.
//
// Identities are matched by e-mail, AI-only domain or GitHub noreply `<id>+<login>` anchored on
// the bot's numeric id — never by display name: a human "Claude Smith <claude@smith.dev>" is not
// an AI.

import data from './markers.v1.json' with { type: 'json' };
import type { Person } from '../core/types.js';

interface IdentityData {
  readonly email?: string;
  readonly domain?: string;
  readonly agent: string;
  /** `display-name`: the display name is the model (unless generic); `parenthesized`: `name (model)`. */
  readonly model?: string;
  readonly genericNames?: readonly string[];
  readonly evidence: string;
}
interface BotData {
  readonly id?: number;
  readonly logins?: readonly string[];
  readonly login?: string;
  readonly bot?: string;
  readonly agent: string;
  readonly evidence: string;
}
interface StampKeyData {
  readonly key: string;
  /** True when `key` is a prefix (`Entire-`): any longer key starting with it matches. */
  readonly prefix?: boolean;
  readonly agent: string;
  readonly agentFromValue?: boolean;
  readonly values?: readonly string[];
  readonly evidence: string;
}
interface Registry {
  readonly version: string;
  readonly agents: readonly { readonly id: string; readonly aliases: readonly string[] }[];
  readonly declarationKeys: readonly { readonly key: string; readonly polarityValues?: boolean; readonly evidence: string }[];
  readonly humanValues: readonly string[];
  readonly aiValues: readonly string[];
  readonly identities: readonly IdentityData[];
  readonly githubBots: readonly BotData[];
  readonly botLoginsWithoutId: readonly BotData[];
  readonly stampKeys: readonly StampKeyData[];
  readonly footers: readonly { readonly text: string; readonly agent: string; readonly evidence: string }[];
  readonly aider: { readonly nameSuffix: string; readonly subjectPrefix: string; readonly evidence: string };
  readonly branchPrefixes: readonly { readonly prefix: string; readonly agent: string; readonly evidence: string }[];
}

/** The registry data as shipped (read-only; exported for the registry's own consistency tests). */
export const REGISTRY: Registry = data;
export const MARKERS_VERSION: string = REGISTRY.version;

/** GitHub's noreply domain: `<id>+<login>@users.noreply.github.com`. */
const GITHUB_NOREPLY_DOMAIN = 'users.noreply.github.com';

const aliasToAgent = new Map<string, string>();
for (const a of REGISTRY.agents) for (const alias of a.aliases) aliasToAgent.set(aliasKey(alias), a.id);

/** Lowercased, with blanks, "-", "_" and "." removed: `Claude Code`, `claude-code`, `ClaudeCode` meet. */
function aliasKey(name: string): string {
  let out = '';
  for (const ch of name.toLowerCase()) if (ch !== ' ' && ch !== '-' && ch !== '_' && ch !== '.' && ch !== '\t') out += ch;
  return out;
}

/** The registry id of an agent name (`Claude Code` → `claude-code`), undefined when unknown. */
export function normalizeAgent(name: string): string | undefined {
  if (name.length > 80) return undefined;
  return aliasToAgent.get(aliasKey(name.trim()));
}

export interface DeclarationKey {
  /** Canonical spelling, used in evidence sources (`trailer:Assisted-by`). */
  readonly key: string;
  /** True when the value is a yes/no answer (`AI-Assisted: no`). */
  readonly polarityValues: boolean;
}
const declarationKeys = new Map<string, DeclarationKey>(
  REGISTRY.declarationKeys.map((d) => [d.key.toLowerCase(), { key: d.key, polarityValues: d.polarityValues === true }]),
);

/** A trailer key by which a human declares AI use (case-insensitive). */
export function declarationKey(key: string): DeclarationKey | undefined {
  return declarationKeys.get(key.toLowerCase());
}

const humanValues = new Set(REGISTRY.humanValues);
const aiValues = new Set(REGISTRY.aiValues);
/** `no`/`false` → human, `yes`/`true` → ai, anything else undefined (free text). */
export function yesNo(value: string): 'ai' | 'human' | undefined {
  const v = value.trim().toLowerCase();
  if (humanValues.has(v)) return 'human';
  if (aiValues.has(v)) return 'ai';
  return undefined;
}

export interface StampKey {
  readonly key: string;
  readonly agent?: string;
}
const stampKeys = new Map<string, StampKeyData>(REGISTRY.stampKeys.filter((s) => s.prefix !== true).map((s) => [s.key.toLowerCase(), s]));
const stampPrefixes = REGISTRY.stampKeys.filter((s) => s.prefix === true);

/**
 * A session/provenance trailer a tool writes (`Claude-Session`), when its value qualifies. The
 * returned key is the registry spelling, or for prefix families the prefix plus the key as
 * written (`Entire-Transcript`).
 */
export function stampKey(key: string, value: string): StampKey | undefined {
  const lower = key.toLowerCase();
  let s = stampKeys.get(lower);
  let canonical = s?.key;
  if (s === undefined) {
    s = stampPrefixes.find((p) => lower.startsWith(p.key.toLowerCase()) && lower.length > p.key.length);
    if (s !== undefined) canonical = `${s.key}${key.slice(s.key.length)}`;
  }
  if (s === undefined || canonical === undefined || value.trim().length === 0) return undefined;
  if (s.values !== undefined && !s.values.includes(value.trim().toLowerCase())) return undefined;
  const fromValue = s.agentFromValue === true ? normalizeAgent(value) : undefined;
  const agent = fromValue ?? (s.agent.length > 0 ? s.agent : undefined);
  return agent === undefined ? { key: canonical } : { key: canonical, agent };
}

export interface IdentityMatch {
  readonly agent: string;
  readonly model?: string;
  /** The lowercased e-mail that matched. */
  readonly matched: string;
  /** The bot login when the identity is a GitHub App bot (`copilot-swe-agent[bot]`). */
  readonly bot?: string;
}

const byEmail = new Map<string, IdentityData>();
const byDomain = new Map<string, IdentityData>();
for (const i of REGISTRY.identities) {
  if (i.email !== undefined) byEmail.set(i.email.toLowerCase(), i);
  if (i.domain !== undefined) byDomain.set(i.domain.toLowerCase(), i);
}
const botsById = new Map<string, BotData>();
for (const b of REGISTRY.githubBots) if (b.id !== undefined) botsById.set(String(b.id), b);
const botsByLogin = new Map<string, BotData>();
for (const b of [...REGISTRY.githubBots, ...REGISTRY.botLoginsWithoutId]) {
  for (const l of [...(b.logins ?? []), ...(b.login !== undefined ? [b.login] : [])]) {
    // Only `[bot]` logins are unambiguous without an id (humans cannot have brackets in a login).
    if (l.endsWith('[bot]')) botsByLogin.set(l.toLowerCase(), b);
  }
}

/**
 * The AI identity of a person from a commit header or a `Co-authored-by` value, by e-mail only.
 * Attacker-controlled input: compared literally after lowercasing.
 */
export function identityOf(person: Person): IdentityMatch | undefined {
  const email = person.email.trim().toLowerCase();
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return undefined;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);

  if (domain === GITHUB_NOREPLY_DOMAIN) {
    const plus = local.indexOf('+');
    if (plus > 0) {
      const bot = botsById.get(local.slice(0, plus));
      const login = local.slice(plus + 1);
      if (bot !== undefined && (bot.logins ?? []).some((l) => l.toLowerCase() === login)) {
        return { agent: bot.agent, matched: email, bot: bot.bot ?? login };
      }
      return undefined;
    }
    const bot = botsByLogin.get(local);
    return bot === undefined ? undefined : { agent: bot.agent, matched: email, bot: local };
  }

  const identity = byEmail.get(email) ?? byDomain.get(domain);
  if (identity === undefined) return undefined;
  const model = modelFromName(person.name, identity);
  return model === undefined ? { agent: identity.agent, matched: email } : { agent: identity.agent, matched: email, model };
}

function modelFromName(name: string, identity: IdentityData): string | undefined {
  const n = name.trim();
  if (n.length === 0 || n.length > 120) return undefined;
  if (identity.model === 'display-name') {
    return (identity.genericNames ?? []).includes(n.toLowerCase()) ? undefined : n;
  }
  if (identity.model === 'parenthesized') return parenthesized(n);
  return undefined;
}

/** `aider (gpt-4o)` → `gpt-4o`; the last parenthesised group at the end of the name. */
export function parenthesized(name: string): string | undefined {
  const n = name.trim();
  if (!n.endsWith(')')) return undefined;
  const open = n.lastIndexOf('(');
  if (open < 0) return undefined;
  const inner = n.slice(open + 1, -1).trim();
  return inner.length > 0 ? inner : undefined;
}

/** A GitHub App bot by login (pull-request author), e.g. `copilot-swe-agent[bot]`. */
export function botByLogin(login: string): { readonly agent: string; readonly bot: string } | undefined {
  const key = login.trim().toLowerCase();
  const bot = botsByLogin.get(key);
  if (bot !== undefined) return { agent: bot.agent, bot: key };
  // `Copilot` is the login GitHub shows for the coding agent's pull requests; logins are unique.
  for (const b of REGISTRY.githubBots) {
    if ((b.logins ?? []).some((l) => l.toLowerCase() === key)) return { agent: b.agent, bot: b.bot ?? key };
  }
  return undefined;
}

export interface FooterMatch {
  readonly agent: string;
  /** The registry text that matched (lowercase). */
  readonly text: string;
}

/** Footer markers found in a message or pull-request body, one per registry footer, in registry order. */
export function footersIn(text: string): FooterMatch[] {
  const lower = text.toLowerCase();
  return REGISTRY.footers.filter((f) => lower.includes(f.text)).map((f) => ({ agent: f.agent, text: f.text }));
}

/** Aider's `<name> (aider)` author/committer suffix. */
export function hasAiderSuffix(name: string): boolean {
  return name.trimEnd().toLowerCase().endsWith(REGISTRY.aider.nameSuffix);
}

/** Aider's optional `aider: ` subject prefix. */
export function hasAiderPrefix(subject: string): boolean {
  return subject.toLowerCase().startsWith(REGISTRY.aider.subjectPrefix);
}

/** Branch prefixes agents use (`claude/…`); weak evidence. */
export function branchPrefix(branch: string): { readonly prefix: string; readonly agent: string } | undefined {
  const b = branch.toLowerCase();
  const hit = REGISTRY.branchPrefixes.find((p) => b.startsWith(p.prefix) && b.length > p.prefix.length);
  return hit === undefined ? undefined : { prefix: hit.prefix, agent: hit.agent };
}

/** Number of literal markers in the registry (aliases excluded), for reports. */
export function registrySize(): number {
  return (
    REGISTRY.declarationKeys.length +
    REGISTRY.identities.length +
    REGISTRY.githubBots.length +
    REGISTRY.botLoginsWithoutId.length +
    REGISTRY.stampKeys.length +
    REGISTRY.footers.length +
    2 +
    REGISTRY.branchPrefixes.length
  );
}
