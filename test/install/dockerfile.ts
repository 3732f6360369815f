// A parser for the Dockerfile instructions this repository uses, following the Dockerfile
// reference (https://docs.docker.com/reference/dockerfile/): parser directives at the top,
// `#` comment lines (also inside continuations), `\` line continuations, `--flag=value`
// options, exec form (a JSON array) or shell form, and `key=value` pairs for ENV and LABEL.
// Anything else is rejected, so a new instruction has to be taught here before it is tested.

export interface Instruction {
  /** 1-based line where the instruction starts. */
  readonly line: number;
  /** Upper case. */
  readonly keyword: string;
  readonly flags: Readonly<Record<string, string>>;
  /** The text after the flags (continuations joined). */
  readonly args: string;
  /** The JSON array of the exec form, when the args are one. */
  readonly exec?: readonly string[];
  /** ENV and LABEL pairs. */
  readonly pairs?: readonly (readonly [string, string])[];
}

export interface Stage {
  readonly image: string;
  readonly name?: string;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  readonly directives: Readonly<Record<string, string>>;
  readonly stages: readonly Stage[];
}

const KEYWORDS = new Set(['FROM', 'WORKDIR', 'COPY', 'RUN', 'ENV', 'LABEL', 'USER', 'VOLUME', 'EXPOSE', 'HEALTHCHECK', 'CMD']);
const FLAGGED = new Set(['FROM', 'COPY', 'RUN', 'HEALTHCHECK']);

/** Splits `key=value key2="quoted value"` as the reference describes (quotes and `\` escapes). */
export function parsePairs(text: string): [string, string][] {
  const pairs: [string, string][] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i]!)) i++;
    if (i >= n) break;
    let key = '';
    while (i < n && text[i] !== '=' && !/\s/.test(text[i]!)) key += text[i++];
    if (text[i] !== '=' || key === '') throw new Error(`expected key=value at ${JSON.stringify(text.slice(i - key.length))}`);
    i++;
    let value = '';
    while (i < n && !/\s/.test(text[i]!)) {
      const c = text[i]!;
      if (c === '"' || c === "'") {
        i++;
        while (i < n && text[i] !== c) {
          if (c === '"' && text[i] === '\\' && i + 1 < n) i++;
          value += text[i++];
        }
        if (i >= n) throw new Error(`unterminated quote in ${JSON.stringify(text)}`);
        i++;
      } else if (c === '\\' && i + 1 < n) {
        value += text[i + 1];
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    pairs.push([key, value]);
  }
  return pairs;
}

function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return undefined; // shell form that starts with "[" (the reference's fallback)
  }
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`exec form must be an array of strings: ${args}`);
  return parsed;
}

export function parseDockerfile(text: string): Dockerfile {
  const lines = text.split('\n');
  const directives: Record<string, string> = {};
  let i = 0;
  // Parser directives: `# key=value` lines before anything else.
  for (; i < lines.length; i++) {
    const m = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(lines[i]!);
    if (m === null) break;
    directives[m[1]!.toLowerCase()] = m[2]!;
  }
  const logical: { line: number; text: string }[] = [];
  let current: { line: number; text: string } | undefined;
  for (; i < lines.length; i++) {
    const raw = lines[i]!;
    if (/^\s*#/.test(raw)) continue;
    if (current === undefined) {
      if (raw.trim() === '') continue;
      current = { line: i + 1, text: '' };
    } else if (raw.trim() === '') {
      continue; // an empty line inside a continuation is skipped
    }
    const continued = /\\\s*$/.test(raw);
    current.text += `${continued ? raw.replace(/\\\s*$/, '') : raw} `;
    if (!continued) {
      logical.push({ line: current.line, text: current.text.trim() });
      current = undefined;
    }
  }
  if (current !== undefined) throw new Error(`line ${current.line}: continuation at the end of the file`);

  const stages: { image: string; name?: string; instructions: Instruction[] }[] = [];
  for (const { line, text: body } of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(body)!;
    const keyword = m[1]!.toUpperCase();
    if (!KEYWORDS.has(keyword)) throw new Error(`line ${line}: ${keyword} is not an instruction this parser knows`);
    let rest = m[2]!;
    const flags: Record<string, string> = {};
    if (FLAGGED.has(keyword)) {
      for (let f = /^--([a-z-]+)=(\S+)\s*/.exec(rest); f !== null; f = /^--([a-z-]+)=(\S+)\s*/.exec(rest)) {
        flags[f[1]!] = f[2]!;
        rest = rest.slice(f[0].length);
      }
    }
    const exec = execForm(rest);
    const instruction: Instruction = {
      line, keyword, flags, args: rest,
      ...(exec === undefined ? {} : { exec }),
      ...(keyword === 'ENV' || keyword === 'LABEL' ? { pairs: parsePairs(rest) } : {}),
    };
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      if (from === null) throw new Error(`line ${line}: FROM ${rest}`);
      stages.push({ image: from[1]!, ...(from[2] === undefined ? {} : { name: from[2] }), instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new Error(`line ${line}: ${keyword} before FROM`);
    stage.instructions.push(instruction);
  }
  return { directives, stages };
}

/** HEALTHCHECK options and the command after `CMD`. */
export function healthcheck(instruction: Instruction): { options: Readonly<Record<string, string>>; exec: readonly string[] } {
  const m = /^CMD\s+(.*)$/.exec(instruction.args);
  if (m === null) throw new Error(`line ${instruction.line}: HEALTHCHECK without CMD`);
  const exec = execForm(m[1]!);
  if (exec === undefined) throw new Error(`line ${instruction.line}: HEALTHCHECK CMD should be in exec form`);
  return { options: instruction.flags, exec };
}
