// The runner's protocol, as actions/toolkit's @actions/core speaks it (packages/core/src/
// command.ts and file-command.ts), without its HTTP client (undici: 0.8 MB of the bundle).
// Workflow commands are parsed from stdout line by line: every value is escaped so that no
// attacker-controlled text (a path, a message) can end a command or start another.
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { EOL } from 'node:os';
import { workflowCommandData, workflowCommandProperty } from '../../src/report/escape.js';

/** Command data: `%`, CR and LF escaped (toolkit `escapeData`); invisible controls made visible. */
export const escapeData = workflowCommandData;

/** Command property values: also `:` and `,`, which separate properties (toolkit `escapeProperty`). */
export const escapeProperty = workflowCommandProperty;

export interface AnnotationProperties {
  readonly title?: string;
  readonly file?: string;
  readonly startLine?: number;
  readonly endLine?: number;
}

export type Write = (text: string) => void;

const stdout: Write = (text) => {
  process.stdout.write(text);
};

/** `::name key=value,...::message` on a line of its own. */
export function formatCommand(name: string, properties: Readonly<Record<string, string | number | undefined>>, message: string): string {
  const props = Object.entries(properties)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${name}${props === '' ? '' : ` ${props}`}::${escapeData(message)}`;
}

function annotationProps(p: AnnotationProperties): Record<string, string | number | undefined> {
  return { title: p.title, file: p.file, line: p.startLine, endLine: p.endLine };
}

/** The runner-facing side of the Action: inputs, logs, annotations, outputs. */
export class Runner {
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #write: Write;

  constructor(env: Readonly<Record<string, string | undefined>>, write: Write = stdout) {
    this.#env = env;
    this.#write = write;
  }

  /** `INPUT_<NAME>` as the runner sets it (spaces to `_`, upper case; hyphens kept); '' when unset. */
  input(name: string): string {
    return this.#env[`INPUT_${name.replaceAll(' ', '_').toUpperCase()}`] ?? '';
  }

  info(message: string): void {
    this.#write(`${message}${EOL}`);
  }

  notice(message: string, properties: AnnotationProperties = {}): void {
    this.#write(`${formatCommand('notice', annotationProps(properties), message)}${EOL}`);
  }

  warning(message: string, properties: AnnotationProperties = {}): void {
    this.#write(`${formatCommand('warning', annotationProps(properties), message)}${EOL}`);
  }

  error(message: string, properties: AnnotationProperties = {}): void {
    this.#write(`${formatCommand('error', annotationProps(properties), message)}${EOL}`);
  }

  /** Masks `secret` in the rest of the job's log. */
  mask(secret: string): void {
    if (secret !== '') this.#write(`${formatCommand('add-mask', {}, secret)}${EOL}`);
  }

  /** Appends `name<<DELIM` / value / `DELIM` to GITHUB_OUTPUT; DELIM is random, so a value cannot forge one. */
  output(name: string, value: string): void {
    const file = this.#env.GITHUB_OUTPUT;
    if (file === undefined || file === '') {
      this.#write(`${EOL}${formatCommand('set-output', { name }, value)}${EOL}`);
      return;
    }
    const delimiter = `ghadelimiter_${randomUUID()}`;
    if (name.includes(delimiter) || value.includes(delimiter)) throw new Error(`output ${name} contains the delimiter`);
    appendFileSync(file, `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`, 'utf8');
  }

  /** Logs an error and makes the step fail (exit code 1) without exiting. */
  fail(message: string): void {
    process.exitCode = 1;
    this.error(message);
  }
}
