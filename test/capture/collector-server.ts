// A real HTTP collector for the push tests, implementing docs/collector-protocol.md with a real
// Ed25519 key: device registration, batches (accept / duplicate by id / seq-conflict), signed
// receipts with gaps. `plan` scripts faults per batch request, in order.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { canonicalize } from '../../src/ledger/canonical.js';

export type Fault =
  | 'ok'
  /** Destroys the socket at the first body chunk: nothing processed, no answer. */
  | 'close-mid-body'
  /** Reads and stores the whole batch, then destroys the socket without answering. */
  | 'close-before-answer'
  | '500'
  /** Refuses the batch as too large. */
  | '413'
  | { status: 429; retryAfter: string }
  /** Stores the batch, answers a receipt whose signature does not verify. */
  | 'bad-sig';

export const GITHUB_TOKEN = 'ghu_testusertoken0000000000000000000000';
export const UPLOAD_TOKEN = `tmu_${'A'.repeat(43)}`;
export const KEY_ID = 'collector-test-1';
export const INSTALLATION = 42;

interface Rec {
  id: string;
  seq: number;
  device: string;
  repository?: string;
}

export class TestCollector {
  readonly plan: Fault[] = [];
  /** How many times each id was stored as accepted (must end at 1 for every id). */
  readonly acceptedCount = new Map<string, number>();
  readonly batches: number[][] = [];
  /** Every request body received (registration and batches), as sent over the wire. */
  readonly received: Buffer[] = [];
  readonly #bySeq = new Map<number, string>();
  readonly #keys = generateKeyPairSync('ed25519');
  readonly publicKey: string;
  #server: Server | null = null;
  port = 0;

  constructor() {
    const jwk = this.#keys.publicKey.export({ format: 'jwk' });
    this.publicKey = Buffer.from(jwk.x!, 'base64url').toString('base64');
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    this.#server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (server === null) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #sign(doc: Record<string, unknown>): Record<string, unknown> {
    const value = sign(null, Buffer.from(canonicalize(doc), 'utf8'), this.#keys.privateKey).toString('base64');
    return { ...doc, sig: { alg: 'ed25519', kid: KEY_ID, value } };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fault = req.url === '/trailmark/records/batch' ? (this.plan.shift() ?? 'ok') : 'ok';
    if (fault === 'close-mid-body') {
      req.once('data', () => req.socket.destroy());
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    this.received.push(body);
    const json = (status: number, doc: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(doc));
    };
    if (req.method === 'POST' && req.url === '/trailmark/devices') {
      if (req.headers.authorization !== `Bearer ${GITHUB_TOKEN}`) return json(401, { message: 'bad token' });
      const doc = JSON.parse(body.toString('utf8')) as { device: string; repository: string };
      return json(201, { schema: 'trailmark.device/v1', token: UPLOAD_TOKEN, installation: INSTALLATION, login: 'alice', device: doc.device, collector: { keyId: KEY_ID, publicKey: this.publicKey }, limits: { batchRecords: 4, batchBytes: 4194304, recordBytes: 1048576 } });
    }
    if (req.method !== 'POST' || req.url !== '/trailmark/records/batch') return json(404, { message: 'not found' });
    if (req.headers.authorization !== `Bearer ${UPLOAD_TOKEN}`) return json(401, { message: 'bad token' });
    if (fault === '500') return json(500, { message: 'boom' });
    if (fault === '413') return json(413, { message: 'too large' });
    if (typeof fault === 'object') return json(429, { message: 'slow down' }, { 'retry-after': fault.retryAfter });
    const batch = JSON.parse(body.toString('utf8')) as { device: string; records: Rec[] };
    this.batches.push(batch.records.map((r) => r.seq));
    const accepted: { id: string; seq: number; digest: string }[] = [];
    const duplicates: { id: string; seq: number }[] = [];
    const rejected: { id: string; seq: number; reason: string }[] = [];
    for (const r of batch.records) {
      if (this.acceptedCount.has(r.id)) duplicates.push({ id: r.id, seq: r.seq });
      else if (this.#bySeq.has(r.seq)) rejected.push({ id: r.id, seq: r.seq, reason: 'seq-conflict' });
      else {
        this.acceptedCount.set(r.id, (this.acceptedCount.get(r.id) ?? 0) + 1);
        this.#bySeq.set(r.seq, r.id);
        accepted.push({ id: r.id, seq: r.seq, digest: `sha256:${createHash('sha256').update(canonicalize(r)).digest('hex')}` });
      }
    }
    const max = Math.max(0, ...this.#bySeq.keys());
    const gaps: { from: number; to: number }[] = [];
    for (let s = 1; s <= max; s++) {
      if (this.#bySeq.has(s)) continue;
      const last = gaps.at(-1);
      if (last !== undefined && last.to === s - 1) last.to = s;
      else gaps.push({ from: s, to: s });
    }
    if (fault === 'close-before-answer') {
      req.socket.destroy();
      return;
    }
    const receipt = this.#sign({ schema: 'trailmark.receipt/v1', collector: this.url, installation: INSTALLATION, device: batch.device, time: '2026-12-05T00:00:00Z', batch: `sha256:${createHash('sha256').update(body).digest('hex')}`, accepted, duplicates, rejected, gaps });
    if (fault === 'bad-sig') {
      const sig = receipt['sig'] as { value: string };
      const bytes = Buffer.from(sig.value, 'base64');
      bytes[0] = bytes[0]! ^ 1;
      receipt['sig'] = { ...sig, value: bytes.toString('base64') };
    }
    return json(200, receipt);
  }
}
