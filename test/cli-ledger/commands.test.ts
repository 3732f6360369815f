import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { loadSigner } from '../../src/ledger/store/key-source.js';
import { displaySubject, ERASED } from '../../src/ledger/subjects.js';
import { openLedger } from '../../src/ledger/log.js';
import { fixedClock, ORIGIN, scanDrafts, seededRandom, testKey } from '../ledger/fixtures.js';
import { ledgerFixture, runCli } from './harness.js';

describe('trailmark keygen', () => {
  it('writes a 0600 signing key and a public key, and refuses to overwrite', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'trailmark-keygen-'));
    const r = await runCli(['keygen', '--name', 'example.com/acme', '--out', 'ledger'], { cwd });
    expect(r.code).toBe(0);
    const key = readFileSync(join(cwd, 'ledger.key'), 'utf8');
    const pub = readFileSync(join(cwd, 'ledger.pub'), 'utf8');
    expect(key).toMatch(/^PRIVATE\+KEY\+example\.com\/acme\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+\n$/);
    expect(pub).toMatch(/^example\.com\/acme\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+\n$/);
    expect(statSync(join(cwd, 'ledger.key')).mode & 0o777).toBe(0o600);
    expect(r.stdout).toContain(pub.trim());
    const again = await runCli(['keygen', '--name', 'example.com/acme', '--out', 'ledger'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists: refusing to overwrite[\s\S]*hint:/);
    expect(readFileSync(join(cwd, 'ledger.key'), 'utf8')).toBe(key);
    expect(loadSigner({ env: { TRAILMARK_SIGNING_KEY: key }, cwd }).name).toBe('example.com/acme');
    expect(loadSigner({ env: {}, cwd, keyFile: 'ledger.key' }).name).toBe('example.com/acme');
  });

  it('rejects an invalid name and a missing --out with exit 2', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'trailmark-keygen-'));
    expect((await runCli(['keygen', '--name', 'has space', '--out', 'k'], { cwd })).code).toBe(2);
    expect((await runCli(['keygen', '--name', 'example.com/x'], { cwd })).code).toBe(2);
    expect(existsSync(join(cwd, 'k.key'))).toBe(false);
  });

  it('refuses to sign without a key, with a hint', () => {
    let err: unknown;
    try {
      loadSigner({ env: {}, cwd: '/' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).code).toBe('NO_KEY');
    expect((err as UsageError).hint).toContain('TRAILMARK_SIGNING_KEY');
  });
});

