// The App's own settings, parsed once from the environment (Probot reads its own: APP_ID,
// PRIVATE_KEY/PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT, GHE_HOST, GHE_PROTOCOL, LOG_LEVEL).
import { join } from 'node:path';
import { UsageError } from '../src/core/errors.js';
import type { NoteSigner } from '../src/engine/job-ledger.js';
import { loadSigner } from '../src/ledger/store/key-source.js';
import { DEFAULT_SCHEMA, quoteSchema } from '../src/ledger/store/postgres.js';
import { redactUrl } from '../src/ledger/store/postgres-pool.js';
import { subjectSealingFromEnv } from '../src/ledger/store/subject-keys.js';
import { readSignInSettings, type SignInSettings } from './auth/settings.js';
import type { CollectorLimits } from '../src/engine/collector.js';
import { readCollectorLimits } from './collector-settings.js';
import { DEFAULT_WEBHOOK_PATH } from './webhook-route.js';
import { jobTimeoutFromEnv } from './pg-queue.js';

export interface AppSettings {
  /**
   * Ledgers, queue, delivery ids and pull request state live here. With `databaseUrl` only what
   * is not in the database does (docs/app.md, "PostgreSQL"); `TRAILMARK_DATA_DIR` is then
   * optional and defaults to `DEFAULT_DATA_DIR` under the working directory.
   */
  readonly dataDir: string;
  readonly signer: NoteSigner | undefined;
  /** REST base URL: https://api.github.com, or `GHE_PROTOCOL://GHE_HOST/api/v3`. */
  readonly apiBaseUrl: string;
  /** Jobs run at once; 0 accepts and queues webhooks without processing them (maintenance). */
  readonly concurrency: number;
  /** Where GitHub posts deliveries (`WEBHOOK_PATH`, Probot's default `/api/github/webhooks`). */
  readonly webhookPath: string;
  /** The App's webhook secret (`WEBHOOK_SECRET`): X-Hub-Signature-256 is checked with it. */
  readonly webhookSecret: string;
  /** Dashboard sign-in and the auditors team (app/auth/settings.ts). */
  readonly signIn?: SignInSettings;
  /** `TRAILMARK_PUBLIC_URL`, without a trailing slash: the base of links to the App (the weekly report's dashboard link). */
  readonly publicUrl?: string;
  /** How often the weekly report schedule runs (`TRAILMARK_REPORT_INTERVAL`, seconds; absent: an hour). */
  readonly reportIntervalMs?: number;
  /** The collector's upload limits (`TRAILMARK_COLLECTOR_*`, collector-settings.ts; absent: the defaults). */
  readonly collectorLimits?: CollectorLimits;
  /**
   * Id of the KEK that seals subject openings (`TRAILMARK_SUBJECT_KEK`, docs/erasure.md), parsed
   * here so a bad secret fails the start; the stores read the same variables when they open.
   * Absent: openings are stored in clear.
   */
  readonly subjectKeyId?: string;
  /**
   * `DATABASE_URL`: when set, the App keeps its ledgers, queue and state in this PostgreSQL
   * database (several replicas may share it) instead of `dataDir` (docs/app.md).
   */
  readonly databaseUrl?: string;
  /** `TRAILMARK_DATABASE_SCHEMA`: the schema holding the App's tables (default `public`). */
  readonly databaseSchema?: string;
  /**
   * `TRAILMARK_JOB_TIMEOUT` (seconds, PostgreSQL mode only): a job whose replica died runs again
   * on another one this long after it started (docs/replicas.md).
   */
  readonly jobTimeoutSeconds?: number;
}

/** The data directory when `DATABASE_URL` is set and `TRAILMARK_DATA_DIR` is not (relative to the working directory). */
export const DEFAULT_DATA_DIR = 'trailmark-data';

const DATABASE_URL_HINT = 'set it to postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE, or unset it to keep everything in TRAILMARK_DATA_DIR';

/** `DATABASE_URL`, checked; messages show it without its password. */
export function databaseUrlOf(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The text may hold a password: never echo it.
    throw new UsageError('USAGE', 'DATABASE_URL is not a URL', { hint: DATABASE_URL_HINT });
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    // Not shown: without a postgres://user:password@ shape the password cannot be told apart.
    throw new UsageError('USAGE', `DATABASE_URL has scheme ${JSON.stringify(url.protocol.slice(0, 20))}, not postgres:`, { hint: DATABASE_URL_HINT });
  }
  const shown = redactUrl(text);
  if (url.hostname === '' && !url.searchParams.has('host')) {
    throw new UsageError('USAGE', `DATABASE_URL ${shown} names no host`, { hint: DATABASE_URL_HINT });
  }
  if (url.hash !== '') {
    throw new UsageError('USAGE', `DATABASE_URL ${shown} has a fragment`, { hint: DATABASE_URL_HINT });
  }
  return text;
}

export const DEFAULT_CONCURRENCY = 2;
export const DEFAULT_REPORT_INTERVAL_SECONDS = 3600;

