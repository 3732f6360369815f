// The AI half of the development set, committed as our own work under `eval/ai/`:
//
//   eval/ai/files/<style>/<name>.ts(x)   a whole file written by an AI; yields the whole file as one
//                                        hunk and a few spans of it (an agent editing its own file)
//   eval/ai/edits/<style>/<name>.hunk    an AI-written block placed into a real human file, as an
//                                        agent editing an existing file does; YAML front matter:
//                                          target: <package>@<version>:<path inside the package>
//                                          after: <line>          insert after this line (0 = top)
//                                          replace: [first, last] or replace these lines instead
//
// Style is the directory name. Paths shown to the detectors never mention `eval/ai`.

import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CorpusError } from './corpus-error.js';

export interface AiFile {
  readonly style: string;
  readonly name: string;
  /** Where the file is stored, relative to the project root. */
  readonly stored: string;
  readonly text: string;
}

export interface AiEdit {
  readonly style: string;
  readonly name: string;
  readonly stored: string;
  readonly packageName: string;
  readonly version: string;
  readonly path: string;
  /** Insert after this 1-based line (0 = before the first line); exclusive with `replace`. */
  readonly after?: number;
  readonly replace?: readonly [number, number];
  readonly code: string;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export async function readAiFiles(root: string): Promise<AiFile[]> {
  const base = join(root, 'eval', 'ai', 'files');
  const out: AiFile[] = [];
  for (const style of await listDir(base)) {
    for (const file of await listDir(join(base, style))) {
      if (!/\.(ts|tsx)$/.test(file) || file.endsWith('.d.ts')) continue;
      const stored = ['eval', 'ai', 'files', style, file].join('/');
      out.push({ style, name: file, stored, text: await readFile(join(base, style, file), 'utf8') });
    }
  }
  return out;
}

const FRONT_MATTER = '---\n';

/** Parses one `.hunk` file. `stored` names it in errors. */
export function parseAiEdit(style: string, stored: string, content: string): AiEdit {
  const text = content.replace(/\r\n/g, '\n');
  if (!text.startsWith(FRONT_MATTER)) throw new CorpusError('BAD_SAMPLE', `${stored} does not start with front matter`);
  const close = text.indexOf(`\n${FRONT_MATTER}`, FRONT_MATTER.length - 1);
  if (close === -1) throw new CorpusError('BAD_SAMPLE', `${stored} front matter is not closed`);
  const meta = parseYaml(text.slice(FRONT_MATTER.length, close + 1)) as Record<string, unknown> | null;
  const code = text.slice(close + 1 + FRONT_MATTER.length).replace(/\n+$/, '');
  if (meta === null || typeof meta !== 'object') throw new CorpusError('BAD_SAMPLE', `${stored} front matter is empty`);
  const target = meta.target;
  const match = typeof target === 'string' ? /^(@?[^@:]+)@([^:]+):(.+)$/.exec(target) : null;
  if (match === null) throw new CorpusError('BAD_SAMPLE', `${stored} target ${JSON.stringify(target)} is not <package>@<version>:<path>`);
  const after = meta.after;
  const replace = meta.replace;
  const hasAfter = typeof after === 'number' && Number.isInteger(after) && after >= 0;
  const range = Array.isArray(replace) && replace.length === 2 && replace.every((n) => Number.isInteger(n) && (n as number) >= 1)
    ? ([replace[0] as number, replace[1] as number] as const)
    : undefined;
  const hasReplace = range !== undefined && range[0] <= range[1];
  if (hasAfter === hasReplace) throw new CorpusError('BAD_SAMPLE', `${stored} needs exactly one of after: <line> or replace: [first, last]`);
  if (code.trim() === '') throw new CorpusError('BAD_SAMPLE', `${stored} has no code`);
  return {
    style,
    name: basename(stored, '.hunk'),
    stored,
    packageName: match[1] as string,
    version: match[2] as string,
    path: match[3] as string,
    ...(hasAfter ? { after } : range === undefined ? {} : { replace: range }),
    code,
  };
}

export async function readAiEdits(root: string): Promise<AiEdit[]> {
  const base = join(root, 'eval', 'ai', 'edits');
  const out: AiEdit[] = [];
  for (const style of await listDir(base)) {
    for (const file of await listDir(join(base, style))) {
      if (!file.endsWith('.hunk')) continue;
      const stored = ['eval', 'ai', 'edits', style, file].join('/');
      out.push(parseAiEdit(style, stored, await readFile(join(base, style, file), 'utf8')));
    }
  }
  return out;
}
