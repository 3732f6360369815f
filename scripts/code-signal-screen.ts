// How much can the CODE of a real agent commit (its added and deleted lines, never its commit
// message) tell it apart from human code? Issue #11's gap report needs a bound, measured on the
// real-commit corpus's TRAIN split only (the test split is never loaded here).
//
//   npx tsx scripts/code-signal-screen.ts [--mirrors DIR] [--cache FILE] [--max-commits N] > out.json
//
// 1. A screen of hand features per hunk (comment style, line and identifier lengths, TypeScript
//    idioms, console and test calls, emoji, deleted-line ratio, new file, test path…): for each,
//    the pooled AUROC of agent hunks against all human hunks and against `human-current`, and the
//    mean within-repository AUROC (repositories with at least 5 hunks of each class) against both.
//    Sorted by |within-repository AUROC against human-current − 0.5|.
// 2. An upper-bound style learned model on the code text: hashed token unigrams and bigrams
//    (identifiers split into lowercased camelCase/snake_case subwords, punctuation tokens, comment
//    words), plus the hand features, fitted by class-balanced L2 logistic regression (L-BFGS, full
//    batch, fixed limits: deterministic). 5-fold cross-validation grouped by repository (all of a
//    repository's hunks are in one fold), for a few L2 strengths; out-of-fold pooled and
//    within-repository AUROC and TPR at 1% FPR, against all humans and against `human-current`,
//    for the hand features alone, the tokens alone and both. The best combined model's
//    top-weighted tokens per fold are printed with how concentrated they are in one repository,
//    so a reader can see whether it learned repository topics rather than agent style.
//
// JSON on stdout, progress on stderr. The extracted hunks are cached in .cache/ (keyed by the
// manifest's digest and --max-commits) so a re-run skips the mirrors.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseUnifiedDiff } from '../src/diff/parse.js';
import { auroc, thresholdAtFlagRate } from '../src/eval/metrics.js';
import { defaultMirrors, loadRealCommits, readManifest, sampleCommits, type LoadSummary } from '../src/eval/real/load.js';
import { withinGroupAuroc, type GroupedScored } from '../src/eval/real/metrics.js';
import type { RealLabel } from '../src/eval/real/manifest.js';
import { hunkRef } from '../src/eval/real/mine.js';
import { REAL_MANIFEST } from '../src/eval/real/run.js';
import { PROJECT_ROOT, option } from './options.js';

const mirrors = option('--mirrors', defaultMirrors());
const cacheFile = option('--cache', join(PROJECT_ROOT, '.cache', 'code-signal-rows.json'));
/** Train commits read (a deterministic subsample, src/eval/real/load.ts sampleCommits). */
const MAX_COMMITS = Number(option('--max-commits', '1800'));
/** Within-repository AUROC: repositories with at least this many hunks of each class. */
const MIN_EACH = 5;
const FOLDS = 5;
const BUCKET_BITS = 18;
const BUCKETS = 1 << BUCKET_BITS;
const LAMBDAS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1];
const MAX_ITERATIONS = 300;
const TARGET_FPR = 0.01;
const TOP_TOKENS = 15;
const started = Date.now();
const log = (msg: string): void => {
  process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)}s] ${msg}\n`);
};

// ---------------------------------------------------------------------------------------------
// Data: the train split's hunks, re-extracted from the mirrors.

interface Row {
  readonly repo: string;
  readonly commit: string;
  readonly label: RealLabel;
  readonly agent?: string;
  readonly path: string;
  readonly status: string;
  readonly added: readonly string[];
  readonly deleted: readonly string[];
}

interface Cache {
  readonly manifest: string;
  readonly maxCommits: number;
  readonly summary: LoadSummary | null;
  readonly rows: Row[];
}

function loadRows(): Cache {
  const manifestPath = join(PROJECT_ROOT, REAL_MANIFEST);
  const digest = createHash('sha256').update(readFileSync(manifestPath)).digest('hex');
  if (existsSync(cacheFile)) {
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as Cache;
    if (cached.manifest === digest && cached.maxCommits === MAX_COMMITS) {
      log(`read ${cached.rows.length} hunks from ${cacheFile}`);
      return cached;
    }
    log(`${cacheFile} is for another manifest or --max-commits: re-extracting`);
  }
  // The train split only: the test split is never loaded.
  const samples = sampleCommits(readManifest(manifestPath).filter((s) => s.split === 'train'), MAX_COMMITS);
  const rows: Row[] = [];
  const summary: { value?: LoadSummary } = {};
  let commits = 0;
  for (const c of loadRealCommits(samples, { mirrors, heads: false }, summary)) {
    const files = parseUnifiedDiff(c.patch);
    for (const s of c.samples) {
      const f = files.find((x) => x.path === s.path);
      if (f === undefined) continue;
      for (const h of f.hunks) {
        // The sample's hunk: same added range and the digest the corpus recorded (src/eval/real/mine.ts).
        const ref = hunkRef(f.path, h);
        if (ref === undefined || ref.startLine !== s.startLine || ref.endLine !== s.endLine || ref.sha256 !== s.sha256) continue;
        rows.push({
          repo: s.repo, commit: s.commit, label: s.label, ...(s.agent === undefined ? {} : { agent: s.agent }), path: s.path, status: f.status,
          added: h.lines.filter((l) => l.kind === 'add').map((l) => l.text), deleted: h.lines.filter((l) => l.kind === 'del').map((l) => l.text),
        });
        break;
      }
    }
    if (++commits % 300 === 0) log(`${commits} commits, ${rows.length} hunks`);
  }
  const out: Cache = { manifest: digest, maxCommits: MAX_COMMITS, summary: summary.value ?? null, rows };
  mkdirSync(dirname(cacheFile), { recursive: true });
  writeFileSync(cacheFile, JSON.stringify(out));
  log(`extracted ${rows.length} hunks of ${commits} commits into ${cacheFile}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Hand features (a port of the exploration prototype, plus a few). Idiom patterns count matches