function publicUrlOf(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError('USAGE', `TRAILMARK_PUBLIC_URL ${JSON.stringify(text)} is not a URL`, { hint: 'set it to the address users reach the App at, e.g. https://trailmark.example.com' });
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new UsageError('USAGE', `TRAILMARK_PUBLIC_URL ${JSON.stringify(text)} must be an http(s) URL without query, fragment or credentials`, { hint: 'e.g. https://trailmark.example.com' });
  }
  return url.href.replace(/\/+$/, '');
}

export function readAppSettings(env: Readonly<Record<string, string | undefined>>, cwd: string): AppSettings {
  const databaseUrl = env.DATABASE_URL === undefined || env.DATABASE_URL === '' ? undefined : databaseUrlOf(env.DATABASE_URL);
  const schemaText = env.TRAILMARK_DATABASE_SCHEMA;
  if (schemaText !== undefined && schemaText !== '') {
    if (databaseUrl === undefined) throw new UsageError('USAGE', 'TRAILMARK_DATABASE_SCHEMA is set without DATABASE_URL', { hint: 'set DATABASE_URL too, or unset TRAILMARK_DATABASE_SCHEMA' });
    try {
      quoteSchema(schemaText);
    } catch {
      throw new UsageError('USAGE', `TRAILMARK_DATABASE_SCHEMA ${JSON.stringify(schemaText)} is not a schema name`, { hint: 'lower-case letters, digits and _ (at most 63), starting with a letter or _; unset it for public' });
    }
  }
  const databaseSchema = schemaText === undefined || schemaText === '' ? undefined : schemaText;
  let dataDir = env.TRAILMARK_DATA_DIR;
  if (dataDir === undefined || dataDir === '') {
    if (databaseUrl === undefined) {
      throw new UsageError('USAGE', 'TRAILMARK_DATA_DIR is not set', { hint: 'set it to a persistent directory for the ledgers and the work queue, or set DATABASE_URL (see docs/app.md)' });
    }
    dataDir = join(cwd, DEFAULT_DATA_DIR);
  }
  const concurrencyText = env.TRAILMARK_CONCURRENCY ?? String(DEFAULT_CONCURRENCY);
  const concurrency = Number(concurrencyText);
  if (!Number.isSafeInteger(concurrency) || concurrency < 0 || concurrency > 64) {
    throw new UsageError('USAGE', `TRAILMARK_CONCURRENCY ${JSON.stringify(concurrencyText)} is not an integer from 0 to 64`, { hint: 'unset it for the default of 2' });
  }
  const host = env.GHE_HOST;
  const apiBaseUrl = host === undefined || host === '' ? 'https://api.github.com' : `${env.GHE_PROTOCOL ?? 'https'}://${host}/api/v3`;
  const hasKey = (env.TRAILMARK_SIGNING_KEY ?? '').trim() !== '';
  const webhookSecret = env.WEBHOOK_SECRET ?? '';
  // Without APP_ID Probot runs its setup flow, which writes the secret; with it, a missing secret
  // would accept any signature made with Probot's public default ("development").
  if (webhookSecret === '' && (env.APP_ID ?? '') !== '') {
    throw new UsageError('USAGE', 'WEBHOOK_SECRET is not set', { hint: "set it to the App's webhook secret (GitHub App settings, Webhook secret)" });
  }
  const intervalText = env.TRAILMARK_REPORT_INTERVAL;
  const interval = Number(intervalText ?? DEFAULT_REPORT_INTERVAL_SECONDS);
  if (intervalText !== undefined && (!Number.isSafeInteger(interval) || interval < 1 || interval > 86_400)) {
    throw new UsageError('USAGE', `TRAILMARK_REPORT_INTERVAL ${JSON.stringify(intervalText)} is not a number of seconds from 1 to 86400`, { hint: 'unset it for the default of an hour' });
  }
  const publicUrl = publicUrlOf(env.TRAILMARK_PUBLIC_URL);
  const collectorLimits = readCollectorLimits(env);
  const subjectKeyId = subjectSealingFromEnv(env)?.kek.id;
  const webhookPath = env.WEBHOOK_PATH === undefined || env.WEBHOOK_PATH === '' ? DEFAULT_WEBHOOK_PATH : env.WEBHOOK_PATH;
  return {
    dataDir, signer: hasKey ? loadSigner({ env, cwd }) : undefined, apiBaseUrl, concurrency, webhookPath, webhookSecret,
    signIn: readSignInSettings(env),
    ...(intervalText === undefined ? {} : { reportIntervalMs: interval * 1000 }),
    ...(publicUrl === undefined ? {} : { publicUrl }),
    ...(collectorLimits === undefined ? {} : { collectorLimits }),
    ...(subjectKeyId === undefined ? {} : { subjectKeyId }),
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    ...(databaseUrl === undefined ? {} : { jobTimeoutSeconds: jobTimeoutFromEnv(env) }),
    ...(databaseSchema === undefined || databaseSchema === DEFAULT_SCHEMA ? {} : { databaseSchema }),
  };
}
