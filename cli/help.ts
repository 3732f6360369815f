// `trailmark --help` and `trailmark --version` without commander: the program's help laid out
// the way commander 14 lays it out (Help.formatHelp: usage, description, options, commands,
// terms padded to the longest, descriptions wrapped at word boundaries to the help width), from
// the commands' summaries. Loading commander and the program's modules is half the CPU of a
// `--help` beyond node's own start; these two answers need neither.
// test/cli/command-summaries.test.ts holds the text equal to commander's at several widths.

/** What `trailmark --help` shows of one command: the terms after its name, and its description. */
export type CommandSummary = readonly [args: string, description: string];

/** The program's description (cli/program.ts gives commander the same text). */
export const PROGRAM_DESCRIPTION = 'Find AI-written changes nobody attested, and keep a signed, verifiable ledger of every conclusion.';

/** Commander's Help.minWidthToWrap: narrower descriptions are not wrapped. */
const MIN_WIDTH_TO_WRAP = 40;
/** Commander's help width when the output is not a terminal. */
const DEFAULT_HELP_WIDTH = 80;

/** The help width commander uses for standard output: the terminal's columns, else 80. */
export function stdoutHelpWidth(): number {
  return (process.stdout.isTTY ? process.stdout.columns : undefined) ?? DEFAULT_HELP_WIDTH;
}

/** The program's help text for `width` columns, byte for byte as commander prints it. */
export function programHelp(summaries: Readonly<Record<string, CommandSummary>>, width: number): string {
  const options: [string, string][] = [['-V, --version', 'output the version number'], ['-h, --help', 'display help for command']];
  const commands: [string, string][] = Object.entries(summaries).map(([name, [args, description]]) => [args === '' ? name : `${name} ${args}`, description]);
  commands.push(['help [command]', 'display help for command']);
  const termWidth = Math.max(...[...options, ...commands].map(([term]) => term.length));
  const item = ([term, description]: [string, string]): string => formatItem(term, termWidth, description, width);
  return [
    'Usage: trailmark [options] [command]',
    '',
    boxWrap(PROGRAM_DESCRIPTION, width),
    '',
    'Options:',
    ...options.map(item),
    '',
    'Commands:',
    ...commands.map(item),
    '',
  ].join('\n');
}

function formatItem(term: string, termWidth: number, description: string, width: number): string {
  const indent = '  ';
  if (description === '') return indent + term;
  const spacer = 2;
  const remaining = width - termWidth - spacer - indent.length;
  const text = remaining < MIN_WIDTH_TO_WRAP || /\n[^\S\r\n]/.test(description)
    ? description
    : boxWrap(description, remaining).replace(/\n/g, `\n${' '.repeat(termWidth + spacer)}`);
  return `${indent}${term.padEnd(termWidth)}${' '.repeat(spacer)}${text.replace(/\n/g, `\n${indent}`)}`;
}

/** Commander's Help.boxWrap: words (with their leading space) while they fit, the break's space dropped. */
function boxWrap(text: string, width: number): string {
  if (width < MIN_WIDTH_TO_WRAP) return text;
  const out: string[] = [];
  for (const line of text.split(/\r\n|\n/)) {
    const chunks = line.match(/[\s]*[^\s]+/g);
    if (chunks === null) {
      out.push('');
      continue;
    }
    let current = [chunks[0]];
    let used = chunks[0].length;
    for (const chunk of chunks.slice(1)) {
      if (used + chunk.length <= width) {
        current.push(chunk);
        used += chunk.length;
        continue;
      }
      out.push(current.join(''));
      const next = chunk.trimStart();
      current = [next];
      used = next.length;
    }
    out.push(current.join(''));
  }
  return out.join('\n');
}
