// The collector's upload limits from the App's environment (docs/app.md, docs/collector.md).
// Each variable is optional; an unset one keeps its default (engine/collector.ts).
import { UsageError } from '../src/core/errors.js';
import { DEFAULT_COLLECTOR_LIMITS, type CollectorLimits } from '../src/engine/collector.js';

const VARIABLES: readonly { readonly name: string; readonly field: keyof CollectorLimits; readonly max: number }[] = [
  { name: 'TRAILMARK_COLLECTOR_BATCH_RECORDS', field: 'batchRecords', max: 100_000 },
  // Bodies are buffered whole before they are parsed: 256 MiB bounds the memory one request holds.
  { name: 'TRAILMARK_COLLECTOR_BATCH_BYTES', field: 'batchBytes', max: 256 * 1024 * 1024 },
  { name: 'TRAILMARK_COLLECTOR_RECORD_BYTES', field: 'recordBytes', max: 64 * 1024 * 1024 },
  { name: 'TRAILMARK_COLLECTOR_BATCHES_PER_MINUTE', field: 'batchesPerMinute', max: 1_000_000 },
  { name: 'TRAILMARK_COLLECTOR_RECORDS_PER_HOUR', field: 'recordsPerHour', max: 100_000_000 },
];

/** The limits the environment sets, or undefined when it sets none (the defaults apply). */
export function readCollectorLimits(env: Readonly<Record<string, string | undefined>>): CollectorLimits | undefined {
  const limits: Record<keyof CollectorLimits, number> = { ...DEFAULT_COLLECTOR_LIMITS };
  let set = false;
  for (const v of VARIABLES) {
    const text = env[v.name];
    if (text === undefined || text === '') continue;
    set = true;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 1 || n > v.max) {
      throw new UsageError('USAGE', `${v.name} ${JSON.stringify(text)} is not an integer from 1 to ${v.max}`, { hint: `unset it for the default of ${DEFAULT_COLLECTOR_LIMITS[v.field]}` });
    }
    limits[v.field] = n;
  }
  return set ? limits : undefined;
}
