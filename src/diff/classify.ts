// Which changed files are worth scoring, and in which language. Pure: decides from the path,
// the status, the binary flag, the size and the head text. Paths and text are
// attacker-controlled: compared literally, never as patterns.
//
// Skipping is visible, never silent: every skip carries a category and a reason that end up in
// the hunk's `skipped` verdict. A marker such as "@generated" can be added to hand- or
// AI-written code to avoid scoring; reports show such skips, so the gap stays reviewable.

import type { FileStatus, Language } from '../core/types.js';

/** Files larger than this are not scored (tree-sitter and the detectors are linear, reports are not). */
export const MAX_CLASSIFY_BYTES = 1024 * 1024;
/** How far from the top generated-file markers are looked for. */
export const GENERATED_MARKER_WINDOW_LINES = 10;
export const GENERATED_MARKER_WINDOW_CHARS = 4096;
/** Minified: at least this much text, with this average line length or longer. */
export const MINIFIED_MIN_CHARS = 2048;
export const MINIFIED_MIN_AVERAGE_LINE = 400;
/** Text that is more than this share of U+FFFD after decoding is unusable. */
export const MAX_REPLACEMENT_SHARE = 0.05;

/** Agent Trace's conventional directory: its files are evidence, not code to score. */
export const RECORD_DIR = '.agent-trace';

export type SkipCategory =
  | 'binary'
  | 'deleted'
  | 'submodule'
  | 'symlink'
  | 'lockfile'
  | 'generated'
  | 'vendored'
  | 'minified'
  | 'too-large'
  | 'invalid-utf8'
  | 'record';

export interface ClassifyInput {
  readonly path: string;
  readonly headText?: string;
  readonly binary: boolean;
  /** Size of the head version in bytes, when known. */
  readonly size?: number;
  readonly status: FileStatus;
  /** Git file mode of the head version (`120000` symlink, `160000` submodule), when known. */
  readonly mode?: string;
}

export type Classification =
  | { readonly skip: true; readonly category: SkipCategory; readonly reason: string }
  | { readonly skip: false; readonly language: Language };

/** Lockfiles by exact base name: dependency resolutions written by package managers. */
export const LOCKFILES: ReadonlySet<string> = new Set([
  'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb', 'bun.lock',
  'deno.lock', 'Cargo.lock', 'Gemfile.lock', 'poetry.lock', 'Pipfile.lock', 'pdm.lock', 'uv.lock',
  'composer.lock', 'go.sum', 'go.work.sum', 'mix.lock', 'pubspec.lock', 'Podfile.lock', 'flake.lock',
  'gradle.lockfile', 'packages.lock.json', 'Package.resolved', '.terraform.lock.hcl', 'conda-lock.yml',
]);

/** Directory names whose contents are third-party code. */
const VENDOR_DIRS: ReadonlySet<string> = new Set(['vendor', 'third_party', 'third-party', 'node_modules', 'bower_components', 'jspm_packages', '.yarn']);

/**
 * Directory names whose contents are build or generator output. `build/` is included although
 * some projects keep build scripts there: a config ignore list cannot un-skip, so such
 * projects see those files as `skipped: generated`, which reports make visible.
 */
const GENERATED_DIRS: ReadonlySet<string> = new Set(['dist', 'build', '__generated__', 'generated', '.next', '.nuxt', 'coverage']);

/** File-name endings of generator output. `.d.ts` is deliberately absent: declaration files are often hand-written; emitted ones live in dist/ or build/. */
const GENERATED_SUFFIXES: readonly string[] = [
  '.map', '.pb.ts', '.pb.js', '_pb.js', '_pb.ts', '_pb.d.ts', '_grpc_pb.js', '_grpc_pb.d.ts', '.pb.go',
  '.snap', '.generated.ts', '.generated.js', '.gen.ts', '.gen.js', '.pnp.cjs', '.pnp.loader.mjs',
];

const MINIFIED_SUFFIXES: readonly string[] = ['.min.js', '.min.mjs', '.min.cjs', '.min.css', '-min.js', '.bundle.min.js'];

const LANGUAGES: Readonly<Record<string, Language>> = {
  ts: 'typescript', mts: 'typescript', cts: 'typescript',
  tsx: 'tsx',
  js: 'javascript', mjs: 'javascript', cjs: 'javascript',
  jsx: 'jsx',
};

