// The demo repository: a small TypeScript service and a feature branch with a realistic mix of
// human work, stamped agent commits, declared assistance, undeclared AI-like code, a false
// "AI-Assisted: no" declaration, an agent capture record, a lockfile, a binary and a generated
// file. Everything is fixed (identities, dates) so the demo output is reproducible.

export interface DemoCommit {
  readonly message: string;
  readonly author: { readonly name: string; readonly email: string };
  readonly files: Readonly<Record<string, string | Uint8Array>>;
}

const ana = { name: 'Ana Lima', email: 'ana@example.com' };
const raj = { name: 'Raj Patel', email: 'raj@example.com' };
const kim = { name: 'Kim Novak', email: 'kim@example.com' };

export const DEMO_POLICY = `policy-version: demo-2026-11
sensitive-paths:
  - "src/auth/**"
ignore:
  - "docs/**"
`;

const packageJson = `{
  "name": "shop-api",
  "version": "1.4.0",
  "private": true,
  "type": "module",
  "scripts": { "build": "tsc", "test": "node --test" },
  "dependencies": { "express": "^4.19.2" }
}
`;

const lockV1 = `{
  "name": "shop-api",
  "version": "1.4.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": { "name": "shop-api", "version": "1.4.0", "dependencies": { "express": "^4.19.2" } },
    "node_modules/express": { "version": "4.19.2" }
  }
}
`;

const lockV2 = lockV1.replace('"node_modules/express": { "version": "4.19.2" }', '"node_modules/express": { "version": "4.19.2" },\n    "node_modules/ms": { "version": "2.1.3" }');

const formatTs = `// money formatting helpers, shared by the api and the invoices job

export function cents(n: number) {
  return Math.round(n * 100);
}

export function fmt(c: number, cur = 'EUR') {
  const v = (c / 100).toFixed(2);
  return cur === 'EUR' ? v + ' €' : '$' + v;
}

export function parseAmt(s: string) {
  const m = /^(-?\\d+)(?:[.,](\\d{1,2}))?$/.exec(s.trim());
  if (!m) return NaN;
  return Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
}
`;

// The human fix: terse, in the file's own style, with a TODO.
const formatTsFixed = formatTs.replace(
  `  const v = (c / 100).toFixed(2);`,
  `  // TODO: locale-aware once we ship outside the eurozone
  const v = (Math.abs(c) / 100).toFixed(2);
  if (c < 0) return '-' + fmt(-c, cur);`,
);

const serverTs = `import express from 'express';
import { fmt } from './util/format.js';

const app = express();
app.get('/health', (_req, res) => res.send('ok'));
app.get('/price/:c', (req, res) => res.send(fmt(Number(req.params.c))));

app.listen(Number(process.env.PORT ?? 8080));
`;

// Written by Claude Code, stamped with its default co-author trailer and footer.
const usersTs = `import type { Request, Response } from 'express';

/**
 * Represents a user in the system.
 */
export interface User {
  /** The unique identifier of the user. */
  id: string;
  /** The email address of the user. */
  email: string;
  /** The display name of the user. */
  displayName: string;
}

/**
 * Retrieves a user by their unique identifier.
 *
 * @param req - The Express request object containing the user ID parameter.
 * @param res - The Express response object used to send the response.
 * @returns A promise that resolves when the response has been sent.
 */
export async function getUserById(req: Request, res: Response): Promise<void> {
  try {
    // Extract the user ID from the request parameters
    const userId = req.params.id;

    // Validate that the user ID is provided
    if (!userId || typeof userId !== 'string') {
      res.status(400).json({ error: 'User ID is required and must be a string' });
      return;
    }

    // Fetch the user from the data store
    const user = await findUserInDatabase(userId);

    // Check if the user exists
    if (!user) {
      res.status(404).json({ error: 'User not found' });
      return;
    }

    // Return the user data
    res.status(200).json(user);
  } catch (error) {
    // Log the error for debugging purposes
    console.error('Error fetching user:', error);
    res.status(500).json({ error: 'Internal server error' });
  }
}

async function findUserInDatabase(userId: string): Promise<User | undefined> {
  return undefined;
}
`;

