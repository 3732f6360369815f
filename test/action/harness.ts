// Runs the Action in-process the way the runner does: INPUT_* and GITHUB_* environment, an event
// payload file from real recorded webhooks, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, and
// stdout captured for workflow commands. GitHub is the fake server on 127.0.0.1.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';

const require = createRequire(import.meta.url);
const examples = require('@octokit/webhooks-examples') as { name: string; examples: Record<string, unknown>[] }[];

export interface PullRequestPayload {
  number: number;
  pull_request: { number: number; commits: number; changed_files: number; base: { sha: string; repo: { full_name: string } }; head: { sha: string; repo: { full_name: string } }; user: { login: string } };
  repository: { full_name: string };
}

/** A recorded `pull_request` webhook (deep copy), by action. */
export function recordedPullRequest(action = 'opened'): PullRequestPayload {
  const found = examples.find((e) => e.name === 'pull_request')!.examples.find((p) => p.action === action)!;
  return structuredClone(found) as unknown as PullRequestPayload;
}

export interface RunnerFiles {
  readonly dir: string;
  readonly env: Record<string, string>;
  outputs(): Record<string, string>;
  summary(): string;
  cleanup(): void;
}

/** Parses GITHUB_OUTPUT's `name<<DELIMITER` blocks (what @actions/core writes). */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (m === null) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]!);
    out[m[1]!] = value.join('\n');
  }
  return out;
}

const created: string[] = [];

/** Removes every runner directory made so far (call in afterEach). */
export function removeRunnerFiles(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function runnerFiles(eventName: string, payload: unknown, inputs: Record<string, string>, apiUrl: string): RunnerFiles {
  const dir = mkdtempSync(join(tmpdir(), 'trailmark-action-'));
  const eventPath = join(dir, 'event.json');
  writeFileSync(eventPath, JSON.stringify(payload));
  const output = join(dir, 'output');
  const summary = join(dir, 'summary.md');
  writeFileSync(output, '');
  writeFileSync(summary, '');
  const env: Record<string, string> = {
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: (payload as { repository: { full_name: string } }).repository.full_name,
    GITHUB_SHA: '9'.repeat(40),
    GITHUB_API_URL: apiUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_WORKSPACE: dir,
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    'INPUT_GITHUB-TOKEN': 'ghs_test',
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
  };
  created.push(dir);
  return { dir, env, outputs: () => parseOutputs(readFileSync(output, 'utf8')), summary: () => readFileSync(summary, 'utf8'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Sets the environment for an in-process run and captures stdout; returns the captured text getter. */
export function enterRunner(files: RunnerFiles): { stdout(): string } {
  for (const [k, v] of Object.entries(files.env)) vi.stubEnv(k, v);
  const chunks: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  return { stdout: () => chunks.join('') };
}
