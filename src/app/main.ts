// `npm start`: runs the App with Probot's server and environment. Without APP_ID and a private
// key, Probot serves its setup flow (GitHub App manifest from app.yml) instead.
import { run } from 'probot';
import { createTrailmarkApp } from './app.js';
import { readAppSettings } from './settings.js';

export async function main(): Promise<void> {
  const app = createTrailmarkApp({ settings: readAppSettings(process.env, process.cwd()) });
  await run(app.appFn);
}
