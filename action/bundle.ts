// Entry of the committed bundle dist/action/index.js (scripts/bundle-action.ts): the Action with
// the WASM tree-sitter in dist/action/wasm/; action/index.ts is the entry when running from
// source with the native binding.
import { fileURLToPath } from 'node:url';
import { main } from './main.js';

await main(fileURLToPath(new URL('wasm/', import.meta.url)));
