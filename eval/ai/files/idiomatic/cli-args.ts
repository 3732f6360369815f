import { parseArgs } from 'node:util';

export interface Options {
  input: string;
  output?: string;
  format: 'json' | 'csv';
  verbose: boolean;
}

const FORMATS = new Set(['json', 'csv']);

export function parseOptions(argv: string[]): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      format: { type: 'string', short: 'f', default: 'json' },
      verbose: { type: 'boolean', short: 'v', default: false },
    },
  });
  const [input] = positionals;
  if (!input) throw new Error('usage: convert <input> [-o output] [-f json|csv] [-v]');
  if (!FORMATS.has(values.format!)) throw new Error(`unknown format: ${values.format}`);
  return {
    input,
    output: values.output,
    format: values.format as Options['format'],
    verbose: values.verbose ?? false,
  };
}
