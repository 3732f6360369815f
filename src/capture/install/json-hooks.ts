// Merging trailmark's hook entries into a tool's JSON hook file, and taking them out again.
// Pure: text in, text out. Everything in an existing file is the user's and is kept: unknown
// keys, other events, other hooks, key order, indentation, line endings, a byte-order mark.
// JSON has no comments; a file with comments (JSONC) is refused, not rewritten without them.
import { UsageError, printable } from '../../core/errors.js';
import type { JsonHookLayout } from './targets.js';

type JsonObject = Record<string, unknown>;

/** A parsed JSON hook file and the formatting to write it back with. */
export interface JsonConfig {
  readonly value: JsonObject;
  readonly bom: boolean;
  readonly eol: '\n' | '\r\n';
  /** '' for a file written on one line. */
  readonly indent: string;
  readonly finalNewline: boolean;
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A new file: two-space indent, LF, final newline (what the tools' own examples use). */
export function emptyJsonConfig(): JsonConfig {
  return { value: {}, bom: false, eol: '\n', indent: '  ', finalNewline: true };
}

/** Parses an existing hook file (untrusted: any bytes). Throws a UsageError naming the file. */
export function parseJsonConfig(text: string, path: string): JsonConfig {
  const bom = text.startsWith('\uFEFF');
  const body = bom ? text.slice(1) : text;
  if (body.trim() === '') return { ...emptyJsonConfig(), bom };
  let value: unknown;
  try {
    value = JSON.parse(body) as unknown;
  } catch (err) {
    throw new UsageError('BAD_INPUT', `${printable(path)} is not valid JSON (${printable((err as Error).message)})`, {
      cause: err,
      hint: 'fix or move the file, then run `trailmark hooks install` again; trailmark does not rewrite a file it cannot parse (JSON with comments included)',
    });
  }
  if (!isObject(value)) {
    throw new UsageError('BAD_INPUT', `${printable(path)} does not hold a JSON object`, { hint: 'the tool expects an object at the top level; fix or move the file first' });
  }
  const hooks = value['hooks'];
  if (hooks !== undefined && !isObject(hooks)) {
    throw new UsageError('BAD_INPUT', `${printable(path)}: "hooks" is not an object`, { hint: 'the tool expects "hooks" to map event names to lists; fix the file first' });
  }
  if (isObject(hooks)) {
    for (const [event, list] of Object.entries(hooks)) {
      if (!Array.isArray(list)) {
        throw new UsageError('BAD_INPUT', `${printable(path)}: "hooks.${printable(event, 60)}" is not a list`, { hint: 'the tool expects a list of hooks for each event; fix the file first' });
      }
    }
  }
  const indent = /\n([ \t]+)\S/.exec(body)?.[1] ?? (body.trim().includes('\n') ? '  ' : '');
  return {
    value,
    bom,
    eol: body.includes('\r\n') ? '\r\n' : '\n',
    indent: indent.length > 10 ? indent.slice(0, 10) : indent,
    finalNewline: body.endsWith('\n'),
  };
}

export function renderJsonConfig(config: JsonConfig): string {
  const text = config.indent === '' ? JSON.stringify(config.value) : JSON.stringify(config.value, null, config.indent);
  const lines = config.eol === '\n' ? text : text.split('\n').join('\r\n');
  return `${config.bom ? '\uFEFF' : ''}${lines}${config.finalNewline ? config.eol : ''}`;
}

function handlerFor(layout: JsonHookLayout, command: string, event: string): JsonObject {
  const extras = Object.entries(layout.handler).map(([k, v]) => [k, substitute(v, event)] as const);
  // The command key comes right after `type` when there is one, as in the tools' own examples.
  const [first, ...rest] = extras;
  if (first !== undefined && first[0] === 'type') return Object.fromEntries([first, [layout.commandKey, command], ...rest]);
  return Object.fromEntries([[layout.commandKey, command], ...extras]);
}

function substitute(v: unknown, event: string): unknown {
  if (typeof v === 'string') return v === '$EVENT' ? event : v;
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, event)]));
  return v;
}

