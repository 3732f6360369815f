// detail.ts: the detailed tier end to end on a real home directory: a secret pasted into a
// prompt never leaves the machine in clear (issue #10), commitments, tampering, erasure,
// expiry, concurrency, bounds, and the decision which edits keep detail.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { computeCommitment, decideDetail, DetailError, MAX_PROMPT_BYTES, openDetail, parseCommitment, sensitiveMatcher } from '../../src/capture/detail.js';
import { homePaths } from '../../src/capture/paths.js';
import { seal } from '../../src/capture/seal.js';
import { DEFAULT_POLICY, parseRetentionPeriod, type CapturePolicy } from '../../src/core/policy.js';
import { systemRandom } from '../../src/core/ports.js';
import { canonicalBytes } from '../../src/ledger/canonical.js';
import { runCli } from '../cli-ledger/harness.js';
import { leakedPiece, secretFixtures } from '../fixtures/capture/secrets/load.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const posix = process.platform !== 'win32';
const NOW = Date.parse('2026-12-05T12:00:00Z');
const clock = { now: () => NOW };
const newHome = () => mkdtempSync(join(tmpdir(), 'trailmark-detail-'));

/** Every regular file under `dir`, with its bytes. */
function allFiles(dir: string): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...allFiles(path));
    else out.push({ path, bytes: readFileSync(path) });
  }
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<DetailError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DetailError);
  return err as DetailError;
}

const blobPath = (home: string, commitment: string) => join(homePaths(home).detail, 'blobs', `${parseCommitment(commitment)}.sealed`);

describe('a secret pasted into a prompt never leaves the machine in clear', () => {
  it('stash + keep: no byte under the home dir and nothing returned holds any 12-char piece of any secret', async () => {
    const fixtures = secretFixtures();
    const home = newHome();
    const detail = openDetail(home, { clock });
    const prompt = `Our deploy is broken. Here are the credentials I use locally:\n${fixtures.map((f) => `- ${f.family}: ${f.text}`).join('\n')}\nPlease wire them into config/deploy.ts.`;
    await detail.stashPrompt('session-1', prompt, '2026-12-05T11:59:00Z');
    const github = fixtures.find((f) => f.rule === 'github')!;
    const output = `export const deploy = {\n  token: '${github.text}',\n  db: '${fixtures.find((f) => f.rule === 'database-connection-string')!.text}',\n};\n`;
    const kept = await detail.keep({ sessionId: 'session-1', path: 'config/deploy.ts', output, time: '2026-12-05T12:00:00Z' });

    expect(kept.commitment).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(kept.redactions).toBeGreaterThanOrEqual(fixtures.length);
    const returned = JSON.stringify(kept);
    const files = allFiles(home);
    expect(files.map((f) => relative(home, f.path)).sort()).toEqual(['detail/blobs/' + parseCommitment(kept.commitment) + '.sealed', 'detail/key', `detail/prompts/${createHash('sha256').update('session-1').digest('hex')}.sealed`]);
    for (const f of fixtures) {
      for (const secret of f.secrets) {
        expect(leakedPiece(returned, secret), `${f.family} in the returned record`).toBeUndefined();
        for (const file of files) expect(leakedPiece(file.bytes, secret), `${f.family} in ${relative(home, file.path)}`).toBeUndefined();
      }
    }
    // Not even the prose is stored in clear: the blobs are encrypted.
    for (const file of files) {
      expect(file.bytes.includes(Buffer.from('Our deploy is broken'))).toBe(false);
      expect(file.bytes.includes(Buffer.from('REDACTED'))).toBe(false);
      expect(file.bytes.includes(Buffer.from('config/deploy.ts'))).toBe(false);
    }

    // The auditor on this machine sees the redacted prompt and output.
    const opened = await detail.open(kept.commitment);
    expect(opened.path).toBe('config/deploy.ts');
    expect(opened.time).toBe('2026-12-05T12:00:00Z');
    expect(opened.prompt).toContain('Our deploy is broken.');
    expect(opened.prompt).toContain('[REDACTED:github]');
    expect(opened.prompt).toContain('[REDACTED:anthropic]');
    expect(opened.output).toContain("token: '[REDACTED:github]'");
    expect(opened.redactions).toBe(kept.redactions);
    expect(opened.truncated).toBe(false);
    for (const f of fixtures) for (const secret of f.secrets) expect(leakedPiece(JSON.stringify(opened), secret), f.family).toBeUndefined();
  });
});

