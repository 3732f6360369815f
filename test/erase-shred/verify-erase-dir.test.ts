// `verify` and `report` say when a ledger keeps subject openings in clear (a warning, never a
// failure), and `erase` on a directory ledger leaves no opening of the subject in any byte of it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { subjectKekFromSecret } from '../../src/ledger/subject-seal.js';
import { runCli } from '../cli-ledger/harness.js';
import { containsText, openableValues } from '../ledger/erase-support.js';
import { ALICE, BOB, dirLedger, files, OTHER_SECRET, SECRET } from './support.js';

const KEK = subjectKekFromSecret(SECRET);
const ENV = { TRAILMARK_SUBJECT_KEK: SECRET };

interface VerifyJson {
  ok: boolean;
  subjectsAtRest: { clear: number; sealed: number; unopenable: number; tombstones: number; keys: number; sealing: boolean; migrationPending: boolean; warning: string | null } | null;
  subjectWarnings: string[];
}

describe('verify, report and erase on a directory ledger', () => {
  it('warns about openings in clear, erases by destroying keys, and reports sealed openings plainly', async () => {
    const { root, dir, pub } = await dirLedger(null);
    expect(openableValues(files(dir), [])).toEqual(new Set([ALICE, BOB]));

    const clearJson = await runCli(['verify', '--ledger', dir, '--key', pub, '--json'], { cwd: root });
    expect(clearJson.code).toBe(0);
    const cj = JSON.parse(clearJson.stdout) as VerifyJson;
    expect(cj.ok).toBe(true);
    expect(cj.subjectsAtRest).toEqual({ clear: 4, sealed: 0, unopenable: 0, tombstones: 0, keys: 0, sealing: false, migrationPending: false, warning: expect.stringMatching(/^subject openings: 4 stored in clear .*set TRAILMARK_SUBJECT_KEK and run `trailmark erase`/) as unknown });
    expect(cj.subjectWarnings).toEqual([cj.subjectsAtRest!.warning]);
    const clearText = await runCli(['verify', '--ledger', dir, '--key', pub], { cwd: root });
    expect(clearText.code).toBe(0);
    expect(clearText.stdout).toMatch(/^ok: [\s\S]*\nwarning: subject openings: 4 stored in clear \(logins and e-mails readable/m);

    const report = await runCli(['report', '--ledger', dir, '--key', pub, '--no-config', '--format', 'json'], { cwd: root });
    expect(report.code).toBe(0);
    expect(report.stderr).toContain(`trailmark: warning: ledger ${dir}: subject openings: 4 stored in clear`);
    expect(() => JSON.parse(report.stdout) as unknown).not.toThrow();

    const erased = await runCli(['erase', '--ledger', dir, '--subject', ALICE], { cwd: root, env: ENV });
    expect(erased.stderr).toBe('');
    expect(erased.code).toBe(0);
    expect(erased.stdout).toContain('erased 2 record(s) referenced by entries 0, 1');
    expect(erased.stdout).toMatch(/the subject keys of the erased openings are destroyed; copies made before this erasure .* rotate TRAILMARK_SUBJECT_KEK/);
    expect(erased.stdout).not.toContain(ALICE);
    // Every byte of the directory: neither value in clear, and only BOB opens, with the secret.
    const after = files(dir);
    expect(containsText(after, ALICE) || containsText(after, BOB)).toBe(false);
    expect(openableValues(after, [])).toEqual(new Set());
    expect(openableValues(after, [KEK])).toEqual(new Set([BOB]));

    const sealedJson = JSON.parse((await runCli(['verify', '--ledger', dir, '--key', pub, '--json'], { cwd: root, env: ENV })).stdout) as VerifyJson;
    expect(sealedJson.ok).toBe(true);
    expect(sealedJson.subjectsAtRest).toEqual({ clear: 0, sealed: 2, unopenable: 0, tombstones: 2, keys: 2, sealing: true, migrationPending: false, warning: null });
    expect(sealedJson.subjectWarnings).toEqual([]);
    const noSecret = await runCli(['verify', '--ledger', dir, '--key', pub], { cwd: root });
    expect(noSecret.code).toBe(0);
    expect(noSecret.stdout).toContain('warning: subject openings: 2 sealed; no TRAILMARK_SUBJECT_KEK configured, so they show as [erased]');
    const wrong = JSON.parse((await runCli(['verify', '--ledger', dir, '--key', pub, '--json'], { cwd: root, env: { TRAILMARK_SUBJECT_KEK: OTHER_SECRET } })).stdout) as VerifyJson;
    expect(wrong.subjectsAtRest).toMatchObject({ sealed: 2, unopenable: 2, sealing: true });
    expect(wrong.subjectWarnings[0]).toMatch(/2 of them unopenable with the configured secret/);
    // An unusable secret never fails verification: it is reported.
    const short = await runCli(['verify', '--ledger', dir, '--key', pub, '--json'], { cwd: root, env: { TRAILMARK_SUBJECT_KEK: 'short' } });
    expect(short.code).toBe(0);
    expect((JSON.parse(short.stdout) as VerifyJson).subjectWarnings.join('\n')).toMatch(/TRAILMARK_SUBJECT_KEK is not usable \(the subject key secret is 5 bytes/);

    const quiet = await runCli(['report', '--ledger', dir, '--key', pub, '--no-config', '--format', 'json'], { cwd: root, env: ENV });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toContain('stored in clear');
  });

  it('erase --database/--log refuses --app-data and --expired, and --log alone names what it needs', async () => {
    const { root } = await dirLedger(null);
    const mixed = await runCli(['erase', '--log', 'installation/1', '--app-data', 'x', '--subject', ALICE], { cwd: root });
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/--database\/--log erase one subject from one log/);
    const noUrl = await runCli(['erase', '--log', 'installation/1', '--subject', ALICE], { cwd: root });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/--log names a log in a database\nhint: pass --database URL or set DATABASE_URL/);
    expect(existsSync(join(root, 'installation'))).toBe(false);
  });
});
