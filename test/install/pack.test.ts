// package.json's entry points as npm publishes them: `npm pack` of a clean checkout after the
// build that `prepare` runs holds `main`, `types`, every `exports` and `bin` target, the
// `start` script's module, and every file they import; everything they import from a package
// is a production dependency (`npm ci --omit=dev` installs nothing else).
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { REPO_ROOT } from '../support/github-sim.js';
import { buildInto } from './build.js';
import { moduleGraph, packageOf, specifiers } from './imports.js';

const run = promisify(execFile);

interface PackageJson {
  readonly main: string;
  readonly types?: string;
  readonly exports?: unknown;
  readonly bin: Readonly<Record<string, string>>;
  readonly files: readonly string[];
  readonly scripts: Readonly<Record<string, string>>;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly devDependencies: Readonly<Record<string, string>>;
}

let dir: string;
let pkg: PackageJson;
let packed: Set<string>;

function leaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(leaves);
  return [];
}

const clean = (path: string) => path.replace(/^\.\//, '');

beforeAll(async () => {
  // A clean checkout: the tracked and not-ignored files (no dist/lib, no node_modules).
  dir = await mkdtemp(join(tmpdir(), 'trailmark-pack-'));
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, maxBuffer: 64 << 20 });
  // (In a work tree whose node_modules is a symlink, git lists the link as untracked.)
  for (const file of stdout.split('\0').filter((f) => f !== '' && f !== 'node_modules')) {
    await mkdir(join(dir, dirname(file)), { recursive: true });
    await cp(join(REPO_ROOT, file), join(dir, file)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err; // deleted in the work tree, not yet in the index
    });
  }
  pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PackageJson;
  await buildInto(dir);
  const out = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, maxBuffer: 64 << 20 });
  const [result] = JSON.parse(out.stdout) as [{ files: { path: string }[] }];
  packed = new Set(result.files.map((f) => f.path));
});

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

test('npm pack and npm publish build dist/lib first', async () => {
  // `prepare` runs before `npm pack`/`npm publish` (and after `npm ci` in a checkout).
  expect(pkg.scripts.prepare ?? pkg.scripts.prepack).toBe('npm run build');
  expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json');
  const build = JSON.parse(await readFile(join(dir, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { outDir: string; declaration?: boolean } };
  expect(build.compilerOptions.outDir).toBe('dist/lib');
  expect(build.compilerOptions.declaration).toBe(true);
});

test('every `files` entry exists after the build and is packed', () => {
  for (const entry of pkg.files) expect([...packed].some((p) => p === entry || p.startsWith(`${entry}/`)), entry).toBe(true);
  expect(packed).toContain('LICENSE');
  expect(packed).toContain('README.md');
  expect(packed).toContain('package.json');
});

test('main, types, exports, bin and the start script point at packed files', () => {
  const start = /^node (\S+\.js)$/.exec(pkg.scripts.start ?? '');
  expect(start, pkg.scripts.start).not.toBeNull();
  const targets = [pkg.main, ...(pkg.types === undefined ? [] : [pkg.types]), ...leaves(pkg.exports), ...Object.values(pkg.bin), start![1]!].map(clean);
  expect(targets.length).toBeGreaterThan(4);
  for (const target of targets) expect(packed, target).toContain(target);
});

test('bin scripts are executable by npm (shebang)', async () => {
  for (const bin of Object.values(pkg.bin)) expect((await readFile(join(dir, bin), 'utf8')).startsWith('#!/usr/bin/env node\n'), bin).toBe(true);
});

test('every file the entry points import is packed, and every package they import is a production dependency', async () => {
  const start = /^node (\S+\.js)$/.exec(pkg.scripts.start ?? '')![1]!;
  const entries = [pkg.main, ...leaves(pkg.exports).filter((t) => t.endsWith('.js')), ...Object.values(pkg.bin), start].map(clean);
  const graph = await moduleGraph(dir, entries);
  expect(graph.files.size).toBeGreaterThan(50);
  for (const file of graph.files) expect(packed, file).toContain(file);
  for (const [name, from] of graph.packages) {
    expect(pkg.dependencies[name], `${name} (imported by ${from}) is in dependencies`).toBeDefined();
  }
  // The native parsers are loaded with require(): seen, and production dependencies.
  expect([...graph.packages.keys()]).toEqual(expect.arrayContaining(['probot', 'tree-sitter', 'tree-sitter-typescript', 'tree-sitter-javascript']));
});

test('the import reader sees every form the compiled code uses', () => {
  const source = "import { a } from './a.js';\nexport * from \"./b.js\";\nimport './c.js';\nconst d = await import('@scope/d/sub');\nconst e = require('e');\nimport {\n  f,\n  g,\n} from 'node:fs';\nconst demo = `import { h } from './not-an-import.js';`;";
  expect(specifiers(source).sort()).toEqual(['./a.js', './b.js', './c.js', '@scope/d/sub', 'e', 'node:fs']);
  expect(['@scope/d/sub', 'e/x', 'node:fs', 'fs/promises'].map(packageOf)).toEqual(['@scope/d', 'e', undefined, undefined]);
});

test('nothing secret or development-only is packed', () => {
  for (const file of packed) {
    expect(file, file).not.toMatch(/(^|\/)\.env|\.pem$|\.key$|^test\/|^(src|app|action|cli|detectors)\/|^node_modules\//);
  }
});
