// The real App in process against the GitHub simulator, with its clock and timers injected: how
// the weekly-report and retention tests make analyses at a chosen time and tick the schedules on
// demand. Any pull_request action: `closed` with `merged=true` records a merge (the drill needs one).
import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { Probot } from 'probot';
import { createTrailmarkApp, type TrailmarkApp } from '../../app/app.js';
import { EnterpriseProbotOctokit } from '../../app/probot-octokit.js';
import type { BackoffPolicy } from '../../app/queue.js';
import { parseSignerKey } from '../../src/ledger/note.js';
import type { RunningSim } from './github-sim.js';

export interface InProcessApp {
  readonly app: TrailmarkApp;
  /** Delivers a `pull_request` webhook built by the simulator from its current state; resolves when its jobs ran. */
  pullRequest(action: 'opened' | 'synchronize' | 'closed', deliveryId: string, merged?: boolean): Promise<void>;
  readonly log: string[];
}

export async function inProcessApp(s: RunningSim, o: { readonly dataDir: string; readonly signerKey: string; readonly now: () => number; readonly publicUrl?: string; readonly backoff?: BackoffPolicy }): Promise<InProcessApp> {
  const privateKey = await readFile(s.info.privateKeyPath, 'utf8');
  const log: string[] = [];
  const probot = new Probot({
    appId: s.info.appId, privateKey, secret: s.info.webhookSecret, baseUrl: `${s.url}/api/v3`,
    Octokit: EnterpriseProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }),
    log: pino({ level: 'info' }, { write: (line: string) => void log.push(line) }),
  });
  const app = createTrailmarkApp({
    settings: {
      dataDir: o.dataDir, signer: parseSignerKey(o.signerKey), apiBaseUrl: `${s.url}/api/v3`, concurrency: 1, webhookPath: '/api/github/webhooks', webhookSecret: s.info.webhookSecret,
      ...(o.publicUrl === undefined ? {} : { publicUrl: o.publicUrl }),
    },
    clock: { now: o.now },
    ...(o.backoff === undefined ? {} : { backoff: o.backoff }),
    // Waits between request retries and job attempts are not slept: the simulator answers at once.
    sleep: () => Promise.resolve(),
    // Ticks only when the test asks (app.weeklyTick), besides the one at start.
    weeklyTimer: () => () => undefined,
  });
  await probot.load(app.appFn, { cwd: o.dataDir, addHandler: () => undefined });
  return {
    app, log,
    pullRequest: async (action, deliveryId, merged = false) => {
      const { payload } = (await s.admin('GET', `/_sim/webhook?event=pull_request&action=${action}${merged ? '&merged=true' : ''}`)) as { payload: object };
      await probot.receive({ id: deliveryId, name: 'pull_request', payload } as Parameters<Probot['receive']>[0]);
      await app.drain();
    },
  };
}
