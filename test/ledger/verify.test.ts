// Table tests of the pure verifier's checkpoint rules (entry rules: tamper.test.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { signCheckpoint } from '../../src/ledger/checkpoint.js';
import { openLedger } from '../../src/ledger/log.js';
import { EMPTY_ROOT, rootOf, leafHash } from '../../src/ledger/merkle.js';
import { MemoryStore } from '../../src/ledger/store/memory.js';
import { LedgerVerifier, verifyLog } from '../../src/ledger/verify.js';
import { fixedClock, ORIGIN, scanDrafts, seededRandom, testKey } from './fixtures.js';

const key = testKey();
const witness = testKey('witness', 'witness.example/w1');
let lines: Uint8Array[] = [];
let history: { size: number; text: string }[] = [];

beforeAll(async () => {
  const store = new MemoryStore();
  const ledger = await openLedger({ store, signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
  for (let i = 0; i < 3; i++) await ledger.append(scanDrafts(i));
  lines = store.data.lines;
  history = [...store.data.checkpoints].map(([size, text]) => ({ size, text }));
});

const sign = (size: number, origin = ORIGIN, signers = [key.signer]) => signCheckpoint({ origin, size, root: size === 0 ? EMPTY_ROOT : rootOf(lines.slice(0, size).map((l) => leafHash(l))), extensions: [] }, signers);

describe('checkpoint rules', () => {
  const cases: { name: string; latest: () => string | null; history: () => { size: number; text: string }[]; keys?: () => (typeof key.verifier)[]; expect: { ok: boolean; code?: string; location?: string; warning?: RegExp; uncommitted?: number; also?: RegExp } }[] = [
    { name: 'clean ledger', latest: () => history.at(-1)!.text, history: () => history, expect: { ok: true } },
    { name: 'a size-0 checkpoint of the empty tree is fine', latest: () => history.at(-1)!.text, history: () => [{ size: 0, text: sign(0) }, ...history], expect: { ok: true } },
    { name: 'file name and size disagree', latest: () => history.at(-1)!.text, history: () => [{ size: 3, text: sign(2) }, ...history.filter((h) => h.size !== 2)], expect: { ok: false, code: 'BAD_CHECKPOINT', location: 'checkpoints/3' } },
    { name: 'another origin', latest: () => history.at(-1)!.text, history: () => [{ size: 2, text: signCheckpoint({ origin: 'other.example/log', size: 2, root: rootOf(lines.slice(0, 2).map((l) => leafHash(l))), extensions: [] }, [key.signer]) }, ...history.slice(1)], expect: { ok: false, code: 'UNKNOWN_KEY', location: 'checkpoints/2' } },
    { name: 'signed only by a witness key', latest: () => sign(6, ORIGIN, [witness.signer]), history: () => history, keys: () => [key.verifier, witness.verifier], expect: { ok: false, code: 'UNKNOWN_KEY', location: 'checkpoint' } },
    { name: 'pointer and history differ at one size (fork evidence)', latest: () => signCheckpoint({ origin: ORIGIN, size: 6, root: rootOf(lines.slice(0, 5).map((l) => leafHash(l)).concat([leafHash(Buffer.from('x'))])), extensions: [] }, [key.signer]), history: () => history, expect: { ok: false, code: 'ROOT_MISMATCH', location: 'checkpoint', also: /two checkpoints for one tree size/ } },
    { name: 'pointer lags the history', latest: () => history[1]!.text, history: () => history, expect: { ok: true, warning: /lags checkpoints\/6/ } },
    { name: 'no pointer', latest: () => null, history: () => history, expect: { ok: true, warning: /pointer is missing/ } },
    { name: 'entries beyond the last checkpoint', latest: () => history[1]!.text, history: () => history.slice(0, 2), expect: { ok: true, uncommitted: 2, warning: /2 entries after checkpoint size 4/ } },
    { name: 'checkpoint larger than the log', latest: () => sign(6), history: () => [...history, { size: 7, text: signCheckpoint({ origin: ORIGIN, size: 7, root: EMPTY_ROOT.map(() => 7), extensions: [] }, [key.signer]) }], expect: { ok: false, code: 'TRUNCATED', location: 'checkpoints/7' } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = verifyLog({ keys: c.keys?.() ?? [key.verifier], latest: c.latest(), history: c.history() }, lines);
      expect(r.ok, JSON.stringify(r.problems)).toBe(c.expect.ok);
      if (c.expect.code !== undefined) expect(r.problems[0]).toMatchObject({ code: c.expect.code, location: c.expect.location });
      if (c.expect.warning !== undefined) expect(r.warnings.join('\n')).toMatch(c.expect.warning);
      if (c.expect.also !== undefined) expect(r.problems.map((p) => p.message).join('\n')).toMatch(c.expect.also);
      if (c.expect.uncommitted !== undefined) expect(r.uncommitted).toBe(c.expect.uncommitted);
    });
  }

  it('refuses misuse: checkpoints out of order or behind the stream', () => {
    const v = new LedgerVerifier({ keys: [key.verifier], latest: null });
    v.checkpoint(2, history[0]!.text);
    expect(() => v.checkpoint(2, history[0]!.text)).toThrow(/must ascend/);
    v.line(lines[0]!);
    v.line(lines[1]!);
    v.line(lines[2]!);
    expect(() => v.checkpoint(2, history[0]!.text)).toThrow(/must ascend/);
    const w = new LedgerVerifier({ keys: [key.verifier], latest: null });
    w.line(lines[0]!);
    w.line(lines[1]!);
    w.line(lines[2]!);
    expect(() => w.checkpoint(2, history[0]!.text)).toThrow(/after 3 lines/);
  });
});
