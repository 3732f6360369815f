// Chooses which contiguous spans of a real file become the "added lines" of a synthetic hunk.
// Real pull requests add a few lines far more often than whole functions, and whole files now
// and then; the mix below follows that shape. Deterministic: the same text and seed key give the
// same spans.

import { languageOfPath, parseSource, splitLines, type SyntaxNode } from '../../detectors/index.js';
import { seedOf, seededRandom } from './split.js';

export type SpanKind = 'lines' | 'statements' | 'unit' | 'block' | 'file';

export interface Span {
  /** 1-based inclusive line range. */
  readonly startLine: number;
  readonly endLine: number;
  readonly kind: SpanKind;
}

/** Largest file treated as a candidate for a whole-file hunk ("new file" in a diff). */
export const WHOLE_FILE_MAX_LINES = 250;
/** Largest syntactic unit taken as one hunk; bigger ones are rare in reviewable diffs. */
export const UNIT_MAX_LINES = 80;

const UNIT_TYPES: ReadonlySet<string> = new Set([
  'function_declaration', 'generator_function_declaration', 'method_definition', 'class_declaration',
  'abstract_class_declaration', 'interface_declaration', 'type_alias_declaration', 'enum_declaration',
  'lexical_declaration', 'public_field_definition',
]);
const STATEMENT_PARENTS: ReadonlySet<string> = new Set(['statement_block', 'program', 'class_body', 'switch_case']);

interface Candidates {
  readonly units: Span[];
  /** Runs of sibling statements: each entry is the sibling list of one block. */
  readonly blocks: (readonly { start: number; end: number }[])[];
}

function collect(root: SyntaxNode): Candidates {
  const units: Span[] = [];
  const blocks: { start: number; end: number }[][] = [];
  const stack: SyntaxNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as SyntaxNode;
    const start = node.startPosition.row + 1;
    const end = node.endPosition.row + 1;
    if (UNIT_TYPES.has(node.type) && end - start + 1 >= 2 && end - start + 1 <= UNIT_MAX_LINES) {
      const outer = node.parent !== null && node.parent.type === 'export_statement' ? node.parent : node;
      units.push({ startLine: outer.startPosition.row + 1, endLine: outer.endPosition.row + 1, kind: 'unit' });
    }
    if (STATEMENT_PARENTS.has(node.type)) {
      const siblings = node.namedChildren
        .filter((c) => c.type !== 'comment')
        .map((c) => ({ start: c.startPosition.row + 1, end: c.endPosition.row + 1 }))
        .filter((s) => s.end - s.start < 30);
      if (siblings.length > 0) blocks.push(siblings);
    }
    for (const child of node.namedChildren) stack.push(child);
  }
  return { units, blocks };
}

function nonBlank(lines: readonly string[], span: Span): boolean {
  for (let i = span.startLine; i <= span.endLine; i++) if ((lines[i - 1] ?? '').trim() !== '') return true;
  return false;
}

/**
 * Up to `count` distinct spans of `text`. Files that do not parse still yield line and block
 * spans. `seedKey` should name the file uniquely (package, version, path).
 */
export function chooseSpans(path: string, text: string, seedKey: string, count: number): Span[] {
  const lines = splitLines(text);
  const total = lines.length;
  if (total === 0 || count <= 0) return [];
  const random = seededRandom(seedOf(seedKey));
  const pick = <T>(items: readonly T[]): T | undefined => (items.length === 0 ? undefined : items[Math.floor(random() * items.length)]);
  const parsed = parseSource(text, languageOfPath(path));
  const candidates: Candidates = parsed?.tree === undefined ? { units: [], blocks: [] } : collect(parsed.tree.rootNode);

  const spans = new Map<string, Span>();
  const add = (span: Span | undefined): void => {
    if (span === undefined || span.startLine < 1 || span.endLine > total || span.endLine < span.startLine) return;
    if (!nonBlank(lines, span)) return;
    spans.set(`${span.startLine}-${span.endLine}`, span);
  };
  if (total <= WHOLE_FILE_MAX_LINES && random() < 0.12) add({ startLine: 1, endLine: total, kind: 'file' });

  for (let attempt = 0; spans.size < count && attempt < count * 8; attempt++) {
    const r = random();
    if (r < 0.32) {
      const length = 1 + Math.floor(random() * random() * 5);
      const start = 1 + Math.floor(random() * total);
      add({ startLine: start, endLine: Math.min(total, start + length - 1), kind: 'lines' });
    } else if (r < 0.55) {
      const siblings = pick(candidates.blocks);
      if (siblings === undefined) continue;
      const first = Math.floor(random() * siblings.length);
      const run = 1 + Math.floor(random() * Math.min(3, siblings.length - first));
      const a = siblings[first];
      const b = siblings[first + run - 1];
      if (a !== undefined && b !== undefined) add({ startLine: a.start, endLine: b.end, kind: 'statements' });
    } else if (r < 0.85) {
      add(pick(candidates.units));
    } else {
      const length = 5 + Math.floor(random() * 21);
      const start = 1 + Math.floor(random() * Math.max(1, total - length));
      add({ startLine: start, endLine: Math.min(total, start + length - 1), kind: 'block' });
    }
  }
  return [...spans.values()].sort((x, y) => x.startLine - y.startLine || x.endLine - y.endLine);
}