describe('commitments', () => {
  it('are salted: the same edit kept twice gives two commitments, each re-checked on open', async () => {
    const detail = openDetail(newHome(), { clock });
    const input = { path: 'src/a.ts', output: 'export const a = 1;\n', time: '2026-12-05T12:00:00Z' };
    const a = await detail.keep(input);
    const b = await detail.keep(input);
    expect(a.commitment).not.toBe(b.commitment);
    expect(a.redactions).toBe(0);
    expect((await detail.open(a.commitment)).prompt).toBeNull();
    expect((await detail.open(b.commitment)).output).toBe(input.output);
  });

  it('is SHA-256 over salt ‖ canonical JSON {output, path, prompt, time}', () => {
    const salt = Buffer.alloc(32, 7);
    const fields = { prompt: null, output: 'x', path: 'p', time: 't' };
    const expected = createHash('sha256').update(salt).update('{"output":"x","path":"p","prompt":null,"time":"t"}').digest('hex');
    expect(computeCommitment(salt, fields)).toBe(`sha256:${expected}`);
  });

  it('parseCommitment accepts only sha256:<64 lowercase hex> (no path can be smuggled in)', () => {
    expect(parseCommitment(`sha256:${'a'.repeat(64)}`)).toBe('a'.repeat(64));
    for (const bad of ['', 'sha256:', `sha256:${'A'.repeat(64)}`, `sha256:${'a'.repeat(63)}`, `sha1:${'a'.repeat(40)}`, `sha256:../../${'a'.repeat(58)}`, `sha256:${'a'.repeat(64)}\n`]) {
      expect(() => parseCommitment(bad), bad).toThrow(DetailError);
    }
  });

  it('a blob whose content does not commit to its name is refused (COMMITMENT_MISMATCH)', async () => {
    const home = newHome();
    const detail = openDetail(home, { clock });
    const real = await detail.keep({ path: 'src/a.ts', output: 'one', time: '2026-12-05T12:00:00Z' });
    const key = readFileSync(join(homePaths(home).detail, 'key'));
    // Sealed with the device key and the right AAD, but the content commits elsewhere.
    const forged = canonicalBytes({ salt: 'ab'.repeat(32), prompt: null, output: 'two', path: 'src/a.ts', time: '2026-12-05T12:00:00Z', redactions: 0, truncated: false });
    writeFileSync(blobPath(home, real.commitment), seal(key, forged, Buffer.from(real.commitment), systemRandom));
    const err = await rejection(detail.open(real.commitment));
    expect(err.code).toBe('COMMITMENT_MISMATCH');
  });
});

