// Commit-level evidence that is not inferred: human declarations (`declared`) and marks tools
// leave on their own output (`stamped`), from one commit's headers and message, from the
// pull-request context, and from remediations made later on the pull request.
//
// Every input here is attacker-controlled (names, e-mails, messages, branch names, PR bodies).
// Values are compared literally against the registry and kept raw in `detail` (cut to a
// bounded length); escaping happens where they are printed.

import type { ChangeContext, Commit, Evidence, Person, Remediation } from '../core/types.js';
import type { ExtraMarker } from '../core/policy.js';
import { UsageError, printable } from '../core/errors.js';
import { parseDeclaration } from './declaration.js';
import { DEFAULT_REGISTRY, type Registry } from './registry.js';
import { parseTrailerBlock, parseTrailers, type Trailer } from './trailers.js';

/**
 * Most evidence items kept per commit. A message may hold thousands of distinct marker trailers
 * (attacker-controlled); beyond a few nothing new is learned, and every hunk of the commit
 * carries its evidence, so the list is bounded. Items are kept in the documented order.
 */
export const MAX_EVIDENCE_PER_COMMIT = 64;
/** Longest attacker-supplied text copied into an evidence detail. */
const MAX_DETAIL_VALUE = 160;
/** Free-text declaration values longer than this are not kept as the agent (detail keeps them). */
const MAX_FREE_TEXT_AGENT = 64;
/** Longest remediation text accepted (one or a few trailer lines). */
export const MAX_REMEDIATION_CHARS = 4096;
const CO_AUTHOR_KEY = 'co-authored-by';
// The kernel rule is that an AI must not add Signed-off-by; when one carries an AI identity,
// a tool signed its own output.
const SIGN_OFF_KEY = 'signed-off-by';

export interface CommitEvidenceOptions {
  /** Repository policy markers (`.github/trailmark.yml`), compared literally, case-insensitively. */
  readonly extraMarkers?: readonly ExtraMarker[];
  /** Marker registry to match against; default the shipped markers.v1.json. */
  readonly registry?: Registry;
}

/**
 * Evidence from one commit, in a fixed order: author, committer, subject prefix, trailers in
 * message order, footers in registry order, then policy markers. Exact duplicates are dropped.
 */
export function commitEvidence(commit: Commit, options: CommitEvidenceOptions = {}): Evidence[] {
  const out: Evidence[] = [];
  const sha = commit.sha;
  const extra = options.extraMarkers ?? [];
  const reg = options.registry ?? DEFAULT_REGISTRY;

  for (const [role, person] of [['author', commit.author], ['committer', commit.committer]] as const) {
    const id = reg.identityOf(person);
    if (id !== undefined) {
      out.push(withAgent({
        class: 'stamped',
        source: `${role}:${id.bot ?? id.matched}`,
        detail: `${role} ${cut(person.name)} <${cut(person.email)}>`,
        says: 'ai',
        commit: sha,
      }, id.agent, id.model));
    } else if (reg.hasAiderSuffix(person.name)) {
      out.push({ class: 'stamped', source: `${role}:(aider)`, detail: `${role} name ${cut(person.name)}`, says: 'ai', commit: sha, agent: 'aider' });
    }
    for (const m of extra) {
      if (m.kind === 'author-email' && sameText(person.email, m.value)) {
        out.push(policyEvidence(m, `${role}:${m.value.toLowerCase()}`, `${role} <${cut(person.email)}>`, sha, reg));
      }
    }
  }

  const subject = firstLine(commit.message);
  if (reg.hasAiderPrefix(subject)) {
    out.push({ class: 'stamped', source: 'subject:aider', detail: `subject ${cut(subject)}`, says: 'ai', commit: sha, agent: 'aider' });
  }

  for (const t of parseTrailers(commit.message)) {
    out.push(...trailerEvidence(t, sha, extra, reg));
  }

  for (const f of reg.footersIn(commit.message)) {
    out.push({ class: 'stamped', source: `footer:${f.agent}`, detail: `footer "${f.text}"`, says: 'ai', commit: sha, agent: f.agent });
  }
  if (extra.some((m) => m.kind === 'footer')) {
    const lower = commit.message.toLowerCase();
    for (const m of extra) {
      if (m.kind === 'footer' && m.value.length > 0 && lower.includes(m.value.toLowerCase())) {
        out.push(policyEvidence(m, `footer:${m.agent}`, `footer "${cut(m.value)}"`, sha, reg));
      }
    }
  }
  return dedupe(out).slice(0, MAX_EVIDENCE_PER_COMMIT);
}

