// Checks on the committed development-set data: no network, no tarballs needed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAiEdits, readAiFiles, parseAiEdit } from '../../src/eval/ai-samples.js';
import { parseHumanManifest } from '../../src/eval/manifest.js';
import { chooseSpans } from '../../src/eval/spans.js';
import { splitOf } from '../../src/eval/split.js';

const ROOT = join(import.meta.dirname, '..', '..');
const manifest = parseHumanManifest(JSON.parse(readFileSync(join(ROOT, 'eval', 'human-packages.json'), 'utf8')));

// Reserved for independent evaluation: no samples from these repositories or their packages.
const RESERVED_REPOS = [
  'tanstack/router', 'anthropics/claude-code-action', 'badlogic/pi-mono', 'cline/cline', 'colinhacks/zod',
  'excalidraw/excalidraw', 'gcanti/fp-ts', 'honojs/hono', 'immerjs/immer', 'inversify/inversifyjs',
  'microsoft/playwright-mcp', 'mobxjs/mobx', 'openai/openai-agents-js', 'pmndrs/zustand',
  'react-hook-form/react-hook-form', 'reactivex/rxjs', 'sigstore/sigstore-js', 'statelyai/xstate', 'trpc/trpc',
  'typestack/class-validator', 'unjs/h3', 'vercel/ai', 'vitejs/vite', 'vuejs/core', 'reduxjs/redux-toolkit', 'lit/lit',
];
const RESERVED_PACKAGES = [
  'zod', 'fp-ts', 'hono', 'immer', 'inversify', 'mobx', 'zustand', 'react-hook-form', 'rxjs', 'xstate', 'class-validator',
  'h3', 'ai', 'vite', 'vue', 'lit', '@reduxjs/toolkit', '@tanstack/react-router', '@tanstack/router-core',
];

describe('human package manifest', () => {
  it('lists enough packages, each dated before 2022 by an upstream tag or changelog', () => {
    expect(manifest.packages.length).toBeGreaterThanOrEqual(25);
    for (const p of manifest.packages) {
      expect(p.released < '2022-01-01', p.name).toBe(true);
      expect(p.releaseSource, p.name).toMatch(/^(GitHub tag |packaged (CHANGELOG|HISTORY)\.md: )/);
      expect(p.releaseSource.toLowerCase(), p.name).not.toContain('registry');
      expect(p.integrity, p.name).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
      if (p.previous !== undefined) {
        expect(p.previous.released <= p.released, p.name).toBe(true);
        expect(p.previous.releaseSource, p.name).toMatch(/^(GitHub tag |packaged (CHANGELOG|HISTORY)\.md of )/);
        expect(p.previous.version, p.name).not.toBe(p.version);
      }
    }
    expect(manifest.packages.filter((p) => p.previous !== undefined).length).toBeGreaterThanOrEqual(20);
  });

  it('takes nothing from the reserved repositories or packages', () => {
    for (const p of manifest.packages) {
      const repo = p.repository.toLowerCase();
      expect(RESERVED_REPOS.includes(repo) || repo.startsWith('modelcontextprotocol/'), p.name).toBe(false);
      expect(RESERVED_PACKAGES.includes(p.name) || p.name.startsWith('@trpc/') || p.name.startsWith('@modelcontextprotocol/'), p.name).toBe(false);
    }
  });

  it('puts packages in both splits, roughly 70/30', () => {
    const test = manifest.packages.filter((p) => splitOf(p.name) === 'test').length;
    expect(test).toBeGreaterThanOrEqual(Math.floor(manifest.packages.length * 0.2));
    expect(test).toBeLessThanOrEqual(Math.ceil(manifest.packages.length * 0.45));
  });
});

