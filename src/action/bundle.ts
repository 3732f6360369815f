// Entry of the committed bundle dist/action/index.js (scripts/bundle-action.mjs): loads the WASM
// tree-sitter from dist/action/wasm/ before the Action runs; src/action/index.ts is the entry
// when running from source with the native binding.
import { fileURLToPath } from 'node:url';
import { main } from './main.js';
import { initWasmParsers, wasmPathsIn } from './platform/wasm-parse.js';

await initWasmParsers(wasmPathsIn(fileURLToPath(new URL('wasm/', import.meta.url))));
await main();
