// The ledger branch as docs/erasure.md tells maintainers to erase on it: a real git repository
// holding a sealed ledger, `trailmark erase --ledger .` with the secret, a commit, a rotation,
// and `git gc`; then every object of the repository (packed) is read back. Last, the checked-out
// branch moves into PostgreSQL (PGlite) with `ledger export`/`import`, keyring and all.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { importLog } from '../../src/engine/ledger-transfer.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { migrate } from '../../src/ledger/store/postgres-migrations.js';
import { openPostgresStore } from '../../src/ledger/store/postgres.js';
import { postgresSubjectKeyring } from '../../src/ledger/store/subject-keyring.js';
import { subjectKekFromSecret } from '../../src/ledger/subject-seal.js';
import { subjectSealing } from '../../src/ledger/subject-vault.js';
import { runCli } from '../cli-ledger/harness.js';
import { containsText, openableValues, realRandom } from '../ledger/erase-support.js';
import { pgliteClient } from '../support/postgres.js';
import { ALICE, BOB, fill, key, once, OTHER_SECRET, SECRET } from './support.js';

const run = promisify(execFile);
const KEK = subjectKekFromSecret(SECRET);
const KEK_2 = subjectKekFromSecret(OTHER_SECRET);
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

async function git(cwd: string, args: string[]): Promise<string> {
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_CONFIG_NOSYSTEM: '1', HOME: cwd };
  return (await run('git', args, { cwd, env, maxBuffer: 1 << 28, encoding: 'utf8' })).stdout;
}

/** Every object of the repository, packed first: what a clone of the branch publishes. */
async function allObjects(repo: string): Promise<string> {
  await git(repo, ['gc', '--quiet', '--prune=now']);
  expect(await git(repo, ['count-objects', '-v'])).toMatch(/^count: 0$/m);
  return (await git(repo, ['cat-file', '--batch-all-objects', '--batch'])) + (await git(repo, ['log', '-p', '--all']));
}

it('erase on a checked-out ledger branch, then a rotation: no object opens the subject without the old secret; the branch moves into PostgreSQL sealed', async () => {
  const root = mkdtempSync(join(tmpdir(), 'trailmark-shred-branch-'));
  roots.push(root);
  const repo = join(root, 'branch');
  const pub = join(root, 'key.pub');
  writeFileSync(pub, `${key.verifierKey}\n`);
  await git(root, ['init', '-q', '-b', 'trailmark-ledger', repo]);
  await fill(openDirStore(repo, { create: true, subjectSealing: subjectSealing(SECRET, [], realRandom)! }));
  writeFileSync(join(repo, '.gitignore'), 'lock\n');
  await git(repo, ['add', '-A']);
  await git(repo, ['commit', '-q', '-m', 'ledger']);
  expect(await git(repo, ['ls-files'])).toContain('subject-keys.jsonl');

  const sealedVerify = JSON.parse((await runCli(['verify', '--ledger', repo, '--key', pub, '--json'], { cwd: root, env: { TRAILMARK_SUBJECT_KEK: SECRET } })).stdout) as { ok: boolean; subjectWarnings: string[]; subjectsAtRest: unknown };
  expect(sealedVerify).toMatchObject({ ok: true, subjectWarnings: [], subjectsAtRest: { clear: 0, sealed: 4, keys: 4, unopenable: 0 } });

  const erased = await runCli(['erase', '--ledger', repo, '--subject', ALICE], { cwd: root, env: { TRAILMARK_SUBJECT_KEK: SECRET } });
  expect(erased.code).toBe(0);
  expect(erased.stdout).toContain('erased 2 record(s) referenced by entries 0, 1');
  await git(repo, ['commit', '-q', '-am', 'erase']);
  const afterErase = await allObjects(repo);
  expect(containsText([afterErase], ALICE) || containsText([afterErase], BOB)).toBe(false);
  expect(openableValues([afterErase], [])).toEqual(new Set());
  // History keeps ALICE's key wrapped under the current secret (docs/erasure.md): the rotation closes it.
  expect(openableValues([afterErase], [KEK])).toEqual(new Set([ALICE, BOB]));

  const rotated = await runCli(['erase', '--ledger', repo, '--subject', ALICE], { cwd: root, env: { TRAILMARK_SUBJECT_KEK: OTHER_SECRET, TRAILMARK_SUBJECT_KEK_PREVIOUS: SECRET } });
  expect(rotated.code).toBe(0);
  expect(rotated.stdout).toContain('erased nothing');
  await git(repo, ['commit', '-q', '-am', 'rotate']);
  const afterRotation = await allObjects(repo);
  expect(openableValues([afterRotation], [KEK_2])).toEqual(new Set([BOB]));

  // The checked-out branch into the App's database: sealed in the file, refused under the old
  // secret alone, opened under the new one; ALICE stays erased.
  const out = await runCli(['ledger', 'export', '--ledger', repo, '--output', join(root, 'branch.export')], { cwd: root });
  expect(out.code).toBe(0);
  const bytes = readFileSync(join(root, 'branch.export'));
  expect(containsText([bytes], ALICE) || containsText([bytes], BOB)).toBe(false);
  expect(openableValues([bytes], [KEK])).toEqual(new Set());
  expect(openableValues([bytes], [KEK_2])).toEqual(new Set([BOB]));
  const lite = await pgliteClient();
  try {
    await migrate(lite, { schema: 'ledger' });
    const old = subjectSealing(SECRET, [], realRandom)!;
    const refused = await openPostgresStore(lite, { log: 'installation/old', schema: 'ledger', create: true, subjectSealing: old });
    await expect(importLog(refused, () => once(bytes), postgresSubjectKeyring(refused, old))).rejects.toThrow(`wrapped under key ${KEK_2.id}, and the configured secret is key ${KEK.id}`);
    const sealing = subjectSealing(OTHER_SECRET, [], realRandom)!;
    const target = await openPostgresStore(lite, { log: 'installation/9', schema: 'ledger', create: true, subjectSealing: sealing });
    expect(await importLog(target, () => once(bytes), postgresSubjectKeyring(target, sealing))).toMatchObject({ subjectKeys: 2, subjectWarnings: [] });
    expect((await target.readSubjects()).flatMap((r) => ('value' in r ? [r.value] : [])).sort()).toEqual([BOB, BOB]);
    expect(await target.subjectsAtRest()).toMatchObject({ clear: 0, sealed: 2, tombstones: 2, unopenable: 0 });
  } finally {
    await lite.close();
  }
});
