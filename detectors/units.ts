// Maps a line range to the syntactic units (functions, methods, classes, interfaces, arrow
// functions assigned to names) it touches. One native tree query per range: cost follows the
// size of the range's subtree, not the file.

import type { SyntacticUnit } from '../src/core/types.js';
import { nodeText, type ParsedFile, type SyntaxNode, type Tree } from './parse.js';

export type UnitKind = 'function' | 'method' | 'class' | 'interface' | 'arrow';

export interface UnitInfo {
  readonly kind: UnitKind;
  /** The unit's name (computed on first access). */
  readonly name: string | undefined;
  /** 1-based lines of the unit node. */
  readonly startLine: number;
  readonly endLine: number;
  /** First line of the whole declaration (`export const f = () =>` starts at `export`). */
  readonly declLine: number;
  /** The function-like or class node itself. */
  readonly node: SyntaxNode;
}

export interface FunctionShape {
  /** Named children of the body block (statements, and comments inside it); 1 for an expression body. */
  readonly statements: number;
  readonly parameters: number;
  /** True when a return type annotation is declared. */
  readonly returnType: boolean;
}

const UNIT_NODE_TYPES = [
  'function_declaration',
  'generator_function_declaration',
  'method_definition',
  'class_declaration',
  'abstract_class_declaration',
  'class',
  'interface_declaration',
  'arrow_function',
  'function_expression',
];

const UNIT_TYPE_SET: ReadonlySet<string> = new Set(UNIT_NODE_TYPES);
const FUNCTION_LIKE = new Set(['function_declaration', 'generator_function_declaration', 'method_definition', 'arrow_function', 'function_expression']);

const rangeCache = new WeakMap<ParsedFile, Map<string, readonly UnitInfo[]>>();

/** Named units overlapping lines startLine..endLine (1-based, inclusive), sorted by start line then end line descending. */
export function unitsInRange(parsed: ParsedFile, startLine: number, endLine: number): readonly UnitInfo[] {
  const tree = parsed.tree;
  if (tree === undefined || endLine < startLine) return [];
  let perFile = rangeCache.get(parsed);
  if (perFile === undefined) {
    perFile = new Map();
    rangeCache.set(parsed, perFile);
  }
  const key = `${startLine}:${endLine}`;
  const cached = perFile.get(key);
  if (cached !== undefined) return cached;
  const state = fileState(parsed);
  state.queries++;
  let units: Unit[];
  if (state.all === undefined && state.queries <= PER_RANGE_QUERIES) {
    units = queryRange(parsed, tree, startLine, endLine);
  } else {
    // Many hunks in one file: one whole-file query, then each range is a filter over it.
    state.all ??= sortUnits(queryWhole(parsed, tree));
    units = state.all.filter((u) => u.startLine <= endLine && u.endLine >= startLine);
  }
  const sorted = sortUnits(units);
  perFile.set(key, sorted);
  return sorted;
}

/**
 * Range queries per file before switching to one whole-file query: a range query costs the
 * depth of the tree plus the siblings before the range (tree-sitter skips them one by one), so a
 * file with many hunks is cheaper to query once.
 */
const PER_RANGE_QUERIES = 8;

interface FileState {
  queries: number;
  all: Unit[] | undefined;
}

const fileStates = new WeakMap<ParsedFile, FileState>();

function fileState(parsed: ParsedFile): FileState {
  let state = fileStates.get(parsed);
  if (state === undefined) {
    state = { queries: 0, all: undefined };
    fileStates.set(parsed, state);
  }
  return state;
}

function sortUnits(units: Unit[]): Unit[] {
  return units.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine || a.kind.localeCompare(b.kind));
}

function queryWhole(parsed: ParsedFile, tree: Tree): Unit[] {
  const units: Unit[] = [];
  for (const node of tree.rootNode.descendantsOfType(UNIT_NODE_TYPES)) {
    const info = describeUnit(parsed, node);
    if (info !== undefined) units.push(info);
  }
  return units;
}

