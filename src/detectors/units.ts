// Maps a line range to the syntactic units (functions, methods, classes, interfaces, arrow
// functions assigned to names) it touches. One native tree query per range: cost follows the
// size of the range's subtree, not the file.

import type { SyntacticUnit } from '../core/types.js';
import { nodeText, type ParsedFile, type SyntaxNode } from './parse.js';

export type UnitKind = 'function' | 'method' | 'class' | 'interface' | 'arrow';

export interface UnitInfo {
  readonly kind: UnitKind;
  readonly name?: string;
  /** 1-based lines of the unit node. */
  readonly startLine: number;
  readonly endLine: number;
  /** First line of the whole declaration (`export const f = () =>` starts at `export`). */
  readonly declLine: number;
  /** Statements in the body block; 1 for an expression-bodied arrow; 0 for classes/interfaces. */
  readonly statements: number;
  /** Declared parameters (functions only). */
  readonly parameters: number;
  /** True when the function declares a return type annotation. */
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
  'function',
];

const FUNCTION_LIKE = new Set(['function_declaration', 'generator_function_declaration', 'method_definition', 'arrow_function', 'function_expression', 'function']);

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
  const nodes = tree.rootNode.descendantsOfType(UNIT_NODE_TYPES, { row: startLine - 1, column: 0 }, { row: endLine - 1, column: Number.MAX_SAFE_INTEGER >>> 1 });
  const units: UnitInfo[] = [];
  for (const node of nodes) {
    const info = describeUnit(parsed, node);
    if (info !== undefined) units.push(info);
  }
  units.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine || a.kind.localeCompare(b.kind));
  perFile.set(key, units);
  return units;
}

function describeUnit(parsed: ParsedFile, node: SyntaxNode): UnitInfo | undefined {
  const type = node.type;
  let kind: UnitKind;
  let name: string | undefined;
  let declNode: SyntaxNode = node;
  if (type === 'function_declaration' || type === 'generator_function_declaration') {
    kind = 'function';
    name = fieldText(parsed, node, 'name');
  } else if (type === 'method_definition') {
    kind = 'method';
    name = fieldText(parsed, node, 'name');
  } else if (type === 'class_declaration' || type === 'abstract_class_declaration' || type === 'class') {
    kind = 'class';
    name = fieldText(parsed, node, 'name');
    if (type === 'class' && name === undefined) {
      const assigned = assignedName(parsed, node);
      if (assigned === undefined) return undefined;
      name = assigned.name;
      declNode = assigned.decl;
    }
  } else if (type === 'interface_declaration') {
    kind = 'interface';
    name = fieldText(parsed, node, 'name');
  } else {
    // arrow_function / function_expression: a unit only when assigned to a name.
    const assigned = assignedName(parsed, node);
    const own = type === 'arrow_function' ? undefined : fieldText(parsed, node, 'name');
    if (assigned === undefined) return undefined;
    kind = type === 'arrow_function' ? 'arrow' : 'function';
    name = own ?? assigned.name;
    declNode = assigned.decl;
  }
  const parent = declNode.parent;
  if (parent !== null && parent.type === 'export_statement') declNode = parent;
  let statements = 0;
  let parameters = 0;
  let returnType = false;
  if (FUNCTION_LIKE.has(type)) {
    const body = node.childForFieldName('body');
    if (body !== null) statements = body.type === 'statement_block' ? countStatements(body) : 1;
    const params = node.childForFieldName('parameters') ?? node.childForFieldName('parameter');
    if (params !== null) parameters = params.type === 'identifier' ? 1 : params.namedChildCount;
    returnType = node.childForFieldName('return_type') !== null;
  }
  const unit: UnitInfo = {
    kind,
    ...(name !== undefined && name !== '' ? { name } : {}),
    startLine: node.startPosition.row + 1,
    endLine: node.endPosition.row + 1,
    declLine: Math.min(declNode.startPosition.row, node.startPosition.row) + 1,
    statements,
    parameters,
    returnType,
  };
  return unit;
}

function countStatements(block: SyntaxNode): number {
  let count = 0;
  for (const child of block.namedChildren) if (child.type !== 'comment') count++;
  return count;
}

function fieldText(parsed: ParsedFile, node: SyntaxNode, field: string): string | undefined {
  const child = node.childForFieldName(field);
  return child === null ? undefined : nodeText(parsed, child);
}

/** `const f = () => …`, `{ f: () => … }`, `f = function () {}`, `class C { f = () => … }`. */
function assignedName(parsed: ParsedFile, node: SyntaxNode): { name: string; decl: SyntaxNode } | undefined {
  let current = node;
  let parent = node.parent;
  // Allow one wrapper such as `(…)` or `x as T` between the function and its binding.
  if (parent !== null && (parent.type === 'parenthesized_expression' || parent.type === 'as_expression' || parent.type === 'satisfies_expression')) {
    current = parent;
    parent = parent.parent;
  }
  if (parent === null) return undefined;
  switch (parent.type) {
    case 'variable_declarator': {
      const name = fieldText(parsed, parent, 'name');
      const decl = parent.parent ?? parent;
      return name === undefined ? undefined : { name, decl };
    }
    case 'pair': {
      const name = fieldText(parsed, parent, 'key');
      return name === undefined ? undefined : { name, decl: parent };
    }
    case 'public_field_definition':
    case 'field_definition': {
      const name = fieldText(parsed, parent, 'name') ?? fieldText(parsed, parent, 'property');
      return name === undefined ? undefined : { name, decl: parent };
    }
    case 'assignment_expression': {
      if (parent.childForFieldName('right')?.id !== current.id) return undefined;
      const name = fieldText(parsed, parent, 'left');
      return name === undefined ? undefined : { name: name.length > 80 ? name.slice(0, 80) : name, decl: parent.parent ?? parent };
    }
    default:
      return undefined;
  }
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
