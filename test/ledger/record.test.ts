/* eslint-disable @typescript-eslint/no-explicit-any -- parsed ledger lines are inspected loosely */
import { describe, expect, it } from 'vitest';
import type { HunkResult, ScanResult } from '../../src/core/types.js';
import { recordScan } from '../../src/engine/record.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { MAX_LINE_BYTES } from '../../src/ledger/entry.js';
import { openLedger } from '../../src/ledger/log.js';
import { MemoryStore } from '../../src/ledger/store/memory.js';
import { commitmentOf } from '../../src/ledger/subjects.js';
import { fixedClock, ORIGIN, seededRandom, testKey } from './fixtures.js';

function hunk(i: number): HunkResult {
  return {
    path: `src/module-${i}/file-${i}.ts`,
    startLine: i + 1,
    endLine: i + 10,
    language: 'typescript',
    score: (i % 10) / 10,
    signals: [{ id: 'assistant-text/chat-phrase', weight: 1.2, detail: 'secret detail never stored' }],
    evidence: [
      { class: 'inferred', source: 'detectors', says: 'ai' },
      { class: 'declared', source: 'trailer:Assisted-by', says: 'ai', detail: 'Assisted-by: Claude' },
      { class: 'inferred', source: 'detectors', says: 'ai' },
    ],
    verdict: i % 2 === 0 ? 'unattested' : 'attested',
    addedLines: 10,
    deletedLines: 0,
    commits: ['c'.repeat(40)],
    units: [],
    contentDigest: `sha256:${(i % 256).toString(16).padStart(2, '0').repeat(32)}`,
  };
}

function scan(hunks: number, findings: number): ScanResult {
  return {
    schema: 'trailmark.scan/v1',
    base: 'b'.repeat(40),
    head: 'h'.repeat(40),
    summary: {
      files: hunks,
      hunks,
      addedLines: hunks * 10,
      commits: 1,
      verdicts: { attested: 1, unattested: 2, contradicted: 0, clear: 0, uncertain: 0, skipped: 0 },
      findings: { unattested: findings, contradicted: 0, 'approval-drift': 0 },
      evidence: { recorded: 0, declared: 1, stamped: 0, inferred: 3 },
      thresholds: { low: 0.5, high: 0.8 },
      policyVersion: 'p-7',
      modelVersion: 'model-3',
      detectors: [{ id: 'z-detector', version: '2' }, { id: 'a-detector', version: '1' }],
      omissions: [{ reason: 'binary' }],
    },
    hunks: Array.from({ length: hunks }, (_, i) => hunk(i)),
    findings: Array.from({ length: findings }, (_, i) => ({
      kind: 'unattested' as const,
      path: `src/module-${i}/file-${i}.ts`,
      startLine: i + 1,
      endLine: i + 10,
      level: 'notice' as const,
      message: `hunk ${i} looks AI-written and nothing says so`,
      score: 0.9,
    })),
  };
}

describe('recordScan', () => {
  it('writes one change.analyzed entry and one finding per finding, atomically', async () => {
    const key = testKey();
    const store = new MemoryStore();
    const ledger = await openLedger({ store, signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
    const ref = await recordScan(scan(3, 2), ledger, { repository: 'octo/repo', pullRequest: 42, policy: 'p-7', subjects: { 'pr.author': 'octocat' } });
    expect(ref).toMatchObject({ origin: ORIGIN, size: 3, entries: [{ seq: 0, kind: 'change.analyzed' }, { seq: 1, kind: 'finding' }, { seq: 2, kind: 'finding' }] });
    expect(ref.root).toMatch(/^[0-9a-f]{64}$/);
    const lines = store.data.lines.map((l): any => JSON.parse(Buffer.from(l).toString()));
    const change = lines[0].body;
    expect(change).toMatchObject({ repository: 'octo/repo', pullRequest: 42, model: 'model-3', hunkPages: 0, counts: { omissions: 1 } });
    expect(change.detectors.map((d: { id: string }) => d.id)).toEqual(['a-detector', 'z-detector']);
    expect(change.hunks[0]).toEqual({ path: 'src/module-0/file-0.ts', startLine: 1, endLine: 10, contentDigest: `sha256:${'00'.repeat(32)}`, verdict: 'unattested', evidence: ['declared', 'inferred'], score: 0,
      addedLines: 10,
      commits: ['c'.repeat(40)],
      // Stated evidence only: the inferred score is not an attribution.
      attribution: [{ class: 'declared', source: 'trailer:Assisted-by', agent: null, model: null, commit: null }],
    });
    expect(JSON.stringify(lines)).not.toContain('secret detail');
    expect(JSON.stringify(lines)).not.toContain('octocat');
    const [rec] = store.data.subjects;
    expect(rec).toMatchObject({ seq: 0, value: 'octocat' });
    expect(change.subjects['pr.author']).toBe(rec!.commitment);
    expect(commitmentOf(Buffer.from((rec as { salt: string }).salt, 'hex'), 'octocat')).toBe(rec!.commitment);
    const { createHash } = await import('node:crypto');
    const changeHash = createHash('sha256').update(store.data.lines[0]!).digest('hex');
    expect(lines[1].body.change).toEqual({ seq: 0, hash: changeHash });
    expect(lines.every((l) => l.policy === 'p-7')).toBe(true);
    expect((await verifyStore(store, [key.verifier])).ok).toBe(true);
  });

  it('pages the hunks of a large change so no entry exceeds 64 KiB', async () => {
    const key = testKey();
    const store = new MemoryStore();
    const ledger = await openLedger({ store, signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
    const ref = await recordScan(scan(3000, 1), ledger, { policy: 'p' });
    const kinds = ref.entries.map((e) => e.kind);
    expect(kinds[0]).toBe('change.analyzed');
    expect(kinds.at(-1)).toBe('finding');
    const pages = kinds.filter((k) => k === 'change.hunks').length;
    expect(pages).toBeGreaterThan(3);
    const parsed = store.data.lines.map((l): any => JSON.parse(Buffer.from(l).toString()));
    expect(parsed[0].body.hunkPages).toBe(pages);
    expect(parsed.slice(0, pages + 1).flatMap((e) => e.body.hunks as { path: string }[]).map((h: { path: string }) => h.path)).toEqual(scan(3000, 0).hunks.map((h) => h.path));
    for (const l of store.data.lines) expect(l.byteLength).toBeLessThanOrEqual(MAX_LINE_BYTES);
    expect(Math.max(...store.data.lines.map((l) => l.byteLength))).toBeGreaterThan(MAX_LINE_BYTES * 0.9);
    expect((await verifyStore(store, [key.verifier])).ok).toBe(true);
  });
});
