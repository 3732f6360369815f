// Wires the Action to the runner's environment; the system clock and randomness are the defaults.
// With `wasmDir` (the bundle), the engine parses with the WASM backend loaded from there, on the
// first analysis (a skipped event loads nothing; a load failure is reported like any other);
// without it (running from source), with the native binding.
import { analyzeChange } from '../src/engine/analyze.js';
import type { Analyze } from '../src/engine/review.js';
import { loadWasmParser } from './platform/wasm-parse.js';
import { runAndReport } from './run.js';

export function main(wasmDir?: string): Promise<void> {
  return runAndReport({ env: process.env, ...(wasmDir === undefined ? {} : { analyze: wasmAnalysis(wasmDir) }) });
}

/** The engine's analysis with the WASM parser, loaded once on first use. */
export function wasmAnalysis(wasmDir: string): Analyze {
  let parser: ReturnType<typeof loadWasmParser> | undefined;
  return async (changeSet, options) => {
    parser ??= loadWasmParser(wasmDir);
    return analyzeChange(changeSet, { ...options, parser: await parser });
  };
}
