// The review use case with in-memory ports: every decision the adapters share (policy and its
// fallback, fail-on, conclusion, title, ledger notes, idempotent append, failures that never
// hide findings). The ledger is real (MemoryStore, real Ed25519); the analysis is the real
// engine on a patch, or a fixed result where a decision needs particular counts.
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { DEFAULT_POLICY } from '../../src/core/policy.js';
import type { CheckOutput, PolicyLookup, PolicySource } from '../../src/core/ports.js';
import type { ChangeSet, Finding, ScanResult, ScanSummary } from '../../src/core/types.js';
import { changeSetFromPatch } from '../../src/diff/patch-source.js';
import { analysisKey, blockingOf, review, titleOf, type ReviewLedger, type ReviewPorts } from '../../src/engine/review.js';
import { openLedger, type AppendResult, type EntryDraft } from '../../src/ledger/log.js';
import { readEntries } from '../../src/ledger/read.js';
import { MemoryStore } from '../../src/ledger/store/memory.js';
import { fixedClock, ORIGIN, seededRandom, testKey } from '../ledger/fixtures.js';

const PATCH = `diff --git a/src/sum.ts b/src/sum.ts
new file mode 100644
--- /dev/null
+++ b/src/sum.ts
@@ -0,0 +1,3 @@
+export function sum(a: number, b: number): number {
+  return a + b;
+}
`;

const changes = (cs: ChangeSet = { ...changeSetFromPatch(PATCH), base: 'b'.repeat(40), head: 'h'.repeat(40) }) => ({ load: () => Promise.resolve(cs) });
const found = (text: string, source: string): PolicyLookup => ({ found: true, text, source });
const missing = (why: string): PolicyLookup => ({ found: false, why });
const policies = (own: PolicyLookup, org?: PolicyLookup | Error): PolicySource => ({
  atBase: () => Promise.resolve(own),
  ...(org === undefined ? {} : { organization: () => (org instanceof Error ? Promise.reject(org) : Promise.resolve(org)) }),
});

function finding(kind: Finding['kind'], i: number): Finding {
  return { kind, path: `src/f${i}.ts`, startLine: 1, endLine: 2, level: kind === 'contradicted' ? 'warning' : 'notice', message: `${kind} ${i}`, score: 0.9 };
}

function summary(unattested: number, contradicted: number): ScanSummary {
  return {
    files: 1, hunks: unattested + contradicted, addedLines: 3, commits: 1,
    verdicts: { attested: 0, unattested, contradicted, clear: 0, uncertain: 0, skipped: 0 },
    findings: { unattested, contradicted, 'approval-drift': 0 }, evidence: { recorded: 0, declared: 0, stamped: 0, inferred: unattested + contradicted },
    thresholds: { low: 0.5, high: 0.8 }, policyVersion: 'default-1', modelVersion: 'm', detectors: [], omissions: [],
  };
}

/** A fixed analysis with `u` unattested and `c` contradicted findings. */
function fixed(u: number, c: number): ReviewPorts['analyze'] {
  return (cs) => Promise.resolve<ScanResult>({
    schema: 'trailmark.scan/v1', base: cs.base, head: cs.head, summary: summary(u, c), hunks: [],
    findings: [...Array.from({ length: u }, (_, i) => finding('unattested', i)), ...Array.from({ length: c }, (_, i) => finding('contradicted', u + i))],
  });
}

/** A real ledger on a MemoryStore; appendOnce scans committed bodies for the key. */
async function memoryLedger(): Promise<ReviewLedger & { store: MemoryStore }> {
  const store = new MemoryStore();
  const key = testKey();
  const ledger = await openLedger({ store, signer: key.signer, origin: ORIGIN, clock: fixedClock(), random: seededRandom() });
  return {
    store, location: 'memory', origin: ORIGIN,
    appendOnce: async (k: string, drafts: readonly EntryDraft[]): Promise<AppendResult | null> => {
      for await (const e of readEntries(store)) if ((e.entry.body as { job?: unknown }).job === k) return null;
      return ledger.append(drafts);
    },
  };
}

function recordingChecks(): { published: CheckOutput[]; publish(c: CheckOutput): Promise<{ published: true; url: string; requests: number }> } {
  const published: CheckOutput[] = [];
  return { published, publish: (c) => { published.push(c); return Promise.resolve({ published: true, url: 'u', requests: 1 }); } };
}

const request = { key: (p: Parameters<typeof analysisKey>[3], c: { base: string | null; head: string | null }) => analysisKey('test:acme/widgets#1', c.base, c.head, p), repository: 'acme/widgets', pullRequest: 1 };

