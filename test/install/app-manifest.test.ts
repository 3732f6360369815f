// app.yml: a valid GitHub App manifest, subscribed to exactly the events the App handles, with
// the permissions docs/app.md justifies, and completed by Probot's real setup flow into a
// manifest GitHub accepts (the page `npm start` serves without credentials).
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../support/github-sim.js';
import { buildInto } from './build.js';
import { manifestSchema } from './manifest-schema.js';
import { freePort, start, until, type Started } from './process.js';

interface Manifest {
  readonly name?: string;
  readonly url?: string;
  readonly description?: string;
  readonly public?: boolean;
  readonly hook_attributes?: { readonly url: string; readonly active?: boolean };
  readonly redirect_url?: string;
  readonly default_events?: readonly string[];
  readonly default_permissions?: Readonly<Record<string, string>>;
}

interface WebhookExample {
  readonly name: string;
  readonly actions: readonly string[];
}

// Delivered to every GitHub App whatever it subscribes to (GitHub docs, "Webhook events and
// payloads": installation), so not part of default_events.
const ALWAYS_DELIVERED = new Set(['installation']);

// The permission GitHub requires to subscribe to each event (GitHub docs, "Webhook events and
// payloads", "To subscribe to this event, a GitHub App must have at least read-level access
// for ..."); issue_comment is listed with Issues, and pull request comments need Pull requests.
const EVENT_PERMISSION: Readonly<Record<string, readonly string[]>> = {
  check_run: ['checks'],
  check_suite: ['checks'],
  issue_comment: ['issues', 'pull_requests'],
  pull_request: ['pull_requests'],
  pull_request_review: ['pull_requests'],
};

const ajv = new Ajv({ allErrors: true, strict: true });
const fileSchema = ajv.compile<Manifest>(manifestSchema({ complete: false }));
// Probot adds `version: "v1"` to what it posts (probot/lib/manifest-creation.js).
const postedSchema = ajv.compile<Manifest>(manifestSchema({ complete: true, extra: { version: { const: 'v1' } } }));

async function appYml(): Promise<Manifest> {
  return parse(await readFile(join(REPO_ROOT, 'app.yml'), 'utf8')) as Manifest;
}

/**
 * The events app/ handles, as `event` or `event.action`: `app.on('…')` registrations, and
 * the `case '<event>':` branches of a dispatcher registered with `app.onAny` (only names that
 * are GitHub webhook events count, so job kinds and other switches are not mistaken for them).
 */
async function handledEvents(eventNames: ReadonlySet<string>): Promise<string[]> {
  const dir = join(REPO_ROOT, 'app');
  const handlers: string[] = [];
  let dispatchers = 0;
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.ts'))) {
    const source = await readFile(join(dir, file), 'utf8');
    const on = [...source.matchAll(/app\.on\(\s*'([a-z_]+(?:\.[a-z_]+)?)'/g)].map((m) => m[1]!);
    // Every registration must have been read: an array or a variable would escape this check.
    expect(on.length, file).toBe(source.split('app.on(').length - 1);
    handlers.push(...on);
    dispatchers += source.split('app.onAny(').length - 1;
    handlers.push(...[...source.matchAll(/\bcase '([a-z_]+)':/g)].map((m) => m[1]!).filter((name) => eventNames.has(name)));
  }
  expect(handlers.length, 'handlers found in app/').toBeGreaterThan(0);
  if (dispatchers > 0) expect(handlers.some((h) => !h.includes('.')), 'the onAny dispatcher\'s events').toBe(true);
  return [...new Set(handlers)];
}

async function webhookExamples(): Promise<readonly WebhookExample[]> {
  const examples: unknown = (await import('@octokit/webhooks-examples')).default;
  return examples as readonly WebhookExample[];
}

/** Every string in the document, with its path. */
function strings(value: unknown, path = ''): [string, string][] {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => strings(v, `${path}.${k}`));
  return [];
}