// Written with an assistant and declared with the kernel-style trailer.
const summaryTs = `import { fmt } from '../util/format.js';

export interface LineItem {
  sku: string;
  qty: number;
  unitCents: number;
}

/**
 * Computes the total amount for a list of line items.
 *
 * @param items - The line items to sum.
 * @returns The total amount in cents.
 */
export function computeTotal(items: readonly LineItem[]): number {
  // Sum up the price of each line item
  return items.reduce((total, item) => total + item.qty * item.unitCents, 0);
}

/**
 * Formats a human-readable summary of the order.
 *
 * @param items - The line items in the order.
 * @returns A formatted summary string.
 */
export function formatSummary(items: readonly LineItem[]): string {
  // Build one line per item, then append the total
  const lines = items.map((item) => \`\${item.qty} x \${item.sku}: \${fmt(item.qty * item.unitCents)}\`);
  lines.push(\`Total: \${fmt(computeTotal(items))}\`);
  return lines.join('\\n');
}
`;

// AI-like code with no declaration at all, in a sensitive path.
const sessionTs = `import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Configuration options for the session manager.
 */
export interface SessionOptions {
  /** The secret key used to sign session tokens. */
  secret: string;
  /** The session lifetime in seconds. */
  ttlSeconds: number;
}

/**
 * Creates a signed session token for the given user.
 *
 * @param userId - The unique identifier of the user.
 * @param options - The session configuration options.
 * @returns The signed session token.
 */
export function createSessionToken(userId: string, options: SessionOptions): string {
  // Validate the input parameters
  if (!userId || typeof userId !== 'string') {
    throw new Error('Invalid userId: must be a non-empty string');
  }
  if (!options || typeof options.secret !== 'string' || options.secret.length === 0) {
    throw new Error('Invalid options: secret must be a non-empty string');
  }

  // Calculate the expiration timestamp
  const expiresAt = Math.floor(Date.now() / 1000) + options.ttlSeconds;

  // Create the payload by combining the user ID and expiration
  const payload = \`\${userId}.\${expiresAt}\`;

  // Sign the payload using HMAC-SHA256
  const signature = createHmac('sha256', options.secret).update(payload).digest('hex');

  // Return the complete token
  return \`\${payload}.\${signature}\`;
}

/**
 * Verifies a session token and returns the user ID if it is valid.
 *
 * @param token - The session token to verify.
 * @param options - The session configuration options.
 * @returns The user ID if the token is valid, or null otherwise.
 */
export function verifySessionToken(token: string, options: SessionOptions): string | null {
  try {
    // Split the token into its components
    const [userId, expiresAt, signature] = token.split('.');

    // Ensure all components are present
    if (!userId || !expiresAt || !signature) {
      return null;
    }

    // Recompute the expected signature
    const expected = createHmac('sha256', options.secret).update(\`\${userId}.\${expiresAt}\`).digest('hex');

    // Compare the signatures in constant time
    if (!timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
      return null;
    }

    // Check whether the token has expired
    if (Number(expiresAt) < Math.floor(Date.now() / 1000)) {
      return null;
    }

    return userId;
  } catch (error) {
    console.error('Failed to verify session token:', error);
    return null;
  }
}
`;

// Declared "AI-Assisted: no", but the code reads like an assistant's.
const invoiceTs = `import { computeTotal, type LineItem } from '../report/summary.js';

/**
 * Represents an invoice generated for a customer order.
 */
export interface Invoice {
  /** The unique invoice number. */
  number: string;
  /** The line items included in the invoice. */
  items: readonly LineItem[];
  /** The total amount due in cents. */
  totalCents: number;
}

/**
 * Generates an invoice for the given order.
 *
 * @param orderId - The unique identifier of the order.
 * @param items - The line items of the order.
 * @returns The generated invoice.
 */
export function generateInvoice(orderId: string, items: readonly LineItem[]): Invoice {
  // Validate the input parameters
  if (!orderId || typeof orderId !== 'string') {
    throw new Error('Invalid orderId: must be a non-empty string');
  }
  if (!Array.isArray(items) || items.length === 0) {
    throw new Error('Invalid items: must be a non-empty array');
  }

  // Generate the invoice number based on the order ID
  const invoiceNumber = \`INV-\${orderId.toUpperCase()}\`;

  // Calculate the total amount for all line items
  const totalCents = computeTotal(items);

  // Return the complete invoice object
  return {
    number: invoiceNumber,
    items,
    totalCents,
  };
}
`;

