// A separate process that appends to a spool (run with `node --import tsx`):
//   spool-worker.ts HOME count N LABEL   appends N records one at a time, prints "done"
//   spool-worker.ts HOME loop BYTES LABEL appends forever, printing "ack SEQ ID" after each append
//                                         returned (stdout to a pipe is synchronous on Linux)
//   spool-worker.ts HOME tear N LABEL     appends N records, then leaves half of the next line at
//                                         the end of the last segment (the state a kill inside
//                                         write(2) leaves) and SIGKILLs itself
import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalize } from '../../src/ledger/canonical.js';
import { homePaths } from '../../src/capture/paths.js';
import { openSpool } from '../../src/capture/spool.js';

const [home, mode, n, label] = process.argv.slice(2) as [string, string, string, string];
const spool = await openSpool(home, mode === 'loop' ? { segmentBytes: 256 * 1024 } : {});
const draft = (i: number, pad: string) => ({ id: `${label}-${i}`, time: '2026-12-05T00:00:00Z', repository: 'acme/app', stage: 'edit' as const, trace: { version: '0.1.0', pad } });

if (mode === 'count') {
  for (let i = 0; i < Number(n); i++) await spool.append([draft(i, '')]);
  process.stdout.write('done\n');
} else if (mode === 'tear') {
  for (let i = 0; i < Number(n); i++) {
    const [r] = await spool.append([draft(i, '')]);
    process.stdout.write(`ack ${r!.seq} ${r!.id}\n`);
  }
  const dir = homePaths(home).spool;
  const last = readdirSync(dir).filter((f) => f.startsWith('seg-')).sort().at(-1)!;
  const line = canonicalize({ ...draft(999_999, 'torn'), schema: 'trailmark.spool/v1', device: spool.device, seq: 0 });
  appendFileSync(join(dir, last), line.slice(0, Math.floor(line.length / 2)));
  process.kill(process.pid, 'SIGKILL');
} else {
  const pad = 'x'.repeat(Number(n));
  for (let i = 0; ; i++) {
    const drafts = i % 3 === 0 ? [draft(i * 10, pad), draft(i * 10 + 1, pad)] : [draft(i * 10, pad)];
    const records = await spool.append(drafts);
    for (const r of records) process.stdout.write(`ack ${r.seq} ${r.id}\n`);
  }
}
