// Commit messages and pull-request descriptions as inferred evidence. Agents write messages of a
// recognisable structure (a long body, bullet summaries, "Summary"/"Test plan" sections, code
// spans, file paths); people in the same repositories mostly do not. The score looks only at the
// structure of the message after every AI marker the registry knows is removed (stripStamps):
// the stamps are attestation, never a feature, so a message that differs from another only by a
// stamp scores the same.
//
// The model is a small logistic regression fitted by scripts/train-commit-message.ts on the
// mirrored repositories (weights and provenance in commit-message-weights.json). Its log-odds are
// fitted with the two classes weighted equally, so they read as a log-likelihood ratio.
//
// Messages are attacker-controlled and may be huge: only the first MAX_MESSAGE_CHARS are read,
// and every step is a single pass of linear-time patterns.

import data from './commit-message-weights.json' with { type: 'json' };

/** Characters of a message read; the rest is ignored (a longer message scores as this long). */
export const MAX_MESSAGE_CHARS = 65_536;

/**
 * The AI markers stripStamps removes, in the shape of the marker registry's data
 * (src/attest/markers.v1.json); detectors/ does not import attest/, so callers pass it
 * (stampMarkersFrom(REGISTRY)).
 */
export interface StampMarkers {
  /** Lowercased trailer keys removed whatever their value (co-authors, declarations, sessions). */
  readonly trailerKeys: ReadonlySet<string>;
  /** Lowercased trailer key prefixes (`entire-`). */
  readonly trailerPrefixes: readonly string[];
  /** Lowercased texts: a line holding one is removed (footers, e-mails of AI identities, session links). */
  readonly lineMarkers: readonly string[];
  /** Lowercased agent and vendor names removed as words. */
  readonly names: readonly string[];
  /** Lowercased subject prefix (`aider: `). */
  readonly subjectPrefix: string;
}

/** The parts of the marker registry's data stampMarkersFrom reads (structurally markers.v1.json). */
export interface MarkerDataLike {
  readonly agents: readonly { readonly id: string; readonly aliases: readonly string[] }[];
  readonly declarationKeys: readonly { readonly key: string }[];
  readonly stampKeys: readonly { readonly key: string; readonly prefix?: boolean }[];
  readonly footers: readonly { readonly text: string }[];
  readonly identities: readonly { readonly email?: string; readonly domain?: string }[];
  readonly aider: { readonly subjectPrefix: string };
}

// Trailers that carry identities: any co-author (people or tools; removed for both classes so a
// co-author line is never a feature) and sign-offs only when they name an AI identity.
const ALWAYS_REMOVED_KEYS = ['co-authored-by', 'co-developed-by'];
// Links to agent sessions and tasks; the registry lists the footers, these are their hosts.
const SESSION_LINKS = [
  'app.devin.ai/', 'cursor.com/agents', 'cursor.com/background-agent', 'chatgpt.com/codex', 'claude.ai/code',
  'claude.com/claude-code', 'jules.google.com/', 'ampcode.com/threads', 'opencode.ai', 'github.com/copilot/',
];
// Agent aliases that are ordinary English or programming words: removing them would change
// messages that never mention a tool.
const COMMON_WORDS = new Set(['continue', 'entire', 'warp', 'cascade', 'sweep', 'droid', 'cursor', 'pi', 'oz', 'amp', 'roo', 'open code', 'all hands']);
const VENDORS = ['anthropic', 'openai', 'github copilot', 'google labs', 'cognition'];

export function stampMarkersFrom(d: MarkerDataLike): StampMarkers {
  const keys = new Set(ALWAYS_REMOVED_KEYS);
  const prefixes: string[] = [];
  for (const k of d.declarationKeys) keys.add(k.key.toLowerCase());
  for (const k of d.stampKeys) {
    if (k.prefix === true) prefixes.push(k.key.toLowerCase());
    else keys.add(k.key.toLowerCase());
  }
  const lineMarkers = [
    ...d.footers.map((f) => f.text.toLowerCase()),
    ...d.identities.flatMap((i) => [i.email, i.domain === undefined ? undefined : `@${i.domain}`]).filter((s): s is string => s !== undefined).map((s) => s.toLowerCase()),
    ...SESSION_LINKS,
  ];
  const names = new Set<string>(VENDORS);
  for (const a of d.agents) {
    for (const alias of [a.id, ...a.aliases]) {
      const n = alias.toLowerCase();
      if (n.length >= 4 && !COMMON_WORDS.has(n)) names.add(n);
    }
  }
  // Longest first, so `claude code` goes before `claude`.
  const sorted = [...names].sort((x, y) => y.length - x.length || (x < y ? -1 : 1));
  return { trailerKeys: keys, trailerPrefixes: prefixes, lineMarkers, names: sorted, subjectPrefix: d.aider.subjectPrefix.toLowerCase() };
}

