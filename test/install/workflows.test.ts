// The repository's own workflows and the README's workflow examples, read as GitHub reads
// them (YAML): trailmark runs on its own pull requests through `uses: ./` with the history
// checked out, least permissions, third-party actions pinned to full commit SHAs, and inputs
// that action.yml declares; CI runs .ci/run's checks on Node 20 and 24.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT, simScript, simUnavailable, startSim } from '../support/github-sim.js';

interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, unknown>>;
  readonly if?: string;
}
interface Job {
  readonly 'runs-on': unknown;
  readonly permissions?: unknown;
  readonly strategy?: { readonly matrix?: Readonly<Record<string, unknown>> };
  readonly steps: readonly Step[];
}
interface Workflow {
  readonly name?: string;
  readonly on: Readonly<Record<string, { readonly types?: readonly string[]; readonly branches?: readonly string[] } | null>>;
  readonly permissions?: Readonly<Record<string, string>>;
  readonly jobs: Readonly<Record<string, Job>>;
}

const WORKFLOWS = join(REPO_ROOT, '.github/workflows');

// The permission names a workflow's `permissions` accepts (GitHub docs, "Workflow syntax for
// GitHub Actions", permissions).
const PERMISSIONS = new Set(['actions', 'attestations', 'checks', 'contents', 'deployments', 'discussions', 'id-token', 'issues', 'models', 'packages', 'pages', 'pull-requests', 'repository-projects', 'security-events', 'statuses']);

async function workflow(name: string): Promise<{ text: string; doc: Workflow }> {
  const text = await readFile(join(WORKFLOWS, name), 'utf8');
  return { text, doc: parse(text) as Workflow };
}

