// `trailmark demo`'s capture scene (cli/demo/capture.ts): offline, in the demo repository, an
// agent's PostToolUse payload on stdin of `trailmark capture claude-code`, a human edit of one of
// its lines, a commit through the git-hook commands, and a scan showing `recorded` evidence on
// the agent's lines only. (The scan/ledger parts of the demo are tested in test/cli/scan.test.ts.)
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_SOURCE, CAPTURE_MODEL, CAPTURE_PATH, HUMAN_SOURCE } from '../../cli/demo/capture.js';
import { runCli } from '../cli-ledger/harness.js';

const agentLines = AGENT_SOURCE.split('\n').slice(0, -1);
const humanLines = HUMAN_SOURCE.split('\n').slice(0, -1);
/** 1-based lines the human changed. */
const changed = humanLines.map((l, i) => (l === agentLines[i] ? 0 : i + 1)).filter((n) => n > 0);

describe('trailmark demo: the capture scene', () => {
  let dir: string;
  let run: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trailmark-demo-capture-'));
    run = await runCli(['demo', '--dir', dir, '--no-ledger'], { cwd: tmpdir(), env: { PATH: process.env.PATH ?? '' } });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the human edit is exactly one changed line of the agent\'s file', () => {
    expect(changed).toEqual([16]);
    expect(humanLines).toHaveLength(agentLines.length);
  });

  it('keeps the demo\'s scan output and exits 0', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('src/auth/session.ts');
    expect(run.stdout).toContain('── capture ──');
  });

  it('capture → commit → scan: one Assisted-by trailer, recorded evidence on the agent\'s lines only, nothing left the machine', async () => {
    expect(run.code, run.stderr).toBe(0);
    const scene = run.stdout.slice(run.stdout.indexOf('── capture ──'));
    expect(scene).not.toContain('skipped');
    expect(scene.split('\n').filter((l) => /^\s*Assisted-by:/i.test(l))).toHaveLength(1);
    expect(scene).toMatch(new RegExp(`${CAPTURE_PATH.replaceAll('/', '\\/').replaceAll('.', '\\.')} L1-${agentLines.length}: attested`));
    // The agent wrote 18 lines, the human changed one: at most 17 recorded (16 when the blank line is not claimed).
    expect(scene).toMatch(new RegExp(`recorded \\(agent-trace\\): (16|17) of ${agentLines.length} added lines by ai, ${CAPTURE_MODEL}`));

    // The committed record, in the demo repository: the agent's lines, never the human's.
    const records = (await readFile(join(dir, 'repo', '.git', 'trailmark', 'records.jsonl'), 'utf8')).split('\n').filter((l) => l !== '');
    expect(records).toHaveLength(1);
    const trace = JSON.parse(records[0]!) as { files: { path: string; conversations: { ranges: { start_line: number; end_line: number }[] }[] }[] };
    const lines = new Set<number>();
    for (const f of trace.files) {
      expect(f.path).toBe(CAPTURE_PATH);
      for (const c of f.conversations) for (const r of c.ranges) for (let n = r.start_line; n <= r.end_line; n++) lines.add(n);
    }
    for (const n of changed) expect(lines.has(n)).toBe(false);
    agentLines.forEach((l, i) => {
      if (l !== '' && !changed.includes(i + 1)) expect(lines.has(i + 1), `line ${i + 1}`).toBe(true);
    });
    expect(scene).toContain('wait in this device\'s spool; no collector is registered: nothing left the machine');
    // Offline: the demo's own TRAILMARK_HOME holds the spool; no collector is registered.
    expect(existsSync(join(dir, 'capture-home'))).toBe(true);
    expect(existsSync(join(dir, 'capture-home', 'collectors.json'))).toBe(false);
  });
});
