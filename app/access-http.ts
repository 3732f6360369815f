// Answers of the dashboard, the query endpoints and the sign-in routes: security headers on
// every one, JSON errors for API clients, small HTML pages for browsers.
import type { ServerResponse } from 'node:http';

/** Headers every answer of these routes carries; the dashboard widens `content-security-policy`. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
};

/** Text for HTML element content and quoted attributes. */
export function htmlText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'content-type': 'application/json; charset=utf-8' }).end(`${JSON.stringify(body)}\n`);
}

export function sendPage(res: ServerResponse, status: number, title: string, paragraphs: readonly string[], headers: Readonly<Record<string, string>> = {}): void {
  // `paragraphs` are HTML built by the caller from escaped parts.
  const html = `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${htmlText(title)}</title></head>\n<body><h1>${htmlText(title)}</h1>\n${paragraphs.map((p) => `<p>${p}</p>`).join('\n')}\n</body></html>\n`;
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'content-type': 'text/html; charset=utf-8' }).end(html);
}

export function sendBody(res: ServerResponse, status: number, contentType: string, body: string, headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'content-type': contentType }).end(body);
}

/** Whether `text` holds a C0 control character or DEL (refused in paths and return URLs). */
export function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
