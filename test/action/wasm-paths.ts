// Where the wasm files are in node_modules (the bundle script copies them from here).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { WasmPaths } from '../../src/action/platform/wasm-parse.js';

const require = createRequire(import.meta.url);
const pkg = (name: string) => dirname(require.resolve(`${name}/package.json`));

export function nodeModulesWasmPaths(): WasmPaths {
  return {
    runtime: join(dirname(require.resolve('web-tree-sitter')), 'tree-sitter.wasm'),
    typescript: join(pkg('tree-sitter-typescript'), 'tree-sitter-typescript.wasm'),
    tsx: join(pkg('tree-sitter-typescript'), 'tree-sitter-tsx.wasm'),
    javascript: join(pkg('tree-sitter-javascript'), 'tree-sitter-javascript.wasm'),
  };
}
