// Repositories reserved for independent evaluation: never mined, never loaded.

export const RESERVED_REPOS: readonly string[] = [
  'TanStack/router', 'anthropics/claude-code-action', 'badlogic/pi-mono', 'cline/cline', 'colinhacks/zod',
  'excalidraw/excalidraw', 'gcanti/fp-ts', 'honojs/hono', 'immerjs/immer', 'inversify/InversifyJS',
  'microsoft/playwright-mcp', 'mobxjs/mobx', 'openai/openai-agents-js', 'pmndrs/zustand',
  'react-hook-form/react-hook-form', 'ReactiveX/rxjs', 'sigstore/sigstore-js', 'statelyai/xstate', 'trpc/trpc',
  'typestack/class-validator', 'unjs/h3', 'vercel/ai', 'vitejs/vite', 'vuejs/core', 'reduxjs/redux-toolkit', 'lit/lit',
];

export function isReserved(repo: string): boolean {
  const lower = repo.toLowerCase();
  return lower.startsWith('modelcontextprotocol/') || RESERVED_REPOS.some((r) => r.toLowerCase() === lower);
}