const TRAILER_LINE = /^[ \t]*([A-Za-z0-9][A-Za-z0-9-]{0,63})[ \t]*:[ \t]*(.*)$/;

/**
 * The message without AI markers: trailers of the registry's declaration and stamp keys, every
 * Co-authored-by, sign-offs by AI identities, footer lines, lines holding links to agent
 * sessions, the `aider: ` subject prefix, and agent and vendor names. Line endings become "\n";
 * trailing blank lines and trailing blanks on lines are dropped.
 */
export function stripStamps(message: string, markers: StampMarkers): string {
  const text = message.length > MAX_MESSAGE_CHARS ? message.slice(0, MAX_MESSAGE_CHARS) : message;
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    let line = raw;
    const lower = line.toLowerCase();
    const t = TRAILER_LINE.exec(line);
    if (t !== null) {
      const key = t[1]!.toLowerCase();
      if (markers.trailerKeys.has(key) || markers.trailerPrefixes.some((p) => key.startsWith(p))) return;
    }
    if (markers.lineMarkers.some((m) => lower.includes(m))) return;
    if (i === 0 && lower.startsWith(markers.subjectPrefix)) line = line.slice(markers.subjectPrefix.length);
    line = removeNames(line, markers.names);
    out.push(line.replace(/[ \t]+$/, ''));
  });
  while (out.length > 0 && out[out.length - 1]!.trim() === '') out.pop();
  // A removed footer between paragraphs leaves two blank lines; keep one.
  const squeezed: string[] = [];
  for (const l of out) if (!(l === '' && squeezed.length > 0 && squeezed[squeezed.length - 1] === '')) squeezed.push(l);
  return squeezed.join('\n');
}

function removeNames(line: string, names: readonly string[]): string {
  let lower = line.toLowerCase();
  let result = line;
  for (const name of names) {
    let from = 0;
    for (;;) {
      const at = lower.indexOf(name, from);
      if (at < 0) break;
      const before = at === 0 ? ' ' : lower[at - 1]!;
      const after = at + name.length >= lower.length ? ' ' : lower[at + name.length]!;
      if (isWordChar(before) || isWordChar(after)) {
        from = at + name.length;
        continue;
      }
      result = result.slice(0, at) + result.slice(at + name.length);
      lower = lower.slice(0, at) + lower.slice(at + name.length);
      from = at;
    }
  }
  return result === line ? line : result.replace(/ {2,}/g, ' ');
}

function isWordChar(ch: string): boolean {
  return /[a-z0-9_]/.test(ch);
}

// ---------------------------------------------------------------------------------------------
// Features of a stripped message: its structure, and a few phrases chosen before fitting (no
// word that names a tool; PHRASES below).

/** Feature values of one message, by id (all finite, most in 0..1 or a log count). */
export type MessageFeatures = Readonly<Record<MessageFeatureId, number>>;

export const MESSAGE_FEATURE_IDS = [
  'lines', 'body-chars', 'subject-chars', 'subject-over-72', 'paragraphs', 'bullet-share', 'bullets',
  'headings', 'sections', 'code-spans', 'file-paths', 'conventional', 'wrapped-72', 'long-lines',
  'subject-period', 'emoji', 'bold', 'pr-number', 'issue-refs', 'subject-lowercase', 'colon-lines',
  'numbered', 'empty-body', 'lines-5', 'lines-10', 'lines-20', 'body-400', 'body-1200', 'has-sections',
  'has-headings', 'has-code-spans', 'has-bullets', 'lines-3', 'subject-50', 'subject-70', 'checkboxes',
  'trailers-left', 'body-starts-bullet', 'mean-line-chars', 'subject-code',
  'em-dash', 'now', 'instead-of', 'ensure', 'comprehensive', 'address-review', 'arrow', 'properly',
  'enhance', 'this-change', 'add-support', 'robust', 'streamline', 'improve', 'first-person', 'curly-quote',
] as const;
/** The phrase features (the last sixteen ids), each 0 or 1: PHRASES. */
type PhraseId = Extract<MessageFeatureId, 'em-dash' | 'now' | 'instead-of' | 'ensure' | 'comprehensive' | 'address-review' | 'arrow' | 'properly' | 'enhance' | 'this-change' | 'add-support' | 'robust' | 'streamline' | 'improve' | 'first-person' | 'curly-quote'>;
export type MessageFeatureId = (typeof MESSAGE_FEATURE_IDS)[number];

