// Which grammar a path is parsed with. Decided by extension only: contents are attacker-controlled
// and a shebang or modeline must not switch grammars.

import type { Language } from '../src/core/types.js';

export type ParsableLanguage = 'typescript' | 'tsx' | 'javascript' | 'jsx';

const BY_EXTENSION: ReadonlyMap<string, ParsableLanguage> = new Map([
  ['ts', 'typescript'],
  ['mts', 'typescript'],
  ['cts', 'typescript'],
  ['tsx', 'tsx'],
  ['js', 'javascript'],
  ['mjs', 'javascript'],
  ['cjs', 'javascript'],
  ['jsx', 'jsx'],
]);

/** Language of a source path by its extension; `unknown` for anything we do not parse. */
export function languageOfPath(path: string): Language {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return 'unknown';
  const ext = base.slice(dot + 1).toLowerCase();
  if (base.toLowerCase().endsWith('.d.ts')) return 'typescript';
  return BY_EXTENSION.get(ext) ?? 'unknown';
}

export function isParsable(language: Language): language is ParsableLanguage {
  return language === 'typescript' || language === 'tsx' || language === 'javascript' || language === 'jsx';
}