// Written by an agent whose IDE hook captured the edit (Agent Trace record below).
const retryTs = `export async function retry<T>(fn: () => Promise<T>, attempts = 3, delayMs = 200): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await fn();
    } catch (error) {
      lastError = error;
      if (attempt < attempts) await new Promise((r) => setTimeout(r, delayMs * 2 ** (attempt - 1)));
    }
  }
  throw lastError;
}
`;

const generatedTs = `// @generated by openapi-typescript. DO NOT EDIT.
export interface paths {
  "/health": { get: { responses: { 200: { content: { "text/plain": string } } } } };
  "/price/{c}": { get: { parameters: { path: { c: number } }; responses: { 200: { content: { "text/plain": string } } } } };
}
`;

/** A tiny valid PNG (1×1, transparent). */
const logoPng = Uint8Array.from(Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
));

export const RETRY_PATH = 'src/lib/retry.ts';

/** Agent Trace record for retry.ts, written by the agent's hook; `revision` is filled in later. */
export function agentTraceRecord(revision: string): string {
  const lines = retryTs.split('\n').length - 1;
  const record = {
    version: '0.1.0',
    id: '7d0c6a3e-8a51-4d38-9a52-3f1f5b0b9c21',
    timestamp: '2026-11-02T10:15:00Z',
    vcs: { type: 'git', revision },
    tool: { name: 'cursor', version: '2.1.0' },
    files: [{
      path: RETRY_PATH,
      conversations: [{
        url: 'https://cursor.com/agents?id=bc-demo',
        contributor: { type: 'ai', model_id: 'anthropic/claude-sonnet-4-5' },
        ranges: [{ start_line: 1, end_line: lines }],
      }],
    }],
  };
  return `${JSON.stringify(record)}\n`;
}

export const BASE_COMMITS: readonly DemoCommit[] = [
  {
    message: 'Initial shop API\n',
    author: ana,
    files: {
      'package.json': packageJson,
      'package-lock.json': lockV1,
      'src/server.ts': serverTs,
      'src/util/format.ts': formatTs,
      '.github/trailmark.yml': DEMO_POLICY,
      'README.md': '# shop-api\n\nSmall pricing API.\n',
    },
  },
];

export const FEATURE_COMMITS: readonly DemoCommit[] = [
  {
    message: 'format: handle negative amounts\n\nRefunds were printed as "-0.-5 €".\n',
    author: ana,
    files: { 'src/util/format.ts': formatTsFixed },
  },
  {
    message: 'Add user lookup endpoint\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n',
    author: raj,
    files: { 'src/api/users.ts': usersTs },
  },
  {
    message: 'Add order summary formatting\n\nAssisted-by: Claude:claude-sonnet-4-5\nSigned-off-by: Kim Novak <kim@example.com>\n',
    author: kim,
    files: { 'src/report/summary.ts': summaryTs },
  },
  {
    message: 'Add signed session tokens\n',
    author: raj,
    files: { 'src/auth/session.ts': sessionTs },
  },
  {
    // Declared human, but the message is shaped like an agent's as well as the code.
    message: [
      'Add invoice generation for customer orders',
      '',
      'Summary:',
      'Orders had no invoice document, so the billing job rebuilt the totals itself from',
      'the raw line items. This adds a generateInvoice() function that builds a complete',
      'invoice from an order, reusing computeTotal() from the order summary module so the',
      'totals shown on invoices always match the order summary.',
      '',
      'Changes:',
      '- Add the `Invoice` interface in `src/billing/invoice.ts`',
      '- Add `generateInvoice()`, deriving the invoice number from the order ID',
      '- Reuse `computeTotal()` instead of summing the line items again',
      '',
      'Test plan:',
      '- Ran `npm test`; the new invoice tests pass',
      '- Checked an invoice for a sample order by hand against its order summary',
      '',
      'AI-Assisted: no',
      '',
    ].join('\n'),
    author: kim,
    files: { 'src/billing/invoice.ts': invoiceTs },
  },
  {
    message: 'Add retry helper\n',
    author: ana,
    files: { [RETRY_PATH]: retryTs },
  },
  {
    message: 'Bump lockfile, add logo and generated API types\n',
    author: ana,
    files: {
      'package-lock.json': lockV2,
      'assets/logo.png': logoPng,
      'src/generated/api.ts': generatedTs,
      'docs/pricing.md': '# Pricing\n\nAmounts are integers in cents.\n',
    },
  },
];