describe('tampering', () => {
  it('a flipped byte in a blob: open fails authentication, list reports it, expire leaves it', async () => {
    const home = newHome();
    const detail = openDetail(home, { clock });
    const kept = await detail.keep({ path: 'src/a.ts', output: 'export const a = 1;\n', time: '2020-01-01T00:00:00Z' });
    const path = blobPath(home, kept.commitment);
    const bytes = readFileSync(path);
    bytes[bytes.length - 20]! ^= 0x40;
    writeFileSync(path, bytes);
    const err = await rejection(detail.open(kept.commitment));
    expect(err.code).toBe('AUTH_FAILED');
    expect(err.message).toBe(`detail ${kept.commitment} failed authentication: it was altered, moved, or sealed with another device key`);
    const listed = await detail.list();
    expect(listed).toHaveLength(1);
    expect(listed[0]!.error?.code).toBe('AUTH_FAILED');
    const expired = await detail.expire(parseRetentionPeriod('90d')!);
    expect(expired.erased).toEqual([]);
    expect(expired.skipped.map((s) => s.commitment)).toEqual([kept.commitment]);
    expect(existsSync(path)).toBe(true);
  });

  it('a blob moved under another commitment fails authentication', async () => {
    const home = newHome();
    const detail = openDetail(home, { clock });
    const a = await detail.keep({ path: 'a', output: 'A', time: '2026-12-05T12:00:00Z' });
    const b = await detail.keep({ path: 'b', output: 'B', time: '2026-12-05T12:00:00Z' });
    renameSync(blobPath(home, a.commitment), blobPath(home, b.commitment));
    expect((await rejection(detail.open(b.commitment))).code).toBe('AUTH_FAILED');
  });

  it.runIf(posix)('a key file made group- or world-readable is refused by keep and open, with a hint', async () => {
    const home = newHome();
    const kept = await openDetail(home, { clock }).keep({ path: 'a', output: 'A', time: '2026-12-05T12:00:00Z' });
    const keyFile = join(homePaths(home).detail, 'key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    chmodSync(keyFile, 0o644);
    const fresh = openDetail(home, { clock });
    const err = await rejection(fresh.keep({ path: 'a', output: 'A', time: '2026-12-05T12:00:00Z' }));
    expect(err.code).toBe('KEY_PERMISSIONS');
    expect(err.hint).toContain(`chmod 600 ${keyFile}`);
    expect((await rejection(fresh.open(kept.commitment))).code).toBe('KEY_PERMISSIONS');
    await expect(fresh.list()).rejects.toMatchObject({ code: 'KEY_PERMISSIONS' });
  });
});

describe('erasure', () => {
  it('erase: the blob is gone, open fails with a clear error, a second erase erases nothing', async () => {
    const home = newHome();
    const detail = openDetail(home, { clock });
    const kept = await detail.keep({ path: 'src/a.ts', output: 'x', time: '2026-12-05T12:00:00Z' });
    const other = await detail.keep({ path: 'src/b.ts', output: 'y', time: '2026-12-05T12:00:00Z' });
    expect(await detail.erase(kept.commitment)).toBe(true);
    expect(existsSync(blobPath(home, kept.commitment))).toBe(false);
    const err = await rejection(detail.open(kept.commitment));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toBe(`no detail for ${kept.commitment} on this device`);
    expect(err.hint).toContain('the salt is gone');
    expect(await detail.erase(kept.commitment)).toBe(false);
    expect((await detail.open(other.commitment)).output).toBe('y');
  });

  it('expire: drops detail and stashed prompts older than the period, keeps the rest', async () => {
    const home = newHome();
    const detail = openDetail(home, { clock });
    await detail.stashPrompt('old-session', 'an old prompt', '2026-01-01T00:00:00Z');
    await detail.stashPrompt('new-session', 'a new prompt', '2026-12-01T00:00:00Z');
    const old = await detail.keep({ sessionId: 'old-session', path: 'a', output: 'A', time: '2026-08-01T00:00:00Z' });
    const recent = await detail.keep({ sessionId: 'new-session', path: 'b', output: 'B', time: '2026-11-01T00:00:00Z' });
    const result = await detail.expire(parseRetentionPeriod('90d')!);
    expect(result).toEqual({ cutoff: '2026-09-06T12:00:00.000Z', erased: [old.commitment], prompts: 1, skipped: [] });
    expect((await rejection(detail.open(old.commitment))).code).toBe('NOT_FOUND');
    expect((await detail.open(recent.commitment)).prompt).toBe('a new prompt');
    const again = await detail.keep({ sessionId: 'old-session', path: 'c', output: 'C', time: '2026-12-05T00:00:00Z' });
    expect((await detail.open(again.commitment)).prompt).toBeNull();
    expect((await detail.expire(parseRetentionPeriod('90d')!)).erased).toEqual([]);
  });
});

describe('stashed prompts', () => {
  it('latest wins per session; other sessions and session-less edits get none; forgetPrompt drops it', async () => {
    const detail = openDetail(newHome(), { clock });
    await detail.stashPrompt('s1', 'first prompt', '2026-12-05T10:00:00Z');
    await detail.stashPrompt('s1', 'second prompt', '2026-12-05T10:01:00Z');
    await detail.stashPrompt('s2', 'other session', '2026-12-05T10:02:00Z');
    const a = await detail.keep({ sessionId: 's1', path: 'a', output: 'A', time: '2026-12-05T10:03:00Z' });
    const b = await detail.keep({ sessionId: 's1', path: 'b', output: 'B', time: '2026-12-05T10:04:00Z' });
    const c = await detail.keep({ sessionId: 's3', path: 'c', output: 'C', time: '2026-12-05T10:05:00Z' });
    const d = await detail.keep({ path: 'd', output: 'D', time: '2026-12-05T10:06:00Z' });
    expect((await detail.open(a.commitment)).prompt).toBe('second prompt');
    expect((await detail.open(b.commitment)).prompt).toBe('second prompt');
    expect((await detail.open(c.commitment)).prompt).toBeNull();
    expect((await detail.open(d.commitment)).prompt).toBeNull();
    expect(await detail.forgetPrompt('s1')).toBe(true);
    expect(await detail.forgetPrompt('s1')).toBe(false);
    const e = await detail.keep({ sessionId: 's1', path: 'e', output: 'E', time: '2026-12-05T10:07:00Z' });
    expect((await detail.open(e.commitment)).prompt).toBeNull();
  });

  it('an altered stashed prompt: the edit is still kept, without the prompt; the next prompt replaces it', async () => {
    const home = newHome();
    const detail = openDetail(home, { clock });
    await detail.stashPrompt('s', 'the prompt', '2026-12-05T10:00:00Z');
    const stash = join(homePaths(home).detail, 'prompts', `${createHash('sha256').update('s').digest('hex')}.sealed`);
    const bytes = readFileSync(stash);
    bytes[bytes.length - 1]! ^= 0x01;
    writeFileSync(stash, bytes);
    const kept = await detail.keep({ sessionId: 's', path: 'a', output: 'A', time: '2026-12-05T10:01:00Z' });
    expect((await detail.open(kept.commitment)).prompt).toBeNull();
    await detail.stashPrompt('s', 'the next prompt', '2026-12-05T10:02:00Z');
    const next = await detail.keep({ sessionId: 's', path: 'b', output: 'B', time: '2026-12-05T10:03:00Z' });
    expect((await detail.open(next.commitment)).prompt).toBe('the next prompt');
  });

  it('a prompt over 256 KiB is cut after redaction, on a code point boundary, and marked truncated', async () => {
    const detail = openDetail(newHome(), { clock });
    const token = secretFixtures().find((f) => f.rule === 'github')!;
    // Redacted, the head is ` [REDACTED:github] ` (19 bytes): the 256 KiB cut falls inside a 2-byte `é`.
    const big = ` ${token.text} ${'é'.repeat(MAX_PROMPT_BYTES / 2 + 10)}`;
    await detail.stashPrompt('s', big, '2026-12-05T10:00:00Z');
    const kept = await detail.keep({ sessionId: 's', path: 'a', output: 'A', time: '2026-12-05T10:01:00Z' });
    const opened = await detail.open(kept.commitment);
    expect(opened.truncated).toBe(true);
    expect(Buffer.byteLength(opened.prompt!, 'utf8')).toBeLessThanOrEqual(MAX_PROMPT_BYTES);
    expect(opened.prompt!.includes('\uFFFD')).toBe(false);
    expect(Buffer.byteLength(opened.prompt!, 'utf8')).toBe(MAX_PROMPT_BYTES - 1);
    expect(opened.prompt!.startsWith(' [REDACTED:github] é')).toBe(true);
    expect(leakedPiece(opened.prompt!, token.secrets[0]!)).toBeUndefined();
    expect(opened.redactions).toBe(1);
  });

  it('hostile session ids and times: hashed into file names, control characters neutralized', async () => {
    const home = newHome();
    const detail = openDetail(home, { clock });
    await detail.stashPrompt('../../etc/passwd\u0000\ud800', 'p', '2026-12-05T10:00:00Z\u001b[2J');
    const kept = await detail.keep({ sessionId: '../../etc/passwd\u0000\ud800', path: 'src/\u001b[31ma.ts', output: 'A', time: '2026-12-05T10:01:00Z' });
    const opened = await detail.open(kept.commitment);
    expect(opened.prompt).toBe('p');
    expect(opened.path).toBe('src/\uFFFD[31ma.ts');
    for (const f of allFiles(home)) expect(relative(home, f.path).startsWith('detail/')).toBe(true);
  });
});

describe('concurrency', () => {
  it('concurrent keeps from two openers on a fresh home: one key, every blob opens, no temporary file left', async () => {
    const home = newHome();
    const first = openDetail(home, { clock });
    const second = openDetail(home, { clock });
    await Promise.all([first.stashPrompt('s', 'shared prompt', '2026-12-05T10:00:00Z'), second.stashPrompt('t', 'other prompt', '2026-12-05T10:00:00Z')]);
    const kept = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 === 0 ? first : second).keep({ sessionId: i % 3 === 0 ? 's' : 't', path: `src/f${i}.ts`, output: `export const v${i} = ${i};\n`, time: '2026-12-05T10:01:00Z' })));
    expect(new Set(kept.map((k) => k.commitment)).size).toBe(24);
    const reader = openDetail(home, { clock });
    for (const [i, k] of kept.entries()) {
      const opened = await reader.open(k.commitment);
      expect(opened.path).toBe(`src/f${i}.ts`);
      expect(opened.prompt).toBe(i % 3 === 0 ? 'shared prompt' : 'other prompt');
    }
    expect((await reader.list()).map((s) => s.commitment).sort()).toEqual(kept.map((k) => k.commitment).sort());
    for (const f of allFiles(home)) expect(f.path.endsWith('.tmp')).toBe(false);
  });
});

