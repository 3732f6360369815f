// The collector's device flow end to end: the real App in process, served over HTTP on
// 127.0.0.1, its GitHub side the simulator (user tokens minted by it), real Ed25519 keys.
// register -> upload -> the receipt verifies with the published key -> replay is all
// duplicates -> skipped seqs show a gap -> 413/429/401/403 -> the commit record reaches the
// next analysis as `recorded` evidence marked as receipted, and the installation ledger (with
// `record` entries carrying device and seq) passes `trailmark verify`.
import { createPublicKey, randomBytes, verify as cryptoVerify } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { pino } from 'pino';
import { Probot } from 'probot';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTrailmarkApp, type TrailmarkApp } from '../../app/app.js';
import { EnterpriseProbotOctokit } from '../../app/probot-octokit.js';
import { RecordStore } from '../../app/record-store.js';
import { DEFAULT_COLLECTOR_LIMITS, verifyReceipt, type CollectorLimits, type Receipt } from '../../src/engine/collector.js';
import { canonicalize } from '../../src/ledger/canonical.js';
import { generateNoteKey, parseSignerKey } from '../../src/ledger/note.js';
import { readEntries } from '../../src/ledger/read.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { runCli } from '../cli-ledger/harness.js';
import { simUnavailable, startSim, type RunningSim } from '../support/github-sim.js';

const unavailable = simUnavailable();
const REPOSITORY = 'acme/widgets';
const DEVICE = 'd_abcdefghijklmnopqrstuvwxyz';
const LIMITS: CollectorLimits = { ...DEFAULT_COLLECTOR_LIMITS, batchRecords: 8, batchBytes: 96 * 1024, recordBytes: 8 * 1024 };

type Handler = (req: IncomingMessage, res: ServerResponse) => boolean | void | Promise<boolean | void>;

interface Served {
  readonly url: string;
  readonly app: TrailmarkApp;
  readonly probot: Probot;
  readonly dataDir: string;
  readonly log: string[];
  stop(): Promise<void>;
}

let now = Date.parse('2026-12-01T09:00:00Z');