describe('app.yml', () => {
  test('is a GitHub App manifest with documented parameters only', async () => {
    const manifest = await appYml();
    expect(fileSchema(manifest), JSON.stringify(fileSchema.errors)).toBe(true);
    expect(manifest.name).toBe('trailmark');
    expect(manifest.public).toBe(false);
  });

  test('sets no URL: the hook and redirect URLs are the running server\'s and the homepage is the operator\'s', async () => {
    const manifest = await appYml();
    // A value here replaces the one Probot derives from the request (`...manifest` comes last).
    expect(manifest.hook_attributes).toBeUndefined();
    expect(manifest.redirect_url).toBeUndefined();
    expect(manifest.url).toBeUndefined();
    for (const [path, text] of strings(manifest)) expect(text, path).not.toMatch(/https?:|example\.(com|org|net)|localhost|<|OWNER/);
  });

  test('holds no single quote: Probot puts the manifest in a single-quoted HTML attribute unescaped', async () => {
    for (const [path, text] of strings(await appYml())) expect(text, path).not.toContain("'");
  });

  test('subscribes to exactly the events the App handles, each a real GitHub event and action', async () => {
    const manifest = await appYml();
    const examples = await webhookExamples();
    const handlers = await handledEvents(new Set(examples.map((e) => e.name)));
    for (const handler of handlers) {
      const [event, action] = handler.split('.') as [string, string | undefined];
      const known = examples.find((e) => e.name === event);
      expect(known, `${event} is a GitHub webhook event`).toBeDefined();
      if (action !== undefined) expect(known!.actions, handler).toContain(action);
    }
    const subscribed = new Set(handlers.map((h) => h.split('.')[0]!).filter((e) => !ALWAYS_DELIVERED.has(e)));
    expect([...(manifest.default_events ?? [])].sort()).toEqual([...subscribed].sort());
  });

  test('asks for the permissions docs/app.md justifies, which cover every subscribed event', async () => {
    const manifest = await appYml();
    const doc = await readFile(join(REPO_ROOT, 'docs/app.md'), 'utf8');
    const section = doc.slice(doc.indexOf('### Permissions'), doc.indexOf('\n#', doc.indexOf('### Permissions') + 1));
    const documented = Object.fromEntries([...section.matchAll(/`([a-z_]+): (read|write|admin)`/g)].map((m) => [m[1]!, m[2]!]));
    expect(manifest.default_permissions).toEqual(documented);
    // Least privilege: writes only where the App writes (check runs; command replies).
    const writes = Object.entries(manifest.default_permissions ?? {}).filter(([, level]) => level !== 'read').map(([name]) => name).sort();
    expect(writes).toEqual(['checks', 'issues']);
    for (const event of manifest.default_events ?? []) {
      const needs = EVENT_PERMISSION[event];
      expect(needs, `${event} has a known permission`).toBeDefined();
      expect(needs!.some((p) => manifest.default_permissions?.[p] !== undefined), event).toBe(true);
    }
  });
});

describe('Probot setup flow (`npm start` without credentials)', () => {
  let dir: string;
  let server: Started;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trailmark-setup-'));
    await buildInto(dir);
    await copyFile(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
    await copyFile(join(REPO_ROOT, 'app.yml'), join(dir, 'app.yml'));
    await mkdir(join(dir, 'data'));
    port = await freePort();
    // As `npm start` in a checkout, outside production; NO_SMEE_SETUP keeps Probot off smee.io.
    server = start(process.execPath, ['dist/lib/app/start.js'], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, PORT: String(port), HOST: '127.0.0.1', NO_SMEE_SETUP: 'true', LOG_LEVEL: 'warn', TRAILMARK_DATA_DIR: join(dir, 'data') },
    });
    await until(server, async () => ((await fetch(`http://127.0.0.1:${port}/probot`)).ok ? true : undefined));
  });

  afterAll(async () => {
    await server?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /** The manifest the setup page would post to GitHub, as if served at https://trailmark.example.com. */
  async function posted(): Promise<Manifest> {
    const res = await fetch(`http://127.0.0.1:${port}/probot`, { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'trailmark.example.com' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    const value = /name="manifest" id="manifest" value='([^']*)'/.exec(html);
    expect(value, html).not.toBeNull();
    return JSON.parse(value![1]!) as Manifest;
  }

  test('posts app.yml completed with the server\'s own URLs', async () => {
    const manifest = await posted();
    const file = await appYml();
    expect(manifest.default_events).toEqual(file.default_events);
    expect(manifest.default_permissions).toEqual(file.default_permissions);
    expect(manifest.description).toBe(file.description);
    expect(manifest.public).toBe(false);
    expect(manifest.redirect_url).toBe('https://trailmark.example.com/probot/setup');
    // Probot's derived hook URL is the server's root; the server takes webhooks at
    // /api/github/webhooks, which docs/deploy.md says to set after registering.
    expect(manifest.hook_attributes).toEqual({ url: 'https://trailmark.example.com/' });
  });

  test('needs the homepage url that docs/deploy.md says to add; with it GitHub\'s parameters are met', async () => {
    const without = await posted();
    expect(postedSchema(without)).toBe(false);
    expect(postedSchema.errors?.map((e) => e.params)).toContainEqual({ missingProperty: 'url' });
    const deploy = await readFile(join(REPO_ROOT, 'docs/deploy.md'), 'utf8');
    // The command docs/deploy.md gives: echo 'url: …' >> app.yml
    const command = /echo '(url: (https:\/\/github\.com\/[^'\s]+))' >> app\.yml/.exec(deploy);
    expect(command, 'docs/deploy.md shows the url line to add to app.yml').not.toBeNull();
    await writeFile(join(dir, 'app.yml'), `${await readFile(join(REPO_ROOT, 'app.yml'), 'utf8')}${command![1]}\n`);
    const manifest = await posted();
    expect(postedSchema(manifest), JSON.stringify(postedSchema.errors)).toBe(true);
    expect(manifest.url).toBe(command![2]);
  });
});