function trailerEvidence(t: Trailer, sha: string, extra: readonly ExtraMarker[], reg: Registry): Evidence[] {
  const out: Evidence[] = [];
  const key = t.key.toLowerCase();
  const declared = declaredEvidence(t, sha, reg);
  if (declared !== undefined) out.push(declared);

  if (key === CO_AUTHOR_KEY) {
    const person = parsePerson(t.value);
    if (person !== undefined) {
      const id = reg.identityOf(person);
      if (id !== undefined) {
        out.push(withAgent({
          class: 'stamped',
          source: `co-author:${id.matched}`,
          detail: `Co-authored-by: ${cut(t.value)}`,
          says: 'ai',
          commit: sha,
        }, id.agent, id.model));
      }
      for (const m of extra) {
        const email = person.email.trim().toLowerCase();
        const hit =
          (m.kind === 'co-author-email' && sameText(email, m.value)) ||
          (m.kind === 'co-author-domain' && email.endsWith(`@${m.value.toLowerCase()}`));
        if (hit) out.push(policyEvidence(m, `co-author:${m.value.toLowerCase()}`, `Co-authored-by: ${cut(t.value)}`, sha, reg));
      }
    }
  }

  if (key === SIGN_OFF_KEY) {
    const person = parsePerson(t.value);
    const id = person === undefined ? undefined : reg.identityOf(person);
    if (id !== undefined) {
      out.push(withAgent({
        class: 'stamped',
        source: `signed-off-by:${id.matched}`,
        detail: `Signed-off-by: ${cut(t.value)}`,
        says: 'ai',
        commit: sha,
      }, id.agent, id.model));
    }
  }

  const stamp = reg.stampKey(t.key, t.value);
  if (stamp !== undefined) {
    out.push(withAgent({
      class: 'stamped',
      source: `trailer:${stamp.key}`,
      detail: `${stamp.key}: ${cut(t.value)}`,
      says: 'ai',
      commit: sha,
    }, stamp.agent, undefined));
  }

  for (const m of extra) {
    if (m.kind === 'trailer-key' && sameText(t.key, m.value) && t.value.trim().length > 0) {
      const e = policyEvidence(m, `trailer:${m.value}`, `${cut(t.key)}: ${cut(t.value)}`, sha, reg);
      // A declared policy key answered `no`/`false` is a human declaration, like `AI-Assisted: no`.
      out.push(m.class === 'declared' && reg.yesNo(t.value) === 'human' ? { ...e, says: 'human' } : e);
    }
  }
  return out;
}

/** A declaration trailer as `declared` evidence; undefined for other keys and empty values. */
function declaredEvidence(t: Trailer, sha: string | undefined, reg: Registry): Evidence | undefined {
  const k = reg.declarationKey(t.key);
  if (k === undefined || t.value.trim().length === 0) return undefined;
  // Every declaration key may be answered in the negative (`Assisted-by: none`); only yes/no
  // keys (`AI-Assisted`) turn `yes`/`true` into a bare AI declaration without an agent.
  const said = reg.yesNo(t.value);
  const answer = said === 'human' || k.polarityValues ? said : undefined;
  const base = { class: 'declared' as const, source: `trailer:${k.key}`, detail: `${k.key}: ${cut(t.value)}` };
  const withCommit = sha === undefined ? base : { ...base, commit: sha };
  if (answer === 'human') return { ...withCommit, says: 'human' };
  if (answer === 'ai') return { ...withCommit, says: 'ai' };
  const d = parseDeclaration(t.value, reg);
  // Free text naming the tool (`Assisted-by: generic LLM chatbot`) is kept as the agent, as written.
  const freeText = k.namesAgent && d.text.length > 0 && d.text.length <= MAX_FREE_TEXT_AGENT ? d.text : undefined;
  return withAgent({ ...withCommit, says: 'ai' }, d.agent ?? freeText, d.model);
}

/** Change-wide evidence from the pull request: body footers, bot author, branch prefix (all weak). */
export function contextEvidence(ctx: ChangeContext, registry: Registry = DEFAULT_REGISTRY): Evidence[] {
  const out: Evidence[] = [];
  if (ctx.pullRequestBody !== undefined) {
    for (const f of registry.footersIn(ctx.pullRequestBody)) {
      out.push({ class: 'stamped', source: `pr-body:${f.agent}`, detail: `pull request body footer "${f.text}" (weak: whole change)`, says: 'ai', agent: f.agent });
    }
  }
  if (ctx.pullRequestAuthor !== undefined) {
    const bot = registry.botByLogin(ctx.pullRequestAuthor);
    if (bot !== undefined) {
      out.push({ class: 'stamped', source: `pr-author:${bot.bot}`, detail: `pull request opened by ${cut(ctx.pullRequestAuthor)} (weak: whole change)`, says: 'ai', agent: bot.agent });
    }
  }
  if (ctx.headBranch !== undefined) {
    const p = registry.branchPrefix(ctx.headBranch);
    if (p !== undefined) {
      out.push({ class: 'stamped', source: `branch:${p.prefix}`, detail: `branch ${cut(ctx.headBranch)} (weak: prefix ${p.prefix})`, says: 'ai', agent: p.agent, weak: true });
    }
  }
  return out;
}

/**
 * A remediation as `declared` evidence, source `remediation`, or the reason it is not one. The
 * declaration text (attacker-controlled: a pull-request comment or check-run input) is parsed
 * with the trailer grammar, as a block of trailer lines; the first declaration trailer counts
 * (`Assisted-by: Claude:claude-opus-4-5`, `AI-Assisted: no`). Text with no recognised
 * declaration key, or an empty value, is rejected with a UsageError (code BAD_INPUT, with hint).
 */
