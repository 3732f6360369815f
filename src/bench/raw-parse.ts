// The raw side of the scan bench, run as its own process: `node raw-parse.js <list-file>` reads
// each file the list names (one path a line) and parses it with the native tree-sitter binding,
// through the same input chunks and grammars the scan's parser uses, and nothing else.
// Its process cost (start, grammar load, reads, parses) is the denominator of the scan ratio.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type TreeSitter from 'tree-sitter';
import { chunksOf } from '../../detectors/parsers/port.js';

const list = process.argv[2];
if (list === undefined) {
  process.stderr.write('usage: raw-parse.js <file listing the paths to parse>\n');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const Parser = require('tree-sitter') as new () => TreeSitter;
const ts = require('tree-sitter-typescript') as { typescript: unknown; tsx: unknown };
const javascript = require('tree-sitter-javascript') as unknown;
const parsers = new Map<string, TreeSitter>();
const parserFor = (path: string): TreeSitter => {
  const grammar = path.endsWith('.tsx') ? 'tsx' : /\.[mc]?ts$/.test(path) ? 'typescript' : 'javascript';
  let parser = parsers.get(grammar);
  if (parser === undefined) {
    parser = new Parser();
    parser.setLanguage(grammar === 'tsx' ? ts.tsx : grammar === 'typescript' ? ts.typescript : javascript);
    parsers.set(grammar, parser);
  }
  return parser;
};
let nodes = 0;
for (const path of readFileSync(list, 'utf8').split('\n')) {
  if (path === '') continue;
  const text = readFileSync(path, 'utf8');
  nodes += parserFor(path).parse(chunksOf(text, null)).rootNode.descendantCount;
}
process.stdout.write(`${nodes}\n`);
