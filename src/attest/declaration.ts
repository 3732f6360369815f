// The value of a declaration trailer (`Assisted-by:` and friends). Attacker-controlled.
//
// Forms accepted:
// - kernel `AGENT:MODEL [TOOL1] [TOOL2]` (Documentation/process/coding-assistants.rst), also with
//   a multi-word agent as Nextcloud writes it (`Claude Code:claude-sonnet-4-6`);
// - OpenLiberty `Tool (Model)` (`GitHub Copilot (gpt-4.1)`);
// - free text (`generic LLM chatbot`, `ChatGPTv5`): kept as text, agent only when the whole text
//   is a known alias.

import { DEFAULT_REGISTRY, parenthesized, type Registry } from './registry.js';

export interface Declaration {
  /** Registry id when the agent name is known, else the agent as written (kernel form only). */
  readonly agent?: string;
  readonly model?: string;
  readonly tools: readonly string[];
  /** The value as written (trimmed). */
  readonly text: string;
}

/** Agent names longer than this are treated as free text. */
const MAX_AGENT = 64;
const MAX_MODEL = 250;

export function parseDeclaration(value: string, registry: Registry = DEFAULT_REGISTRY): Declaration {
  const normalizeAgent = (name: string): string | undefined => registry.normalizeAgent(name);
  const text = value.trim();
  const kernel = kernelForm(text, normalizeAgent);
  if (kernel !== undefined) return kernel;
  const model = parenthesized(text);
  if (model !== undefined && model.length <= MAX_MODEL) {
    const agentName = text.slice(0, text.lastIndexOf('(')).trim();
    const agent = normalizeAgent(agentName);
    if (agent !== undefined) return { agent, model, tools: [], text };
  }
  const agent = normalizeAgent(text);
  return agent === undefined ? { tools: [], text } : { agent, tools: [], text };
}

function kernelForm(text: string, normalizeAgent: (name: string) => string | undefined): Declaration | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon > MAX_AGENT) return undefined;
  const agentName = text.slice(0, colon).trim();
  const rest = text.slice(colon + 1);
  // `Name: free text` (blank after the colon) and URLs (`https://…`) are not the kernel form.
  if (agentName.length === 0 || rest.length === 0 || isBlank(rest.charCodeAt(0)) || rest.startsWith('//')) return undefined;
  const words = splitWords(rest);
  const model = words[0];
  if (model === undefined || model.length > MAX_MODEL) return undefined;
  const agent = normalizeAgent(agentName) ?? agentName.toLowerCase();
  return { agent, model, tools: words.slice(1).map(unbracket).filter((t) => t.length > 0), text };
}

/** `[sparse]` → `sparse` (the kernel document writes optional tools in brackets). */
function unbracket(word: string): string {
  return word.startsWith('[') && word.endsWith(']') ? word.slice(1, -1) : word;
}

function splitWords(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (isBlank(s.charCodeAt(i))) {
      if (cur.length > 0) out.push(cur);
      cur = '';
    } else {
      cur += s[i];
    }
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}