describe('trailmark verify', () => {
  it('exits 0 on a good ledger, in text and stable json', async () => {
    const f = await ledgerFixture(3);
    const r = await runCli(['verify', '--ledger', f.dir, '--key', f.pubFile], { cwd: f.root });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok: .* verifies: 6 entries, origin example\.com\/trailmark-test, checkpoint size 6 root [0-9a-f]{64} \(3 checkpoints consistent\)/);
    const j = await runCli(['verify', '--ledger', 'ledger', '--key', f.key.verifierKey, '--json'], { cwd: f.root });
    expect(j.code).toBe(0);
    const doc = JSON.parse(j.stdout);
    expect(Object.keys(doc)).toEqual(['ok', 'ledger', 'origin', 'entries', 'checkpoint', 'checkpoints', 'uncommitted', 'tornBytes', 'kinds', 'keys', 'problems', 'warnings', 'repairs', 'trust', 'witnesses', 'subjectsAtRest', 'subjectWarnings']);
    expect(doc).toMatchObject({ ok: true, entries: 6, checkpoints: 3, kinds: { 'change.analyzed': 3, finding: 3 }, problems: [] });
  });

  it('exits 1 naming the first bad seq', async () => {
    const f = await ledgerFixture(3);
    const path = join(f.dir, 'entries.jsonl');
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[3] = lines[3]!.replace('"unattested"', '"contradicted"');
    writeFileSync(path, lines.join('\n'));
    const r = await runCli(['verify', '--ledger', f.dir, '--key', f.pubFile], { cwd: f.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('seq 3: BAD_SIGNATURE at entry 3');
    const j = JSON.parse((await runCli(['verify', '--ledger', f.dir, '--key', f.pubFile, '--json'], { cwd: f.root })).stdout);
    expect(j.problems[0]).toEqual({ code: 'BAD_SIGNATURE', seq: 3, location: 'entry 3', message: expect.stringContaining('bad signature') });
  });

  it('exits 1 for an unknown key, 2 without a key or ledger', async () => {
    const f = await ledgerFixture(1);
    const other = testKey('other-key');
    const r = await runCli(['verify', '--ledger', f.dir, '--key', other.verifierKey], { cwd: f.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/UNKNOWN_KEY[\s\S]*hint: pass every key/);
    const noKey = await runCli(['verify', '--ledger', f.dir], { cwd: f.root });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/no verifier key given\nhint: pass --key/);
    const noDir = await runCli(['verify', '--ledger', join(f.root, 'nope'), '--key', f.pubFile], { cwd: f.root });
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toContain('no ledger directory');
    expect((await runCli(['verify', '--ledger', f.dir, '--key', 'not-a-key'], { cwd: f.root })).code).toBe(2);
    const empty = await runCli(['verify', '--ledger', f.root, '--key', f.pubFile], { cwd: f.root });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/holds no ledger \(no entries, no checkpoint\)\nhint: pass --ledger DIR/);
  });

  it('accepts several keys across a key rotation', async () => {
    const f = await ledgerFixture(1);
    const rotated = testKey('rotated');
    const store = openDirStore(f.dir);
    // The new key alone cannot vouch for checkpoints the old key signed: no silent takeover.
    await expect(openLedger({ store, signer: rotated.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom('r2') })).rejects.toMatchObject({ code: 'UNKNOWN_KEY' });
    const l2 = await openLedger({ store, signer: rotated.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom('r2'), previousKeys: [f.key.verifier] });
    await l2.append(scanDrafts(5));
    const both = await runCli(['verify', '--ledger', f.dir, '--key', f.pubFile, '--key', rotated.verifierKey, '--json'], { cwd: f.root });
    expect(both.code).toBe(0);
    expect(Object.values(JSON.parse(both.stdout).keys)).toEqual([2, 2]);
    const newOnly = JSON.parse((await runCli(['verify', '--ledger', f.dir, '--key', rotated.verifierKey, '--json'], { cwd: f.root })).stdout);
    expect(newOnly.problems[0]).toMatchObject({ code: 'UNKNOWN_KEY', seq: 0 });
    const oldOnly = JSON.parse((await runCli(['verify', '--ledger', f.dir, '--key', f.pubFile, '--json'], { cwd: f.root })).stdout);
    expect(oldOnly.problems[0]).toMatchObject({ code: 'UNKNOWN_KEY', seq: 2 });
  });

  it('reports a torn tail (exit 1) and repairs it with --repair', async () => {
    const f = await ledgerFixture(2);
    appendFileSync(join(f.dir, 'entries.jsonl'), '{"body":{"sche');
    const r = await runCli(['verify', '--ledger', f.dir, '--key', f.pubFile], { cwd: f.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/seq 4: TRUNCATED at entry 4: truncated tail: 14 bytes/);
    const fixed = await runCli(['verify', '--ledger', f.dir, '--key', f.pubFile, '--repair'], { cwd: f.root });
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/^repaired: removed a torn last line of 14 bytes/);
  });
});

