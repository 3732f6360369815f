// `npm start` with DATABASE_URL: a database that cannot be reached fails the start with a clear
// line and exit code 1, and no line shows the password; a bad DATABASE_URL is exit code 2.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import { main } from '../../app/main.js';
import { freePort } from '../support/free-port.js';

const privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

afterEach(() => {
  vi.restoreAllMocks();
});

function capturedStderr(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
}

test('an unreachable database fails the start with exit code 1, naming it without its password', async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'trailmark-start-'));
  const lines = capturedStderr();
  const code = await main({ APP_ID: '1', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: 'x', LOG_LEVEL: 'fatal', PORT: '0', HOST: '127.0.0.1', DATABASE_URL: `postgres://app:s3cret@127.0.0.1:${port}/trailmark` }, dir);
  vi.restoreAllMocks();
  expect(code).toBe(1);
  const text = lines.join('');
  expect(text).toContain('trailmark app: cannot start: migrating schema public on postgres://app:***@127.0.0.1');
  expect(text).toContain('ECONNREFUSED');
  expect(text).not.toContain('s3cret');
});

test('a DATABASE_URL that is not postgres:// is exit code 2', async () => {
  const lines = capturedStderr();
  const code = await main({ APP_ID: '1', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: 'x', DATABASE_URL: 'mysql://app:s3cret@db/trailmark' }, '/srv');
  vi.restoreAllMocks();
  expect(code).toBe(2);
  expect(lines.join('')).toContain('DATABASE_URL has scheme "mysql:", not postgres:');
  expect(lines.join('')).not.toContain('s3cret');
});