const BULLET = /^[ \t]*(?:[-*•+])[ \t]+\S/;
const NUMBERED = /^[ \t]*\d{1,3}[.)][ \t]+\S/;
const HEADING = /^[ \t]{0,3}#{1,6}[ \t]+\S/;
const SECTION = /^[ \t]{0,3}(?:#{1,6}[ \t]+)?(?:\*\*)?(?:summary|changes(?: made)?|test plan|testing|tests|motivation|why|what|details|description|notes?|context|problem|solution|root cause|implementation|breaking changes?|background|overview|key changes|verification|approach|impact|technical details|files changed)(?:\*\*)?[ \t]*:?(?:\*\*)?[ \t]*$/i;
const CODE_SPAN = /`[^`\n]{1,200}`/g;
const FILE_PATH = /(?:^|[\s(`'"])(?:[\w.@-]+\/)+[\w.@-]+|(?:^|[\s(`'"])[\w-]+\.(?:ts|tsx|js|jsx|mjs|cjs|json|md|yml|yaml|css|scss|html|vue|svelte|py|go|rs|sh|toml|lock)\b/g;
const CONVENTIONAL = /^(?:feat|fix|chore|docs|refactor|test|tests|perf|build|ci|style|revert|deps|release)(?:\([^)\n]{0,60}\))?!?:[ \t]/i;
const PR_NUMBER = /\(#\d{1,7}\)[ \t]*$/;
const ISSUE_REF = /(?:^|[\s(])(?:[\w.-]+\/[\w.-]+)?#\d{1,7}\b/g;
const EMOJI = /\p{Extended_Pictographic}/u;
const BOLD = /\*\*[^*\n]{1,80}\*\*/;
const COLON_LINE = /:[ \t]*$/;
const CHECKBOX = /^[ \t]*[-*][ \t]+\[[ xX]\]/;

/**
 * Phrases, each a 0/1 feature, with the words a reason quotes. Chosen before fitting, from
 * published descriptions of assistant prose (the em dash, "ensure", "comprehensive", "robust")
 * and of agent commit habits ("now" for new behaviour, "instead of", "address review feedback");
 * none names a tool. The fit decides each one's sign: `first-person` is expected to count
 * against an agent. describeMessage quotes only those with a positive weight.
 */
export const PHRASES: readonly { readonly id: PhraseId; readonly re: RegExp; readonly shown: string }[] = [
  { id: 'em-dash', re: /\u2014/, shown: 'an em dash' },
  { id: 'now', re: /\bnow\b/i, shown: '"now"' },
  { id: 'instead-of', re: /\binstead of\b/i, shown: '"instead of"' },
  { id: 'ensure', re: /\bensur(?:e|es|ed|ing)\b/i, shown: '"ensure"' },
  { id: 'comprehensive', re: /\bcomprehensive(?:ly)?\b/i, shown: '"comprehensive"' },
  { id: 'address-review', re: /\baddress(?:es|ed|ing)?\b[^.\n]{0,40}\b(?:review|feedback|comments?)\b/i, shown: '"address … review"' },
  { id: 'arrow', re: /\u2192| -> /, shown: 'an arrow' },
  { id: 'properly', re: /\bproperly\b/i, shown: '"properly"' },
  { id: 'enhance', re: /\benhanc(?:e|es|ed|ing|ement|ements)\b/i, shown: '"enhance"' },
  { id: 'this-change', re: /\bthis (?:commit|change|pr|patch)\b/i, shown: '"this commit"' },
  { id: 'add-support', re: /\badd(?:s|ed|ing)? support\b/i, shown: '"add support"' },
  { id: 'robust', re: /\brobust(?:ness|ly)?\b/i, shown: '"robust"' },
  { id: 'streamline', re: /\bstreamlin(?:e|es|ed|ing)\b/i, shown: '"streamline"' },
  { id: 'improve', re: /\bimprov(?:e|es|ed|ing|ement|ements)\b/i, shown: '"improve"' },
  { id: 'first-person', re: /\b(?:I|I'm|I've|I'd|my|me)\b/, shown: 'the first person' },
  { id: 'curly-quote', re: /[\u2018\u2019\u201c\u201d]/, shown: 'curly quotes' },
];

function count(re: RegExp, text: string): number {
  let n = 0;
  re.lastIndex = 0;
  while (re.exec(text) !== null) n += 1;
  return n;
}

/** Structural features of a message already passed through stripStamps. */
export function messageFeatures(stripped: string): MessageFeatures {
  const lines = stripped.split('\n');
  const subject = lines[0] ?? '';
  const body = lines.slice(1);
  const bodyText = body.join('\n').trim();
  const nonEmpty = lines.filter((l) => l.trim() !== '');
  const bodyNonEmpty = body.filter((l) => l.trim() !== '');
  let paragraphs = 0;
  let inPara = false;
  for (const l of lines) {
    if (l.trim() === '') inPara = false;
    else if (!inPara) { inPara = true; paragraphs += 1; }
  }
  const bullets = bodyNonEmpty.filter((l) => BULLET.test(l)).length;
  const numbered = bodyNonEmpty.filter((l) => NUMBERED.test(l)).length;
  const headings = lines.filter((l) => HEADING.test(l)).length;
  const sections = body.filter((l) => SECTION.test(l)).length;
  const bodyLong = bodyNonEmpty.filter((l) => l.length > 100).length;
  const bodyMax = bodyNonEmpty.reduce((m, l) => Math.max(m, l.length), 0);
  return {
    lines: Math.log1p(nonEmpty.length),
    'body-chars': Math.log1p(bodyText.length),
    'subject-chars': Math.log1p(subject.trim().length),
    'subject-over-72': subject.trim().length > 72 ? 1 : 0,
    paragraphs: Math.log1p(paragraphs),
    'bullet-share': bodyNonEmpty.length === 0 ? 0 : bullets / bodyNonEmpty.length,
    bullets: Math.log1p(bullets),
    headings: Math.log1p(headings),
    sections: Math.log1p(sections),
    'code-spans': Math.log1p(count(CODE_SPAN, stripped)),
    'file-paths': Math.log1p(count(FILE_PATH, stripped)),
    conventional: CONVENTIONAL.test(subject) ? 1 : 0,
    'wrapped-72': bodyNonEmpty.length >= 2 && bodyMax <= 72 ? 1 : 0,
    'long-lines': bodyNonEmpty.length === 0 ? 0 : bodyLong / bodyNonEmpty.length,
    'subject-period': /[^.]\.$/.test(subject.trim()) ? 1 : 0,
    emoji: EMOJI.test(stripped) ? 1 : 0,
    bold: BOLD.test(stripped) ? 1 : 0,
    'pr-number': PR_NUMBER.test(subject) ? 1 : 0,
    'issue-refs': Math.log1p(count(ISSUE_REF, bodyText)),
    'subject-lowercase': /^[a-z]/.test(subject.replace(CONVENTIONAL, '').trim()) ? 1 : 0,
    'colon-lines': Math.log1p(body.filter((l) => l.trim() !== '' && COLON_LINE.test(l)).length),
    numbered: Math.log1p(numbered),
    'empty-body': bodyNonEmpty.length === 0 ? 1 : 0,
    // Steps over the log scales: the model is linear, the length effect is not.
    'lines-5': nonEmpty.length >= 5 ? 1 : 0,
    'lines-10': nonEmpty.length >= 10 ? 1 : 0,
    'lines-20': nonEmpty.length >= 20 ? 1 : 0,
    'body-400': bodyText.length >= 400 ? 1 : 0,
    'body-1200': bodyText.length >= 1200 ? 1 : 0,
    'has-sections': sections > 0 ? 1 : 0,
    'has-headings': headings > 0 ? 1 : 0,
    'has-code-spans': count(CODE_SPAN, stripped) > 0 ? 1 : 0,
    'has-bullets': bullets > 0 ? 1 : 0,
    'lines-3': nonEmpty.length >= 3 ? 1 : 0,
    'subject-50': subject.trim().length >= 50 ? 1 : 0,
    'subject-70': subject.trim().length >= 70 ? 1 : 0,
    checkboxes: Math.log1p(body.filter((l) => CHECKBOX.test(l)).length),
    // Trailers that are not stamps (Signed-off-by, Reviewed-by, Fixes): a mailing-list habit.
    'trailers-left': Math.log1p(body.filter((l) => TRAILER_LINE.test(l) && !/^\s*[-*]/.test(l) && !/:\s*$/.test(l) && /^[A-Z][A-Za-z-]*-[A-Za-z-]*:|^(?:Fixes|Closes|Refs|Resolves):/.test(l.trim())).length),
    'body-starts-bullet': (bodyNonEmpty[0] !== undefined && BULLET.test(bodyNonEmpty[0])) ? 1 : 0,
    'mean-line-chars': bodyNonEmpty.length === 0 ? 0 : Math.log1p(bodyNonEmpty.reduce((n, l) => n + l.length, 0) / bodyNonEmpty.length),
    'subject-code': /`[^`]+`/.test(subject) ? 1 : 0,
    ...phraseFeatures(stripped),
  };
}

function phraseFeatures(stripped: string): Record<PhraseId, number> {
  const out: Partial<Record<PhraseId, number>> = {};
  for (const p of PHRASES) out[p.id] = p.re.test(stripped) ? 1 : 0;
  return out as Record<PhraseId, number>;
}

// ---------------------------------------------------------------------------------------------
// The model.

export interface MessageModel {
  readonly id: string;
  readonly version: string;
  readonly bias: number;
  readonly weights: Readonly<Partial<Record<MessageFeatureId, number>>>;
  /** Log-odds at or above which a message counts as agent-written (≤1% of training humans). */
  readonly threshold: number;
}

export interface MessageScore {
  /** Log-likelihood ratio, agent over current-era human (classes weighted equally in training). */
  readonly llr: number;
  /** At or above the model's operating point. */
  readonly agentLike: boolean;
  readonly features: MessageFeatures;
  /** Plain description of the message's structure, for reasons shown to people. */
  readonly description: string;
}

export const DEFAULT_MESSAGE_MODEL: MessageModel = Object.freeze({
  id: data.id,
  version: data.version,
  bias: data.bias,
  weights: Object.freeze({ ...(data.weights as Partial<Record<MessageFeatureId, number>>) }),
  threshold: data.threshold,
});

/** Log-odds of features under `model`. */
export function messageLogit(features: MessageFeatures, model: MessageModel): number {
  let z = Number.isFinite(model.bias) ? model.bias : 0;
  for (const id of MESSAGE_FEATURE_IDS) {
    const w = model.weights[id];
    if (typeof w === 'number' && Number.isFinite(w)) z += w * features[id];
  }
  return z;
}

/** Scores a raw message (stamps are stripped first, so they never count). */
export function scoreMessage(message: string, markers: StampMarkers, model: MessageModel = DEFAULT_MESSAGE_MODEL): MessageScore {
  const stripped = stripStamps(message, markers);
  const features = messageFeatures(stripped);
  const llr = Math.round(messageLogit(features, model) * 1e4) / 1e4;
  return { llr, agentLike: llr >= model.threshold, features, description: describeMessage(stripped, model) };
}

/**
 * "14 lines, 3 bullet points, a section "Test plan", an em dash": what a reader can check in the
 * message. Phrases are named only when `model` weighs them toward an agent (a phrase that
 * counts against one, such as the first person, is never given as a reason for one).
 */
export function describeMessage(stripped: string, model: MessageModel = DEFAULT_MESSAGE_MODEL): string {
  const lines = stripped.split('\n');
  const nonEmpty = lines.filter((l) => l.trim() !== '').length;
  const body = lines.slice(1);
  const parts = [`${nonEmpty} ${nonEmpty === 1 ? 'line' : 'lines'}`];
  const bullets = body.filter((l) => BULLET.test(l) || NUMBERED.test(l)).length;
  if (bullets > 0) parts.push(`${bullets} bullet ${bullets === 1 ? 'point' : 'points'}`);
  const sections = body.filter((l) => SECTION.test(l) || HEADING.test(l)).map((l) => l.replace(/[#*:]/g, '').trim()).filter((s) => s.length > 0);
  if (sections.length > 0) {
    const shown = [...new Set(sections.map((s) => s.slice(0, 24)))].slice(0, 3);
    parts.push(`${shown.length === 1 ? 'a section' : 'sections'} ${shown.map((s) => `"${s}"`).join(', ')}`);
  }
  const spans = count(CODE_SPAN, stripped);
  if (spans > 0) parts.push(`${spans} code ${spans === 1 ? 'span' : 'spans'}`);
  const paths = count(FILE_PATH, stripped);
  if (paths > 0) parts.push(`${paths} file ${paths === 1 ? 'path' : 'paths'}`);
  const phrases = PHRASES.filter((p) => (model.weights[p.id] ?? 0) > 0 && p.re.test(stripped)).map((p) => p.shown);
  if (phrases.length > 0) parts.push(phrases.join(', '));
  return parts.join(', ');
}

/** Provenance and held-out figures recorded by the training script. */
export const MESSAGE_MODEL_METRICS: Readonly<Record<string, number>> = Object.freeze({ ...data.metrics });