async function actionInputs(): Promise<Record<string, { description: string; default?: string }>> {
  const action = parse(await readFile(join(REPO_ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { description: string; default?: string }> };
  return action.inputs;
}

/** Checks every workflow shares: structure, permission names, pinned third-party actions. */
function checkShape(file: string, text: string, doc: Workflow): void {
  expect(Object.keys(doc.on).length, file).toBeGreaterThan(0);
  for (const [name, level] of Object.entries(doc.permissions ?? {})) {
    expect(PERMISSIONS.has(name), `${file}: permission ${name}`).toBe(true);
    expect(['read', 'write', 'none'], `${file}: ${name}`).toContain(level);
  }
  for (const [id, job] of Object.entries(doc.jobs)) {
    expect(job['runs-on'], `${file}: ${id} runs-on`).toBeDefined();
    // Jobs inherit the workflow's permissions; none widens them.
    expect(job.permissions, `${file}: ${id} permissions`).toBeUndefined();
    expect(job.steps.length).toBeGreaterThan(0);
    for (const step of job.steps) {
      expect((step.uses === undefined) !== (step.run === undefined), `${file}: ${id}: a step has uses or run`).toBe(true);
      if (step.uses === undefined || step.uses.startsWith('./')) continue;
      // Third-party actions by full commit SHA, the release named in a comment on the same line.
      expect(step.uses, file).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      expect(text, `${file}: ${step.uses} names its release`).toMatch(new RegExp(`uses: ${step.uses} # v\\d+\\.\\d+\\.\\d+\\n`));
    }
  }
}

describe('.github/workflows', () => {
  test('every workflow is well formed, least-privileged and pins its actions', async () => {
    const files = (await readdir(WORKFLOWS)).filter((f) => /\.ya?ml$/.test(f)).sort();
    expect(files).toEqual(['ci.yml', 'trailmark.yml']);
    for (const file of files) {
      const { text, doc } = await workflow(file);
      checkShape(file, text, doc);
    }
  });

  test('trailmark.yml runs this repository\'s Action on its pull requests, after a full checkout', async () => {
    const { doc } = await workflow('trailmark.yml');
    // `./` is the pull request's own code: never with pull_request_target's privileged token.
    expect(Object.keys(doc.on)).toEqual(['pull_request']);
    expect(doc.on.pull_request?.types).toEqual(expect.arrayContaining(['opened', 'synchronize', 'reopened', 'ready_for_review']));
    const steps = Object.values(doc.jobs).flatMap((j) => j.steps);
    const own = steps.findIndex((s) => s.uses === './');
    expect(own).toBeGreaterThan(0);
    const checkout = steps.findIndex((s) => s.uses?.startsWith('actions/checkout@') === true);
    expect(checkout).toBeGreaterThanOrEqual(0);
    expect(checkout).toBeLessThan(own);
    expect(steps[checkout]!.with).toMatchObject({ 'fetch-depth': 0, 'persist-credentials': false });
    // Nothing else runs between the checkout and the Action.
    expect(steps.filter((s) => s.run !== undefined)).toEqual([]);
    const inputs = await actionInputs();
    for (const input of Object.keys(steps[own]!.with ?? {})) expect(Object.keys(inputs), input).toContain(input);
  });

  test('trailmark.yml asks for exactly what action.yml says the token needs without a ledger', async () => {
    const { doc } = await workflow('trailmark.yml');
    const inputs = await actionInputs();
    const needs = [...inputs['github-token']!.description.matchAll(/`([a-z-]+): (read|write)`/g)].map((m) => [m[1]!, m[2]!] as const);
    // action.yml: `contents: write` only for the ledger branch, which needs a signing key.
    const withoutLedger = Object.fromEntries(needs.filter(([name, level]) => !(name === 'contents' && level === 'write')));
    expect(doc.permissions).toEqual(withoutLedger);
    const own = Object.values(doc.jobs).flatMap((j) => j.steps).find((s) => s.uses === './')!;
    expect(own.with?.['signing-key']).toBeUndefined();
    expect(own.with?.['github-token']).toBeUndefined();
  });

  test('ci.yml runs .ci/run\'s checks on Node 20 and 24 with a read-only token', async () => {
    const { doc } = await workflow('ci.yml');
    expect(doc.permissions).toEqual({ contents: 'read' });
    expect(Object.keys(doc.on).sort()).toEqual(['pull_request', 'push']);
    const [job] = Object.values(doc.jobs);
    expect(job!.strategy?.matrix?.node).toEqual([20, 24]);
    const setup = job!.steps.find((s) => s.uses?.startsWith('actions/setup-node@') === true);
    expect(setup?.with?.['node-version']).toBe('${{ matrix.node }}');
    const runs = job!.steps.flatMap((s) => (s.run === undefined ? [] : [s.run]));
    const ciRun = await readFile(join(REPO_ROOT, '.ci/run'), 'utf8');
    for (const command of ['npm run typecheck', 'npm run lint', 'npm test']) {
      expect(ciRun, `.ci/run runs ${command}`).toContain(command);
      expect(runs, command).toContain(command);
    }
    expect(runs[0]).toMatch(/^npm ci\b/);
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    // The rest of `npm run check`: build, bundle, generated files unchanged.
    expect(runs).toContain(pkg.scripts.check!.split(' && ').filter((c) => !['npm run typecheck', 'npm run lint', 'npm test'].includes(c)).join(' && '));
  });
});

describe('trailmark.yml, run', () => {
  test('its `uses: ./` step, with its permissions and inputs, publishes the check run on the pull request head', async (ctx) => {
    const unavailable = simUnavailable();
    if (unavailable !== undefined) return ctx.skip(unavailable);
    const { doc } = await workflow('trailmark.yml');
    const step = Object.values(doc.jobs).flatMap((j) => j.steps).find((s) => s.uses === './')!;
    const permissions = Object.entries(doc.permissions ?? {}).map(([name, level]) => `${name}=${level}`).join(',');
    const inputs = Object.entries(step.with ?? {}).flatMap(([name, value]) => ['--input', `${name}=${String(value)}`]);
    const sim = await startSim({ scenario: 'basic' });
    const out = await mkdtemp(join(tmpdir(), 'trailmark-workflow-run-'));
    try {
      // run-action.mjs does what the runner does for `uses: ./`: reads action.yml in the
      // checkout, mints a GITHUB_TOKEN with exactly these permissions, runs runs.main.
      const r = await simScript('run-action.mjs', ['--action', REPO_ROOT, '--sim', sim.url, '--out-dir', out, '--event', Object.keys(doc.on)[0]!, '--action-type', 'opened', '--permissions', permissions, ...inputs]);
      const result = JSON.parse(await readFile(join(out, 'result.json'), 'utf8')) as { exitCode: number; violations: unknown[] };
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(result.exitCode).toBe(0);
      expect(result.violations).toEqual([]);
      expect(await sim.violations()).toEqual([]);
      const { checkRuns } = (await sim.state()) as { checkRuns: { name: string; status: string; attachedTo: string; app: string }[] };
      expect(checkRuns).toEqual([expect.objectContaining({ name: 'trailmark', status: 'completed', attachedTo: 'pr-head' })]);
    } finally {
      await sim.stop();
      await rm(out, { recursive: true, force: true });
    }
  });
});

describe('README, GitHub Action section', () => {
  async function section(): Promise<string> {
    const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('\n## GitHub Action\n');
    expect(start).toBeGreaterThan(0);
    const end = readme.indexOf('\n## ', start + 1);
    return readme.slice(start, end === -1 ? undefined : end);
  }

  test('every workflow example checks out the history before the Action, with permissions and known inputs', async () => {
    const text = await section();
    const examples = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]!) as Partial<Workflow>);
    expect(examples.length).toBeGreaterThanOrEqual(3);
    const inputs = await actionInputs();
    for (const example of examples) {
      expect(example.permissions, 'permissions').toBeDefined();
      for (const name of Object.keys(example.permissions ?? {})) expect(PERMISSIONS.has(name), name).toBe(true);
      const steps = Object.values(example.jobs ?? {}).flatMap((j) => j.steps);
      const action = steps.findIndex((s) => /^[^/\s]+\/trailmark@/.test(s.uses ?? ''));
      expect(action, 'the trailmark step').toBeGreaterThan(0);
      const checkout = steps.findIndex((s) => s.uses?.startsWith('actions/checkout@') === true);
      expect(checkout, 'actions/checkout').toBeGreaterThanOrEqual(0);
      expect(checkout).toBeLessThan(action);
      expect(steps[checkout]!.with?.['fetch-depth']).toBe(0);
      for (const input of Object.keys(steps[action]!.with ?? {})) expect(Object.keys(inputs), input).toContain(input);
    }
  });

  test('explains what happens without the checkout: the REST API, its caps, the log and summary', async () => {
    const text = (await section()).replace(/\s+/g, ' ');
    expect(text).toMatch(/without (the|a) checkout/i);
    expect(text).toContain('REST API');
    expect(text).toMatch(/250 commits/);
    expect(text).toMatch(/3,000 files/);
    expect(text).toMatch(/log/);
    expect(text).toMatch(/summary/);
  });
});
