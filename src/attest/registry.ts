// The versioned marker registry (markers.v1.json): every literal string trailmark recognises
// as a sign of AI involvement that was not inferred. Data only in the JSON; this module builds
// lookup tables and compares literally (lowercased). No RegExp is built from data or input.
//
// One registry is a value built by createRegistry(data); the shipped one is DEFAULT_REGISTRY and
// the module-level functions below answer from it. Callers that need another version (a newer
// markers file, a test) pass their own Registry to commitEvidence.
//
// Identities are matched by e-mail, AI-only domain or GitHub noreply `<id>+<login>` anchored on
// the bot's numeric id — never by display name: a human "Claude Smith <claude@smith.dev>" is not
// an AI.

import data from './markers.v1.json' with { type: 'json' };
import type { Person } from '../core/types.js';

export interface IdentityData {
  readonly email?: string;
  readonly domain?: string;
  readonly agent: string;
  /** `display-name`: the display name is the model (unless generic); `parenthesized`: `name (model)`. */
  readonly model?: string;
  readonly genericNames?: readonly string[];
  readonly evidence: string;
}
export interface BotData {
  readonly id?: number;
  readonly logins?: readonly string[];
  readonly login?: string;
  readonly bot?: string;
  readonly agent: string;
  readonly evidence: string;
}
export interface StampKeyData {
  readonly key: string;
  /** True when `key` is a prefix (`Entire-`): any longer key starting with it matches. */
  readonly prefix?: boolean;
  readonly agent: string;
  readonly agentFromValue?: boolean;
  readonly values?: readonly string[];
  readonly evidence: string;
}
/** The shape of a markers file (markers.v1.json). */
export interface MarkerData {
  readonly version: string;
  readonly changelog?: readonly { readonly version: string; readonly changes: readonly string[] }[];
  readonly agents: readonly { readonly id: string; readonly aliases: readonly string[] }[];
  readonly declarationKeys: readonly { readonly key: string; readonly polarityValues?: boolean; readonly valueDescribesUse?: boolean; readonly evidence: string }[];
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
export const REGISTRY: MarkerData = data;
export const MARKERS_VERSION: string = REGISTRY.version;

/** GitHub's noreply domain: `<id>+<login>@users.noreply.github.com`. */
const GITHUB_NOREPLY_DOMAIN = 'users.noreply.github.com';

export interface DeclarationKey {
  /** Canonical spelling, used in evidence sources (`trailer:Assisted-by`). */
  readonly key: string;
  /** True when the value is a yes/no answer (`AI-Assisted: no`). */
  readonly polarityValues: boolean;
  /**
   * True when the value names the tool (`Assisted-by: generic LLM chatbot`), so free text is
   * kept as the agent; false for yes/no keys and keys that describe the use (`AI-used-for`).
   */
  readonly namesAgent: boolean;
}

export interface StampKey {
  readonly key: string;
  readonly agent?: string;
}

export interface IdentityMatch {
  readonly agent: string;
  readonly model?: string;
  /** The lowercased e-mail that matched. */
  readonly matched: string;
  /** The bot login when the identity is a GitHub App bot (`copilot-swe-agent[bot]`). */
  readonly bot?: string;
}

export interface FooterMatch {
  readonly agent: string;
  /** The registry text that matched (lowercase). */
  readonly text: string;
}

/** Lookups over one markers file. Every argument is attacker-controlled text, compared literally. */
export interface Registry {
  readonly version: string;
  /** Number of literal markers (aliases excluded), for reports. */
  readonly size: number;
  /** The registry id of an agent name (`Claude Code` → `claude-code`), undefined when unknown. */
  normalizeAgent(name: string): string | undefined;
  /** A trailer key by which a human declares AI use (case-insensitive). */
  declarationKey(key: string): DeclarationKey | undefined;
  /** `no`/`false` → human, `yes`/`true` → ai, anything else undefined (free text). */
  yesNo(value: string): 'ai' | 'human' | undefined;
  /**
   * A session/provenance trailer a tool writes (`Claude-Session`), when its value qualifies. The
   * returned key is the registry spelling, or for prefix families the prefix plus the key as
   * written (`Entire-Transcript`).
   */
  stampKey(key: string, value: string): StampKey | undefined;
  /** The AI identity of a person (commit header or `Co-authored-by` value), by e-mail only. */
  identityOf(person: Person): IdentityMatch | undefined;
  /** A GitHub App bot by login (pull-request author), e.g. `copilot-swe-agent[bot]`. */
  botByLogin(login: string): { readonly agent: string; readonly bot: string } | undefined;
  /** Footer markers in a message or pull-request body, one per registry footer, in registry order. */
  footersIn(text: string): FooterMatch[];
  /** Aider's `<name> (aider)` author/committer suffix. */
  hasAiderSuffix(name: string): boolean;
  /** Aider's optional `aider: ` subject prefix. */
  hasAiderPrefix(subject: string): boolean;
  /** Branch prefixes agents use (`claude/…`); weak evidence. */
  branchPrefix(branch: string): { readonly prefix: string; readonly agent: string } | undefined;
}

/** Lowercased, with blanks, "-", "_" and "." removed: `Claude Code`, `claude-code`, `ClaudeCode` meet. */
function aliasKey(name: string): string {
  let out = '';
  for (const ch of name.toLowerCase()) if (ch !== ' ' && ch !== '-' && ch !== '_' && ch !== '.' && ch !== '\t') out += ch;
  return out;
}

/** Lookup tables over `d`; `d` is trusted data (shipped or reviewed), never request input. */
export function createRegistry(d: MarkerData): Registry {
  const aliasToAgent = new Map<string, string>();
  for (const a of d.agents) for (const alias of a.aliases) aliasToAgent.set(aliasKey(alias), a.id);

  const declarationKeys = new Map<string, DeclarationKey>(
    d.declarationKeys.map((k) => [k.key.toLowerCase(), { key: k.key, polarityValues: k.polarityValues === true, namesAgent: k.polarityValues !== true && k.valueDescribesUse !== true }]),
  );
  const humanValues = new Set(d.humanValues);
  const aiValues = new Set(d.aiValues);
  const stampKeys = new Map<string, StampKeyData>(d.stampKeys.filter((s) => s.prefix !== true).map((s) => [s.key.toLowerCase(), s]));
  const stampPrefixes = d.stampKeys.filter((s) => s.prefix === true);

  const byEmail = new Map<string, IdentityData>();
  const byDomain = new Map<string, IdentityData>();
  for (const i of d.identities) {
    if (i.email !== undefined) byEmail.set(i.email.toLowerCase(), i);
    if (i.domain !== undefined) byDomain.set(i.domain.toLowerCase(), i);
  }
  const botsById = new Map<string, BotData>();
  for (const b of d.githubBots) if (b.id !== undefined) botsById.set(String(b.id), b);
  const botsByLogin = new Map<string, BotData>();
  for (const b of [...d.githubBots, ...d.botLoginsWithoutId]) {
    for (const l of [...(b.logins ?? []), ...(b.login !== undefined ? [b.login] : [])]) {
      // Only `[bot]` logins are unambiguous without an id (humans cannot have brackets in a login).
      if (l.endsWith('[bot]')) botsByLogin.set(l.toLowerCase(), b);
    }
  }

  const normalizeAgent = (name: string): string | undefined => {
    if (name.length > 80) return undefined;
    return aliasToAgent.get(aliasKey(name.trim()));
  };

  return {
    version: d.version,
    size: d.declarationKeys.length + d.identities.length + d.githubBots.length + d.botLoginsWithoutId.length +
      d.stampKeys.length + d.footers.length + 2 + d.branchPrefixes.length,
    normalizeAgent,
    declarationKey: (key) => declarationKeys.get(key.toLowerCase()),
    yesNo: (value) => {
      const v = value.trim().toLowerCase();
      if (humanValues.has(v)) return 'human';
      if (aiValues.has(v)) return 'ai';
      return undefined;
    },
    stampKey: (key, value) => {
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
    },
    identityOf: (person) => {
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
    },
    botByLogin: (login) => {
      const key = login.trim().toLowerCase();
      const bot = botsByLogin.get(key);
      if (bot !== undefined) return { agent: bot.agent, bot: key };
      // `Copilot` is the login GitHub shows for the coding agent's pull requests; logins are unique.
      for (const b of d.githubBots) {
        if ((b.logins ?? []).some((l) => l.toLowerCase() === key)) return { agent: b.agent, bot: b.bot ?? key };
      }
      return undefined;
    },
    footersIn: (text) => {
      const lower = text.toLowerCase();
      return d.footers.filter((f) => lower.includes(f.text)).map((f) => ({ agent: f.agent, text: f.text }));
    },
    hasAiderSuffix: (name) => name.trimEnd().toLowerCase().endsWith(d.aider.nameSuffix),
    hasAiderPrefix: (subject) => subject.toLowerCase().startsWith(d.aider.subjectPrefix),
    branchPrefix: (branch) => {
      const b = branch.toLowerCase();
      const hit = d.branchPrefixes.find((p) => b.startsWith(p.prefix) && b.length > p.prefix.length);
      return hit === undefined ? undefined : { prefix: hit.prefix, agent: hit.agent };
    },
  };
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

/** The registry built from the shipped markers.v1.json. */
export const DEFAULT_REGISTRY: Registry = createRegistry(REGISTRY);

// The shipped registry's lookups as functions (see Registry for their contracts).
export const normalizeAgent = (name: string): string | undefined => DEFAULT_REGISTRY.normalizeAgent(name);
export const declarationKey = (key: string): DeclarationKey | undefined => DEFAULT_REGISTRY.declarationKey(key);
export const yesNo = (value: string): 'ai' | 'human' | undefined => DEFAULT_REGISTRY.yesNo(value);
export const stampKey = (key: string, value: string): StampKey | undefined => DEFAULT_REGISTRY.stampKey(key, value);
export const identityOf = (person: Person): IdentityMatch | undefined => DEFAULT_REGISTRY.identityOf(person);
export const botByLogin = (login: string): { readonly agent: string; readonly bot: string } | undefined => DEFAULT_REGISTRY.botByLogin(login);
export const footersIn = (text: string): FooterMatch[] => DEFAULT_REGISTRY.footersIn(text);
export const hasAiderSuffix = (name: string): boolean => DEFAULT_REGISTRY.hasAiderSuffix(name);
export const hasAiderPrefix = (subject: string): boolean => DEFAULT_REGISTRY.hasAiderPrefix(subject);
export const branchPrefix = (branch: string): { readonly prefix: string; readonly agent: string } | undefined => DEFAULT_REGISTRY.branchPrefix(branch);
/** Number of literal markers in the shipped registry (aliases excluded), for reports. */
export const registrySize = (): number => DEFAULT_REGISTRY.size;
