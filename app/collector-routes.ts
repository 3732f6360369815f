// The collector's device routes (docs/collector-protocol.md, docs/collector.md):
//   POST   /trailmark/devices            GitHub user token -> upload token for (installation, login, device)
//   DELETE /trailmark/devices/<device>   the same user (GitHub user token or the device's upload token),
//                                        or an admin of the repository it was registered with
//   POST   /trailmark/records/batch      upload token -> signed receipt
//   GET    /trailmark/collector/key      the receipt key's id and raw public key
// Every request body and header is attacker-controlled: sizes are capped while reading, the
// bodies are parsed by engine/collector.ts, names are checked before they name files.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError } from '../src/core/errors.js';
import type { Clock, Random } from '../src/core/ports.js';
import {
  BATCH_SCHEMA, DEVICE_SCHEMA, RECEIPT_SCHEMA, accept, admit, isDeviceId, isUploadToken, newUploadToken, parseBatch, parseDeviceRequest, sha256Digest, signReceipt,
  takeTokens, fullBuckets, uploadTokenHash, type BatchRecord, type Buckets, type CollectorKey, type CollectorLimits, type DeviceLedger, type ReceiptAccepted,
  type ReceiptDuplicate, type ReceiptRejected, type SeqRange,
} from '../src/engine/collector.js';
import { recordCaptured } from '../src/engine/outcome.js';
import { answer, bearer, readBytes, type Access } from './collector.js';
import { DeviceRegistry, type DeviceGrant } from './collector-devices.js';
import { DeviceSequences } from './collector-sequences.js';
import type { InstallationLedgers } from './ledgers.js';
import type { Records } from './record-store.js';
import type { StateFileOptions } from './state-file.js';

export const DEVICES_PATH = '/trailmark/devices';
export const BATCH_PATH = '/trailmark/records/batch';
export const COLLECTOR_KEY_PATH = '/trailmark/collector/key';

/** Largest registration body (ours: a few short fields). */
const DEVICE_BODY_MAX = 16 * 1024;
/** How long a push-access or installation answer is reused (ours: bounds GitHub calls per batch). */
export const ACCESS_CACHE_MS = 10 * 60 * 1000;
/** Cache entries kept before the caches are cleared (bounds memory under many users). */
const CACHE_MAX = 10_000;

export interface CollectorRoutesDependencies {
  readonly dataDir: string;
  readonly records: Records;
  readonly ledgers: InstallationLedgers | undefined;
  readonly limits: CollectorLimits;
  /** The collector key (collector-key.ts), loaded once. */
  readonly key: () => Promise<CollectorKey>;
  /** What receipts name as `collector`: the App's public URL, else the key's name. */
  readonly origin: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly stateFiles: StateFileOptions;
  /** The login of a GitHub user token, or null when GitHub refuses it. */
  readonly userOf: (userToken: string) => Promise<string | null>;
  /** What a GitHub user token may do on the repository. */
  readonly accessOf: (userToken: string, owner: string, repo: string) => Promise<Access>;
  readonly installationOf: (owner: string, repo: string) => Promise<number | null>;
  /** Whether `login` can push to the repository, asked with the installation's token. */
  readonly canPush: (installationId: number, owner: string, repo: string, login: string) => Promise<boolean>;
  /** Whether `login` administers the repository, asked with the installation's token. */
  readonly isAdmin: (installationId: number, owner: string, repo: string, login: string) => Promise<boolean>;
  readonly log: (line: string) => void;
  readonly logError: (line: string) => void;
}

class TimedCache<V> {
  readonly #entries = new Map<string, { value: V; at: number }>();
  constructor(readonly clock: Clock, readonly ttl: number) {}
  async get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.clock.now();
    const hit = this.#entries.get(key);
    if (hit !== undefined && now - hit.at < this.ttl && now >= hit.at) return hit.value;
    const value = await load();
    if (this.#entries.size >= CACHE_MAX) this.#entries.clear();
    this.#entries.set(key, { value, at: now });
    return value;
  }
}

