import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AttributionStore, applyAgentEdit, carryOwners, digestOf, producedLines, splitLines, stateFrom, toRanges, trackTo, type LineOwner,
} from '../../src/capture/attribution.js';
import type { CaptureEdit } from '../../src/capture/types.js';

const A: LineOwner = { edit: 'e1', agent: 'claude-code', model: 'claude-opus-4-5', session: 's1' };
const B: LineOwner = { edit: 'e2', agent: 'cursor' };
const text = (...lines: string[]): string => lines.map((l) => `${l}\n`).join('');
const none = (n: number): number[] => new Array<number>(n).fill(0);
const ownersOf = (s: { owners: readonly LineOwner[]; lines: readonly number[] }): (string | null)[] => s.lines.map((k) => (k === 0 ? null : s.owners[k - 1]!.edit));

describe('splitLines', () => {
  it.each([
    ['', []],
    ['a', ['a']],
    ['a\n', ['a']],
    ['a\n\n', ['a', '']],
    ['a\nb', ['a', 'b']],
    ['a\r\nb\r\n', ['a\r', 'b\r']],
  ])('%j', (input, want) => {
    expect(splitLines(input)).toEqual(want);
  });
});

describe('carryOwners', () => {
  it('keeps owners of unchanged lines and marks inserted and replaced lines', () => {
    const r = carryOwners(['a', 'b', 'c', 'd'], [1, 2, 0, 3], ['a', 'X', 'b', 'C', 'd']);
    expect(r.owners).toEqual([1, 0, 2, 0, 3]);
    expect(r.changed).toEqual([false, true, false, true, false]);
  });
  it('follows deletions', () => {
    const r = carryOwners(['a', 'b', 'c'], [1, 2, 3], ['a', 'c']);
    expect(r.owners).toEqual([1, 3]);
    expect(r.changed).toEqual([false, false]);
  });
  it('gives up on a rewrite bigger than the diff budget: every line changed, no owner', () => {
    const old = Array.from({ length: 2500 }, (_, i) => `old ${i}`);
    const next = Array.from({ length: 2500 }, (_, i) => `new ${i}`);
    const r = carryOwners(old, old.map(() => 1), next);
    expect(r.owners.every((o) => o === 0)).toBe(true);
    expect(r.changed.every((c) => c)).toBe(true);
  });
});

describe('producedLines', () => {
  const after = text('one', 'two', 'three', 'two', 'five');
  const lines = splitLines(after);
  it('takes exact ranges from the payload, clipped to the file', () => {
    const edit: CaptureEdit = { path: 'f', operation: 'edit', newRanges: [{ start: 2, end: 3 }, { start: 5, end: 99 }] };
    expect([...(producedLines(edit, after, lines, none(5).map(() => false)) as Set<number>)].sort()).toEqual([1, 2, 4]);
  });
  it('locates a replacement, preferring the occurrence on a changed line', () => {
    const edit: CaptureEdit = { path: 'f', operation: 'edit', replacements: [{ oldText: 'four', newText: 'two' }] };
    const changed = [false, false, false, true, false];
    expect([...(producedLines(edit, after, lines, changed) as Set<number>)]).toEqual([3]);
  });
  it('a multi-line replacement ending in a newline covers only its own lines', () => {
    const edit: CaptureEdit = { path: 'f', operation: 'edit', replacements: [{ oldText: 'x\n', newText: 'three\ntwo\n' }] };
    expect([...(producedLines(edit, after, lines, none(5).map(() => false)) as Set<number>)]).toEqual([2, 3]);
  });
  it('falls back to every changed line for a write, an unknown edit, or a replacement not found', () => {
    expect(producedLines({ path: 'f', operation: 'write', content: after }, after, lines, [])).toBe('all-changed');
    expect(producedLines({ path: 'f', operation: 'unknown' }, after, lines, [])).toBe('all-changed');
    expect(producedLines({ path: 'f', operation: 'edit', replacements: [{ oldText: 'a', newText: 'not there' }] }, after, lines, [])).toBe('all-changed');
  });
});

