// `npm start`: runs the App with Probot's server and environment. Without APP_ID and a private
// key, Probot serves its setup flow (GitHub App manifest from app.yml) instead.
import { run } from 'probot';
import { TrailmarkError, describeError } from '../core/errors.js';
import { createTrailmarkApp } from './app.js';
import { readAppSettings } from './settings.js';

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
  await run(app.appFn);
  return undefined;
}