// per non-blank code line (comment lines excluded); the prose patterns (TODO, em dash, emoji, e.g.,
// JSDoc…) count per non-blank added line, comments included, where they actually occur.

const CODE_PATTERNS: Readonly<Record<string, RegExp>> = {
  type_ann: /:\s*(string|number|boolean|unknown|any|void|never|Promise<|Record<|Array<|[A-Z]\w*(\[\])?)\b/g,
  as_cast: /\bas\s+(?!const\b)[A-Za-z]/g,
  as_const: /\bas const\b/g,
  any: /\bany\b/g,
  unknown: /\bunknown\b/g,
  optchain: /\?\.|\?\?/g,
  await: /\bawait\b/g,
  async: /\basync\b/g,
  arrow: /=>/g,
  function_kw: /\bfunction\b/g,
  template: /`/g,
  interface: /^\s*(export\s+)?(interface|type)\s+\w+/g,
  export: /^\s*export\b/g,
  import: /^\s*import\b/g,
  require: /\brequire\(/g,
  var: /\bvar\s/g,
  throw_err: /throw new \w*Error/g,
  try: /\btry\s*\{/g,
  catch: /\bcatch\b/g,
  if: /\bif\s*\(/g,
  early_return: /\bif\s*\(.*\)\s*return\b/g,
  return: /\breturn\b/g,
  const: /\bconst\b/g,
  let: /\blet\b/g,
  nonnull: /\w!\.|\w!\)|\w!;/g,
  console: /\bconsole\.\w+\(/g,
  console_err: /console\.(error|warn)\(/g,
  log_prefix: /console\.\w+\(['"`]\[/g,
  logger: /\b(logger|log)\.(info|warn|error|debug)\(/g,
  instanceof_err: /instanceof Error\s*\?/g,
  string_err: /String\((error|err|e)\)/g,
  entries: /Object\.(entries|keys|values)\(/g,
  mapfilter: /\.(map|filter|reduce|forEach|some|every|find)\(/g,
  satisfies: /\bsatisfies\b/g,
  readonly: /\breadonly\b/g,
  private: /\b(private|public|protected)\b/g,
  ret_type: /\)\s*:\s*[\w<[{]/g,
  optparam: /\w\?:/g,
  process_env: /process\.env/g,
  test_call: /^\s*(describe|it|test)\(|\bexpect\(/g,
  should: /\b(it|test)\(['"`]should/g,
  semicolon_end: /;\s*$/g,
  dq: /"[^"\n]*"/g,
  sq: /'[^'\n]*'/g,
  eqeqeq: /===|!==/g,
  loose_eq: /[^=!]==[^=]|!=[^=]/g,
  null_check: /(===|!==)\s*(null|undefined)/g,
  typeof: /\btypeof\b/g,
  spread: /\.\.\.\w/g,
  destruct: /(const|let)\s*\{/g,
  default_param: /\w\s*=\s*[^=>]/g,
  ident_long: /\b[a-z][a-z0-9]*(?:[A-Z][a-z0-9]+){2,}\b/g,
  Boolean: /\bBoolean\(/g,
  Array_isArray: /Array\.isArray/g,
  promise_all: /Promise\.all/g,
  trailing_comma: /,\s*$/g,
  length_check: /\.length\s*(===|>|!==)\s*0/g,
  void: /\bvoid\b/g,
  className: /\bclassName=/g,
  jsx_tag: /<[A-Z]\w*[\s/>]/g,
  inline_comment: /\S\s+\/\/\s/g,
  trailing_ws: /[ \t]$/g,
};

const TEXT_PATTERNS: Readonly<Record<string, RegExp>> = {
  todo: /\b(TODO|FIXME|XXX|HACK)\b/g,
  emdash: /—/g,
  arrow_uni: /[→✓✅❌⚠✨🚀]/gu,
  emoji: /\p{Extended_Pictographic}/gu,
  eg: /\b(e\.g\.|i\.e\.)/g,
  jsdoc: /^\s*\/\*\*/g,
  numbered_comment: /^\s*\/\/\s*(Step\s*)?\d+[.):]\s/gi,
  section_comment: /^\s*\/\/\s*(={3,}|-{3,}|#{2,})/g,
  note_comment: /^\s*(\/\/|\*)\s*(NOTE|IMPORTANT|WARNING|CRITICAL)\b/g,
  backtick_comment: /^\s*(\/\/|\*).*`[^`]+`/g,
};

const COMMENT = /^\s*(\/\/|\/\*|\*)/;
const COMMENT_MARK = /^\s*(\/\/+|\/\*+|\*+\/?)\s*/;
const CSTART = /^\s*(\/\/|\/\*\*?|\*)\s*(Check|Ensure|Handle|Create|Update|Get|Set|Add|Remove|Use|Return|If|Build|Make|Convert|Parse|Validate|Initialize|Fetch|Process|Skip|Only|Note)\b/;
const IDENT = /[A-Za-z_$][\w$]*/g;
const TEST_PATH = /(test|spec|__tests__)/;

const count = (re: RegExp, line: string): number => line.match(re)?.length ?? 0;
const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

const BASE_FEATURES = [
  'log_size', 'new_file', 'is_test', 'ext_tsx', 'ext_js', 'del_ratio', 'del_any', 'comment_frac', 'blank_frac', 'comment_sentence',
  'comment_lower', 'comment_words', 'comment_verb', 'mean_len', 'max_len', 'long_frac', 'indent', 'tab_indent', 'non_ascii',
  'ident_len', 'ident_div', 'sq_frac',
];
const FEATURE_NAMES: readonly string[] = [...BASE_FEATURES, ...Object.keys(CODE_PATTERNS), ...Object.keys(TEXT_PATTERNS)];
const H = FEATURE_NAMES.length;

function handFeatures(r: Row): Float64Array {
  const add = r.added;
  const nb = add.filter((l) => l.trim() !== '');
  const n = Math.max(1, nb.length);
  const com = nb.filter((l) => COMMENT.test(l));
  const code = nb.filter((l) => !COMMENT.test(l));
  const nc = Math.max(1, code.length);
  const f: Record<string, number> = {};
  f.log_size = Math.log1p(add.length);
  f.new_file = r.status === 'added' ? 1 : 0;
  f.is_test = TEST_PATH.test(r.path) ? 1 : 0;
  f.ext_tsx = /\.(tsx|jsx)$/.test(r.path) ? 1 : 0;
  f.ext_js = /\.(js|jsx|mjs|cjs)$/.test(r.path) ? 1 : 0;
  f.del_ratio = r.deleted.length / (add.length + r.deleted.length);
  f.del_any = r.deleted.length > 0 ? 1 : 0;
  f.comment_frac = com.length / n;
  f.blank_frac = 1 - nb.length / Math.max(1, add.length);
  const ctext = com.map((l) => l.replace(COMMENT_MARK, '').trim()).filter((c) => c !== '');
  f.comment_sentence = ctext.length === 0 ? 0 : ctext.filter((c) => /^[A-Z].*[.!?]$/.test(c)).length / ctext.length;
  f.comment_lower = ctext.length === 0 ? 0 : ctext.filter((c) => /^[a-z]/.test(c)).length / ctext.length;
  f.comment_words = mean(ctext.map((c) => c.split(/\s+/).length));
  f.comment_verb = com.filter((l) => CSTART.test(l)).length / n;
  const lens = code.length === 0 ? [0] : code.map((l) => l.trim().length);
  f.mean_len = mean(lens);
  f.max_len = Math.max(...lens);
  f.long_frac = lens.filter((x) => x > 100).length / nc;
  f.indent = mean(code.map((l) => l.length - l.trimStart().length));
  f.tab_indent = code.filter((l) => l.startsWith('\t')).length / nc;
  f.non_ascii = add.filter((l) => /[^\p{ASCII}]/u.test(l)).length / n;
  for (const [k, re] of Object.entries(CODE_PATTERNS)) f[k] = code.reduce((s, l) => s + count(re, l), 0) / nc;
  for (const [k, re] of Object.entries(TEXT_PATTERNS)) f[k] = nb.reduce((s, l) => s + count(re, l), 0) / n;
  const ids = code.flatMap((l) => l.match(IDENT) ?? []);
  f.ident_len = mean(ids.map((i) => i.length));
  f.ident_div = new Set(ids).size / Math.max(1, ids.length);
  f.sq_frac = f.sq! + f.dq! > 0 ? f.sq! / (f.sq! + f.dq!) : 0.5;
  return Float64Array.from(FEATURE_NAMES, (k) => f[k] ?? 0);
}

// ---------------------------------------------------------------------------------------------
// Tokens: identifiers as lowercased subwords, numbers as one token, punctuation and operators as
// tokens, comment lines as lowercased words (prefixed `#`); a line break is a token too, so a
// bigram sees line ends. Unigrams and bigrams hashed (FNV-1a) into 2^18 buckets, presence only,
// each row scaled to unit length.

const CODE_TOKEN = /[A-Za-z_$][\w$]*|\d+(?:\.\d+)?|\?\.|\?\?=?|=>|===|!==|==|!=|<=|>=|&&=?|\|\|=?|\.\.\.|\+\+|--|[^\s\w]/gu;
const COMMENT_TOKEN = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;

function subwords(id: string): string[] {
  return id
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_$]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
}

function tokens(r: Row): string[] {
  const out: string[] = [];
  for (const line of r.added) {
    if (line.trim() === '') continue;
    if (COMMENT.test(line)) {
      for (const t of line.replace(COMMENT_MARK, '').match(COMMENT_TOKEN) ?? []) out.push(`#${t.toLowerCase()}`);
    } else {
      for (const t of line.match(CODE_TOKEN) ?? []) {
        if (/^[A-Za-z_$]/.test(t)) out.push(...subwords(t));
        else if (/^\d/.test(t)) out.push('<num>');
        else out.push(t);
      }
    }
    out.push('⏎');
  }
  return out;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 15;
  return (h >>> 0) & (BUCKETS - 1);
}

interface Bag {
  readonly idx: Int32Array;
  readonly val: number;
}

/** Per bucket, the tokens that fell in it and how many rows held each (for reading weights). */
const bucketNames = new Map<number, Map<string, number>>();

function bag(r: Row): Bag {
  const toks = tokens(r);
  const grams = new Set<string>();
  for (let i = 0; i < toks.length; i++) {
    grams.add(toks[i]!);
    if (i + 1 < toks.length) grams.add(`${toks[i]!} ${toks[i + 1]!}`);
  }
  const buckets = new Set<number>();
  for (const g of grams) {
    const b = fnv1a(g);
    buckets.add(b);
    let names = bucketNames.get(b);
    if (names === undefined) bucketNames.set(b, (names = new Map()));
    names.set(g, (names.get(g) ?? 0) + 1);
  }
  const idx = Int32Array.from([...buckets].sort((a, b) => a - b));
  return { idx, val: idx.length === 0 ? 0 : 1 / Math.sqrt(idx.length) };
}

// ---------------------------------------------------------------------------------------------
// Metrics.

const round = (x: number | null | undefined): number | null => (x === null || x === undefined ? null : Math.round(x * 10000) / 10000);

interface Comparison {
  readonly auroc: number | null;
  readonly withinRepo: number | null;
  readonly withinRepos: number;
  readonly tprAt1pctFpr: number | null;
  /** Learned models only: spread of the per-repository AUROCs behind `withinRepo`. */
  readonly perRepo?: { readonly se: number | null; readonly min: number | null; readonly median: number | null; readonly max: number | null; readonly above05: number };
}

/** Agent against the negatives in `negatives`; other labels left out. */
function compare(scores: ArrayLike<number>, rows: readonly Row[], negatives: ReadonlySet<RealLabel>, withTpr: boolean): Comparison {
  const s: GroupedScored[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r.label === 'agent' || negatives.has(r.label)) s.push({ score: scores[i]!, positive: r.label === 'agent', group: r.repo });
  }
  const w = withinGroupAuroc(s, MIN_EACH);
  let tpr: number | null = null;
  let perRepo: Comparison['perRepo'];
  if (withTpr) {
    const groups = new Map<string, GroupedScored[]>();
    for (const x of s) groups.set(x.group, [...(groups.get(x.group) ?? []), x]);
    const per: number[] = [];
    for (const g of groups.values()) {
      const p = g.filter((x) => x.positive).length;
      if (p >= MIN_EACH && g.length - p >= MIN_EACH) per.push(auroc(g)!);
    }
    per.sort((a, b) => a - b);
    const m = mean(per);
    const se = per.length < 2 ? null : Math.sqrt(per.reduce((a, x) => a + (x - m) ** 2, 0) / (per.length - 1) / per.length);
    perRepo = { se: round(se), min: round(per[0]), median: round(per[Math.floor(per.length / 2)]), max: round(per[per.length - 1]), above05: per.filter((x) => x > 0.5).length };
    const neg = s.filter((x) => !x.positive).map((x) => x.score);
    const pos = s.filter((x) => x.positive).map((x) => x.score);
    const t = thresholdAtFlagRate(neg, TARGET_FPR);
    tpr = pos.length === 0 ? null : pos.filter((x) => x >= t).length / pos.length;
  }
  return { auroc: round(auroc(s)), withinRepo: round(w.meanAuroc), withinRepos: w.groups, tprAt1pctFpr: round(tpr), ...(perRepo === undefined ? {} : { perRepo }) };
}

const ALL_HUMANS: ReadonlySet<RealLabel> = new Set<RealLabel>(['human-current', 'human-old']);
const CURRENT: ReadonlySet<RealLabel> = new Set<RealLabel>(['human-current']);

// ---------------------------------------------------------------------------------------------
// Class-balanced L2 logistic regression on sparse rows, L-BFGS with a backtracking line search.
// Objective: Σ c_i·logloss_i + λ/2·|w|², c_i = 1/(2·n_class) (each class half the mass); the bias
// is not penalised (it is the last coordinate).

interface Design {
  readonly dim: number;
  /** Row i's non-zeros are idx/val[start[i] .. start[i+1]). */
  readonly start: Int32Array;
  readonly idx: Int32Array;
  readonly val: Float64Array;
}

interface FitResult {
  readonly w: Float64Array;
  readonly iterations: number;
  readonly gradNorm: number;
  readonly objective: number;
}

function logistic(design: Design, rowsIdx: Int32Array, y: Uint8Array, c: Float64Array, lambda: number): FitResult {
  const d = design.dim + 1;
  const bias = design.dim;
  const w = new Float64Array(d);
  const evaluate = (x: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let f = 0;
    for (let k = 0; k < rowsIdx.length; k++) {
      const i = rowsIdx[k]!;
      let z = x[bias]!;
      const a = design.start[i]!;
      const b = design.start[i + 1]!;
      for (let p = a; p < b; p++) z += x[design.idx[p]!]! * design.val[p]!;
      const yi = y[i]!;
      // log(1 + exp(-m)) with m the signed margin, computed stably.
      const m = yi === 1 ? z : -z;
      f += c[i]! * (m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m)));
      const p1 = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
      const g = c[i]! * (p1 - yi);
      grad[bias] = grad[bias]! + g;
      for (let p = a; p < b; p++) grad[design.idx[p]!] = grad[design.idx[p]!]! + g * design.val[p]!;
    }
    for (let j = 0; j < bias; j++) {
      f += 0.5 * lambda * x[j]! * x[j]!;
      grad[j] = grad[j]! + lambda * x[j]!;
    }
    return f;
  };
  const dot = (a: Float64Array, b: Float64Array): number => {
    let s = 0;
    for (let j = 0; j < d; j++) s += a[j]! * b[j]!;
    return s;
  };
  const M = 8;
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const RHO: number[] = [];
  let g = new Float64Array(d);
  let f = evaluate(w, g);
  const dir = new Float64Array(d);
  const alpha = new Float64Array(M);
  const trial = new Float64Array(d);
  let gTrial = new Float64Array(d);
  let it = 0;
  const gnorm = (v: Float64Array): number => {
    let m = 0;
    for (let j = 0; j < d; j++) m = Math.max(m, Math.abs(v[j]!));
    return m;
  };
  for (; it < MAX_ITERATIONS && gnorm(g) > 1e-7; it++) {
    // Two-loop recursion: dir = −H·g.
    for (let j = 0; j < d; j++) dir[j] = -g[j]!;
    for (let k = S.length - 1; k >= 0; k--) {
      const a = RHO[k]! * dot(S[k]!, dir);
      alpha[k] = a;
      const yk = Y[k]!;
      for (let j = 0; j < d; j++) dir[j] = dir[j]! - a * yk[j]!;
    }
    const gamma = S.length === 0 ? 1 / Math.max(1e-12, Math.sqrt(dot(g, g))) : dot(S[S.length - 1]!, Y[Y.length - 1]!) / dot(Y[Y.length - 1]!, Y[Y.length - 1]!);
    for (let j = 0; j < d; j++) dir[j] = dir[j]! * gamma;
    for (let k = 0; k < S.length; k++) {
      const b = RHO[k]! * dot(Y[k]!, dir);
      const sk = S[k]!;
      for (let j = 0; j < d; j++) dir[j] = dir[j]! + (alpha[k]! - b) * sk[j]!;
    }
    let slope = dot(g, dir);
    if (slope >= 0) {
      // Not a descent direction: restart from the gradient.
      S.length = 0;
      Y.length = 0;
      RHO.length = 0;
      for (let j = 0; j < d; j++) dir[j] = -g[j]!;
      slope = dot(g, dir);
    }
    let step = 1;
    let fTrial = Infinity;
    for (let ls = 0; ls < 40; ls++) {
      for (let j = 0; j < d; j++) trial[j] = w[j]! + step * dir[j]!;
      fTrial = evaluate(trial, gTrial);
      if (fTrial <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fTrial < f)) break;
    const s = new Float64Array(d);
    const yv = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      s[j] = trial[j]! - w[j]!;
      yv[j] = gTrial[j]! - g[j]!;
    }
    const sy = dot(s, yv);
    if (sy > 1e-12) {
      if (S.length === M) {
        S.shift();
        Y.shift();
        RHO.shift();
      }
      S.push(s);
      Y.push(yv);
      RHO.push(1 / sy);
    }
    w.set(trial);
    [g, gTrial] = [gTrial, g];
    const rel = (f - fTrial) / Math.max(1e-12, Math.abs(f));
    f = fTrial;
    if (rel < 1e-10) break;
  }
  return { w, iterations: it, gradNorm: gnorm(g), objective: f };
}

function scoreRow(design: Design, w: Float64Array, i: number): number {
  let z = w[design.dim]!;
  for (let p = design.start[i]!; p < design.start[i + 1]!; p++) z += w[design.idx[p]!]! * design.val[p]!;
  return z;
}

// ---------------------------------------------------------------------------------------------
// Folds grouped by repository: repositories by descending hunk count (ties by a hash of the
// name), each to the fold with the fewest hunks so far.

function repoFolds(rows: readonly Row[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.repo, (counts.get(r.repo) ?? 0) + 1);
  const h = (s: string): string => createHash('sha256').update(`trailmark-code-screen\0${s}`).digest('hex');
  const repos = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || (h(a) < h(b) ? -1 : 1));
  const load = new Array<number>(FOLDS).fill(0);
  const fold = new Map<string, number>();
  for (const repo of repos) {
    let best = 0;
    for (let k = 1; k < FOLDS; k++) if (load[k]! < load[best]!) best = k;
    fold.set(repo, best);
    load[best] = load[best]! + counts.get(repo)!;
  }
  return fold;
}

// ---------------------------------------------------------------------------------------------

type ModelKind = 'hand' | 'tokens' | 'combined';

/** The fitted variants: features, and which human hunks are the training negatives. */
const VARIANTS: readonly { readonly name: string; readonly kind: ModelKind; readonly negatives: ReadonlySet<RealLabel> }[] = [
  { name: 'hand', kind: 'hand', negatives: ALL_HUMANS },
  { name: 'tokens', kind: 'tokens', negatives: ALL_HUMANS },
  { name: 'combined', kind: 'combined', negatives: ALL_HUMANS },
  // Era-matched training: human-old hunks left out of the fits (still scored out of fold).
  { name: 'combined-vs-current', kind: 'combined', negatives: CURRENT },
];

function main(): void {
  const data = loadRows();
  const rows = data.rows;
  const n = rows.length;
  const byLabel: Record<string, number> = {};
  for (const r of rows) byLabel[r.label] = (byLabel[r.label] ?? 0) + 1;
  const repos = [...new Set(rows.map((r) => r.repo))];
  log(`${n} hunks in ${repos.length} repositories ${JSON.stringify(byLabel)}`);

  // 1. The screen.
  const X = rows.map(handFeatures);
  const screen = FEATURE_NAMES.map((name, j) => {
    const col = X.map((x) => x[j]!);
    const vsAll = compare(col, rows, ALL_HUMANS, false);
    const vsCur = compare(col, rows, CURRENT, false);
    const agentMean = mean(col.filter((_, i) => rows[i]!.label === 'agent'));
    const curMean = mean(col.filter((_, i) => rows[i]!.label === 'human-current'));
    const oldMean = mean(col.filter((_, i) => rows[i]!.label === 'human-old'));
    return {
      feature: name,
      pooledVsAll: vsAll.auroc, pooledVsCurrent: vsCur.auroc,
      withinVsAll: vsAll.withinRepo, withinVsCurrent: vsCur.withinRepo,
      reposAll: vsAll.withinRepos, reposCurrent: vsCur.withinRepos,
      meanAgent: round(agentMean), meanHumanCurrent: round(curMean), meanHumanOld: round(oldMean),
    };
  });
  screen.sort((a, b) => Math.abs((b.withinVsCurrent ?? 0.5) - 0.5) - Math.abs((a.withinVsCurrent ?? 0.5) - 0.5) || (a.feature < b.feature ? -1 : 1));
  log('screen done');

  // 2. Learned models.
  const bags = rows.map(bag);
  log(`hashed tokens: ${bucketNames.size} buckets used of ${BUCKETS}`);
  const fold = repoFolds(rows);
  const foldOf = Int32Array.from(rows, (r) => fold.get(r.repo)!);
  const y = Uint8Array.from(rows, (r) => (r.label === 'agent' ? 1 : 0));

  const buildDesign = (kind: ModelKind, trainIdx: Int32Array): Design => {
    // Hand features standardized on the training rows only, the block scaled to unit length.
    const mu = new Float64Array(H);
    const sd = new Float64Array(H);
    for (const i of trainIdx) for (let j = 0; j < H; j++) mu[j] = mu[j]! + X[i]![j]! / trainIdx.length;
    for (const i of trainIdx) for (let j = 0; j < H; j++) sd[j] = sd[j]! + (X[i]![j]! - mu[j]!) ** 2 / trainIdx.length;
    for (let j = 0; j < H; j++) sd[j] = Math.sqrt(sd[j]!) * Math.sqrt(H) || 1;
    const useTok = kind !== 'hand';
    const useHand = kind !== 'tokens';
    const offset = useTok ? BUCKETS : 0;
    const start = new Int32Array(n + 1);
    let nnz = 0;
    for (let i = 0; i < n; i++) {
      start[i] = nnz;
      nnz += (useTok ? bags[i]!.idx.length : 0) + (useHand ? H : 0);
    }
    start[n] = nnz;
    const idx = new Int32Array(nnz);
    const val = new Float64Array(nnz);
    for (let i = 0; i < n; i++) {
      let p = start[i]!;
      if (useTok) {
        const b = bags[i]!;
        for (const t of b.idx) {
          idx[p] = t;
          val[p++] = b.val;
        }
      }
      if (useHand) {
        for (let j = 0; j < H; j++) {
          idx[p] = offset + j;
          val[p++] = (X[i]![j]! - mu[j]!) / sd[j]!;
        }
      }
    }
    return { dim: offset + (useHand ? H : 0), start, idx, val };
  };

  interface ModelResult {
    readonly model: string;
    readonly trainedAgainst: string;
    readonly lambda: number;
    readonly vsAllHumans: Comparison;
    readonly vsHumanCurrent: Comparison;
    readonly fits: { fold: number; iterations: number; gradNorm: number; objective: number }[];
  }
  const results: ModelResult[] = [];
  const weightsOf = new Map<string, { w: Float64Array; trainIdx: Int32Array }[]>();
  for (const { name, kind, negatives } of VARIANTS) {
    for (const lambda of LAMBDAS) {
      const oof = new Float64Array(n);
      const fits: ModelResult['fits'] = [];
      const kept: { w: Float64Array; trainIdx: Int32Array }[] = [];
      for (let k = 0; k < FOLDS; k++) {
        const trainIdx = Int32Array.from(rows.keys()).filter((i) => foldOf[i] !== k && (y[i] === 1 || negatives.has(rows[i]!.label)));
        const testIdx = Int32Array.from(rows.keys()).filter((i) => foldOf[i] === k);
        const design = buildDesign(kind, trainIdx);
        let pos = 0;
        for (const i of trainIdx) pos += y[i]!;
        const c = new Float64Array(n);
        for (const i of trainIdx) c[i] = y[i] === 1 ? 0.5 / pos : 0.5 / (trainIdx.length - pos);
        const fit = logistic(design, trainIdx, y, c, lambda);
        for (const i of testIdx) oof[i] = scoreRow(design, fit.w, i);
        fits.push({ fold: k, iterations: fit.iterations, gradNorm: Number(fit.gradNorm.toExponential(2)), objective: round(fit.objective)! });
        if (name === 'combined') kept.push({ w: fit.w, trainIdx });
      }
      const res: ModelResult = { model: name, trainedAgainst: negatives === CURRENT ? 'human-current' : 'all humans', lambda, vsAllHumans: compare(oof, rows, ALL_HUMANS, true), vsHumanCurrent: compare(oof, rows, CURRENT, true), fits };
      results.push(res);
      if (name === 'combined') weightsOf.set(String(lambda), kept);
      log(`${name} λ=${lambda}: vs all ${JSON.stringify(res.vsAllHumans)} vs current ${JSON.stringify(res.vsHumanCurrent)}`);
    }
  }

  // The best combined model (by out-of-fold within-repository AUROC against human-current: the
  // choice is made on the same out-of-fold scores, so its figure is slightly optimistic, which an
  // upper bound may be) and what it weighted most, per fold.
  const combined = results.filter((r) => r.model === 'combined');
  const best = combined.reduce((a, b) => ((b.vsHumanCurrent.withinRepo ?? 0) > (a.vsHumanCurrent.withinRepo ?? 0) ? b : a));
  const folds = weightsOf.get(String(best.lambda))!.map(({ w, trainIdx }, k) => {
    const bucketRows = (b: number): { rows: number; agentShare: number; agentRepos: number; topRepoShare: number } => {
      let total = 0;
      let agent = 0;
      const perRepo = new Map<string, number>();
      for (const i of trainIdx) {
        const idx = bags[i]!.idx;
        // Binary search: idx is sorted.
        let lo = 0;
        let hi = idx.length - 1;
        let found = false;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          if (idx[mid] === b) {
            found = true;
            break;
          }
          if (idx[mid]! < b) lo = mid + 1;
          else hi = mid - 1;
        }
        if (!found) continue;
        total++;
        if (y[i] === 1) {
          agent++;
          perRepo.set(rows[i]!.repo, (perRepo.get(rows[i]!.repo) ?? 0) + 1);
        }
      }
      const top = Math.max(0, ...perRepo.values());
      return { rows: total, agentShare: round(total === 0 ? 0 : agent / total)!, agentRepos: perRepo.size, topRepoShare: round(agent === 0 ? 0 : top / agent)! };
    };
    const names = (b: number): string[] =>
      [...(bucketNames.get(b) ?? new Map<string, number>()).entries()].sort((a, c) => c[1] - a[1] || (a[0] < c[0] ? -1 : 1)).slice(0, 3).map(([t]) => t);
    const order = Int32Array.from({ length: BUCKETS }, (_, j) => j).sort((a, b) => w[b]! - w[a]! || a - b);
    const describe = (b: number): Record<string, unknown> => ({ tokens: names(b), weight: round(w[b]), ...bucketRows(b) });
    const agentSide = [...order.subarray(0, TOP_TOKENS)].map(describe);
    const humanSide = [...order.subarray(BUCKETS - TOP_TOKENS)].reverse().map(describe);
    const hand = FEATURE_NAMES.map((f, j) => ({ feature: f, weight: round(w[BUCKETS + j])! })).sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight) || (a.feature < b.feature ? -1 : 1)).slice(0, 10);
    const heldOut = repos.filter((r) => fold.get(r) === k).sort();
    return { fold: k, heldOutRepos: heldOut, agentTokens: agentSide, humanTokens: humanSide, handFeatures: hand };
  });
  log('top tokens done');

  const out = {
    schema: 'trailmark.code-signal-screen/v1',
    split: 'train',
    data: {
      maxCommits: MAX_COMMITS, hunks: n, commits: new Set(rows.map((r) => `${r.repo}\0${r.commit}`)).size, repositories: repos.length, byLabel,
      load: data.summary, minEachForWithinRepo: MIN_EACH, folds: FOLDS,
      foldSizes: Array.from({ length: FOLDS }, (_, k) => ({ fold: k, repos: repos.filter((r) => fold.get(r) === k).length, hunks: rows.filter((r) => fold.get(r.repo) === k).length, agent: rows.filter((r) => fold.get(r.repo) === k && r.label === 'agent').length })),
    },
    screen,
    models: {
      note: 'Class-balanced L2 logistic regression trained on agent vs all human hunks (combined-vs-current: vs human-current only); out-of-fold scores of 5 folds grouped by repository. tokens: hashed unigrams+bigrams, presence, unit length per hunk; hand: the screen features standardized on the training folds. TPR at 1% FPR: threshold at 1% of the out-of-fold scores of the negatives of that comparison.',
      buckets: BUCKETS,
      results,
    },
    bestCombined: { lambda: best.lambda, chosenBy: 'out-of-fold within-repo AUROC vs human-current (same scores: slightly optimistic)', folds },
  };
  process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
  log('done');
}

main();