export function collectorRoutes(deps: CollectorRoutesDependencies) {
  const devices = new DeviceRegistry(deps.dataDir, deps.stateFiles);
  const sequences = new DeviceSequences(deps.dataDir, deps.stateFiles);
  const pushCache = new TimedCache<boolean>(deps.clock, ACCESS_CACHE_MS);
  const installCache = new TimedCache<number | null>(deps.clock, ACCESS_CACHE_MS);
  // In memory: a restart refills every bucket (documented in docs/collector.md).
  const buckets = new Map<string, Buckets>();
  let key: Promise<CollectorKey> | undefined;
  const collectorKey = () => (key ??= deps.key().catch((err: unknown) => {
    key = undefined;
    throw err;
  }));

  const register = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const token = bearer(req);
    if (token === '') return answer(res, 401, { error: 'missing Authorization: Bearer <GitHub user token>' });
    const body = await readBytes(req, DEVICE_BODY_MAX);
    if (body === null) return answer(res, 413, { error: `registration bodies are limited to ${DEVICE_BODY_MAX} bytes` });
    const parsed = parseDeviceRequest(body.toString('utf8'));
    if ('problem' in parsed) return answer(res, 422, { error: `not a ${DEVICE_SCHEMA} body: ${parsed.problem}` });
    const login = await deps.userOf(token);
    if (login === null) return answer(res, 401, { error: 'the GitHub token was not accepted (GET /user refused it)' });
    const access = await deps.accessOf(token, parsed.owner, parsed.repo);
    if (access === 'invalid-token') return answer(res, 401, { error: 'the GitHub token was not accepted' });
    if (access === 'no-push') return answer(res, 403, { error: `${login} cannot push to ${parsed.owner}/${parsed.repo}` });
    const installation = await deps.installationOf(parsed.owner, parsed.repo);
    if (installation === null) return answer(res, 404, { error: `the trailmark App is not installed on ${parsed.owner}/${parsed.repo}` });
    const upload = newUploadToken(deps.random);
    const grant: DeviceGrant = {
      installation, login, device: parsed.device, repository: `${parsed.owner}/${parsed.repo}`, created: new Date(deps.clock.now()).toISOString(),
      ...(parsed.name === undefined ? {} : { name: parsed.name }),
    };
    const done = await devices.register(uploadTokenHash(upload), grant);
    if (done.status === 'taken') return answer(res, 409, { error: `device ${parsed.device} is registered to another user in this installation; register with a new device id` });
    const k = await collectorKey();
    deps.log(`trailmark collector: device ${parsed.device} registered for ${login} on installation ${installation}`);
    answer(res, 201, {
      schema: DEVICE_SCHEMA, token: upload, installation, login, device: parsed.device,
      collector: { keyId: k.keyId, publicKey: k.publicKey },
      limits: { batchRecords: deps.limits.batchRecords, batchBytes: deps.limits.batchBytes, recordBytes: deps.limits.recordBytes },
    });
  };

  const revoke = async (req: IncomingMessage, res: ServerResponse, device: string): Promise<void> => {
    if (!isDeviceId(device)) return answer(res, 404, { error: 'no such device' });
    const token = bearer(req);
    if (token === '') return answer(res, 401, { error: 'missing Authorization: Bearer <GitHub user token or the device upload token>' });
    let login: string | null;
    if (isUploadToken(token)) {
      const grant = await devices.lookup(uploadTokenHash(token));
      login = grant !== null && grant.device === device ? grant.login : null;
    } else {
      login = await deps.userOf(token);
    }
    if (login === null) return answer(res, 401, { error: 'the token was not accepted' });
    let revoked = await devices.revoke(device, login);
    let holder = login;
    // Someone else's device: an admin of the repository it was registered with (org owners are
    // admins of every repository of the org) may revoke it; asked fresh, never from the cache.
    if (revoked === 0 && !isUploadToken(token)) {
      for (const g of await devices.grantsOf(device)) {
        const [owner, repo] = g.repository.split('/') as [string, string];
        if (await deps.isAdmin(g.installation, owner, repo, login)) {
          revoked += await devices.revoke(device, g.login);
          holder = g.login;
        }
      }
    }
    if (revoked === 0) return answer(res, 404, { error: `${login} holds no token for device ${device} and administers no repository it was registered with` });
    deps.log(`trailmark collector: device ${device} of ${holder} revoked by ${login} (${revoked} token${revoked === 1 ? '' : 's'})`);
    answer(res, 200, { device, revoked, login: holder });
  };

  const batch = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const token = bearer(req);
    const grant = isUploadToken(token) ? await devices.lookup(uploadTokenHash(token)) : null;
    if (grant === null) return answer(res, 401, { error: 'unknown or revoked upload token', hint: 'register the device again (trailmark record push registers it)' });
    const { limits } = deps;
    const tooLarge = () => answer(res, 413, { error: `batches are limited to ${limits.batchRecords} records and ${limits.batchBytes} bytes`, limits: { batchRecords: limits.batchRecords, batchBytes: limits.batchBytes, recordBytes: limits.recordBytes } });
    if (Number(req.headers['content-length'] ?? '0') > limits.batchBytes) return tooLarge();
    const bytes = await readBytes(req, limits.batchBytes);
    if (bytes === null) return tooLarge();
    const parsed = parseBatch(bytes.toString('utf8'), grant.device, limits);
    if (parsed.status === 'too-many') return tooLarge();
    if (parsed.status === 'invalid') return answer(res, 422, { error: `not a ${BATCH_SCHEMA} body: ${parsed.problem}` });

    const hash = uploadTokenHash(token);
    const now = deps.clock.now();
    const taken = takeTokens(buckets.get(hash) ?? fullBuckets(limits, now), limits, now, parsed.valid.length + parsed.rejected.length);
    buckets.set(hash, taken.state);
    if (!taken.ok) {
      res.setHeader('retry-after', String(taken.retryAfter));
      return answer(res, 429, { error: `rate limited: at most ${limits.batchesPerMinute} batches a minute and ${limits.recordsPerHour} records an hour per device`, retryAfter: taken.retryAfter });
    }

    // Repositories: of this installation (else the record is rejected), pushable by the user (else 403).
    const rejected: ReceiptRejected[] = [...parsed.rejected];
    const valid: BatchRecord[] = [];
    const checked = new Map<string, boolean>();
    for (const r of parsed.valid) {
      const repository = r.repository.toLowerCase();
      let ok = checked.get(repository);
      if (ok === undefined) {
        const [owner, repo] = r.repository.split('/') as [string, string];
        const installation = await installCache.get(repository, () => deps.installationOf(owner, repo));
        ok = installation === grant.installation;
        if (ok && !(await pushCache.get(`${grant.login.toLowerCase()}\0${repository}`, () => deps.canPush(grant.installation, owner, repo, grant.login)))) {
          return answer(res, 403, { error: `${grant.login} cannot push to ${r.repository}; the batch was refused` });
        }
        checked.set(repository, ok);
      }
      if (ok) valid.push(r);
      else rejected.push({ id: r.id, seq: r.seq, reason: 'repository-not-installed' });
    }

    const k = await collectorKey();
    const outcome = await sequences.with(grant.installation, grant.device, async (before) => {
      let state: DeviceLedger = before;
      const accepted: ReceiptAccepted[] = [];
      const duplicates: ReceiptDuplicate[] = [];
      for (const r of valid) {
        const admission = admit(state, r);
        if (admission.status === 'duplicate') {
          duplicates.push({ id: r.id, seq: state.ids[r.id]!.seq });
          continue;
        }
        if (admission.status === 'conflict') {
          rejected.push({ id: r.id, seq: r.seq, reason: 'seq-conflict' });
          continue;
        }
        const [owner, repo] = r.repository.split('/') as [string, string];
        const store = r.stage === 'commit'
          ? { put: (text: string) => deps.records.putReceipted(grant.installation, owner, repo, text, k.keyId) }
          : { put: (text: string) => deps.records.putAudit(grant.installation, owner, repo, text) };
        const captured = await recordCaptured({ store, ...(deps.ledgers === undefined ? {} : { ledger: deps.ledgers.sinkOf(grant.installation) }) }, {
          repository: `${owner}/${repo}`, text: r.traceText, upload: { id: r.id, device: r.device, seq: r.seq, stage: r.stage, receipt: r.digest },
        });
        if (captured.status === 'invalid') {
          rejected.push({ id: r.id, seq: r.seq, reason: 'invalid-trace' });
          continue;
        }
        if (captured.status === 'full') {
          rejected.push({ id: r.id, seq: r.seq, reason: 'repository-full' });
          continue;
        }
        const a = { id: r.id, seq: r.seq, digest: r.digest };
        accepted.push(a);
        state = accept(state, a);
      }
      return { state, result: { accepted, duplicates, gaps: state.gaps, gapsBefore: before.gaps } };
    });

    if (!sameRanges(outcome.gaps, outcome.gapsBefore)) {
      const shown = outcome.gaps.length === 0 ? 'none' : outcome.gaps.slice(0, 20).map((g) => (g.from === g.to ? `${g.from}` : `${g.from}-${g.to}`)).join(', ');
      deps.logError(`trailmark collector: device ${grant.device} (${grant.login}, installation ${grant.installation}) missing sequence numbers: ${shown}`);
    }
    const receipt = signReceipt({
      schema: RECEIPT_SCHEMA, collector: deps.origin, installation: grant.installation, device: grant.device, time: new Date(now).toISOString(),
      batch: sha256Digest(bytes), accepted: outcome.accepted, duplicates: outcome.duplicates, rejected, gaps: outcome.gaps,
    }, k);
    answer(res, 200, receipt as unknown as Record<string, unknown>);
  };

  const serveKey = async (res: ServerResponse): Promise<void> => {
    const k = await collectorKey();
    answer(res, 200, { keyId: k.keyId, publicKey: k.publicKey });
  };

  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    let work: Promise<void> | undefined;
    if (req.method === 'POST' && path === DEVICES_PATH) work = register(req, res);
    else if (req.method === 'DELETE' && path.startsWith(`${DEVICES_PATH}/`)) work = revoke(req, res, decodeSegment(path.slice(DEVICES_PATH.length + 1)));
    else if (req.method === 'POST' && path === BATCH_PATH) work = batch(req, res);
    else if (req.method === 'GET' && path === COLLECTOR_KEY_PATH) work = serveKey(res);
    if (work === undefined) return false;
    work.catch((err: unknown) => {
      deps.logError(`trailmark collector: ${describeError(err)}`);
      if (!res.headersSent) answer(res, 500, { error: 'the collector failed; retry later' });
    });
    return true;
  };
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return '';
  }
}

function sameRanges(a: readonly SeqRange[], b: readonly SeqRange[]): boolean {
  return a.length === b.length && a.every((g, i) => g.from === b[i]!.from && g.to === b[i]!.to);
}