async function serveApp(sim: RunningSim, signerKey: string, limits: CollectorLimits): Promise<Served> {
  const dataDir = mkdtempSync(join(tmpdir(), 'trailmark-collector-'));
  const log: string[] = [];
  const probot = new Probot({
    appId: sim.info.appId, privateKey: await readFile(sim.info.privateKeyPath, 'utf8'), secret: sim.info.webhookSecret, baseUrl: `${sim.url}/api/v3`,
    Octokit: EnterpriseProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }),
    log: pino({ level: 'info' }, { write: (line: string) => void log.push(line) }),
  });
  const app = createTrailmarkApp({
    settings: {
      dataDir, signer: parseSignerKey(signerKey), apiBaseUrl: `${sim.url}/api/v3`, concurrency: 1, webhookPath: '/api/github/webhooks', webhookSecret: sim.info.webhookSecret,
      publicUrl: 'https://trailmark.acme.test', collectorLimits: limits,
    },
    clock: { now: () => now },
    sleep: () => Promise.resolve(),
    weeklyTimer: () => () => undefined,
  });
  const handlers: Handler[] = [];
  await probot.load(app.appFn, { cwd: dataDir, addHandler: (h: Handler) => handlers.push(h) });
  const server = createServer((req, res) => {
    void (async () => {
      for (const h of handlers) if (await h(req, res)) return;
      res.writeHead(404).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, app, probot, dataDir, log, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function userToken(sim: RunningSim, login: string): Promise<string> {
  return ((await sim.admin('POST', '/_sim/tokens', { kind: 'user', login })) as { token: string }).token;
}

async function call(url: string, method: string, token: string, body?: unknown): Promise<{ status: number; headers: Headers; body: Record<string, unknown>; sent: string }> {
  const sent = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: sent }) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown>, sent };
}

const register = (s: Served, token: string, device = DEVICE, repository = REPOSITORY) =>
  call(`${s.url}/trailmark/devices`, 'POST', token, { schema: 'trailmark.device/v1', device, repository, name: 'laptop' });
const upload = (s: Served, token: string, records: readonly object[], device = DEVICE) =>
  call(`${s.url}/trailmark/records/batch`, 'POST', token, { schema: 'trailmark.batch/v1', device, records });

/** An Agent Trace record for lines of src/math.ts at `revision`. */
function trace(id: string, revision: string, end: number, stage: 'edit' | 'commit', seq: number): Record<string, unknown> {
  return {
    version: '0.1.0', id, timestamp: '2026-12-01T08:59:00Z',
    vcs: { type: 'git', revision },
    tool: { name: 'claude-code', version: '2.0.0' },
    files: [{ path: 'src/math.ts', conversations: [{ contributor: { type: 'ai', model_id: 'anthropic/claude-opus-4-1' }, ranges: [{ start_line: 1, end_line: end }] }] }],
    metadata: { 'dev.trailmark': { stage, device: DEVICE, seq } },
  };
}

function spoolRecord(seq: number, stage: 'edit' | 'commit', revision: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const id = `0000000${seq}-aaaa-4bbb-8ccc-${String(seq).padStart(12, '0')}`;
  return { schema: 'trailmark.spool/v1', id, device: DEVICE, seq, time: '2026-12-01T08:59:30Z', repository: REPOSITORY, stage, trace: trace(id, revision, 12, stage, seq), ...extra };
}

const sha256 = async (text: string) => `sha256:${(await import('node:crypto')).createHash('sha256').update(text).digest('hex')}`;

async function ledgerEntries(dataDir: string, installation: number) {
  const out = [];
  for await (const e of readEntries(openDirStore(join(dataDir, 'installations', String(installation), 'ledger')))) out.push(e.entry);
  return out;
}

describe.skipIf(unavailable !== undefined)('collector: device registration, batches, signed receipts, limits, gaps', () => {
  let sim: RunningSim;
  let app: Served;
  let ledgerKey: { signerKey: string; verifierKey: string };
  let head: string;
  let alice: string;
  let upload1: string;
  let collectorKey: { keyId: string; publicKey: string };

  beforeAll(async () => {
    sim = await startSim({ scenario: 'basic' });
    ledgerKey = generateNoteKey('acme.test/trailmark', randomBytes(32));
    app = await serveApp(sim, ledgerKey.signerKey, LIMITS);
    head = ((await sim.simInfo()) as { pullRequest: { headSha: string } }).pullRequest.headSha;
    alice = await userToken(sim, 'alice');
  });
  afterAll(async () => {
    await app?.stop();
    await sim?.stop();
  });

  test('registration: a writer gets an upload token and the collector key; a reader, a bad token, a bad body and a taken device are refused', async () => {
    const ok = await register(app, alice);
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ schema: 'trailmark.device/v1', installation: sim.info.installationId, login: 'alice', device: DEVICE, limits: { batchRecords: 8, batchBytes: 96 * 1024, recordBytes: 8 * 1024 } });
    upload1 = ok.body.token as string;
    expect(upload1).toMatch(/^tmu_[A-Za-z0-9_-]{43}$/);
    const key = await fetch(`${app.url}/trailmark/collector/key`);
    collectorKey = (await key.json()) as { keyId: string; publicKey: string };
    expect(ok.body.collector).toEqual(collectorKey);
    expect(collectorKey.keyId).toMatch(/^trailmark-collector\+[0-9a-f]{8}$/);
    expect(Buffer.from(collectorKey.publicKey, 'base64')).toHaveLength(32);
    // Only the token's hash is on disk.
    const devices = await readFile(join(app.dataDir, 'collector', 'devices.json'), 'utf8');
    expect(devices).not.toContain(upload1);
    expect(devices).toContain('"login":"alice"');

    expect((await register(app, await userToken(sim, 'erin'), 'd_erinerinerinerinerinerinerin')).status).toBe(403);
    expect((await register(app, 'ghu_notATokenTheSimulatorIssued000000000')).status).toBe(401);
    expect((await call(`${app.url}/trailmark/devices`, 'POST', alice, { schema: 'trailmark.device/v1', device: '../etc', repository: REPOSITORY })).status).toBe(422);
    expect((await call(`${app.url}/trailmark/devices`, 'POST', alice, '{not json')).status).toBe(422);
    // dave can push too, but the device id is alice's in this installation.
    expect((await register(app, await userToken(sim, 'dave'))).status).toBe(409);
  });

  test('upload: the signed receipt verifies with the published key; a replay is all duplicates and appends nothing', async () => {
    const records = [spoolRecord(1, 'commit', head), spoolRecord(2, 'edit', head)];
    const res = await upload(app, upload1, records);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const receipt = res.body as unknown as Receipt;
    expect(receipt).toMatchObject({ schema: 'trailmark.receipt/v1', collector: 'https://trailmark.acme.test', installation: sim.info.installationId, device: DEVICE, duplicates: [], rejected: [], gaps: [] });
    expect(receipt.batch).toBe(await sha256(res.sent));
    expect(receipt.accepted).toEqual([
      { id: records[0]!.id, seq: 1, digest: await sha256(canonicalize(records[0])) },
      { id: records[1]!.id, seq: 2, digest: await sha256(canonicalize(records[1])) },
    ]);
    // Verified with node:crypto directly (raw key -> SPKI), not only with the engine's verifier.
    const { sig, ...unsigned } = receipt;
    expect(sig.kid).toBe(collectorKey.keyId);
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(collectorKey.publicKey, 'base64')]);
    const publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    expect(cryptoVerify(null, Buffer.from(canonicalize(unsigned)), publicKey, Buffer.from(sig.value, 'base64'))).toBe(true);
    expect(verifyReceipt(receipt, collectorKey.publicKey)).toBe(true);
    expect(verifyReceipt({ ...receipt, accepted: receipt.accepted.slice(1) }, collectorKey.publicKey)).toBe(false);

    const entries = await ledgerEntries(app.dataDir, sim.info.installationId);
    expect(entries.map((e) => [e.kind, (e.body as { seq?: number }).seq, (e.body as { stage?: string }).stage])).toEqual([['record', 1, 'commit'], ['record', 2, 'edit']]);
    expect(entries[0]!.body).toMatchObject({ repository: REPOSITORY, device: DEVICE, receipt: receipt.accepted[0]!.digest, job: `record-id:${records[0]!.id as string}` });

    const replay = await upload(app, upload1, records);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ accepted: [], duplicates: [{ id: records[0]!.id, seq: 1 }, { id: records[1]!.id, seq: 2 }], rejected: [] });
    expect(verifyReceipt(replay.body, collectorKey.publicKey)).toBe(true);
    expect(await ledgerEntries(app.dataDir, sim.info.installationId)).toHaveLength(2);

    // The commit record is stored as receipted evidence; the edit trace is audit only.
    const loaded = await new RecordStore(app.dataDir).load(sim.info.installationId, 'acme', 'widgets');
    expect(loaded.map((r) => r.origin)).toEqual([expect.stringMatching(new RegExp(`^collector receipt ${collectorKey.keyId.replace('+', '\\+')} [0-9a-f]{12}$`))]);
  });

  test('the device state lost (a crash before it was saved): the replay is processed again, stores and appends nothing twice', async () => {
    const records = [spoolRecord(1, 'commit', head), spoolRecord(2, 'edit', head)];
    const state = join(app.dataDir, 'installations', String(sim.info.installationId), 'collector', `${DEVICE}.json`);
    const saved = await readFile(state, 'utf8');
    await rm(state);
    const replay = await upload(app, upload1, records);
    expect(replay.body).toMatchObject({ accepted: [{ seq: 1 }, { seq: 2 }], duplicates: [], gaps: [] });
    expect(await ledgerEntries(app.dataDir, sim.info.installationId)).toHaveLength(2);
    expect(await new RecordStore(app.dataDir).load(sim.info.installationId, 'acme', 'widgets')).toHaveLength(1);
    expect(JSON.parse(await readFile(state, 'utf8'))).toEqual(JSON.parse(saved));
  });

  test('gaps: a batch skipping seqs shows them in the receipt and the log; a late record fills its gap; seq reuse and order are rejected', async () => {
    const skip = await upload(app, upload1, [spoolRecord(6, 'edit', head)]);
    expect(skip.body).toMatchObject({ accepted: [{ seq: 6 }], gaps: [{ from: 3, to: 5 }] });
    expect(app.log.join('\n')).toContain(`device ${DEVICE} (alice, installation ${sim.info.installationId}) missing sequence numbers: 3-5`);
    const fill = await upload(app, upload1, [spoolRecord(4, 'edit', head)]);
    expect(fill.body).toMatchObject({ accepted: [{ seq: 4 }], gaps: [{ from: 3, to: 3 }, { from: 5, to: 5 }] });
    const conflict = spoolRecord(1, 'edit', head, { id: 'ffffffff-aaaa-4bbb-8ccc-000000000001' });
    const order = await upload(app, upload1, [conflict, spoolRecord(8, 'edit', head), spoolRecord(7, 'edit', head)]);
    expect(order.status).toBe(200);
    expect(order.body).toMatchObject({
      accepted: [{ seq: 8 }],
      rejected: [{ id: 'ffffffff-aaaa-4bbb-8ccc-000000000001', seq: 1, reason: 'seq-conflict' }, { seq: 7, reason: 'seq-order' }],
      gaps: [{ from: 3, to: 3 }, { from: 5, to: 5 }, { from: 7, to: 7 }],
    });
    expect(verifyReceipt(order.body, collectorKey.publicKey)).toBe(true);
  });

  test('per record: a bad trace, another device, an oversized record and a repository the App is not on are rejected with reasons', async () => {
    const badTrace = spoolRecord(9, 'commit', head, { trace: { version: '0.1.0', files: 'nope' } });
    const otherDevice = spoolRecord(10, 'edit', head, { device: 'd_someoneelse' });
    const big = spoolRecord(11, 'edit', head, { trace: { ...trace('x', head, 3, 'edit', 11), padding: 'x'.repeat(9 * 1024) } });
    const elsewhere = spoolRecord(12, 'edit', head, { repository: 'acme/not-installed-here' });
    const res = await upload(app, upload1, [badTrace, otherDevice, big, elsewhere]);
    expect(res.status).toBe(200);
    expect((res.body.rejected as { seq: number; reason: string }[]).map((r) => [r.seq, r.reason])).toEqual([[9, 'invalid-trace'], [10, 'device-mismatch'], [11, 'too-large'], [12, 'repository-not-installed']]);
    expect(res.body.accepted).toEqual([]);
  });

  test('413 over the batch limits, 422 not a batch, 401 an unknown token, 403 when the user lost push access (after the 10-minute cache)', async () => {
    const nine = Array.from({ length: 9 }, (_, i) => spoolRecord(100 + i, 'edit', head));
    expect((await upload(app, upload1, nine)).status).toBe(413);
    const huge = await call(`${app.url}/trailmark/records/batch`, 'POST', upload1, JSON.stringify({ schema: 'trailmark.batch/v1', device: DEVICE, records: [], pad: 'x'.repeat(100 * 1024) }));
    expect(huge.status).toBe(413);
    expect((await upload(app, upload1, [], 'd_anotherdevice')).status).toBe(422);
    expect((await upload(app, `tmu_${'A'.repeat(43)}`, [spoolRecord(20, 'edit', head)])).status).toBe(401);
    expect((await upload(app, alice, [spoolRecord(20, 'edit', head)])).status).toBe(401);

    // GitHub now says alice reads only; the cached answer holds for 10 minutes.
    await sim.admin('POST', '/_sim/faults', { match: { operationId: 'repos/get-collaborator-permission-level' }, kind: 'status', status: 200, times: -1, body: { permission: 'read', role_name: 'read', user: { login: 'alice', permissions: { admin: false, maintain: false, push: false, triage: false, pull: true } } } });
    try {
      expect((await upload(app, upload1, [spoolRecord(20, 'edit', head)])).status).toBe(200);
      now += 11 * 60 * 1000;
      const refused = await upload(app, upload1, [spoolRecord(21, 'edit', head)]);
      expect(refused.status).toBe(403);
      expect(refused.body.error).toContain('alice cannot push to acme/widgets');
    } finally {
      await sim.admin('DELETE', '/_sim/faults');
      now += 11 * 60 * 1000;
    }
    expect((await upload(app, upload1, [spoolRecord(21, 'edit', head)])).status).toBe(200);
  });

  test('the receipted commit record is `recorded` evidence in the next analysis; the ledger verifies', async () => {
    const { payload } = (await sim.admin('GET', '/_sim/webhook?event=pull_request&action=opened')) as { payload: object };
    await app.probot.receive({ id: 'collector-delivery-1', name: 'pull_request', payload } as Parameters<Probot['receive']>[0]);
    await app.app.drain();
    const entries = await ledgerEntries(app.dataDir, sim.info.installationId);
    const analyzed = entries.filter((e) => e.kind === 'change.analyzed');
    expect(analyzed).toHaveLength(1);
    const hunks = (analyzed[0]!.body as unknown as { hunks: { path: string; evidence: string[] }[] }).hunks.filter((h) => h.path === 'src/math.ts');
    expect(hunks.length).toBeGreaterThan(0);
    expect(hunks.every((h) => h.evidence.includes('recorded'))).toBe(true);
    // The check run names the evidence's source as the receipted collector record.
    expect(JSON.stringify(await sim.state())).toContain(`collector receipt ${collectorKey.keyId}`);
    const records = entries.filter((e) => e.kind === 'record').map((e) => e.body as { device?: string; seq?: number; stage?: string });
    expect(records.map((r) => r.seq)).toEqual([1, 2, 6, 4, 8, 20, 21]);
    expect(records.every((r) => r.device === DEVICE)).toBe(true);

    const dir = mkdtempSync(join(tmpdir(), 'trailmark-collector-key-'));
    await writeFile(join(dir, 'ledger.pub'), `${ledgerKey.verifierKey}\n`);
    const run = await runCli(['verify', '--ledger', join(app.dataDir, 'installations', String(sim.info.installationId), 'ledger'), '--key', join(dir, 'ledger.pub'), '--json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true });
  });

  test('the weekly report shows the device missing sequence numbers from the `record` entries (json valid against the schema, markdown section)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trailmark-collector-report-'));
    await writeFile(join(dir, 'ledger.pub'), `${ledgerKey.verifierKey}\n`);
    const ledger = join(app.dataDir, 'installations', String(sim.info.installationId), 'ledger');
    const args = ['report', '--ledger', ledger, '--key', join(dir, 'ledger.pub'), '--since', '2026-11-30', '--until', '2026-12-07', '--no-config'];
    const json = await runCli([...args, '--format', 'json'], { cwd: dir, env: { TRAILMARK_REPORT_NOW: '2026-12-08T00:00:00Z' } });
    expect(json.code, json.stderr).toBe(0);
    const model = JSON.parse(json.stdout) as { captureGaps?: unknown };
    // Accepted seqs 1, 2, 4, 6, 8, 20, 21: the ledger, not the collector's state, says what is missing.
    expect(model.captureGaps).toEqual([{ ledger, device: DEVICE, records: 7, high: 21, missingCount: 14, missing: [{ from: 3, to: 3 }, { from: 5, to: 5 }, { from: 7, to: 7 }, { from: 9, to: 19 }] }]);
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    ajvFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(await readFile(new URL('../../docs/schemas/report-v1.schema.json', import.meta.url), 'utf8')));
    expect(validate(model), JSON.stringify(validate.errors)).toBe(true);
    const md = await runCli([...args, '--format', 'markdown'], { cwd: dir, env: { TRAILMARK_REPORT_NOW: '2026-12-08T00:00:00Z' } });
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain('## Capture gaps\n\n1 device of 1 lost records before they reached the collector');
    expect(md.stdout).toContain(`| \`${DEVICE}\` |`);
    expect(md.stdout).toContain('| 7 | 21 | 14 | 3, 5, 7, 9–19 |');
  });

  test('revocation: another user cannot revoke the device; its owner can, and the token stops working; a repository admin can revoke it too', async () => {
    expect((await call(`${app.url}/trailmark/devices/${DEVICE}`, 'DELETE', await userToken(sim, 'erin'))).status).toBe(404);
    expect((await call(`${app.url}/trailmark/devices/${DEVICE}`, 'DELETE', await userToken(sim, 'dave'))).status).toBe(404);
    const done = await call(`${app.url}/trailmark/devices/${DEVICE}`, 'DELETE', alice);
    expect(done).toMatchObject({ status: 200, body: { device: DEVICE, revoked: 1, login: 'alice' } });
    expect((await upload(app, upload1, [spoolRecord(30, 'edit', head)])).status).toBe(401);
    // Registering again issues a fresh token for the same device, which keeps its seq history.
    const again = await register(app, alice);
    expect(again.status).toBe(201);
    const res = await upload(app, again.body.token as string, [spoolRecord(1, 'commit', head)]);
    expect(res.body).toMatchObject({ accepted: [], duplicates: [{ seq: 1 }] });
    // olivia administers acme/widgets: she may revoke alice's device.
    const byAdmin = await call(`${app.url}/trailmark/devices/${DEVICE}`, 'DELETE', await userToken(sim, 'olivia'));
    expect(byAdmin).toMatchObject({ status: 200, body: { device: DEVICE, revoked: 1, login: 'alice' } });
    expect((await upload(app, again.body.token as string, [spoolRecord(30, 'edit', head)])).status).toBe(401);
  });

  test('429 with Retry-After past the batch rate; accepted again once the bucket refills', async () => {
    const limited = await serveApp(sim, ledgerKey.signerKey, { ...LIMITS, batchesPerMinute: 2 });
    try {
      const token = (await register(limited, alice, 'd_ratelimitedratelimited')).body.token as string;
      const rec = (seq: number) => ({ ...spoolRecord(seq, 'edit', head), device: 'd_ratelimitedratelimited', id: `rrrrrrrr-aaaa-4bbb-8ccc-${String(seq).padStart(12, '0')}` });
      expect((await upload(limited, token, [rec(1)], 'd_ratelimitedratelimited')).status).toBe(200);
      expect((await upload(limited, token, [rec(2)], 'd_ratelimitedratelimited')).status).toBe(200);
      const refused = await upload(limited, token, [rec(3)], 'd_ratelimitedratelimited');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('30');
      now += 30_000;
      expect((await upload(limited, token, [rec(3)], 'd_ratelimitedratelimited')).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });

  test('private repository: a stranger is refused; the simulator saw no violation', async () => {
    const priv = await startSim({ scenario: 'private' });
    try {
      const served = await serveApp(priv, ledgerKey.signerKey, LIMITS);
      try {
        expect((await register(served, await userToken(priv, 'mallory'), 'd_mallorymallorymallory')).status).toBe(403);
        expect((await register(served, await userToken(priv, 'alice'), 'd_alicealicealicealice')).status).toBe(201);
      } finally {
        await served.stop();
      }
      // mallory's refused read is GitHub's own `user-access` warning; nothing else.
      const seen = await priv.violations();
      expect(seen.map((v) => [v.path, v.status, (v.violations as { type: string }[]).map((x) => x.type)])).toEqual([['/repos/acme/widgets', 404, ['user-access']]]);
    } finally {
      await priv.stop();
    }
    const violations = await sim.violations();
    // The test's own forged token (GET /user 401) is the only refusal GitHub made.
    const forged = violations.filter((v) => v.path === '/user' && v.status === 401);
    expect(forged).toHaveLength(1);
    const warnings = (v: (typeof violations)[number]) => ((v.violations as { type: string; severity?: string }[] | undefined) ?? []).every((x) => x.type === 'user-access' && x.severity === 'warning');
    expect(violations.filter((v) => !forged.includes(v) && !warnings(v))).toEqual([]);
  });
});
