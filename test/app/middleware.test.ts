// Webhooks over HTTP through Probot's Node middleware: signature checked, the delivery
// acknowledged once its job is queued (before any GitHub request), a bad signature refused.
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { createNodeMiddleware } from 'probot';
import { expect, test } from 'vitest';
import { createTrailmarkApp } from '../../src/app/app.js';
import { newProbot, recorded } from './harness.js';

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
