// Regenerates the golden outputs of `trailmark scan` on the demo repository, one per format.
// `npx tsx scripts/golden.ts` writes test/golden/; test/cli/scan.test.ts compares against them,
// so a change in detectors, model, verdicts or renderers shows up as a reviewable diff.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDemoRepository } from '../cli/demo/build.js';
import { main } from '../cli/main.js';
import type { CliIo } from '../cli/io.js';

export const GOLDEN_FORMATS = ['text', 'json', 'sarif', 'markdown'] as const;
export const GOLDEN_DIR = new URL('../test/golden/', import.meta.url);
export const goldenName = (format: string): string => `demo-scan.${format === 'text' ? 'txt' : format === 'markdown' ? 'md' : format === 'sarif' ? 'sarif.json' : 'json'}`;

/** Runs `trailmark scan --format F` on a freshly built demo repository for every format. */
export async function goldenOutputs(): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), 'trailmark-golden-'));
  try {
    const repo = await buildDemoRepository(join(dir, 'repo'));
    const out: Record<string, string> = {};
    for (const format of GOLDEN_FORMATS) {
      let stdout = '';
      let stderr = '';
      const io: CliIo = {
        stdout: { write: (t) => void (stdout += t), isTTY: false },
        stderr: { write: (t) => void (stderr += t), isTTY: false },
        env: {},
        cwd: repo.dir,
        readStdin: () => Promise.resolve(Buffer.alloc(0)),
      };
      const code = await main(['scan', '--base', 'main', '--format', format], io);
      if (code !== 0) throw new Error(`scan --format ${format} exited ${code}: ${stderr}`);
      out[goldenName(format)] = stdout;
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const outputs = await goldenOutputs();
  await mkdir(GOLDEN_DIR, { recursive: true });
  for (const [name, text] of Object.entries(outputs)) await writeFile(new URL(name, GOLDEN_DIR), text);
  console.log(`wrote ${Object.keys(outputs).length} golden files to test/golden/`);
}
