// `POST <webhook path>`: GitHub's deliveries, in front of Probot's own webhook middleware
// (which buffers a body of any size before it checks anything, and logs the event with its
// payload when the signature does not match).
//
// Everything in the request is attacker-controlled until the signature matches: the size is
// checked against the Content-Length header before a byte is read, then counted while the body
// streams; the HMAC is computed over the exact bytes as they arrive (X-Hub-Signature-256,
// compared in constant time); only then is the body parsed as JSON. Payloads are never logged:
// log lines name the delivery id, the event and the size.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError } from '../src/core/errors.js';

/**
 * GitHub caps webhook payloads at 25 MB and does not deliver larger ones ("Webhook events and
 * payloads", section "Payload cap"); anything larger did not come from GitHub.
 */
export const WEBHOOK_MAX_BYTES = 25 * 1024 * 1024;

export const DEFAULT_WEBHOOK_PATH = '/api/github/webhooks';

export interface WebhookRouteOptions {
  readonly path: string;
  readonly secret: string;
  readonly maxBytes?: number;
  /** Handles a verified delivery; resolves once its work is durably queued. */
  readonly dispatch: (name: string, id: string, payload: unknown) => Promise<void>;
  readonly log: (line: string) => void;
  readonly logError: (line: string) => void;
}

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify({ error: body })}\n`);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/** Printable, bounded rendering of a header value for a log line. */
function shown(value: string | undefined): string {
  return value === undefined ? '(none)' : JSON.stringify(value.slice(0, 80));
}

function signatureMatches(expected: Buffer, signature: string): boolean {
  const prefix = 'sha256=';
  if (!signature.startsWith(prefix)) return false;
  const hex = signature.slice(prefix.length);
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return false;
  return timingSafeEqual(expected, Buffer.from(hex, 'hex'));
}

/** A Probot `addHandler` handler: returns true when it took the request. */
export function webhookRoute(options: WebhookRouteOptions) {
  const max = options.maxBytes ?? WEBHOOK_MAX_BYTES;
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if ((req.url ?? '').split('?')[0] !== options.path) return false;
    if (req.method !== 'POST') {
      answer(res, 404, `unknown route: ${req.method ?? ''} ${options.path}`);
      return true;
    }
    const event = header(req, 'x-github-event');
    const id = header(req, 'x-github-delivery');
    const signature = header(req, 'x-hub-signature-256');
    const what = `delivery ${shown(id)} (${shown(event)})`;
    // Anything refused before the body is read: the answer goes out at once and the rest of the
    // body is read and discarded (never buffered), so that the sender, still uploading, gets the
    // answer instead of a reset connection. Node's server requestTimeout (300 s by default)
    // bounds a sender that never stops.
    const refuse = (status: number, message: string) => {
      options.log(`trailmark: webhook ${what} refused with ${status}: ${message}`);
      answer(res, status, message);
      req.resume();
    };
    if (!/^\s*application\/json\s*(;|$)/i.test(header(req, 'content-type') ?? '')) {
      refuse(415, 'the content type must be application/json');
      return true;
    }
    if (event === undefined || id === undefined || signature === undefined) {
      refuse(400, 'required headers missing: x-github-event, x-github-delivery, x-hub-signature-256');
      return true;
    }
    const declared = Number(header(req, 'content-length') ?? '0');
    if (Number.isFinite(declared) && declared > max) {
      refuse(413, `webhook payloads are limited to ${max} bytes (GitHub's cap)`);
      return true;
    }

    const hmac = createHmac('sha256', options.secret);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.byteLength;
      if (size > max) {
        over = true;
        chunks.length = 0;
        refuse(413, `webhook payloads are limited to ${max} bytes (GitHub's cap)`);
        return;
      }
      hmac.update(chunk);
      chunks.push(chunk);
    });
    req.on('error', (err) => {
      if (!over && !res.headersSent) options.log(`trailmark: webhook ${what}: the request failed while it was read: ${describeError(err)}`);
    });
    req.on('end', () => {
      if (over) return;
      if (!signatureMatches(hmac.digest(), signature)) {
        options.log(`trailmark: webhook ${what} refused with 400: the signature does not match (${size} bytes); check WEBHOOK_SECRET against the App's webhook secret`);
        answer(res, 400, 'signature does not match event payload and secret');
        return;
      }
      let payload: unknown;
      try {
        payload = JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
      } catch {
        options.log(`trailmark: webhook ${what} refused with 400: the body is not JSON (${size} bytes)`);
        answer(res, 400, 'the body is not valid JSON');
        return;
      }
      chunks.length = 0;
      options.dispatch(event, id, payload).then(
        () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n'),
        (err: unknown) => {
          // GitHub marks the delivery failed; redelivering it runs the handler again.
          options.logError(`trailmark: webhook ${what} could not be accepted: ${describeError(err)}`);
          if (!res.headersSent) answer(res, 500, 'the delivery could not be queued; redeliver it');
        },
      );
    });
    return true;
  };
}