function queryRange(parsed: ParsedFile, tree: Tree, startLine: number, endLine: number): Unit[] {
  // Query only below the smallest node spanning the range (the native query skips earlier
  // siblings one by one, so querying from the root costs O(file) per hunk), then add the units
  // among that node's ancestors.
  const lastLine = parsed.lines[endLine - 1] ?? '';
  const start = { row: startLine - 1, column: 0 };
  const end = { row: endLine - 1, column: lastLine.length * 2 + 1 };
  const cover = tree.rootNode.descendantForPosition(start, end);
  const units: Unit[] = [];
  for (const node of cover.descendantsOfType(UNIT_NODE_TYPES, start, end)) {
    const info = describeUnit(parsed, node);
    if (info !== undefined) units.push(info);
  }
  for (let node = cover.parent; node !== null; node = node.parent) {
    if (!UNIT_TYPE_SET.has(node.type)) continue;
    const info = describeUnit(parsed, node);
    if (info !== undefined) units.push(info);
  }
  return units;
}

/** Shape of a function-like unit; zeros for classes and interfaces. */
export function functionShape(unit: UnitInfo): FunctionShape {
  const node = unit.node;
  if (!FUNCTION_LIKE.has(node.type)) return { statements: 0, parameters: 0, returnType: false };
  const body = node.childForFieldName('body');
  const statements = body === null ? 0 : body.type === 'statement_block' ? body.namedChildCount : 1;
  const params = node.childForFieldName('parameters') ?? node.childForFieldName('parameter');
  const parameters = params === null ? 0 : params.type === 'identifier' ? 1 : params.namedChildCount;
  return { statements, parameters, returnType: node.childForFieldName('return_type') !== null };
}

class Unit implements UnitInfo {
  readonly kind: UnitKind;
  readonly startLine: number;
  readonly endLine: number;
  readonly declLine: number;
  readonly node: SyntaxNode;
  readonly #parsed: ParsedFile;
  /** The name node, or undefined when it is the node's own `name` field (looked up on first use). */
  #nameNode: SyntaxNode | null | undefined;
  #name: string | undefined | null = null;

  constructor(parsed: ParsedFile, kind: UnitKind, node: SyntaxNode, decl: SyntaxNode, nameNode: SyntaxNode | null | undefined) {
    this.#parsed = parsed;
    this.kind = kind;
    this.node = node;
    this.#nameNode = nameNode;
    const start = node.startPosition.row;
    this.startLine = start + 1;
    this.endLine = node.endPosition.row + 1;
    this.declLine = Math.min(decl === node ? start : decl.startPosition.row, start) + 1;
  }

  get name(): string | undefined {
    if (this.#name === null) {
      this.#nameNode ??= this.node.childForFieldName('name');
      const text = this.#nameNode === null ? '' : nodeText(this.#parsed, this.#nameNode);
      this.#name = text === '' ? undefined : text.length > 80 ? text.slice(0, 80) : text;
    }
    return this.#name;
  }
}

/**
 * Declaration nodes the grammar never places directly under an `export_statement` (class
 * members, object members): their parent need not be looked up. Trees conform to the grammar
 * even with errors (recovery adds ERROR nodes, it never changes a rule's children).
 */
const NEVER_EXPORTED: ReadonlySet<string> = new Set(['method_definition', 'pair', 'public_field_definition', 'field_definition']);

function describeUnit(parsed: ParsedFile, node: SyntaxNode): Unit | undefined {
  const type = node.type;
  let kind: UnitKind;
  // Undefined: the node's own `name` field, looked up only if the name is read.
  let nameNode: SyntaxNode | null | undefined;
  let decl: SyntaxNode = node;
  let declType = type;
  if (type === 'function_declaration' || type === 'generator_function_declaration') {
    kind = 'function';
  } else if (type === 'method_definition') {
    kind = 'method';
  } else if (type === 'class_declaration' || type === 'abstract_class_declaration') {
    kind = 'class';
  } else if (type === 'interface_declaration') {
    kind = 'interface';
  } else {
    // arrow_function / function_expression / class expression: a unit only when bound to a name.
    const binding = assignedName(node);
    if (binding === undefined) return undefined;
    kind = type === 'arrow_function' ? 'arrow' : type === 'class' ? 'class' : 'function';
    nameNode = binding.name;
    decl = binding.decl;
    declType = binding.declType;
  }
  if (!NEVER_EXPORTED.has(declType)) {
    const parent = decl.parent;
    if (parent !== null && parent.type === 'export_statement') decl = parent;
  }
  return new Unit(parsed, kind, node, decl, nameNode);
}