export function parseRemediation(r: Remediation, registry: Registry = DEFAULT_REGISTRY): Evidence | UsageError {
  if (r.declaration.length > MAX_REMEDIATION_CHARS) {
    return new UsageError('BAD_INPUT', `remediation by @${printable(r.user, 40)} is ${r.declaration.length} characters, over ${MAX_REMEDIATION_CHARS}`, { hint: REMEDIATION_HINT });
  }
  const trailers = parseTrailerBlock(r.declaration);
  for (const t of trailers) {
    const d = declaredEvidence(t, undefined, registry);
    if (d === undefined) continue;
    return { ...d, source: 'remediation', detail: `declared by @${cut(r.user)} on ${r.headSha.slice(0, 12)}: ${d.detail ?? ''}` };
  }
  const keys = trailers.map((t) => t.key);
  const why = keys.length === 0
    ? `remediation "${printable(r.declaration, 80)}" is not a trailer line (key: value)`
    : `remediation key ${keys.slice(0, 3).map((k) => `"${printable(k, 40)}"`).join(', ')} is not a declaration key or has an empty value`;
  return new UsageError('BAD_INPUT', why, { hint: REMEDIATION_HINT });
}

const REMEDIATION_HINT = 'declare with one trailer line such as "Assisted-by: Claude:claude-opus-4-5" or "AI-Assisted: no" (keys: Assisted-by, Generated-by, Co-authored-by-AI, AI-Assisted, AI-used-for, Synthesized-By)';

/** parseRemediation without the reason: undefined when the text is not a declaration. */
export function remediationEvidence(r: Remediation, registry: Registry = DEFAULT_REGISTRY): Evidence | undefined {
  const e = parseRemediation(r, registry);
  return e instanceof UsageError ? undefined : e;
}

/**
 * What a remediation made on head `headSha` covers: the content as of that head. `commits` are
 * that commit and its ancestors among the change set's commits (parents followed within the set
 * only, so the base and earlier history never count); lines whose introducing commit is not
 * known (no line attribution) are covered only when the remediation was made on the analyzed
 * head itself. Commits pushed after the declaration, by anyone, need their own evidence.
 */
export interface RemediationScope {
  readonly commits: ReadonlySet<string>;
  readonly unattributed: boolean;
}

export function remediationScope(headSha: string, analyzedHead: string | null, commits: readonly Commit[]): RemediationScope {
  const parents = new Map(commits.map((c) => [c.sha, c.parents] as const));
  const covered = new Set<string>();
  const stack = parents.has(headSha) ? [headSha] : [];
  while (stack.length > 0) {
    const sha = stack.pop()!;
    if (covered.has(sha)) continue;
    covered.add(sha);
    for (const p of parents.get(sha) ?? []) if (parents.has(p)) stack.push(p);
  }
  return { commits: covered, unattributed: analyzedHead !== null && headSha === analyzedHead };
}

/**
 * Whether a remediation with `scope` covers a hunk whose added lines were introduced by
 * `lineCommits` (one entry per added line; undefined where the line has no attribution):
 * every line must be covered, since a declaration says nothing about lines written after it.
 */
export function remediationCovers(scope: RemediationScope, lineCommits: readonly (string | undefined)[]): boolean {
  return lineCommits.every((sha) => (sha === undefined ? scope.unattributed : scope.commits.has(sha)));
}

function policyEvidence(m: ExtraMarker, source: string, detail: string, sha: string, reg: Registry): Evidence {
  const agent = reg.normalizeAgent(m.agent) ?? m.agent;
  return { class: m.class, source, detail: `${detail} (policy marker)`, says: 'ai', commit: sha, ...(agent.length > 0 ? { agent } : {}) };
}

function withAgent(e: Evidence, agent: string | undefined, model: string | undefined): Evidence {
  return { ...e, ...(agent !== undefined ? { agent } : {}), ...(model !== undefined ? { model } : {}) };
}

/** `Name <email>` as git writes identities; undefined without a well-formed `<…>` at the end. */
export function parsePerson(value: string): Person | undefined {
  const v = value.trim();
  if (!v.endsWith('>')) return undefined;
  const open = v.lastIndexOf('<');
  if (open < 0) return undefined;
  const email = v.slice(open + 1, -1).trim();
  if (email.length === 0) return undefined;
  return { name: v.slice(0, open).trim(), email };
}

function firstLine(message: string): string {
  const nl = message.indexOf('\n');
  const line = nl < 0 ? message : message.slice(0, nl);
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function sameText(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

function cut(s: string, max = MAX_DETAIL_VALUE): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function dedupe(evidence: readonly Evidence[]): Evidence[] {
  const seen = new Set<string>();
  return evidence.filter((e) => {
    const key = `${e.class}\0${e.source}\0${e.says}\0${e.detail ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
