// The tree-sitter .wasm files in node_modules (scripts/bundle-action.ts copies the same files
// into dist/action/wasm/), as the bytes the WASM backend takes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { WasmBinaries } from '../../detectors/parsers/wasm.js';

const require = createRequire(import.meta.url);
const pkg = (name: string) => dirname(require.resolve(`${name}/package.json`));
const bytes = (path: string) => new Uint8Array(readFileSync(path));

export function nodeModulesWasmBinaries(): WasmBinaries {
  return {
    runtime: bytes(join(dirname(require.resolve('web-tree-sitter')), 'tree-sitter.wasm')),
    typescript: bytes(join(pkg('tree-sitter-typescript'), 'tree-sitter-typescript.wasm')),
    tsx: bytes(join(pkg('tree-sitter-typescript'), 'tree-sitter-tsx.wasm')),
    javascript: bytes(join(pkg('tree-sitter-javascript'), 'tree-sitter-javascript.wasm')),
  };
}
