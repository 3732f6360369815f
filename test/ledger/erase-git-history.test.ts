// Erasure on the ledger branch, checked on the git history itself: the branch is written
// through the git data API (the fake GitHub server), every commit it ever published is then
// replayed into a real git repository (plus every blob the server received, referenced or
// not), packed with `git gc`, and read back with `git log -p --all` and
// `git cat-file --batch-all-objects --batch`.
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseInputs } from '../../action/inputs.js';
import { createGitHubClient } from '../../src/github/client.js';
import { LedgerBranchStore } from '../../src/github/ledger-branch-store.js';
import { ledgerBranchSink } from '../../src/github/ledger-branch-sink.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { eraseSubject } from '../../src/ledger/erase.js';
import { openLedger, type EntryDraft } from '../../src/ledger/log.js';
import { subjectIndex } from '../../src/ledger/read.js';
import { subjectKekFromSecret } from '../../src/ledger/subject-seal.js';
import { displaySubject, ERASED } from '../../src/ledger/subjects.js';
import { FakeGitServer } from '../github/fake-git-server.js';
import { containsText, openableValues, realRandom } from './erase-support.js';
import { changeBody, fixedClock, ORIGIN, seededRandom, testKey } from './fixtures.js';

const run = promisify(execFile);
const REF = 'refs/heads/trailmark-ledger';
const SECRET_1 = 'branch-secret-one-0123456789abcdef0123456789';
const SECRET_2 = 'branch-secret-two-9876543210fedcba9876543210';
const KEK_1 = subjectKekFromSecret(SECRET_1);
const KEK_2 = subjectKekFromSecret(SECRET_2);
const ALICE = 'alice-branch-7c1d@example.com';
const BOB = 'bob-branch-3e9a';
const CAROL = 'carol-branch-55aa';
const key = testKey();

const servers: FakeGitServer[] = [];
const roots: string[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
  expect(servers.flatMap((s) => s.problems)).toEqual([]);
});

function draft(i: number, ...people: string[]): EntryDraft {
  return { kind: 'change.analyzed', policy: 'p', body: (ctx) => changeBody(i, Object.fromEntries(people.map((p, j) => [`role.${j}`, ctx.commit(p)]))) };
}

type Commit = { type: 'commit'; tree: string; parents: string[]; message: string };
type Obj = { type: 'blob'; bytes: Buffer } | { type: 'tree'; files: Map<string, string> } | Commit;

async function git(cwd: string, args: string[]): Promise<string> {
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_CONFIG_NOSYSTEM: '1', HOME: cwd };
  return (await run('git', args, { cwd, env, maxBuffer: 1 << 28, encoding: 'utf8' })).stdout;
}

/** Replays every commit of `ref` into a new real git repository, and writes every blob the server holds. */
async function replay(server: FakeGitServer, ref: string): Promise<string> {
  const repo = mkdtempSync(join(tmpdir(), 'trailmark-shred-git-'));
  roots.push(repo);
  await git(repo, ['init', '-q', '-b', 'trailmark-ledger']);
  const objects = server.objects as Map<string, Obj>;
  const chain: Commit[] = [];
  for (let c = server.refs.get(ref); c !== undefined; ) {
    const commit = objects.get(c);
    if (commit?.type !== 'commit') throw new Error(`no commit ${c}`);
    chain.unshift(commit);
    c = commit.parents[0];
  }
  for (const commit of chain) {
    for (const name of readdirSync(repo)) if (name !== '.git') rmSync(join(repo, name), { recursive: true, force: true });
    const tree = objects.get(commit.tree) as { files: Map<string, string> };
    for (const [path, sha] of tree.files) {
      mkdirSync(dirname(join(repo, path)), { recursive: true });
      writeFileSync(join(repo, path), (objects.get(sha) as { bytes: Buffer }).bytes);
    }
    await git(repo, ['add', '-A']);
    await git(repo, ['commit', '-q', '--allow-empty', '-m', commit.message]);
  }
  // Blobs of commits that lost a compare-and-swap, or of trees never referenced: in the object database too.
  for (const obj of objects.values()) {
    if (obj.type !== 'blob') continue;
    const tmp = join(repo, '.git', 'blob.tmp');
    writeFileSync(tmp, obj.bytes);
    await git(repo, ['hash-object', '-w', tmp]);
    rmSync(tmp);
  }
  await git(repo, ['gc', '-q', '--prune=now']);
  return repo;
}

/** Everything git holds: every object's content (packed ones included) and the full patch history. */
async function everything(repo: string): Promise<string[]> {
  const packs = readdirSync(join(repo, '.git', 'objects', 'pack')).filter((n) => n.endsWith('.pack'));
  expect(packs.length).toBeGreaterThan(0);
  return [await git(repo, ['cat-file', '--batch-all-objects', '--batch', '--unordered']), await git(repo, ['log', '-p', '--all', '--format=%H%n%B'])];
}