describe('crash leftovers', () => {
  it('temporary files of an interrupted write are ignored by list, open and key loading', async () => {
    const home = newHome();
    const detail = openDetail(home, { clock });
    const kept = await detail.keep({ path: 'a', output: 'A', time: '2026-12-05T10:00:00Z' });
    const dir = homePaths(home).detail;
    // What a crash between the temporary write and the rename/link leaves behind.
    writeFileSync(join(dir, 'key.4242.0.tmp'), Buffer.alloc(7));
    writeFileSync(`${blobPath(home, kept.commitment)}.4242.1.tmp`, Buffer.alloc(40));
    writeFileSync(join(dir, 'blobs', `${'f'.repeat(64)}.sealed.4242.2.tmp`), 'partial');
    const reopened = openDetail(home, { clock });
    expect((await reopened.list()).map((e) => [e.commitment, e.error])).toEqual([[kept.commitment, undefined]]);
    expect((await reopened.open(kept.commitment)).output).toBe('A');
    const more = await reopened.keep({ path: 'b', output: 'B', time: '2026-12-05T10:01:00Z' });
    expect((await reopened.open(more.commitment)).output).toBe('B');
  });
});

describe('decideDetail', () => {
  const policy = (sensitive: boolean, minLines: number): CapturePolicy => ({ detail: { sensitive, minLines } });
  const table: readonly [string, number, CapturePolicy, readonly string[], ReturnType<typeof decideDetail>][] = [
    ['src/auth/login.ts', 1, policy(true, 200), ['src/auth/**'], 'sensitive-path'],
    ['src/auth/login.ts', 500, policy(true, 200), ['src/auth/**'], 'sensitive-path'],
    ['src/auth/login.ts', 1, policy(false, 200), ['src/auth/**'], null],
    ['src/auth/login.ts', 250, policy(false, 200), ['src/auth/**'], 'size'],
    ['src/ui/button.ts', 199, policy(true, 200), ['src/auth/**'], null],
    ['src/ui/button.ts', 200, policy(true, 200), ['src/auth/**'], 'size'],
    ['src/ui/button.ts', 100_000, policy(true, 0), ['src/auth/**'], null],
    ['.github/workflows/ci.yml', 1, policy(true, 0), ['.github/**'], 'sensitive-path'],
    ['infra/secrets.tf', 1, DEFAULT_POLICY.capture, ['**/*.tf'], 'sensitive-path'],
    ['README.md', 3, DEFAULT_POLICY.capture, [], null],
  ];
  for (const [path, addedLines, p, globs, expected] of table) {
    it(`${path}, +${addedLines}, sensitive=${p.detail.sensitive} minLines=${p.detail.minLines}, [${globs.join(',')}] -> ${expected}`, () => {
      expect(decideDetail({ path, addedLines, policy: p, sensitivePaths: globs })).toBe(expected);
      expect(decideDetail({ path, addedLines, policy: p, sensitivePaths: globs, isSensitive: sensitiveMatcher(globs) })).toBe(expected);
    });
  }
});

