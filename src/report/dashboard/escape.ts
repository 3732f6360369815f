// The two sinks of the dashboard page: HTML text/attribute values, and JSON inside a
// <script type="application/json"> element.
import { jsonVisible, visibleText } from '../escape.js';

/**
 * HTML text or a double-quoted attribute value: controls, bidi and zero-width characters are
 * made visible (escape.ts visibleText), then `& < > " '` become entities.
 */
export function htmlText(text: string): string {
  return visibleText(text).replace(/[&<>"']/g, (ch) => ENTITIES[ch]!);
}

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * JSON for a <script type="application/json"> element. The HTML parser ends a script element
 * at the first `</script` (any case) and treats `<!--` specially, so every `<`, `>` and `&` is
 * written as a `\u003c`-style escape: the same value after JSON.parse, but no character sequence
 * that the parser acts on can appear. U+2028/2029, bidi and zero-width characters are escaped too.
 */
export function jsonForScript(value: unknown): string {
  return jsonVisible(JSON.stringify(value)).replace(/[<>&]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