export function classifyFile(input: ClassifyInput): Classification {
  const { path } = input;
  const parts = path.split('/');
  const base = parts[parts.length - 1] ?? path;
  const dirs = parts.slice(0, -1);
  const lowerBase = base.toLowerCase();

  if (input.status === 'deleted') return skip('deleted', 'deleted file: nothing added to score');
  if (input.mode === '160000') return skip('submodule', 'submodule pointer: no file content');
  if (input.mode === '120000') return skip('symlink', 'symbolic link: the content is a path');
  if (input.binary) return skip('binary', 'binary file');
  if (LOCKFILES.has(base)) return skip('lockfile', `lockfile (${base})`);
  if (dirs.includes(RECORD_DIR)) return skip('record', 'agent capture record: read as evidence, not scored');
  const vendorDir = dirs.find((d) => VENDOR_DIRS.has(d));
  if (vendorDir !== undefined) return skip('vendored', `vendored code (${vendorDir}/)`);
  const generatedDir = dirs.find((d) => GENERATED_DIRS.has(d));
  if (generatedDir !== undefined) return skip('generated', `build or generator output (${generatedDir}/)`);
  const minSuffix = MINIFIED_SUFFIXES.find((s) => lowerBase.endsWith(s));
  if (minSuffix !== undefined) return skip('minified', `minified file (*${minSuffix})`);
  const genSuffix = GENERATED_SUFFIXES.find((s) => lowerBase.endsWith(s));
  if (genSuffix !== undefined) return skip('generated', `generated file (*${genSuffix})`);
  const size = input.size ?? (input.headText === undefined ? undefined : input.headText.length);
  if (size !== undefined && size > MAX_CLASSIFY_BYTES) {
    return skip('too-large', `file of ${size} bytes is over the ${MAX_CLASSIFY_BYTES}-byte cap`);
  }

  const text = input.headText;
  if (text !== undefined) {
    const marker = generatedMarker(text);
    if (marker !== undefined) return skip('generated', `generated file ("${marker}" near the top)`);
    if (text.includes('\u0000')) return skip('binary', 'binary content (NUL bytes)');
    if (replacementShare(text) > MAX_REPLACEMENT_SHARE) return skip('invalid-utf8', 'text is mostly not valid UTF-8');
    if (text.length >= MINIFIED_MIN_CHARS) {
      const average = averageLineLength(text);
      if (average >= MINIFIED_MIN_AVERAGE_LINE) return skip('minified', `minified text (average line ${Math.round(average)} characters)`);
    }
  }
  return { skip: false, language: languageOf(lowerBase) };
}

/** Language by extension; `.d.ts` is TypeScript; anything else that is text is `text`. */
export function languageOf(fileName: string): Language {
  const lower = fileName.toLowerCase();
  const dot = lower.lastIndexOf('.');
  if (dot === -1) return 'text';
  return LANGUAGES[lower.slice(dot + 1)] ?? 'text';
}

function skip(category: SkipCategory, reason: string): Classification {
  return { skip: true, category, reason };
}

/**
 * Conventions: `@generated` (Meta, many code generators), Go's `Code generated ... DO NOT EDIT.`
 * and the generic `DO NOT EDIT`, looked for only in the first lines (a marker string inside
 * the code, e.g. in a test or in this classifier, must not make the file skipped).
 */
function generatedMarker(text: string): string | undefined {
  let top = text.slice(0, GENERATED_MARKER_WINDOW_CHARS);
  let newlines = 0;
  for (let i = 0; i < top.length; i++) {
    if (top.charCodeAt(i) === 10 && ++newlines === GENERATED_MARKER_WINDOW_LINES) {
      top = top.slice(0, i);
      break;
    }
  }
  if (top.includes('@generated')) return '@generated';
  if (top.includes('DO NOT EDIT')) return top.includes('Code generated') ? 'Code generated ... DO NOT EDIT' : 'DO NOT EDIT';
  return undefined;
}

function replacementShare(text: string): number {
  if (text.length === 0) return 0;
  let count = 0;
  for (let i = text.indexOf('\uFFFD'); i !== -1; i = text.indexOf('\uFFFD', i + 1)) count++;
  return count / text.length;
}

function averageLineLength(text: string): number {
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < text.length - 1; i = text.indexOf('\n', i + 1)) lines++;
  return text.length / lines;
}
