import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

const IGNORED_DIRS = new Set(['node_modules', '.git', 'dist', 'coverage']);
const EXTENSIONS = /\.(ts|tsx|js|jsx|mjs|cjs)$/;
const MARKER = /\b(TODO|FIXME|HACK|XXX)\b[:\s]*(.*)$/;

interface Finding {
  file: string;
  line: number;
  kind: string;
  text: string;
}

async function* walk(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!IGNORED_DIRS.has(entry.name)) yield* walk(join(dir, entry.name));
    } else if (EXTENSIONS.test(entry.name)) {
      yield join(dir, entry.name);
    }
  }
}

async function main(root = process.cwd()) {
  const findings: Finding[] = [];
  for await (const file of walk(root)) {
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines.forEach((content, i) => {
      const match = MARKER.exec(content);
      if (match) findings.push({ file: relative(root, file), line: i + 1, kind: match[1]!, text: match[2]!.trim() });
    });
  }

  const byKind = new Map<string, number>();
  for (const f of findings) {
    byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
    console.log(`${f.file}:${f.line}  ${f.kind}  ${f.text}`);
  }
  console.log(`\n${findings.length} markers (${[...byKind].map(([k, n]) => `${k}: ${n}`).join(', ') || 'none'})`);
}

main(process.argv[2]).catch((err) => {
  console.error(err);
  process.exit(1);
});
