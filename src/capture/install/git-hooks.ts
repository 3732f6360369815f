// trailmark's block in a git hook script. Pure: text in, text out.
//
// An existing hook is never replaced: trailmark's lines go in a delimited block that runs after
// the user's own commands, so that prepare-commit-msg adds its trailers to the message as their
// hook left it (a hook that appends a paragraph after our trailers would take them out of git's
// trailer block). The block goes before the first top-level `exit` or `exec` line (column 0),
// else at the end. Limits: a script that leaves earlier in some other way (an `exit` inside a
// function it calls at the end, `exec` of another program on an indented line) never reaches
// the block; a script that runs `shift` or `set --` at top level changes the "$@" it passes on.
// The block never fails the commit (`|| true`). A hook that is not a shell script (python,
// node, a binary) cannot take a shell block: install refuses it.
import { UsageError, printable } from '../../core/errors.js';

export const BLOCK_BEGIN = '# >>> trailmark >>>';
export const BLOCK_END = '# <<< trailmark <<<';

/** Shells that run a POSIX sh block as written. */
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'ksh', 'mksh', 'zsh', 'busybox']);

/** The interpreter a shebang line names (`/usr/bin/env bash` -> `bash`), or undefined. */
export function shebangInterpreter(text: string): string | undefined {
  if (!text.startsWith('#!')) return undefined;
  const first = text.slice(2, (text.indexOf('\n') + 1 || text.length + 1) - 1).replace(/\r$/, '').trim();
  const words = first.split(/[ \t]+/).filter((w) => w !== '');
  let program = words[0]?.split('/').pop();
  let i = 1;
  if (program === 'env') {
    while (words[i]?.startsWith('-') === true) i++;
    program = words[i]?.split('/').pop();
  }
  return program;
}

export function newHookScript(line: string): string {
  return `#!/bin/sh\n${block(line, '\n')}`;
}

function block(line: string, eol: string): string {
  return [BLOCK_BEGIN, '# Added by `trailmark hooks install`; `trailmark hooks uninstall` removes it. Never fails the commit.', line, BLOCK_END, ''].join(eol);
}

/** True when the script has trailmark's block. */
export function hasBlock(text: string): boolean {
  return blockSpan(text) !== undefined;
}

/** Start and end offsets of trailmark's block (whole lines, end after its line break). */
function blockSpan(text: string): { start: number; end: number } | undefined {
  const lines = text.split('\n');
  let offset = 0;
  let start: number | undefined;
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    const next = offset + raw.length + 1;
    if (start === undefined && line === BLOCK_BEGIN) start = offset;
    else if (start !== undefined && line === BLOCK_END) return { start, end: Math.min(next, text.length) };
    offset = next;
  }
  return undefined;
}

/**
 * The script with trailmark's block before its first top-level `exit`/`exec` line, else at its
 * end. `path` names the hook in errors: a script without a shebang, or whose interpreter is not
 * a shell, is refused.
 */
export function insertBlock(text: string, line: string, path: string): string {
  const interpreter = shebangInterpreter(text);
  if (interpreter === undefined || !SHELLS.has(interpreter)) {
    throw new UsageError('BAD_INPUT', `${printable(path)} is not a shell script (${interpreter === undefined ? 'no #! line' : `it runs ${printable(interpreter, 40)}`}): trailmark cannot add its hook to it`, {
      hint: `call \`${printable(line, 200)}\` from that hook yourself, or rename it and call it from a shell hook, then install again`,
    });
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split('\n');
  let offset = 0;
  for (const [i, raw] of lines.entries()) {
    if (i > 0 && /^(exit|exec)([ \t;]|\r?$)/.test(raw)) return `${text.slice(0, offset)}${block(line, eol)}${text.slice(offset)}`;
    offset += raw.length + 1;
  }
  const ended = text.endsWith('\n') ? text : `${text}${eol}`;
  return `${ended}${block(line, eol)}`;
}

/** The script without trailmark's block (unchanged when it has none). */
export function removeBlock(text: string): string {
  const span = blockSpan(text);
  if (span === undefined) return text;
  return text.slice(0, span.start) + text.slice(span.end);
}
