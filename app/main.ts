// `npm start`: runs the App. Without APP_ID and a private key, Probot serves its setup flow
// (GitHub App manifest from app.yml) instead. With them, a plain Node server serves the App's
// routes (webhook-route.ts first: size limit and signature before anything is buffered or
// logged, then the collector and the health check) with Probot's environment: APP_ID,
// PRIVATE_KEY/PRIVATE_KEY_PATH, WEBHOOK_SECRET, WEBHOOK_PATH, GHE_HOST, GHE_PROTOCOL, LOG_LEVEL,
// PORT, HOST. Probot's own server is not used: its webhook middleware runs before any handler
// an App adds, reads a body of any size, and logs the payload of a delivery it refuses.
import { createServer } from 'node:http';
import { createNodeMiddleware, createProbot, run } from 'probot';
import { TrailmarkError, describeError } from '../src/core/errors.js';
import { createTrailmarkApp } from './app.js';
import { EnterpriseProbotOctokit } from './probot-octokit.js';
import { readAppSettings } from './settings.js';

/** Probot's default port. */
const DEFAULT_PORT = 3000;

type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
const LOG_LEVELS: readonly string[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** Starts the server; returns the process exit code when it cannot start (2: bad settings). */
export async function main(env: Readonly<Record<string, string | undefined>>, cwd: string): Promise<number | undefined> {
  let app;
  try {
    app = createTrailmarkApp({ settings: readAppSettings(env, cwd) });
  } catch (err) {
    const hint = err instanceof TrailmarkError ? err.hint : undefined;
    process.stderr.write(`trailmark app: ${describeError(err)}${hint === undefined ? '' : `\nhint: ${hint}`}\n`);
    return 2;
  }
  const hasKey = (env.PRIVATE_KEY ?? '') !== '' || (env.PRIVATE_KEY_PATH ?? '') !== '';
  if ((env.APP_ID ?? '') === '' || !hasKey) {
    await run(app.appFn, { Octokit: EnterpriseProbotOctokit });
    return undefined;
  }
  const level = env.LOG_LEVEL ?? 'info';
  const probot = createProbot({
    env: { ...env },
    overrides: { Octokit: EnterpriseProbotOctokit, ...(LOG_LEVELS.includes(level) ? { logLevel: level as LogLevel } : {}) },
  });
  let middleware;
  try {
    // Runs the App function: with DATABASE_URL, connects and migrates the schema first.
    middleware = await createNodeMiddleware(app.appFn, { probot });
  } catch (err) {
    const hint = err instanceof TrailmarkError ? err.hint : undefined;
    process.stderr.write(`trailmark app: cannot start: ${describeError(err)}${hint === undefined ? '' : `\nhint: ${hint}`}\n`);
    return 1;
  }
  const server = createServer((req, res) => {
    Promise.resolve(middleware(req, res, () => {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}\n');
    })).catch((err: unknown) => {
      probot.log.error(`trailmark: request failed: ${describeError(err)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const port = Number(env.PORT ?? DEFAULT_PORT) || DEFAULT_PORT;
  const host = env.HOST ?? 'localhost';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  probot.log.info(`trailmark: listening on http://${host}:${port}`);
  // A rolling restart: stop taking requests and jobs, let running jobs end, then exit (a job cut
  // short is picked up by another replica after its timeout; one never started stays queued).
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    probot.log.info(`trailmark: ${signal}: finishing running jobs, then exiting`);
    server.close();
    app.close().then(() => process.exit(0), (err: unknown) => {
      probot.log.error(`trailmark: shutdown: ${describeError(err)}`);
      process.exit(1);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return undefined;
}