describe('erasure on the ledger branch, checked on every git object', () => {
  it('after erase and a secret rotation, no blob in the history opens the erased subject with the keys that remain', async () => {
    const server = new FakeGitServer();
    servers.push(server);
    const baseUrl = await server.start();
    const client = createGitHubClient({ token: 't', baseUrl, sleep: () => Promise.resolve() });
    const open = (secret: string, previous: string[] = []) =>
      new LedgerBranchStore({ client, owner: 'o', repo: 'r', branch: 'trailmark-ledger', holder: 'test', subjectKey: secret, subjectKeyPrevious: previous, random: realRandom });

    // Written by three Action runs, sealed under secret 1.
    const ledger = await openLedger({ store: open(SECRET_1), signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
    await ledger.append([draft(0, ALICE, BOB)]);
    await ledger.append([draft(1, ALICE)]);
    await ledger.append([draft(2, BOB)]);
    const written = await everything(await replay(server, REF));
    expect(containsText(written, ALICE)).toBe(false);
    expect(openableValues(written, [])).toEqual(new Set());
    expect(openableValues(written, [KEK_1])).toEqual(new Set([ALICE, BOB]));

    // Erasure: one commit with the tombstones and a keyring without ALICE's keys.
    const store = open(SECRET_1);
    expect(await eraseSubject(store, ALICE, fixedClock())).toMatchObject({ erased: 2, seqs: [0, 1] });
    const head = [server.file(REF, 'subjects.jsonl')!, server.file(REF, 'subject-keys.jsonl')!];
    expect(openableValues(head, [KEK_1])).toEqual(new Set([BOB]));
    // The history still holds the old keyring, wrapped under secret 1: not complete yet.
    const erased = await everything(await replay(server, REF));
    expect(containsText(erased, ALICE)).toBe(false);
    expect(openableValues(erased, [KEK_1])).toEqual(new Set([ALICE, BOB]));

    // Rotation: the next Action run has subject-key = secret 2 and the previous secret; its
    // append rewraps the keyring in the same commit. Then secret 1 is deleted.
    const sink = ledgerBranchSink({ client, owner: 'o', repo: 'r', branch: 'trailmark-ledger', holder: 'run 4', signer: key.signer, clock: fixedClock(), random: realRandom, sleep: () => Promise.resolve(), subjectKey: SECRET_2, subjectKeyPrevious: [SECRET_1] });
    expect(await sink.appendOnce('job-4', [draft(3, CAROL)])).not.toBeNull();
    const rotated = await everything(await replay(server, REF));
    expect(containsText(rotated, ALICE)).toBe(false);
    expect(openableValues(rotated, [KEK_2])).toEqual(new Set([BOB, CAROL]));
    // Only the deleted secret still opens ALICE from history: deleting it completes the erasure.
    expect(openableValues(rotated, [KEK_1])).toEqual(new Set([ALICE, BOB]));

    // Readers with the new secret see the erased subject as [erased]; the ledger verifies.
    const reader = open(SECRET_2);
    reader.refresh();
    const index = await subjectIndex(reader);
    expect([...index.values()].map((r) => displaySubject(r.commitment, index)).sort()).toEqual([ERASED, ERASED, BOB, BOB, CAROL].sort());
    expect((await verifyStore(reader, [key.verifier])).ok).toBe(true);
    expect(await reader.subjectsAtRest()).toMatchObject({ clear: 0, sealed: 3, unopenable: 0, tombstones: 2, keys: 3, migrationPending: false });
  });

  it('a branch written in clear keeps its clear blobs in history: migration seals the head only', async () => {
    const server = new FakeGitServer();
    servers.push(server);
    const baseUrl = await server.start();
    const client = createGitHubClient({ token: 't', baseUrl, sleep: () => Promise.resolve() });
    const clear = new LedgerBranchStore({ client, owner: 'o', repo: 'r', branch: 'trailmark-ledger', holder: 'test' });
    const ledger = await openLedger({ store: clear, signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
    await ledger.append([draft(0, ALICE, BOB)]);
    const store = new LedgerBranchStore({ client, owner: 'o', repo: 'r', branch: 'trailmark-ledger', holder: 'test', subjectKey: SECRET_1, random: realRandom });
    store.refresh();
    expect(await eraseSubject(store, ALICE, fixedClock())).toMatchObject({ erased: 1, atRest: { clear: 0, sealed: 1, tombstones: 1 } });
    expect(openableValues([server.file(REF, 'subjects.jsonl')!, server.file(REF, 'subject-keys.jsonl')!], [])).toEqual(new Set());
    // docs/erasure.md: history written before sealing is only cleaned by rewriting the branch.
    const history = await everything(await replay(server, REF));
    expect(containsText(history, ALICE)).toBe(true);
  });
});

describe('the Action inputs that carry the secrets', () => {
  const reader = (values: Record<string, string>) => (name: string) => values[name] ?? '';
  it('reads subject-key and the previous secrets (one per line), and refuses a previous secret without a current one', () => {
    expect(parseInputs(reader({ 'github-token': 't', 'subject-key': ` ${SECRET_2}\n`, 'subject-key-previous': `${SECRET_1}\n\nold-${SECRET_1}\n` }))).toMatchObject({ subjectKey: SECRET_2, subjectKeyPrevious: [SECRET_1, `old-${SECRET_1}`] });
    const none = parseInputs(reader({ 'github-token': 't' }));
    expect('subjectKey' in none || 'subjectKeyPrevious' in none).toBe(false);
    expect(() => parseInputs(reader({ 'github-token': 't', 'subject-key-previous': SECRET_1 }))).toThrow(/subject-key-previous is set without subject-key/);
  });
});
