// Capture gaps (docs/report.md): per device, the sequence numbers no `record` entry carries.
// Each device numbers its records 1, 2, 3… (docs/collector-protocol.md §4); the collector's
// `record` entries carry `device` and `seq`, so a number missing below a device's highest one is
// a record lost before it reached the collector. Computed from the entries up to the period's
// end (a gap opened before the period and never filled is still a gap).
//
// Memory: per device the covered numbers as disjoint ascending ranges; devices upload in order,
// so an insert is almost always an extension of the last range (O(1)); at worst a binary search.
import type { CaptureGapRow, SeqRange } from './model.js';

/** Devices listed at most (the rest are counted in `omitted`), and ranges listed per device. */
export const CAPTURE_GAP_DEVICES_MAX = 200;
export const CAPTURE_GAP_RANGES_MAX = 50;

const DEVICE = /^[A-Za-z0-9_-]{1,64}$/;

interface DeviceState {
  readonly ledger: string;
  readonly device: string;
  /** Covered numbers, disjoint, ascending, not adjacent. */
  readonly covered: { from: number; to: number }[];
  records: number;
  /** Repositories the device's records name (for the repository filter). */
  readonly repositories: Set<string>;
}

export class CaptureGapTracker {
  readonly #devices = new Map<string, DeviceState>();

  /** Notes one `record` entry body of ledger `ledger`; entries without a valid device and seq are ignored. */
  add(ledger: string, body: Readonly<Record<string, unknown>>): void {
    const { device, seq, repository } = body;
    if (typeof device !== 'string' || !DEVICE.test(device)) return;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return;
    const key = `${ledger}\0${device}`;
    let state = this.#devices.get(key);
    if (state === undefined) {
      state = { ledger, device, covered: [], records: 0, repositories: new Set() };
      this.#devices.set(key, state);
    }
    state.records++;
    if (typeof repository === 'string') state.repositories.add(repository);
    cover(state.covered, seq);
  }

  /** Whether any entry carried a device and seq (the section is shown only then). */
  get seen(): boolean {
    return this.#devices.size > 0;
  }

  /** One row per device (of a wanted repository), devices with gaps first, then by ledger and device. */
  rows(wanted: (repository: string) => boolean): CaptureGapRow[] {
    const out: CaptureGapRow[] = [];
    for (const s of this.#devices.values()) {
      if (![...s.repositories].some(wanted)) continue;
      const missing: SeqRange[] = [];
      let missingCount = 0;
      let next = 1;
      for (const r of s.covered) {
        if (r.from > next) {
          missingCount += r.from - next;
          if (missing.length < CAPTURE_GAP_RANGES_MAX) missing.push({ from: next, to: r.from - 1 });
        }
        next = r.to + 1;
      }
      out.push({ ledger: s.ledger, device: s.device, records: s.records, high: s.covered.at(-1)?.to ?? 0, missingCount, missing });
    }
    return out.sort((a, b) => (b.missingCount > 0 ? 1 : 0) - (a.missingCount > 0 ? 1 : 0) || cmp(a.ledger, b.ledger) || cmp(a.device, b.device));
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Adds `seq` to the disjoint ascending ranges `covered`, merging neighbours. */
function cover(covered: { from: number; to: number }[], seq: number): void {
  const last = covered.at(-1);
  if (last === undefined || seq > last.to + 1) {
    covered.push({ from: seq, to: seq });
    return;
  }
  if (seq === last.to + 1) {
    last.to = seq;
    return;
  }
  // Binary search: the first range whose end is at or after seq - 1.
  let lo = 0;
  let hi = covered.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (covered[mid]!.to < seq - 1) lo = mid + 1;
    else hi = mid;
  }
  const r = covered[lo]!;
  if (seq >= r.from && seq <= r.to) return;
  if (seq === r.to + 1) {
    r.to = seq;
    const n = covered[lo + 1];
    if (n !== undefined && n.from === seq + 1) {
      r.to = n.to;
      covered.splice(lo + 1, 1);
    }
    return;
  }
  if (seq === r.from - 1) {
    r.from = seq;
    return;
  }
  covered.splice(lo, 0, { from: seq, to: seq });
}
