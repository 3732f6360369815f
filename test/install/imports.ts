// The module graph of compiled JavaScript, read with TypeScript's own pre-processor (a real
// lexer: code inside template strings is not an import): static and dynamic `import`,
// `export … from`, and `require('…')` (the native tree-sitter bindings are required). Only
// literal specifiers are seen; tsc output for this code base uses no computed ones.
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';

export function specifiers(source: string): string[] {
  return [...new Set(ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName))];
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`; undefined for built-ins. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]!)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

export interface Graph {
  /** Files reached, relative to the root, `/`-separated. */
  readonly files: ReadonlySet<string>;
  /** Bare package names imported, with one file importing each. */
  readonly packages: ReadonlyMap<string, string>;
}

/** Follows relative imports from `entries` (paths relative to `root`). */
export async function moduleGraph(root: string, entries: readonly string[]): Promise<Graph> {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const queue = entries.map((e) => normalize(e).split('\\').join('/'));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const source = await readFile(join(root, file), 'utf8');
    for (const spec of specifiers(source)) {
      if (spec.startsWith('.')) {
        queue.push(relative(root, join(root, dirname(file), spec)).split('\\').join('/'));
      } else {
        const pkg = packageOf(spec);
        if (pkg !== undefined && !packages.has(pkg)) packages.set(pkg, file);
      }
    }
  }
  return { files, packages };
}
