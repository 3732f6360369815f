// Mines the real-commit corpus from local mirrors: `tsx scripts/mine-corpus.ts [--mirrors DIR]
// [--out DIR] [--repo owner/name ...]`. Writes eval/real/corpus.v1.jsonl (references and digests,
// stable order) and eval/real/repos.json. Reserved repositories are never mined.

import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultMirrors, mirrorOf } from '../src/eval/real/load.js';
import { CORPUS_SCHEMA, serializeSamples, type RealRepo, type RealSample, type ReposFile } from '../src/eval/real/manifest.js';
import { DEFAULT_CAPS, mineRepo } from '../src/eval/real/mine.js';
import { isReserved } from '../src/eval/real/reserved.js';

const { values } = parseArgs({
  options: { mirrors: { type: 'string' }, out: { type: 'string' }, repo: { type: 'string', multiple: true } },
  strict: true,
});
const mirrors = values.mirrors ?? defaultMirrors();
const out = values.out ?? 'eval/real';
const repos = (values.repo ?? readdirSync(mirrors).filter((d) => d.includes('+')).map((d) => d.replace('+', '/'))).sort();

const samples: RealSample[] = [];
const infos: RealRepo[] = [];
for (const repo of repos) {
  if (isReserved(repo)) {
    process.stderr.write(`${repo}: reserved, not mined\n`);
    continue;
  }
  const gitDir = mirrorOf(mirrors, repo);
  if (gitDir === undefined) {
    process.stderr.write(`${repo}: no mirror under ${mirrors}\n`);
    continue;
  }
  let r;
  try {
    r = mineRepo({ repo, gitDir, log: (line) => process.stderr.write(`${line}\n`) });
  } catch (err) {
    process.stderr.write(`${repo}: not mined (${err instanceof Error ? err.message : String(err)})\n`);
    continue;
  }
  for (const [reason, n] of Object.entries(r.skipped)) process.stderr.write(`${repo}: ${n} commits skipped (${reason})\n`);
  samples.push(...r.samples);
  infos.push(r.repo);
}
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'corpus.v1.jsonl'), serializeSamples(samples));
const file: ReposFile = { schema: CORPUS_SCHEMA, minedAt: new Date().toISOString(), caps: DEFAULT_CAPS, repos: infos };
writeFileSync(join(out, 'repos.json'), `${JSON.stringify(file, null, 2)}\n`);
process.stderr.write(`${samples.length} hunks from ${infos.length} repositories\n`);
