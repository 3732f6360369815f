// Embedding: a Node middleware that serves the App's webhooks and routes inside another server.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createNodeMiddleware, createProbot } from 'probot';
import { createTrailmarkApp, type TrailmarkAppOptions } from './app.js';
import { EnterpriseProbotOctokit } from './probot-octokit.js';

export { createTrailmarkApp, HEALTH_PATH, type TrailmarkApp, type TrailmarkAppOptions } from './app.js';
export { readAppSettings, type AppSettings } from './settings.js';

/**
 * Probot reads its credentials from the environment (APP_ID, PRIVATE_KEY, WEBHOOK_SECRET). The
 * App's webhook route (size limit, signature) runs before Probot's own webhook middleware.
 */
export function createTrailmarkMiddleware(options: TrailmarkAppOptions): Promise<(req: IncomingMessage, res: ServerResponse, next?: (err?: Error) => void) => boolean | void | Promise<void | boolean>> {
  return createNodeMiddleware(createTrailmarkApp(options).appFn, { probot: createProbot({ overrides: { Octokit: EnterpriseProbotOctokit } }) });
}
