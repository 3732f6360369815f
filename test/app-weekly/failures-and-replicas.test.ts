// `analysis.failed` entries for analyses that fail for good, and the weekly issue written by two
// writers that share nothing (two data directories): both on the simulator.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renderWeeklyReport, signedReportSource } from '../../src/engine/weekly-report.js';
import { createGitHubClient } from '../../src/github/client.js';
import { ISSUE_BODY_MAX_CHARS, reportIssueBody, reportIssueMarker, upsertReportIssue } from '../../src/github/report-issue.js';
import type { Entry as LedgerEntry } from '../../src/ledger/entry.js';
import { generateNoteKey, parseSignerKey } from '../../src/ledger/note.js';
import { readEntries } from '../../src/ledger/read.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { simUnavailable, startSim, type RunningSim } from '../support/github-sim.js';
import { inProcessApp } from '../support/in-process-app.js';

describe('reportIssueBody', () => {
  const t = { owner: 'acme', repo: 'widgets', week: '2026-W49' };
  test('starts with the marker; a body over the limit is cut at a line, an open fence closed, the cut said', () => {
    expect(reportIssueBody(t, '# Report\n', 'more').startsWith(`${reportIssueMarker(t)}\n# Report`)).toBe(true);
    const long = `# Report\n\n\`\`\`mermaid\n${'xychart-beta\n'.repeat(10_000)}\`\`\`\n`;
    const body = reportIssueBody(t, long, 'The whole report: https://x.example/d');
    expect(body.length).toBeLessThanOrEqual(ISSUE_BODY_MAX_CHARS);
    expect(body).toMatch(/xychart-beta\n```\n\n_The report was cut to GitHub's 65,536-character issue limit\. The whole report: https:\/\/x\.example\/d_\n$/);
  });
  test('refuses names that could forge the marker', () => {
    expect(() => reportIssueMarker({ owner: 'acme', repo: 'w -->', week: '2026-W49' })).toThrow(/not a GitHub repository name/);
    expect(() => reportIssueMarker({ ...t, week: '2026-W54' })).toThrow(/not an ISO week/);
  });
});

const unavailable = simUnavailable();

describe.skipIf(unavailable !== undefined)('on the simulator', () => {
  let dir: string;
  let signerKey: string;
  const sims: RunningSim[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trailmark-weekly-failures-'));
    signerKey = generateNoteKey('example.com/trailmark-failures', randomBytes(32)).signerKey;
  });
  afterAll(async () => {
    for (const s of sims) await s.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('an analysis that fails for good appends one analysis.failed entry (head, attempts, error without payload)', async () => {
    const s = await startSim({ scenario: 'basic' });
    sims.push(s);
    const dataDir = await mkdtemp(join(dir, 'data-'));
    const app = await inProcessApp(s, { dataDir, signerKey, now: () => Date.parse('2026-12-02T10:00:00Z'), backoff: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    await s.admin('POST', '/_sim/faults', { match: { operationId: 'pulls/get' }, kind: 'status', status: 502, times: -1 });
    await app.pullRequest('opened', 'fail-1');
    await app.pullRequest('opened', 'fail-2');
    const entries: LedgerEntry[] = [];
    for await (const e of readEntries(openDirStore(join(dataDir, 'installations', '31337', 'ledger')))) entries.push(e.entry);
    const failed = entries.filter((e) => e.kind === 'analysis.failed');
    const { pullRequest } = (await s.state()) as { pullRequest: { headSha: string } };
    // Two deliveries, the same head, failed twice for good: one entry.
    expect(failed).toHaveLength(1);
    expect(failed[0]!.body).toMatchObject({
      schema: 'trailmark.analysis-failed/v1', repository: 'acme/widgets', pullRequest: 12, head: pullRequest.headSha, attempts: 2,
      job: `analysis-failed:31337/acme/widgets#12@${pullRequest.headSha}`,
    });
    expect((failed[0]!.body as unknown as { error: string }).error).toMatch(/502/);
    expect(entries.filter((e) => e.kind === 'change.analyzed')).toHaveLength(0);
    // The week's report lists it among its provenance gaps (and is due although nothing was analyzed).
    const rendered = await renderWeeklyReport(signedReportSource(openDirStore(join(dataDir, 'installations', '31337', 'ledger')), parseSignerKey(signerKey), 'installation 31337'), {
      repository: 'acme/widgets', week: '2026-W49', clock: { now: () => Date.parse('2026-12-09T10:00:00Z') }, maxChars: 60_000,
    });
    expect(rendered?.model.provenance.gaps.filter((g) => g.kind === 'analysis-failed')).toHaveLength(1);
    expect(rendered?.markdown).toContain('acme/widgets');
  });

  test('two writers with nothing shared (two data directories) at the same moment: one open issue for the week', async () => {
    const s = await startSim({ scenario: 'basic' });
    sims.push(s);
    const { token } = (await s.admin('POST', '/_sim/tokens', { kind: 'installation' })) as { token: string };
    const client = () => createGitHubClient({ token, baseUrl: `${s.url}/api/v3`, sleep: () => Promise.resolve() });
    const t = { owner: 'acme', repo: 'widgets', week: '2026-W49' };
    const [a, b] = await Promise.all([
      upsertReportIssue(client(), { ...t, body: reportIssueBody(t, '# Report A\n', '') }),
      upsertReportIssue(client(), { ...t, body: reportIssueBody(t, '# Report B\n', '') }),
    ]);
    const marker = reportIssueMarker(t);
    const { issues } = (await s.state()) as { issues: { number: number; state: string; body: string | null }[] };
    const open = issues.filter((i) => (i.body ?? '').startsWith(`${marker}\n`));
    expect(open).toHaveLength(1);
    expect(open[0]!.state).toBe('open');
    expect(a.issue).toBe(open[0]!.number);
    expect(b.issue).toBe(open[0]!.number);
    // A copy, if the two did create concurrently, is closed as a duplicate and no longer carries the marker.
    for (const other of issues.filter((i) => i.number !== open[0]!.number && (i.body ?? '').includes('weekly-report-duplicate'))) expect(other.state).toBe('closed');
    // Each created copy beyond the kept one is closed as a duplicate (both writers usually create: they list at once).
    const created = (await s.requests()).filter((r) => r.operationId === 'issues/create').length;
    expect(issues.filter((i) => (i.body ?? '').includes('weekly-report-duplicate') && i.state === 'closed')).toHaveLength(created - 1);
    // Afterwards a writer finds the issue and does not create.
    const again = await upsertReportIssue(client(), { ...t, body: reportIssueBody(t, '# Report C\n', '') });
    expect(again).toMatchObject({ issue: open[0]!.number, action: 'updated' });
    const unchanged = await upsertReportIssue(client(), { ...t, body: reportIssueBody(t, '# Report C\n', '') });
    expect(unchanged).toMatchObject({ issue: open[0]!.number, action: 'unchanged' });
  });
});
