// In-memory capture ports for tests. The spool fake enforces the SpoolWriter contract: drafts
// carry an id, a stage and a trace; records are numbered from 1 without gaps; an id is never
// appended twice.
import type { CaptureDeps } from '../../src/capture/capture.js';
import { SPOOL_RECORD_SCHEMA, type DetailKeeper, type SpoolDraft, type SpoolRecord, type SpoolWriter } from '../../src/capture/types.js';

export class MemorySpool implements SpoolWriter {
  readonly records: SpoolRecord[] = [];

  append(drafts: readonly SpoolDraft[]): Promise<readonly SpoolRecord[]> {
    const out: SpoolRecord[] = [];
    for (const d of drafts) {
      if (d.id === '' || (d.stage !== 'edit' && d.stage !== 'commit') || typeof d.trace !== 'object') throw new Error(`bad draft ${JSON.stringify(d)}`);
      if (this.records.some((r) => r.id === d.id)) throw new Error(`duplicate record id ${d.id}`);
      const r: SpoolRecord = { schema: SPOOL_RECORD_SCHEMA, device: 'dev-test', seq: this.records.length + 1, ...d };
      this.records.push(r);
      out.push(r);
    }
    return Promise.resolve(out);
  }
}

export class MemoryDetail implements DetailKeeper {
  readonly prompts: { sessionId: string; prompt: string }[] = [];
  readonly kept: { path: string; output: string }[] = [];

  stashPrompt(sessionId: string, prompt: string): Promise<void> {
    this.prompts.push({ sessionId, prompt });
    return Promise.resolve();
  }

  keep(input: { readonly path: string; readonly output: string }): Promise<{ commitment: string; redactions: number }> {
    this.kept.push({ path: input.path, output: input.output });
    return Promise.resolve({ commitment: `sha256:${String(this.kept.length).padStart(64, '0')}`, redactions: 0 });
  }
}

export function testDeps(cwd: string, env: NodeJS.ProcessEnv, spool: SpoolWriter, extra: Partial<CaptureDeps> = {}): CaptureDeps & { notes: string[] } {
  let n = 0;
  const notes: string[] = [];
  return {
    spool,
    device: 'dev-test',
    env,
    cwd,
    now: () => new Date('2026-01-02T03:04:05.000Z'),
    newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    log: (m) => void notes.push(m),
    notes,
    ...extra,
  };
}