describe('applyAgentEdit', () => {
  it('owns what the agent produced; human changes since the snapshot are nobody\'s; the rest keep their owner', () => {
    // Snapshot: line 2 by agent A. Since then a human changed line 4; now agent B replaced line 3.
    const base = { text: text('a', 'A-line', 'c', 'd'), owners: [A], lines: [0, 1, 0, 0] };
    const now = text('a', 'A-line', 'B-line', 'human');
    const edit: CaptureEdit = { path: 'f', operation: 'edit', replacements: [{ oldText: 'c', newText: 'B-line' }] };
    const r = applyAgentEdit('f', base, now, edit, B);
    expect(ownersOf(r.state)).toEqual([null, 'e1', 'e2', null]);
    expect(r.agentLines).toEqual([3]);
    expect(r.state.digest).toBe(digestOf(now));
    expect(r.state.owners).toEqual([A, B]);
  });
  it('drops owners no line refers to any more', () => {
    const base = { text: text('a', 'b'), owners: [A], lines: [0, 1] };
    const r = applyAgentEdit('f', base, text('a', 'z'), { path: 'f', operation: 'write' }, B);
    expect(r.state.owners).toEqual([B]);
    expect(r.state.lines).toEqual([0, 1]);
  });
  it('an edit that only deletes owns no line', () => {
    const r = applyAgentEdit('f', { text: text('a', 'b', 'c'), owners: [], lines: none(3) }, text('a', 'c'), { path: 'f', operation: 'edit', replacements: [{ oldText: 'b\n', newText: '' }] }, A);
    expect(r.agentLines).toEqual([]);
  });
});

describe('trackTo, stateFrom, toRanges', () => {
  it('carries owners to another version and back into a state', () => {
    const s = stateFrom('f', text('a', 'b', 'c'), [undefined, A, A]);
    const t = trackTo(s, text('new', 'a', 'b', 'C'));
    expect(t.owners).toEqual([undefined, undefined, A, undefined]);
    expect(toRanges([1, 2, 3, 5, 7, 8])).toEqual([{ start: 1, end: 3 }, { start: 5, end: 5 }, { start: 7, end: 8 }]);
  });
});

describe('AttributionStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trailmark-attr-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes, reads, lists and removes states; no temporary file is left', async () => {
    const store = new AttributionStore(join(dir, 'attribution'));
    const s1 = stateFrom('src/b.ts', text('x'), [A]);
    const s2 = stateFrom('a.ts', text('y', 'z'), [undefined, B]);
    await store.locked(async () => {
      await store.write(s1);
      await store.write(s2);
    });
    expect(await store.read('src/b.ts')).toEqual(s1);
    expect((await store.list()).map((s) => s.path)).toEqual(['a.ts', 'src/b.ts']);
    await store.remove('a.ts');
    await store.remove('a.ts');
    expect((await store.list()).map((s) => s.path)).toEqual(['src/b.ts']);
    expect((await readdir(join(dir, 'attribution'))).filter((n) => n.endsWith('.tmp') || n === 'lock')).toEqual([]);
  });

  it('treats a torn, tampered or foreign-version state as absent', async () => {
    const store = new AttributionStore(dir);
    const s = stateFrom('f', text('x'), [A]);
    await store.write(s);
    const [name] = (await readdir(dir)).filter((n) => n.endsWith('.json'));
    const file = join(dir, name!);
    for (const bad of ['{"version":1,', JSON.stringify({ ...s, text: 'other\n' }), JSON.stringify({ ...s, version: 2 }), JSON.stringify({ ...s, lines: [5] })]) {
      await writeFile(file, bad);
      expect(await store.read('f')).toBeUndefined();
    }
    expect(await store.list()).toEqual([]);
  });

  it('serializes concurrent holders of the lock', async () => {
    const store = new AttributionStore(dir);
    const order: string[] = [];
    const run = (name: string) => store.locked(async () => {
      order.push(`${name}+`);
      await new Promise((r) => setTimeout(r, 20));
      order.push(`${name}-`);
    });
    await Promise.all([run('a'), run('b'), run('c')]);
    for (let i = 0; i < order.length; i += 2) expect(order[i]!.slice(0, -1)).toBe(order[i + 1]!.slice(0, -1));
  });
});