describe('fail-on, conclusion and title: one decision for every adapter', () => {
  test.each([
    // failOn, unattested, contradicted -> failing, fails
    ['none', 3, 2, 0, false],
    ['unattested', 0, 0, 0, false],
    ['unattested', 2, 0, 2, true],
    ['unattested', 0, 1, 1, true], // contradicted hunks count under `unattested` too
    ['unattested', 2, 1, 3, true],
    ['contradicted', 2, 0, 0, false],
    ['contradicted', 0, 2, 2, true],
  ] as const)('fail-on %s with %i unattested, %i contradicted: %i failing', (failOn, u, c, failing, fails) => {
    const b = blockingOf(summary(u, c), failOn);
    expect(b.failing).toBe(failing);
    expect(b.failure !== undefined).toBe(fails);
  });

  test('the workflow fail-on overrides the policy; `none` leaves the policy in force', async () => {
    const policy = policies(found('fail-on: contradicted\n', '.github/trailmark.yml@base'));
    const checks = recordingChecks();
    const byPolicy = await review({ changes: changes(), policy, ledger: { off: 'switched-off' }, checks, analyze: fixed(1, 1) }, { ...request, failOn: 'none' });
    const byInput = await review({ changes: changes(), policy, ledger: { off: 'switched-off' }, checks, analyze: fixed(1, 0) }, { ...request, failOn: 'unattested' });
    const neither = await review({ changes: changes(), policy, ledger: { off: 'switched-off' }, checks, analyze: fixed(1, 0) }, request);
    expect(checks.published.map((c) => c.conclusion)).toEqual(['failure', 'failure', 'neutral']);
    expect(byPolicy.status === 'reviewed' && byPolicy.failure).toBe('1 contradicted hunks (fail-on: contradicted)');
    expect(byInput.status === 'reviewed' && byInput.failure).toBe('1 unattested and 0 contradicted hunks (fail-on: unattested)');
    expect(neither.status === 'reviewed' && neither.failure).toBeUndefined();
  });

  test('titles', async () => {
    const none = await fixed(0, 0)!(changeSetFromPatch(PATCH), { policy: DEFAULT_POLICY });
    const some = await fixed(2, 1)!(changeSetFromPatch(PATCH), { policy: DEFAULT_POLICY });
    expect(titleOf(none)).toBe('No undeclared AI-generated changes found');
    expect(titleOf(some)).toBe('2 unattested, 1 contradicted');
  });
});

test('analysis keys: the same change under the same policy is the same key; a long key becomes a digest, never a cut', () => {
  const policy = { ...DEFAULT_POLICY, version: 'v1' };
  expect(analysisKey('action:acme/widgets#1', 'a', 'b', policy)).toBe('analysis:action:acme/widgets#1:a..b:v1');
  expect(analysisKey('action:acme/widgets#1', 'a', 'b', { ...policy, version: 'v2' })).not.toBe(analysisKey('action:acme/widgets#1', 'a', 'b', policy));
  const long = (v: string) => analysisKey(`action:${'o'.repeat(100)}/${'r'.repeat(100)}#1`, 'a'.repeat(40), 'b'.repeat(40), { ...policy, version: v });
  expect(long('v1')).toMatch(/^analysis:sha256:[0-9a-f]{64}$/);
  expect(long('v1')).not.toBe(long('v2'));
});

describe('the policy: base revision, then the organization, then the defaults', () => {
  test('the repository policy at the base wins and the organization is not asked', async () => {
    let asked = false;
    const source: PolicySource = { atBase: () => Promise.resolve(found('policy-version: repo-7\n', '.github/trailmark.yml@b')), organization: () => { asked = true; return Promise.resolve(missing('x')); } };
    const out = await review({ changes: changes(), policy: source, ledger: { off: 'switched-off' } }, request);
    expect(out.status === 'reviewed' && out.policy.version).toBe('repo-7');
    expect(asked).toBe(false);
  });

  test('no repository policy: the organization\'s, with the reason in the notes', async () => {
    const out = await review({ changes: changes(), policy: policies(missing('no file at b'), found('policy-version: org-3\n', 'acme/.github:.github/trailmark.yml')), ledger: { off: 'switched-off' } }, request);
    expect(out.status === 'reviewed' && [out.policy.version, out.policySource]).toEqual(['org-3', 'acme/.github:.github/trailmark.yml']);
    expect(out.notes).toContain('no repository policy: no file at b');
  });

  test('neither: the defaults, and the notes say why for both', async () => {
    const out = await review({ changes: changes(), policy: policies(missing('no file at b'), missing('not readable with this token (HTTP 403)')), ledger: { off: 'switched-off' } }, request);
    expect(out.status === 'reviewed' && out.policy.version).toBe('default-1');
    expect(out.notes).toEqual(expect.arrayContaining(['no repository policy: no file at b', 'no organization policy: not readable with this token (HTTP 403)']));
  });

  test('an invalid policy: a neutral check on the head that says so, nothing analyzed, the run fails', async () => {
    const checks = recordingChecks();
    let analyzed = false;
    const out = await review({ changes: changes(), policy: policies(found('thresholds: 7\n', '.github/trailmark.yml@b')), ledger: { off: 'switched-off' }, checks, analyze: () => { analyzed = true; return Promise.reject(new Error('unreachable')); } }, { ...request, headSha: 'h'.repeat(40) });
    expect(out.status).toBe('invalid-policy');
    expect(out.status === 'invalid-policy' && out.error).toBeInstanceOf(ConfigError);
    expect(analyzed).toBe(false);
    expect(checks.published).toHaveLength(1);
    expect(checks.published[0]).toMatchObject({ headSha: 'h'.repeat(40), conclusion: 'neutral', title: 'Invalid trailmark configuration' });
    expect(out.failure).toMatch(/^invalid configuration: /);
  });
});

