// In-memory LedgerStore: the reference fake. It keeps the bytes exactly as the directory store
// would and fails loudly (LedgerError STORE_CONTRACT) whenever a caller breaks the contract of
// ../store.ts, so a test that passes against it cannot rely on behaviour a real store lacks.
// Several MemoryStore objects over one MemoryLedgerData behave like processes sharing a
// directory: each has its own lock state.
/* eslint-disable @typescript-eslint/require-await -- LedgerStore methods are async by contract; this store does its I/O synchronously inside them, so errors surface as rejections. */
import { LedgerError } from '../../core/errors.js';
import { MAX_LINE_BYTES } from '../entry.js';
import { NEWLINE, SIGNATURE_LINES, type LedgerStore, type StoreLock, type StoreTail } from '../store.js';
import type { SubjectRecord } from '../subjects.js';

export class MemoryLedgerData {
  lines: Uint8Array[] = [];
  /** Bytes of a partial last line (only ever created by `tearTail`, as a crash would). */
  torn: Uint8Array = new Uint8Array(0);
  checkpoints = new Map<number, string>();
  latest: number | null = null;
  treeState: string | null = null;
  subjects: SubjectRecord[] = [];
  holder: MemoryStore | null = null;
  waiters: (() => void)[] = [];

  /** Simulates a crash in the middle of an append: a partial line after the last newline. */
  tearTail(partial: Uint8Array): void {
    if (partial.includes(NEWLINE)) throw new Error('a torn tail has no newline');
    this.torn = Uint8Array.from([...this.torn, ...partial]);
  }
}

function contract(message: string): LedgerError {
  return new LedgerError('STORE_CONTRACT', `memory store contract violated: ${message}`);
}

export class MemoryStore implements LedgerStore {
  readonly location: string;
  readonly data: MemoryLedgerData;

  constructor(data: MemoryLedgerData = new MemoryLedgerData(), location = 'memory') {
    this.data = data;
    this.location = location;
  }

  async lock(): Promise<StoreLock> {
    const d = this.data;
    if (d.holder === this) throw contract('lock() while this store already holds the lock (not re-entrant)');
    while (d.holder !== null) await new Promise<void>((resolve) => d.waiters.push(resolve));
    d.holder = this;
    let released = false;
    return {
      release: async () => {
        if (!released) {
          released = true;
          if (d.holder === this) d.holder = null;
          d.waiters.shift()?.();
        }
      },
    };
  }

  private requireLock(op: string): void {
    if (this.data.holder !== this) throw contract(`${op} without holding the lock`);
  }

  async tail(): Promise<StoreTail> {
    return { size: this.data.lines.length, tornBytes: this.data.torn.byteLength };
  }

  async *readLines(from = 0): AsyncIterable<Uint8Array> {
    if (!Number.isSafeInteger(from) || from < 0) throw contract(`readLines from ${from}`);
    // Iterate by index over the live array: appends during iteration are seen, as with a file.
    // Yield to the event loop between lines, as real I/O does, so writers can interleave.
    for (let i = from; i < this.data.lines.length; i++) {
      await Promise.resolve();
      if (i < this.data.lines.length) yield Uint8Array.from(this.data.lines[i]!);
    }
  }

  async lastLine(): Promise<Uint8Array | null> {
    const l = this.data.lines.at(-1);
    return l === undefined ? null : Uint8Array.from(l);
  }

  async append(lines: readonly Uint8Array[]): Promise<void> {
    this.requireLock('append');
    const d = this.data;
    if (d.torn.byteLength > 0) throw contract('append over a torn tail (truncate it first)');
    lines.forEach((line, i) => {
      const seq = d.lines.length + i;
      if (line.byteLength === 0) throw contract(`empty line at index ${seq}`);
      if (line.includes(NEWLINE)) throw contract(`line at index ${seq} contains a newline`);
      if (line.byteLength > MAX_LINE_BYTES) throw contract(`line at index ${seq} is ${line.byteLength} bytes`);
      const found = seqOf(line);
      if (found !== undefined && found !== seq) throw contract(`non-contiguous seq: line at index ${seq} carries seq ${found}`);
    });
    for (const line of lines) d.lines.push(Uint8Array.from(line));
    return;
  }

  async truncate(size: number): Promise<number> {
    this.requireLock('truncate');
    const d = this.data;
    if (!Number.isSafeInteger(size) || size < 0) throw contract(`truncate to ${size}`);
    if (d.latest !== null && size < d.latest) throw contract(`truncate to ${size} below the latest checkpoint size ${d.latest}`);
    let removed = d.torn.byteLength;
    d.torn = new Uint8Array(0);
    for (const line of d.lines.splice(size)) removed += line.byteLength + 1;
    return removed;
  }

  async readCheckpoint(): Promise<string | null> {
    const d = this.data;
    return d.latest === null ? null : (d.checkpoints.get(d.latest) ?? null);
  }

  async writeCheckpoint(size: number, text: string): Promise<void> {
    this.requireLock('writeCheckpoint');
    const d = this.data;
    if (size !== d.lines.length) throw contract(`checkpoint for size ${size} over ${d.lines.length} lines`);
    if (d.latest !== null && size < d.latest) throw contract(`checkpoint size ${size} smaller than the latest ${d.latest}`);
    const old = d.checkpoints.get(size);
    if (old !== undefined && old !== text) throw contract(`checkpoint at size ${size} replaced by a different one`);
    d.checkpoints.set(size, text);
    d.latest = size;
    return;
  }

  async listCheckpoints(): Promise<number[]> {
    return [...this.data.checkpoints.keys()].sort((a, b) => a - b);
  }

  async readCheckpointAt(size: number): Promise<string | null> {
    return this.data.checkpoints.get(size) ?? null;
  }

  async addCheckpointSignatures(size: number, text: string): Promise<void> {
    this.requireLock('addCheckpointSignatures');
    const d = this.data;
    const sizes = [...d.checkpoints.keys()];
    if (sizes.length === 0 || size !== Math.max(...sizes)) throw contract(`cosigning checkpoint ${size}, which is not the latest`);
    const old = d.checkpoints.get(size)!;
    if (!text.startsWith(old) || !SIGNATURE_LINES.test(text.slice(old.length))) throw contract(`cosigning checkpoint ${size} with a text that is not the stored one plus signature lines`);
    d.checkpoints.set(size, text);
    return;
  }

  async listForeignCheckpointNames(): Promise<string[]> {
    return [];
  }

  async readTreeState(): Promise<string | null> {
    return this.data.treeState;
  }

  async writeTreeState(text: string): Promise<void> {
    this.requireLock('writeTreeState');
    this.data.treeState = text;
    return;
  }

  async readSubjects(): Promise<SubjectRecord[]> {
    return [...this.data.subjects];
  }

  async appendSubjects(records: readonly SubjectRecord[]): Promise<void> {
    this.requireLock('appendSubjects');
    this.data.subjects.push(...records);
    return;
  }

  async rewriteSubjects(records: readonly SubjectRecord[]): Promise<void> {
    this.requireLock('rewriteSubjects');
    this.data.subjects = [...records];
    return;
  }
}

/** The `seq` of a line that looks like an entry, for the contiguity assertion. */
function seqOf(line: Uint8Array): number | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(line).toString('utf8'));
    if (typeof v === 'object' && v !== null && typeof (v as { seq?: unknown }).seq === 'number') return (v as { seq: number }).seq;
  } catch {
    // Not JSON: the contiguity assertion does not apply.
  }
  return undefined;
}
