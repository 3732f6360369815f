import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_BODY_BYTES = 1024 * 1024;

export type WebhookEvent = { id: string; type: string; data: Record<string, unknown> };

export class WebhookError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = 'WebhookError';
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > MAX_BODY_BYTES) {
      throw new WebhookError('Payload too large', 413);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function verifySignature(body: Buffer, header: string | undefined, secret: string): void {
  if (!header) {
    throw new WebhookError('Missing signature header', 401);
  }
  const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const a = Buffer.from(expected);
  const b = Buffer.from(header);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new WebhookError('Invalid signature', 401);
  }
}

export function createWebhookHandler(secret: string, onEvent: (event: WebhookEvent) => Promise<void>) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (req.method !== 'POST') {
        throw new WebhookError('Method not allowed', 405);
      }
      const body = await readBody(req);
      verifySignature(body, req.headers['x-signature-256'] as string | undefined, secret);

      let event: WebhookEvent;
      try {
        event = JSON.parse(body.toString('utf8')) as WebhookEvent;
      } catch {
        throw new WebhookError('Malformed JSON payload', 400);
      }
      if (typeof event?.id !== 'string' || typeof event?.type !== 'string') {
        throw new WebhookError('Payload is missing id or type', 422);
      }

      await onEvent(event);
      res.writeHead(204).end();
    } catch (error) {
      if (error instanceof WebhookError) {
        res.writeHead(error.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: error.message }));
        return;
      }
      console.error('Unhandled error while processing webhook', error);
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Internal server error' }));
    }
  };
}
