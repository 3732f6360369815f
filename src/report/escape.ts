// Escaping for every sink where attacker-controlled text lands: file paths, commit messages,
// trailer values and detector details that quote code. Each function names its sink; callers
// never hand-roll escaping.

/** Bidirectional overrides and isolates (Trojan Source, CVE-2021-42574) and line/paragraph separators. */
function isBidiOrSeparator(c: number): boolean {
  return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0x2028 || c === 0x2029 || c === 0x200e || c === 0x200f || c === 0x061c;
}

/** Zero-width characters that hide text or split words invisibly. */
function isZeroWidth(c: number): boolean {
  return c === 0x200b || c === 0x200c || c === 0x200d || c === 0x2060 || c === 0xfeff;
}

function isControl(c: number): boolean {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

function visible(c: number): string {
  return c <= 0xff ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
}

/**
 * Makes text safe to show in any sink: control characters (except tab), bidi controls and
 * zero-width characters become visible `\xNN` / `\uNNNN` escapes; newlines become `\n` unless
 * `keepNewlines`. ANSI escape sequences are thereby shown, not executed.
 */
export function visibleText(text: string, options: { keepNewlines?: boolean; keepCarriageReturns?: boolean } = {}): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c === 0x09) out += ch;
    else if (c === 0x0d && options.keepCarriageReturns === true) out += ch;
    else if (c === 0x0a && options.keepNewlines === true) out += ch;
    else if (c === 0x0a) out += '\\n';
    else if (isControl(c) || isBidiOrSeparator(c) || isZeroWidth(c)) out += visible(c);
    else out += ch;
  }
  return out;
}

/**
 * Terminal output: ANSI/C0/C1 controls (except tab), bidi controls and zero-width characters are
 * shown as escapes, so no escape sequence from a commit or a file ever reaches the terminal.
 */
export function terminalText(text: string): string {
  return visibleText(text);
}

// Brackets are enough to stop links and images forming; `(`, `-`, `+` are harmless mid-line and
// a line of ours never starts with untrusted text.
const MARKDOWN_SPECIAL = new Set(['\\', '`', '*', '_', '[', ']', '#', '|', '~']);

/**
 * Markdown inline text (also valid inside a table cell): every markdown metacharacter is
 * backslash-escaped, HTML-significant characters become entities, newlines become spaces, and
 * `@mention` / `#123` references and `scheme://` / `www.` autolinks are broken with a
 * zero-width space entity, so GitHub neither pings people, links issues nor turns an
 * attacker's URL into a link. Inline HTML and HTML comments cannot form (`<` is an entity).
 */
export function markdownText(text: string): string {
  const safe = visibleText(text);
  let out = '';
  for (let i = 0; i < safe.length; i++) {
    const ch = safe[i]!;
    if (ch === '&') out += '&amp;';
    else if (ch === '<') out += '&lt;';
    else if (ch === '>') out += '&gt;';
    else if (ch === '"') out += '&quot;';
    else if (ch === '@') out += '@&#8203;';
    else if (ch === '#' && /[0-9]/.test(safe[i + 1] ?? '')) out += '#&#8203;';
    else if (ch === ':' && safe.startsWith('//', i + 1)) out += ':&#8203;';
    else if (ch === ':' && safe.slice(Math.max(0, i - 10), i).toLowerCase().endsWith('javascript')) out += '&#58;';
    else if (ch === '.' && safe.slice(Math.max(0, i - 3), i).toLowerCase() === 'www' && !/[\p{L}\p{N}]/u.test(safe[i - 4] ?? '')) out += '&#8203;.';
    else if (MARKDOWN_SPECIAL.has(ch)) out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

/**
 * A markdown code span holding `text` literally: the fence is one backtick longer than the
 * longest backtick run inside, padded with spaces when the text starts or ends with a backtick.
 * Newlines are shown as `\n`. Mentions cannot fire inside code spans.
 */
export function markdownCode(text: string): string {
  const safe = visibleText(text);
  if (safe === '') return '` `';
  let longest = 0;
  let run = 0;
  for (const ch of safe) {
    run = ch === '`' ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  const fence = '`'.repeat(longest + 1);
  const pad = safe.startsWith('`') || safe.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${safe}${pad}${fence}`;
}

/**
 * A code span inside a GFM table cell: as markdownCode, with `|` written `\|` (GFM splits
 * cells on pipes even inside code spans, and renders `\|` there as a literal pipe).
 */
export function markdownCodeCell(text: string): string {
  return markdownCode(text).replaceAll('|', '\\|');
}

/** A fenced code block whose fence cannot be closed by the content. */
export function markdownFence(text: string, info = ''): string {
  const safe = visibleText(text, { keepNewlines: true });
  let longest = 2;
  let run = 0;
  for (const ch of safe) {
    run = ch === '`' ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  const fence = '`'.repeat(longest + 1);
  return `${fence}${info}\n${safe}${safe.endsWith('\n') ? '' : '\n'}${fence}`;
}

/**
 * Data of a GitHub workflow command (`::warning ...::DATA`), as @actions/core's
 * `toCommandValue`: `%` → `%25`, CR → `%0D`, LF → `%0A`.
 */
export function workflowCommandData(text: string): string {
  return visibleText(text, { keepNewlines: true, keepCarriageReturns: true }).replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** A property of a workflow command (`file=`, `title=`): also `:` → `%3A`, `,` → `%2C`. */
export function workflowCommandProperty(text: string): string {
  return workflowCommandData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

/**
 * Cuts `text` to at most `max` UTF-16 code units including the ellipsis, never splitting a
 * surrogate pair. Returns the text unchanged when it fits.
 */
export function truncate(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  if (max <= ellipsis.length) return ellipsis.slice(0, Math.max(0, max));
  let end = Math.max(0, max - ellipsis.length);
  const code = text.charCodeAt(end - 1);
  if (end > 0 && code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end) + ellipsis;
}

/**
 * Serialized JSON with bidi controls, line/paragraph separators and zero-width characters
 * written as `\uXXXX` escapes: the same data after parsing, but a person reading the file (or a
 * terminal printing it) sees them instead of being misled by them. These characters can only
 * occur inside JSON strings, so replacing them in the serialized text is safe.
 */
export function jsonVisible(serialized: string): string {
  let out = '';
  for (const ch of serialized) {
    const c = ch.codePointAt(0)!;
    out += isBidiOrSeparator(c) || isZeroWidth(c) ? `\\u${c.toString(16).padStart(4, '0')}` : ch;
  }
  return out;
}

/**
 * Plain text of a SARIF `message.text` (SARIF 2.1.0 §3.11.5, §3.11.6): `{` and `}` are doubled
 * (placeholders), `[`, `]` and a backslash before them are backslash-escaped (embedded links), so untrusted text can
 * neither inject a link to another location nor a placeholder. Controls, bidi and zero-width
 * characters are made visible; newlines are kept (viewers show multi-line messages).
 */
export function sarifText(text: string): string {
  const safe = visibleText(text, { keepNewlines: true });
  let out = '';
  for (let i = 0; i < safe.length; i++) {
    const ch = safe[i]!;
    const next = safe[i + 1];
    if (ch === '{' || ch === '}') out += ch + ch;
    else if (ch === '[' || ch === ']') out += `\\${ch}`;
    // A backslash is only special before a bracket or another backslash (§3.11.6 grammar).
    else if (ch === '\\' && (next === '[' || next === ']' || next === '\\')) out += '\\\\';
    else out += ch;
  }
  return out;
}
