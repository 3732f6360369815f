// Webhooks over HTTP through Probot's Node middleware: signature checked, the delivery
// acknowledged once its job is queued (before any GitHub request), a bad signature refused.
import { createHmac } from 'node:crypto';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { createNodeMiddleware } from 'probot';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTrailmarkApp } from '../../app/app.js';
import { WEBHOOK_MAX_BYTES } from '../../app/webhook-route.js';
import { capturingLog, newProbot, recorded } from './harness.js';

test('a signed pull_request delivery is answered after queuing, with no GitHub request made; a bad signature is refused', async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  // Concurrency 0: nothing runs, so any GitHub request would fail the (disabled) network.
  const dataDir = mkdtempSync(join(tmpdir(), 'trailmark-app-'));
  const app = createTrailmarkApp({ settings: { dataDir, signer: undefined, apiBaseUrl: 'https://api.github.com', concurrency: 0, webhookPath: '/api/github/webhooks', webhookSecret: 'test' } });
  const middleware = await createNodeMiddleware(app.appFn, { probot: newProbot() });
  const server = createServer((req, res) => {
    void middleware(req, res, () => res.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
    const payload = recorded<{ pull_request: { draft: boolean } }>('pull_request', 'opened');
    payload.pull_request.draft = false;
    const body = JSON.stringify(payload);
    const send = (signature: string) => fetch(url, {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': 'd-1', 'x-hub-signature-256': signature },
    });
    const bad = await send(`sha256=${'0'.repeat(64)}`);
    expect(bad.status).toBe(400);
    const good = await send(`sha256=${createHmac('sha256', 'test').update(body).digest('hex')}`);
    expect(good.status).toBe(200);
    const queue = JSON.parse(readFileSync(join(dataDir, 'queue.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(queue)).toEqual(['analyze:1/Codertocat/Hello-World#2']);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe('the webhook route: size limit while streaming, signature before parsing, payloads never logged', () => {
  const MARKER = 'PAYLOAD-MARKER-7f3a';
  let url: string;
  let port: number;
  let lines: string[];
  let dataDir: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    dataDir = mkdtempSync(join(tmpdir(), 'trailmark-app-'));
    const app = createTrailmarkApp({ settings: { dataDir, signer: undefined, apiBaseUrl: 'https://api.github.com', concurrency: 0, webhookPath: '/api/github/webhooks', webhookSecret: 'test' } });
    const captured = capturingLog();
    lines = captured.lines;
    const middleware = await createNodeMiddleware(app.appFn, { probot: newProbot(captured.log) });
    const server = createServer((req, res) => {
      void middleware(req, res, () => res.writeHead(404).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    url = `http://127.0.0.1:${port}/api/github/webhooks`;
    close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  });
  afterAll(async () => close());

  const headers = (body: string | undefined, signature?: string) => ({
    'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': 'd-limit',
    'x-hub-signature-256': signature ?? `sha256=${createHmac('sha256', 'test').update(body ?? '').digest('hex')}`,
  });

  /** Sends `chunks` with chunked transfer encoding (no Content-Length); resolves with the status. */
  function streamed(chunks: number, chunkBytes: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/github/webhooks', method: 'POST', headers: headers(undefined, `sha256=${'0'.repeat(64)}`) }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(chunkBytes, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < chunks) {
          sent++;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
  }

  test('a Content-Length over 25 MB is refused with 413 before the body is read', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/github/webhooks', method: 'POST', headers: { ...headers('{}'), 'content-length': String(WEBHOOK_MAX_BYTES + 1) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      // Only a few bytes of the announced body are ever sent: the answer cannot wait for it.
      req.write('{"a":');
    });
    expect(status).toBe(413);
  });

  test('a chunked body is counted while it streams and refused with 413 past the limit', async () => {
    expect(await streamed(WEBHOOK_MAX_BYTES / (1 << 20) + 2, 1 << 20)).toBe(413);
  });

  test('a bad signature is refused with 400, and neither the payload nor any part of it is logged', async () => {
    const payload = recorded<{ pull_request: { draft: boolean; body: string | null } }>('pull_request', 'opened');
    payload.pull_request.draft = false;
    payload.pull_request.body = MARKER;
    const body = JSON.stringify(payload);
    const res = await fetch(url, { method: 'POST', body, headers: headers(body, `sha256=${'1'.repeat(64)}`) });
    expect(res.status).toBe(400);
    expect(existsSync(join(dataDir, 'queue.json'))).toBe(false);
    expect(lines.some((l) => l.includes('signature does not match'))).toBe(true);
    expect(lines.join('\n')).not.toContain(MARKER);
    const good = await fetch(url, { method: 'POST', body, headers: headers(body) });
    expect(good.status).toBe(200);
    expect(lines.join('\n')).not.toContain(MARKER);
  });
});