describe('AI samples', () => {
  it('edits target manifest packages and whole files are present in several styles', async () => {
    const names = new Set(manifest.packages.map((p) => `${p.name}@${p.version}`));
    const edits = await readAiEdits(ROOT);
    const files = await readAiFiles(ROOT);
    expect(edits.length).toBeGreaterThanOrEqual(100);
    expect(files.length).toBeGreaterThanOrEqual(50);
    for (const e of edits) expect(names.has(`${e.packageName}@${e.version}`), e.stored).toBe(true);
    expect(new Set(edits.map((e) => e.style)).size).toBeGreaterThanOrEqual(6);
    expect(new Set(files.map((f) => f.style)).size).toBeGreaterThanOrEqual(6);
    expect(edits.some((e) => splitOf(e.packageName) === 'test')).toBe(true);
  });

  it('rejects malformed edit files', () => {
    const ok = '---\ntarget: a@1.0.0:src/a.ts\nafter: 3\n---\nconst x = 1;\n';
    expect(parseAiEdit('s', 'x.hunk', ok)).toMatchObject({ packageName: 'a', version: '1.0.0', path: 'src/a.ts', after: 3, code: 'const x = 1;' });
    expect(parseAiEdit('s', 'x.hunk', '---\ntarget: "@s/a@1.0.0:src/a.ts"\nreplace: [2, 4]\n---\nx\n')).toMatchObject({ packageName: '@s/a', replace: [2, 4] });
    expect(() => parseAiEdit('s', 'x.hunk', 'const x = 1;\n')).toThrow(/front matter/);
    expect(() => parseAiEdit('s', 'x.hunk', '---\ntarget: a:src/a.ts\nafter: 1\n---\nx\n')).toThrow(/target/);
    expect(() => parseAiEdit('s', 'x.hunk', '---\ntarget: a@1:src/a.ts\nafter: 1\nreplace: [1, 2]\n---\nx\n')).toThrow(/exactly one/);
    expect(() => parseAiEdit('s', 'x.hunk', '---\ntarget: a@1:src/a.ts\nreplace: [3, 2]\n---\nx\n')).toThrow(/exactly one/);
    expect(() => parseAiEdit('s', 'x.hunk', '---\ntarget: a@1:src/a.ts\nafter: 1\n---\n\n')).toThrow(/no code/);
  });
});

describe('chooseSpans', () => {
  const text = readFileSync(join(ROOT, 'eval', 'ai', 'files', 'idiomatic', 'priority-queue.ts'), 'utf8');
  const total = text.split('\n').length - 1;

  it('is deterministic, in range, non-blank and sorted', () => {
    const a = chooseSpans('src/pq.ts', text, 'key', 6);
    expect(chooseSpans('src/pq.ts', text, 'key', 6)).toEqual(a);
    expect(a.length).toBeGreaterThan(0);
    expect(a.length).toBeLessThanOrEqual(6);
    for (const s of a) {
      expect(s.startLine).toBeGreaterThanOrEqual(1);
      expect(s.endLine).toBeLessThanOrEqual(total);
      expect(text.split('\n').slice(s.startLine - 1, s.endLine).some((l) => l.trim() !== '')).toBe(true);
    }
    expect([...a].sort((x, y) => x.startLine - y.startLine || x.endLine - y.endLine)).toEqual(a);
  });

  it('produces every span kind over many seeds and different spans for different seeds', () => {
    const kinds = new Set<string>();
    const firsts = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const spans = chooseSpans('src/pq.ts', text, `seed-${i}`, 3);
      for (const s of spans) kinds.add(s.kind);
      firsts.add(JSON.stringify(spans[0]));
    }
    expect([...kinds].sort()).toEqual(['block', 'file', 'lines', 'statements', 'unit']);
    expect(firsts.size).toBeGreaterThan(10);
  });

  it('still yields line spans for text that does not parse', () => {
    const junk = 'this is not ) typescript {\nat all ((\n'.repeat(20);
    const spans = chooseSpans('src/junk.ts', junk, 'k', 4);
    expect(spans.length).toBeGreaterThan(0);
  });
});