describe('trailmark detail (CLI)', () => {
  const env = (home: string) => ({ TRAILMARK_HOME: home });

  async function keptHome(): Promise<{ home: string; old: string; recent: string; token: string }> {
    const home = newHome();
    const detail = openDetail(home);
    const github = secretFixtures().find((f) => f.rule === 'github')!;
    await detail.stashPrompt('s', `use ${github.text} to push`, '2020-01-01T00:00:00Z');
    const old = await detail.keep({ sessionId: 's', path: 'src/auth/old.ts', output: 'old', time: '2020-01-01T00:00:00Z' });
    const recent = await detail.keep({ path: 'src/auth/new.ts', output: `const t = '${github.text}';`, time: '2099-01-01T00:00:00Z' });
    return { home, old: old.commitment, recent: recent.commitment, token: github.secrets[0]! };
  }

  it('list, show, erase, then show fails with exit 2 and a clear message', async () => {
    const { home, old, recent, token } = await keptHome();
    const list = await runCli(['detail', 'list', '--json'], { cwd: home, env: env(home) });
    expect(list.code).toBe(0);
    const doc = JSON.parse(list.stdout) as { schema: string; details: { commitment: string; path: string; redactions: number }[] };
    expect(doc.schema).toBe('trailmark.detail-list/v1');
    expect(doc.details.map((d) => [d.commitment, d.path, d.redactions])).toEqual([[old, 'src/auth/old.ts', 1], [recent, 'src/auth/new.ts', 1]]);

    const show = await runCli(['detail', 'show', old], { cwd: home, env: env(home) });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`commitment: ${old} (verified)`);
    expect(show.stdout).toContain('use [REDACTED:github] to push');
    expect(leakedPiece(show.stdout, token)).toBeUndefined();
    const showJson = JSON.parse((await runCli(['detail', 'show', recent, '--json'], { cwd: home, env: env(home) })).stdout) as { schema: string; output: string; prompt: null };
    expect(showJson).toMatchObject({ schema: 'trailmark.detail/v1', output: "const t = '[REDACTED:github]';", prompt: null });

    const erase = await runCli(['detail', 'erase', old, old, '--json'], { cwd: home, env: env(home) });
    expect(erase.code).toBe(0);
    expect(JSON.parse(erase.stdout)).toEqual({ schema: 'trailmark.detail-erase/v1', erased: [old], absent: [] });
    const again = await runCli(['detail', 'erase', old], { cwd: home, env: env(home) });
    expect(again.stdout).toBe(`no detail for ${old} on this device (already erased, expired, or kept elsewhere)\n`);
    const gone = await runCli(['detail', 'show', old], { cwd: home, env: env(home) });
    expect(gone.code).toBe(2);
    expect(gone.stderr).toBe(`trailmark: no detail for ${old} on this device\nhint: it was erased or expired (the salt is gone, so it cannot be opened again), or it was kept on another device\n`);
  });

  it('a tampered blob: show and list exit 1', async () => {
    const { home, recent } = await keptHome();
    const path = blobPath(home, recent);
    const bytes = readFileSync(path);
    bytes[30]! ^= 0x01;
    writeFileSync(path, bytes);
    const show = await runCli(['detail', 'show', recent], { cwd: home, env: env(home) });
    expect(show.code).toBe(1);
    expect(show.stderr).toContain('failed authentication');
    const list = await runCli(['detail', 'list'], { cwd: home, env: env(home) });
    expect(list.code).toBe(1);
    expect(list.stdout).toContain(`${recent}  UNREADABLE  detail ${recent} failed authentication`);
  });

  it('--help of each subcommand names the exit codes', async () => {
    for (const sub of ['list', 'show', 'erase', 'expire']) {
      const help = await runCli(['detail', sub, '--help'], { cwd: tmpdir(), env: {} });
      expect(help.code, sub).toBe(0);
      expect(help.stdout, sub).toContain('Exit codes: 0 ok; 1 a kept detail failed verification');
    }
  });

  it('usage errors exit 2 with a hint, and a bad commitment erases nothing', async () => {
    const { home, old, recent } = await keptHome();
    const bad = await runCli(['detail', 'erase', old, 'sha256:nothex'], { cwd: home, env: env(home) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^trailmark: not a detail commitment: "sha256:nothex"\nhint: /);
    expect(existsSync(blobPath(home, old))).toBe(true);
    const period = await runCli(['detail', 'expire', '--older-than', '90 days'], { cwd: home, env: env(home) });
    expect(period.code).toBe(2);
    expect(period.stderr).toContain('hint: write a positive amount and a unit');
    const noPolicy = await runCli(['detail', 'expire'], { cwd: home, env: env(home) });
    expect(noPolicy.code).toBe(2);
    expect(noPolicy.stderr).toContain('hint: pass --older-than 90d');
    expect(existsSync(blobPath(home, recent))).toBe(true);
  });

  it('expire: --older-than, or retention.prompts of the policy by default', async () => {
    const { home, old, recent } = await keptHome();
    writeFileSync(join(home, 'policy.yml'), 'retention:\n  prompts: 1y\n');
    const run = await runCli(['detail', 'expire', '--config', 'policy.yml', '--json'], { cwd: home, env: env(home) });
    expect(run.code).toBe(0);
    const doc = JSON.parse(run.stdout) as { schema: string; olderThan: string; erased: string[]; prompts: number };
    expect(doc).toMatchObject({ schema: 'trailmark.detail-expire/v1', olderThan: '1y', erased: [old], prompts: 1 });
    expect(existsSync(blobPath(home, recent))).toBe(true);
    const text = await runCli(['detail', 'expire', '--older-than', '30d'], { cwd: home, env: env(home) });
    expect(text.stdout).toMatch(/^erased 0 kept detail\(s\) and 0 stashed prompt\(s\) older than 30d \(before /);
  });

  it('runs as a real process: `detail show` of a fresh keep, secrets redacted', async () => {
    const { home, recent, token } = await keptHome();
    const script = "const { main } = await import('./cli/main.ts'); process.exitCode = await main(process.argv.slice(1));";
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'detail', 'show', recent], { cwd: REPO_ROOT, env: { ...process.env, TRAILMARK_HOME: home }, encoding: 'utf8' });
    expect(child.status).toBe(0);
    expect(child.stdout).toContain("const t = '[REDACTED:github]';");
    expect(leakedPiece(child.stdout, token)).toBeUndefined();
    const missing = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'detail', 'show', `sha256:${'0'.repeat(64)}`], { cwd: REPO_ROOT, env: { ...process.env, TRAILMARK_HOME: home }, encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('hint: it was erased or expired');
  });
});