describe('trailmark prove and verify-proof', () => {
  it('proves inclusion and consistency, verifies offline, and detects tampering', async () => {
    const f = await ledgerFixture(4);
    const p = await runCli(['prove', '5', '--ledger', f.dir], { cwd: f.root });
    expect(p.code).toBe(0);
    const proof = JSON.parse(p.stdout);
    expect(Object.keys(proof)).toEqual(['type', 'origin', 'seq', 'size', 'line', 'leafHash', 'root', 'proof', 'checkpoint']);
    expect(proof).toMatchObject({ type: 'trailmark.proof.inclusion/v1', seq: 5, size: 8 });
    const file = join(f.root, 'proof.json');
    writeFileSync(file, p.stdout);
    const ok = await runCli(['verify-proof', 'proof.json', '--key', f.pubFile], { cwd: f.root });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok: entry 5 \(finding, signed by example\.com\/trailmark-test\+[0-9a-f]{8}\) is in example\.com\/trailmark-test at tree size 8/);
    expect((await runCli(['verify-proof', '-', '--key', f.pubFile], { cwd: f.root, stdin: p.stdout })).code).toBe(0);

    const forged = { ...proof, line: proof.line.replace('"notice"', '"warning"') };
    writeFileSync(file, JSON.stringify(forged));
    const bad = await runCli(['verify-proof', file, '--key', f.pubFile], { cwd: f.root });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('FAILED: proof');
    const swapped = { ...proof, proof: [...proof.proof].reverse() };
    writeFileSync(file, JSON.stringify(swapped));
    expect((await runCli(['verify-proof', file, '--key', f.pubFile], { cwd: f.root })).code).toBe(1);
    writeFileSync(file, p.stdout);
    expect((await runCli(['verify-proof', file, '--key', testKey('x').verifierKey], { cwd: f.root })).code).toBe(1);

    const c = await runCli(['prove', '--consistency', '4', '--ledger', f.dir], { cwd: f.root });
    expect(c.code).toBe(0);
    const cp = JSON.parse(c.stdout);
    expect(cp).toMatchObject({ type: 'trailmark.proof.consistency/v1', oldSize: 4, newSize: 8 });
    expect(cp.oldCheckpoint).toContain('\n4\n');
    writeFileSync(file, c.stdout);
    const cok = await runCli(['verify-proof', file, '--key', f.pubFile], { cwd: f.root });
    expect(cok.code).toBe(0);
    expect(cok.stdout).toMatch(/extends tree size 4/);
    writeFileSync(file, JSON.stringify({ ...cp, oldRoot: cp.newRoot }));
    expect((await runCli(['verify-proof', file, '--key', f.pubFile], { cwd: f.root })).code).toBe(1);
  });

  it('rejects bad arguments with exit 2', async () => {
    const f = await ledgerFixture(1);
    expect((await runCli(['prove', '--ledger', f.dir], { cwd: f.root })).code).toBe(2);
    expect((await runCli(['prove', '1', '--consistency', '1', '--ledger', f.dir], { cwd: f.root })).code).toBe(2);
    const out = await runCli(['prove', '2', '--ledger', f.dir], { cwd: f.root });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/seq 2 is not in the checkpointed tree of size 2\nhint: pass a seq from 0 to 1/);
    expect((await runCli(['prove', '-1', '--ledger', f.dir], { cwd: f.root })).code).toBe(2);
    expect((await runCli(['verify-proof', join(f.root, 'missing.json'), '--key', f.pubFile], { cwd: f.root })).code).toBe(2);
  });
});

describe('trailmark erase', () => {
  it('erases a subject; the ledger still verifies and reports show [erased]', async () => {
    const f = await ledgerFixture(3, { 'pr.author': 'octocat', 'commit.author': 'Mona <mona@example.com>' });
    const store = openDirStore(f.dir);
    const before = await store.readSubjects();
    expect(before.filter((r) => 'value' in r && r.value === 'octocat')).toHaveLength(3);
    const r = await runCli(['erase', '--ledger', f.dir, '--subject', 'octocat'], { cwd: f.root });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'erased 3 record(s) referenced by entries 0, 2, 4; the entries keep only salted commitments and still verify\n' +
        'warning: the erased openings were stored in clear: copies made before this erasure (backups, clones, the git history of a ledger branch) still hold them readable; set TRAILMARK_SUBJECT_KEK to seal openings from now on (docs/erasure.md)\n' +
        'warning: subject openings: 3 stored in clear (logins and e-mails readable by anyone who reads the ledger or a copy of it); set TRAILMARK_SUBJECT_KEK and run `trailmark erase` to seal them (docs/erasure.md)\n',
    );
    expect(r.stdout + r.stderr).not.toContain('octocat');
    expect(readFileSync(join(f.dir, 'subjects.jsonl'), 'utf8')).not.toContain('octocat');
    const after = new Map((await store.readSubjects()).map((x) => [x.commitment, x]));
    for (const rec of before) {
      expect(displaySubject(rec.commitment, after)).toBe('value' in rec && rec.value === 'octocat' ? ERASED : ('value' in rec ? rec.value : ERASED));
    }
    expect((await verifyStore(store, [f.key.verifier])).ok).toBe(true);
    expect((await runCli(['verify', '--ledger', f.dir, '--key', f.pubFile], { cwd: f.root })).code).toBe(0);
    const again = await runCli(['erase', '--ledger', f.dir, '--subject', 'octocat', '--json'], { cwd: f.root });
    expect(JSON.parse(again.stdout)).toEqual({ erased: 0, seqs: [], subjectsAtRest: { clear: 3, sealed: 0, unopenable: 0, tombstones: 3, keys: 0, sealing: false, migrationPending: false } });
  });
});
