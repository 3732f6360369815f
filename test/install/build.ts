// `npm run build` (tsc -p tsconfig.build.json) into a temporary tree instead of the checkout's
// dist/lib, which is gitignored and may be stale or missing.
import { execFile } from 'node:child_process';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/github-sim.js';

const run = promisify(execFile);

/** Compiles src/, app/, action/, cli/ and detectors/ to `root`/dist/lib and links `root`/node_modules to the checkout's. */
export async function buildInto(root: string): Promise<void> {
  await run(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(REPO_ROOT, 'tsconfig.build.json'), '--outDir', join(root, 'dist/lib')], { cwd: REPO_ROOT, maxBuffer: 64 << 20 });
  await symlink(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
}
