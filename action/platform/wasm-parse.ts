// The Action's parser: reads the tree-sitter WASM runtime and grammars that the bundle ships in
// dist/action/wasm/ (scripts/bundle-action.ts copies them there) and builds the WASM backend of
// the parser port (detectors/parsers/wasm.ts), which does no I/O itself.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ParserError } from '../../detectors/parse.js';
import { createWasmParser, WASM_FILES, type WasmBinaries, type WasmParserBackend } from '../../detectors/parsers/wasm.js';

export { WASM_FILES };

/** Reads the four .wasm files from `dir` and starts the WASM parser. */
export async function loadWasmParser(dir: string): Promise<WasmParserBackend> {
  let binaries: WasmBinaries;
  try {
    const read = async (name: keyof WasmBinaries): Promise<Uint8Array> => new Uint8Array(await readFile(join(dir, WASM_FILES[name])));
    const [runtime, typescript, tsx, javascript] = await Promise.all([read('runtime'), read('typescript'), read('tsx'), read('javascript')]);
    binaries = { runtime, typescript, tsx, javascript };
  } catch (err) {
    throw new ParserError('PARSER_UNAVAILABLE', `cannot read the tree-sitter wasm files in ${dir}`, {
      cause: err,
      hint: 'dist/action/wasm/ ships with the Action; rebuild it with npm run bundle:action',
    });
  }
  try {
    return await createWasmParser(binaries);
  } catch (err) {
    throw new ParserError('PARSER_UNAVAILABLE', `cannot load the tree-sitter wasm runtime or grammars from ${dir}`, {
      cause: err,
      hint: 'the .wasm files must come from the web-tree-sitter and grammar versions in package-lock.json; rebuild with npm run bundle:action',
    });
  }
}
