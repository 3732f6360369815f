// Builds the committed GitHub Action bundle, dist/action/: the runner does not run `npm install`,
// so everything the Action needs is in it.
//
//   dist/action/index.js      one ES module (esbuild), Node 20+ (action.yml runs it on node24)
//   dist/action/package.json  {"type":"module"}
//   dist/action/wasm/*.wasm   web-tree-sitter runtime and the TypeScript, TSX, JavaScript grammars
//   dist/action/LICENSES.txt  licenses of the bundled packages
//
// Tree-sitter runs as WASM in the bundle (one artefact for Linux x64/arm64, macOS, Windows):
// action/main.ts hands the engine the WASM backend of the parser port
// (detectors/parsers/wasm.ts, loaded by action/platform/wasm-parse.ts). The native
// backend is the engine's default and so is in the bundle, but the binding it requires on first
// use is not: it is external, and the build fails if any of it reaches the bundle. Output is
// deterministic (no timestamps, sorted inputs), so CI rebuilds it and fails on
// `git diff --exit-code dist/action`.
//
// Usage: npx tsx scripts/bundle-action.ts [--out DIR]   (default dist/action)
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outFlag = process.argv.indexOf('--out');
const out = outFlag === -1 ? join(root, 'dist/action') : resolve(process.argv[outFlag + 1] ?? 'dist/action');
const require = createRequire(join(root, 'package.json'));
const pkgDir = (name: string): string => dirname(require.resolve(`${name}/package.json`));

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'wasm'), { recursive: true });

const result = await build({
  entryPoints: [join(root, 'action/bundle.ts')],
  outfile: join(out, 'index.js'),
  absWorkingDir: root,
  // A checkout with node_modules symlinked in (a clean export of HEAD) builds the same bytes.
  preserveSymlinks: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies call require(); give the ES module one.
  banner: { js: "import { createRequire as __trailmarkCreateRequire } from 'node:module';\nconst require = __trailmarkCreateRequire(import.meta.url);" },
  // The native binding and its grammars (required lazily by detectors/parsers/native.ts).
  external: ['tree-sitter', 'tree-sitter-typescript', 'tree-sitter-javascript'],
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  charset: 'utf8',
});

// Nothing native may remain: the bundle must run where no prebuild exists.
const inputs = Object.keys(result.metafile.inputs).sort();
const native = inputs.filter((p) => /node_modules\/(tree-sitter|tree-sitter-typescript|tree-sitter-javascript|node-gyp-build)\//.test(p));
if (native.length > 0) throw new Error(`native tree-sitter reached the bundle through ${native.join(', ')}`);

writeFileSync(join(out, 'package.json'), '{\n  "type": "module"\n}\n');
const wasm = {
  'tree-sitter.wasm': join(dirname(require.resolve('web-tree-sitter')), 'tree-sitter.wasm'),
  'tree-sitter-typescript.wasm': join(pkgDir('tree-sitter-typescript'), 'tree-sitter-typescript.wasm'),
  'tree-sitter-tsx.wasm': join(pkgDir('tree-sitter-typescript'), 'tree-sitter-tsx.wasm'),
  'tree-sitter-javascript.wasm': join(pkgDir('tree-sitter-javascript'), 'tree-sitter-javascript.wasm'),
};
for (const [name, from] of Object.entries(wasm)) copyFileSync(from, join(out, 'wasm', name));

// Licenses of every bundled package, sorted by name.
const packages = new Map<string, string>();
for (const p of inputs) {
  const at = p.lastIndexOf('node_modules/');
  if (at === -1) continue;
  const m = /^((?:@[^/]+\/)?[^/]+)\//.exec(p.slice(at + 'node_modules/'.length));
  if (m?.[1] !== undefined) packages.set(m[1], resolve(root, p.slice(0, at + 'node_modules/'.length + m[1].length)));
}
packages.set('web-tree-sitter', dirname(require.resolve('web-tree-sitter')));
for (const name of ['tree-sitter-typescript', 'tree-sitter-javascript']) packages.set(name, pkgDir(name));
const licenses = [...packages.keys()].sort().map((name) => {
  const dir = packages.get(name)!;
  const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string; license?: string };
  let text = '';
  for (const file of ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license', 'LICENCE']) {
    try {
      text = readFileSync(join(dir, file), 'utf8').trim();
      break;
    } catch {
      // try the next name
    }
  }
  return `${name}@${meta.version} (${meta.license ?? 'unknown'})\n\n${text}\n`;
});
writeFileSync(join(out, 'LICENSES.txt'), `${licenses.join('\n-----\n\n')}`);

const size = (f: string): number => readFileSync(join(out, f)).byteLength;
const files = ['index.js', ...Object.keys(wasm).map((n) => `wasm/${n}`)];
const total = files.reduce((a, f) => a + size(f), 0);
console.log(`dist/action: ${files.map((f) => `${f} ${(size(f) / 1024).toFixed(0)} KiB`).join(', ')}; total ${(total / 1024 / 1024).toFixed(2)} MiB`);