describe('the ledger', () => {
  test('appended once per analysis key: the key is in the change entry; a re-run says so and appends nothing', async () => {
    const ledger = await memoryLedger();
    const checks = recordingChecks();
    const ports: ReviewPorts = { changes: changes(), policy: policies(missing('none')), ledger, checks };
    const first = await review(ports, request);
    const again = await review(ports, request);
    if (first.status !== 'reviewed' || again.status !== 'reviewed') throw new Error('not reviewed');
    expect(first.ledger.appended).toBe(true);
    expect(first.ledger.ref?.checkpoint).toBeDefined();
    expect(first.check.summary).toContain(first.ledger.ref!.checkpoint.split('\n')[2]!);
    expect(again.ledger.appended).toBe(false);
    expect(again.check.summary).toContain('this analysis is already recorded');
    const bodies: unknown[] = [];
    for await (const e of readEntries(ledger.store)) bodies.push(e.entry.body);
    const key = `analysis:test:acme/widgets#1:${'b'.repeat(40)}..${'h'.repeat(40)}:default-1`;
    expect(bodies.filter((b) => (b as { job?: string }).job === key)).toHaveLength(1);
    expect(bodies).toHaveLength(first.ledger.ref!.size);
  });

  test('a ledger failure never hides the findings: the check is published, then the run fails with the reason', async () => {
    const checks = recordingChecks();
    const broken: ReviewLedger = { location: 'acme/widgets@trailmark-ledger', origin: ORIGIN, appendOnce: () => Promise.reject(new Error('403 Resource not accessible by integration')) };
    const out = await review({ changes: changes(), policy: policies(missing('none')), ledger: broken, checks, analyze: fixed(1, 0) }, request);
    if (out.status !== 'reviewed') throw new Error('not reviewed');
    expect(checks.published).toHaveLength(1);
    expect(checks.published[0]!.conclusion).toBe('neutral');
    expect(checks.published[0]!.summary).toContain('**The ledger was not written**');
    expect(out.failure).toBe('the ledger was not written: 403 Resource not accessible by integration');
  });

  test.each([
    [{ off: 'no-signing-key', help: 'Add a key.' }, 'The ledger was not written: no signing key was given. Add a key.'],
    [{ off: 'read-only-token' }, 'this run has a read-only token (a pull request from a fork)'],
    [{ off: 'switched-off' }, 'The ledger is switched off.'],
  ] as const)('ledger off (%o): the summary says why', async (off, text) => {
    const out = await review({ changes: changes(), policy: policies(missing('none')), ledger: off }, request);
    expect(out.status === 'reviewed' && out.check.summary).toContain(text);
  });

  test('the repository policy switches the ledger off whatever the adapter has', async () => {
    const ledger = await memoryLedger();
    let asked = false;
    const out = await review({ changes: changes(), policy: policies(found('ledger:\n  enabled: false\n', 'p')), ledger: () => { asked = true; return ledger; } }, request);
    expect(out.status === 'reviewed' && out.check.summary).toContain('The ledger is switched off by the repository policy.');
    expect(asked).toBe(false);
    expect((await ledger.store.tail()).size).toBe(0);
  });
});

test('the real analysis: a check on the head with the engine\'s conclusion, title and annotations', async () => {
  const checks = recordingChecks();
  const out = await review({ changes: changes(), policy: policies(missing('none')), ledger: { off: 'switched-off' }, checks }, { ...request, headSha: 'h'.repeat(40) });
  if (out.status !== 'reviewed') throw new Error('not reviewed');
  const check = checks.published[0]!;
  expect(check).toMatchObject({ name: 'trailmark', headSha: 'h'.repeat(40), title: titleOf(out.result) });
  expect(check.conclusion).toBe(out.result.findings.length > 0 ? 'neutral' : 'success');
  expect(check.annotations).toHaveLength(out.result.findings.filter((f) => f.path !== '').length);
  expect(out.result.summary.files).toBe(1);
});

test('a calibrated operating point replaces the policy thresholds, and the summary and notes say why', async () => {
  const checks = recordingChecks();
  const calibration = { thresholds: { low: 0.6, high: 0.71 }, reason: 'high raised from 0.63 to 0.71 so that at most 1% of <b>this</b> repository\'s 300 unattested hunks are flagged' };
  const out = await review({ changes: changes(), policy: policies(missing('none')), ledger: { off: 'switched-off' }, checks }, { ...request, headSha: 'h'.repeat(40), calibration });
  if (out.status !== 'reviewed') throw new Error('not reviewed');
  expect(out.result.summary.thresholds).toEqual({ low: 0.6, high: 0.71 });
  const summary = checks.published[0]!.summary;
  expect(summary).toContain("Operating point calibrated from this repository's ledger: high raised from 0.63 to 0.71");
  expect(summary).not.toContain('<b>');
  expect(out.notes.some((n) => n.startsWith('thresholds calibrated for this repository: high raised'))).toBe(true);
});