function handlerIsOurs(layout: JsonHookLayout, handler: unknown, commands: ReadonlySet<string>): boolean {
  if (!isObject(handler)) return false;
  const c = handler[layout.commandKey];
  return typeof c === 'string' && commands.has(c);
}

function elementHasOurs(layout: JsonHookLayout, element: unknown, commands: ReadonlySet<string>): boolean {
  if (layout.style === 'flat') return handlerIsOurs(layout, element, commands);
  if (!isObject(element) || !Array.isArray(element['hooks'])) return false;
  return (element['hooks'] as unknown[]).some((h) => handlerIsOurs(layout, h, commands));
}

/** The events of `layout` that already run `command`. */
export function eventsWithCommand(config: JsonConfig, layout: JsonHookLayout, command: string): string[] {
  const hooks = config.value['hooks'];
  if (!isObject(hooks)) return [];
  const set = new Set([command]);
  return layout.events.filter(({ event }) => Array.isArray(hooks[event]) && (hooks[event] as unknown[]).some((e) => elementHasOurs(layout, e, set))).map((e) => e.event);
}

/**
 * Adds one entry per event of `layout` running `command`, after the event's existing entries.
 * Idempotent: an event that already runs `command` gets nothing. Returns the events added.
 */
export function addHookEntries(config: JsonConfig, layout: JsonHookLayout, command: string): { config: JsonConfig; added: string[] } {
  const present = new Set(eventsWithCommand(config, layout, command));
  const missing = layout.events.filter((e) => !present.has(e.event));
  if (missing.length === 0) return { config, added: [] };
  const value: JsonObject = { ...config.value };
  for (const [k, v] of Object.entries(layout.root)) if (!(k in value)) value[k] = v;
  // A new `hooks` goes after the root keys (`version` first, as the tools' examples have it).
  const hooks: JsonObject = isObject(value['hooks']) ? { ...value['hooks'] } : {};
  for (const { event, matcher } of missing) {
    const handler = handlerFor(layout, command, event);
    const element = layout.style === 'flat' ? handler : { ...(matcher === undefined ? {} : { matcher }), hooks: [handler] };
    const list = Array.isArray(hooks[event]) ? [...(hooks[event] as unknown[])] : [];
    list.push(element);
    hooks[event] = list;
  }
  value['hooks'] = hooks;
  return { config: { ...config, value }, added: missing.map((e) => e.event) };
}

/**
 * Removes every handler running one of `commands` from the events of `layout`; a group left
 * with no handlers goes too, and so do an event list, the `hooks` object and root keys that
 * are left as trailmark would have created them (`created` says which it did create).
 */
export function removeHookEntries(
  config: JsonConfig,
  layout: JsonHookLayout,
  commands: ReadonlySet<string>,
  created: { readonly hooksKey: boolean; readonly rootKeys: readonly string[]; readonly events: readonly string[] },
): { config: JsonConfig; removed: number } {
  const hooksIn = config.value['hooks'];
  if (!isObject(hooksIn)) return { config, removed: 0 };
  let removed = 0;
  const hooks: JsonObject = { ...hooksIn };
  for (const { event } of layout.events) {
    const list = hooks[event];
    if (!Array.isArray(list)) continue;
    const kept: unknown[] = [];
    for (const element of list as unknown[]) {
      if (layout.style === 'flat') {
        if (handlerIsOurs(layout, element, commands)) removed++;
        else kept.push(element);
        continue;
      }
      if (!elementHasOurs(layout, element, commands) || !isObject(element)) {
        kept.push(element);
        continue;
      }
      const handlers = (element['hooks'] as unknown[]).filter((h) => !handlerIsOurs(layout, h, commands));
      removed += (element['hooks'] as unknown[]).length - handlers.length;
      if (handlers.length > 0) kept.push({ ...element, hooks: handlers });
    }
    if (kept.length === 0 && created.events.includes(event)) delete hooks[event];
    else hooks[event] = kept;
  }
  if (removed === 0) return { config, removed: 0 };
  const value: JsonObject = { ...config.value, hooks };
  if (Object.keys(hooks).length === 0 && created.hooksKey) {
    delete value['hooks'];
    for (const k of created.rootKeys) if (k in value && value[k] === layout.root[k]) delete value[k];
  }
  return { config: { ...config, value }, removed };
}
