// The access route in process over a real HTTP server, with its ports as small fakes that
// record what they are asked: several repositories (all or nothing), an audit append that
// fails (nothing served), an App without a signing key (503).
import { createServer, type Server } from 'node:http';
import { afterEach, expect, test } from 'vitest';
import { accessRoute, type AccessRouteDependencies, type AccessViews } from '../../app/access-route.js';
import type { AccessEvent, RepositoryRole } from '../../src/engine/access.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

function views(): AccessViews & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    dashboard: (req) => (calls.push(`dashboard ${req.repositories.join(' ')} ledgers ${req.ledgers.map((l) => l.installationId).join(',')}`), Promise.resolve({ html: '<script>x()</script>', results: 3 })),
    report: (req, format) => (calls.push(`report ${format}`), Promise.resolve({ body: '{}', contentType: 'application/json', results: 1 })),
    blame: () => (calls.push('blame'), Promise.resolve({ body: { matches: [] }, results: 0 })),
  };
}

async function serve(overrides: Partial<AccessRouteDependencies>, roles: Readonly<Record<string, RepositoryRole>>): Promise<{ url: string; audited: { id: number; event: AccessEvent }[] }> {
  const audited: { id: number; event: AccessEvent }[] = [];
  const deps: AccessRouteDependencies = {
    identify: () => Promise.resolve({ ok: true, login: 'mona', token: 'ghu_x' }),
    installationOf: (owner) => Promise.resolve(owner === 'acme' ? 1 : owner === 'octo' ? 2 : null),
    roleOf: (_id, owner, repo) => Promise.resolve(roles[`${owner}/${repo}`] ?? 'none'),
    auditorsTeam: null,
    audit: (id, event) => (audited.push({ id, event }), Promise.resolve()),
    ledgerDir: (id) => `/data/installations/${id}/ledger`,
    views: views(),
    signInEnabled: false,
    log: () => undefined,
    ...overrides,
  };
  const route = accessRoute(deps);
  const server = createServer((req, res) => {
    if (!route(req, res)) res.writeHead(404).end();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}`, audited };
}

test('a dashboard over repositories of two installations is served only when every one is allowed; each is audited in its own installation ledger', async () => {
  const v = views();
  const ok = await serve({ views: v }, { 'acme/widgets': 'admin', 'octo/api': 'maintain' });
  const res = await fetch(`${ok.url}/trailmark/dashboard?repo=acme/widgets&repo=octo/api`);
  expect(res.status).toBe(200);
  expect(v.calls).toEqual(['dashboard acme/widgets octo/api ledgers 1,2']);
  expect(ok.audited.map((a) => [a.id, a.event.repository, a.event.allowed, a.event.reason, a.event.results])).toEqual([[1, 'acme/widgets', true, 'role:admin', 3], [2, 'octo/api', true, 'role:maintain', 3]]);

  const v2 = views();
  const refused = await serve({ views: v2 }, { 'acme/widgets': 'admin', 'octo/api': 'write' });
  const res2 = await fetch(`${refused.url}/trailmark/dashboard?repo=acme/widgets,octo/api`);
  expect(res2.status).toBe(403);
  expect(await res2.text()).toContain('mona needs admin or maintain on octo/api');
  expect(v2.calls).toEqual([]);
  expect(refused.audited.map((a) => [a.id, a.event.repository, a.event.allowed, a.event.reason, a.event.results])).toEqual([[1, 'acme/widgets', false, 'refused-with-other-repositories', 0], [2, 'octo/api', false, 'role:write', 0]]);
});

test('when the access entry cannot be appended nothing is served (500)', async () => {
  const { url } = await serve({ audit: () => Promise.reject(new Error('disk full')) }, { 'acme/widgets': 'admin' });
  const res = await fetch(`${url}/trailmark/api/report?repo=acme/widgets`);
  expect(res.status).toBe(500);
  expect(await res.text()).toBe('{"error":"the request failed; nothing was served"}\n');
});

test('without a signing key (no views) the routes answer 503 and ask no one', async () => {
  const asked: string[] = [];
  const { url, audited } = await serve({ views: undefined, identify: () => (asked.push('identify'), Promise.resolve({ ok: false, reason: 'no-credentials', login: null })) }, {});
  const res = await fetch(`${url}/trailmark/api/blame?repo=acme/widgets&path=a.ts&start=1`);
  expect(res.status).toBe(503);
  expect(asked).toEqual([]);
  expect(audited).toEqual([]);
});

test('the auditors team admits a reader, and is asked with the repository\'s installation', async () => {
  const asked: string[] = [];
  const { url, audited } = await serve({ auditorsTeam: { name: 'acme/auditors', member: (id, login) => (asked.push(`${id} ${login}`), Promise.resolve(true)) } }, { 'acme/widgets': 'read' });
  expect((await fetch(`${url}/trailmark/api/report?repo=acme/widgets&format=markdown`)).status).toBe(200);
  expect(asked).toEqual(['1 mona']);
  expect(audited.map((a) => a.event.reason)).toEqual(['auditors-team:acme/auditors']);
});