const WRAPPERS = new Set(['parenthesized_expression', 'as_expression', 'satisfies_expression']);

/** `const f = () => …`, `{ f: () => … }`, `f = function () {}`, `class C { f = () => … }`. */
/** `declType` is the type of `decl` when known without a lookup, else ''. */
function assignedName(node: SyntaxNode): { name: SyntaxNode; decl: SyntaxNode; declType: string } | undefined {
  let current = node;
  let parent = node.parent;
  if (parent === null) return undefined;
  let parentType = parent.type;
  // Allow one wrapper such as `(…)` or `x as T` between the function and its binding.
  if (WRAPPERS.has(parentType)) {
    current = parent;
    parent = parent.parent;
    if (parent === null) return undefined;
    parentType = parent.type;
  }
  let name: SyntaxNode | null = null;
  let decl: SyntaxNode = parent;
  let declType = parentType;
  switch (parentType) {
    case 'variable_declarator':
      name = parent.childForFieldName('name');
      decl = parent.parent ?? parent;
      declType = '';
      break;
    case 'pair':
      name = parent.childForFieldName('key');
      break;
    case 'public_field_definition':
    case 'field_definition':
      name = parent.childForFieldName('name') ?? parent.childForFieldName('property');
      break;
    case 'assignment_expression':
      if (parent.childForFieldName('right')?.id !== current.id) return undefined;
      name = parent.childForFieldName('left');
      decl = parent.parent ?? parent;
      declType = '';
      break;
    default:
      return undefined;
  }
  return name === null ? undefined : { name, decl, declType };
}

/**
 * The units a hunk touches: the maximal units lying entirely inside the added lines (`whole`:
 * the hunk added them complete), and for the remaining lines the innermost unit enclosing them.
 * `isAdded` says which lines of startLine..endLine were added; by default all of them.
 * Sorted by start line.
 */
export function enclosingUnits(
  parsed: ParsedFile,
  startLine: number,
  endLine: number,
  isAdded: (line: number) => boolean = () => true,
): SyntacticUnit[] {
  const units = unitsInRange(parsed, startLine, endLine);
  const result: SyntacticUnit[] = [];
  const wholes: UnitInfo[] = [];
  for (const u of units) {
    if (u.declLine < startLine || u.endLine > endLine) continue;
    const last = wholes[wholes.length - 1];
    if (last !== undefined && last.declLine <= u.declLine && last.endLine >= u.endLine) continue;
    if (!allAdded(u.declLine, u.endLine, isAdded)) continue;
    wholes.push(u);
  }
  // Sweep lines in order with a stack of open units (units nest, so the top is the innermost).
  const enclosing = new Set<UnitInfo>();
  const stack: UnitInfo[] = [];
  let next = 0;
  let w = 0;
  for (let line = startLine; line <= endLine; line++) {
    while (w < wholes.length && (wholes[w] as UnitInfo).endLine < line) w++;
    const whole = wholes[w];
    if (whole !== undefined && whole.declLine <= line) {
      line = whole.endLine;
      continue;
    }
    while (next < units.length && (units[next] as UnitInfo).startLine <= line) stack.push(units[next++] as UnitInfo);
    while (stack.length > 0 && (stack[stack.length - 1] as UnitInfo).endLine < line) stack.pop();
    const top = stack[stack.length - 1];
    if (top !== undefined && !wholes.includes(top)) enclosing.add(top);
  }
  for (const u of wholes) result.push(toSyntacticUnit(u, true));
  for (const u of enclosing) result.push(toSyntacticUnit(u, false));
  result.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine || a.kind.localeCompare(b.kind));
  return result;
}

function allAdded(from: number, to: number, isAdded: (line: number) => boolean): boolean {
  for (let l = from; l <= to; l++) if (!isAdded(l)) return false;
  return true;
}

function toSyntacticUnit(u: UnitInfo, whole: boolean): SyntacticUnit {
  return {
    kind: u.kind,
    ...(u.name !== undefined ? { name: u.name } : {}),
    startLine: u.declLine,
    endLine: u.endLine,
    ...(whole ? { whole: true } : {}),
  };
}
