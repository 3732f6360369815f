// Building blocks for features: value shaping and the snippets quoted in details.

import type { Feature } from '../src/core/types.js';

export function clamp01(value: number): number {
  if (!Number.isFinite(value) || value <= 0) return 0;
  return value >= 1 ? 1 : value;
}

/** `count` occurrences mapped to 0..1, reaching 1 at `full` occurrences. */
export function saturate(count: number, full: number): number {
  return clamp01(count / full);
}

/** How much to trust a ratio measured over `n` lines: 0 below `min`, 1 from `full` on. */
export function support(n: number, min: number, full: number): number {
  if (n < min) return 0;
  return clamp01(n / full);
}

const MAX_SNIPPET = 60;

/**
 * A short excerpt of attacker-controlled text for a feature detail: control characters and
 * backticks replaced, whitespace collapsed, at most MAX_SNIPPET characters. Callers escape
 * details again for their output format.
 */
export function snippet(text: string): string {
  let out = '';
  for (const ch of text.trim()) {
    const c = ch.codePointAt(0) ?? 0;
    out += c < 32 || c === 127 || (c >= 0x80 && c < 0xa0) ? ' ' : ch === '`' ? "'" : ch;
  }
  const chars = [...out.replace(/\s+/g, ' ')];
  out = chars.length > MAX_SNIPPET ? `${chars.slice(0, MAX_SNIPPET - 1).join('')}…` : chars.join('');
  return `\`${out}\``;
}

/** Drops features without positive finite values and sorts by id (the Detector contract). */
export function finish(features: Feature[]): Feature[] {
  return features.filter((f) => Number.isFinite(f.value) && f.value > 0).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
