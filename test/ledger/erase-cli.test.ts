// `trailmark erase` as users run it: a real child process with TRAILMARK_SUBJECT_KEK in its
// environment, on a directory ledger written in clear before sealing was configured.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { openLedger, type EntryDraft } from '../../src/ledger/log.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { subjectKekFromSecret } from '../../src/ledger/subject-seal.js';
import { containsText, openableValues } from './erase-support.js';
import { changeBody, fixedClock, ORIGIN, seededRandom, testKey } from './fixtures.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** tsx's loader by absolute URL: the child runs in a temp directory, where `--import tsx` would not resolve. */
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const SECRET = 'cli-secret-0123456789abcdef0123456789abcdef';
const ALICE = 'alice-cli-0b3c@example.com';
const BOB = 'bob-cli-d4a1';
const key = testKey();
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `import { main } from ${JSON.stringify(join(ROOT, 'cli', 'main.ts'))}; process.exitCode = await main(process.argv.slice(1));`;
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TRAILMARK_SUBJECT_KEK')));
  const child = spawn(process.execPath, ['--import', TSX, '--input-type=module', '-e', script, ...args], { cwd, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

function files(dir: string): Buffer[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [readFileSync(join(dir, n))]));
}

function draft(i: number, ...people: string[]): EntryDraft {
  return { kind: 'change.analyzed', policy: 'p', body: (ctx) => changeBody(i, Object.fromEntries(people.map((p, j) => [`role.${j}`, ctx.commit(p)]))) };
}

it('erase with TRAILMARK_SUBJECT_KEK seals a clear ledger and shreds the subject; verify needs no secret; a missing or short secret exits 2 with a hint', async () => {
  const root = mkdtempSync(join(tmpdir(), 'trailmark-erase-cli-'));
  roots.push(root);
  const dir = join(root, 'ledger');
  writeFileSync(join(root, 'key.pub'), `${key.verifierKey}\n`);
  const ledger = await openLedger({ store: openDirStore(dir, { create: true, subjectSealing: null }), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
  await ledger.append([draft(0, ALICE, BOB)]);
  await ledger.append([draft(1, ALICE)]);
  expect(openableValues(files(dir), [])).toEqual(new Set([ALICE, BOB]));

  const short = await cli(['erase', '--ledger', dir, '--subject', ALICE], { TRAILMARK_SUBJECT_KEK: 'too-short' }, root);
  expect(short.code).toBe(2);
  expect(short.stderr).toMatch(/subject key secret is 9 bytes[\s\S]*hint: generate one with `openssl rand -base64 32`/);
  expect(containsText(files(dir), 'subject-keys')).toBe(false);

  const erased = await cli(['erase', '--ledger', dir, '--subject', ALICE], { TRAILMARK_SUBJECT_KEK: SECRET }, root);
  expect(erased.stderr).toBe('');
  expect(erased.code).toBe(0);
  expect(erased.stdout).toContain('erased 2 record(s) referenced by entries 0, 1');
  expect(erased.stdout + erased.stderr).not.toContain(ALICE);
  const after = files(dir);
  expect(containsText(after, ALICE) || containsText(after, BOB)).toBe(false);
  expect(openableValues(after, [])).toEqual(new Set());
  expect(openableValues(after, [subjectKekFromSecret(SECRET)])).toEqual(new Set([BOB]));

  const verified = await cli(['verify', '--ledger', dir, '--key', join(root, 'key.pub')], {}, root);
  expect(verified.code).toBe(0);

  const blind = await cli(['erase', '--ledger', dir, '--subject', BOB], {}, root);
  expect(blind.code).toBe(2);
  expect(blind.stderr).toMatch(/are sealed, and no subject key secret is configured\nhint: set TRAILMARK_SUBJECT_KEK/);
  expect(files(dir)).toEqual(after);
});
