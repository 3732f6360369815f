// dist/lib, built from this checkout, for the suites that run the shipped artifacts
// (bin/trailmark.js, `npm start`). With two test workers, a suite that recompiled dist/lib while
// another ran the App from it could load a half-written file; so when the whole run builds it
// once first (global-setup.ts, under CI), the suites take that build.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const ROOT = join(import.meta.dirname, '..', '..');

export const PREBUILT_ENV = 'TRAILMARK_TEST_PREBUILT';

/** `tsc -p tsconfig.build.json` into dist/lib, unless this test run already built it. */
export async function buildDist(): Promise<void> {
  if (process.env[PREBUILT_ENV] === '1') return;
  await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, maxBuffer: 64 << 20 });
}
