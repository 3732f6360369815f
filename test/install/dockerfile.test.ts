// The Dockerfile, tested without a Docker engine: parsed and checked against what the image
// must be (pinned slim Node, two stages, production dependencies only, non-root, health check,
// data volume, `npm start` as CMD), then its stages executed in temporary directories the way
// the builder would: the build context through .dockerignore, each COPY, the runtime's
// `npm ci --omit=dev` from the registry, and the CMD with the image's ENV as uid 1000 against
// the GitHub simulator, where the HEALTHCHECK command must pass and a pull request must be
// analyzed into a check run and a signed ledger.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { chmod, chown, cp, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { HEALTH_PATH } from '../../app/app.js';
import { verifyStore } from '../../src/ledger/check-store.js';
import { generateNoteKey, parseVerifierKey } from '../../src/ledger/note.js';
import { openDirStore } from '../../src/ledger/store/dir.js';
import { REPO_ROOT, STRICT, simScript, simUnavailable, startSim, type RunningSim } from '../support/github-sim.js';
import { excluded, parseDockerignore } from './dockerignore.js';
import { healthcheck, parseDockerfile, type Dockerfile, type Instruction, type Stage } from './dockerfile.js';
import { freePort, start, until, type Started } from './process.js';

const run = promisify(execFile);

let dockerfile: Dockerfile;
let build: Stage;
let runtime: Stage;

const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);
const one = (stage: Stage, keyword: string): Instruction => {
  const found = all(stage, keyword);
  expect(found, keyword).toHaveLength(1);
  return found[0]!;
};
const env = (stage: Stage): Record<string, string> => Object.fromEntries(all(stage, 'ENV').flatMap((i) => i.pairs ?? []));

beforeAll(async () => {
  dockerfile = parseDockerfile(await readFile(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
  expect(dockerfile.stages.map((s) => s.name)).toEqual(['build', 'runtime']);
  [build, runtime] = dockerfile.stages as [Stage, Stage];
});

describe('the parser', () => {
  test('joins continuations, skips comments, reads flags, exec form and ENV pairs', () => {
    const parsed = parseDockerfile('# syntax=docker/dockerfile:1\nFROM a:1 AS x\n# note\nENV A=1 \\\n  # inside\n  B="two words" C=\\$d\nCOPY --from=x --chown=1:1 /a ./b\nCMD ["node", "x.js"]\nRUN echo [not json]\n');
    expect(parsed.directives).toEqual({ syntax: 'docker/dockerfile:1' });
    const [stage] = parsed.stages;
    expect(stage).toMatchObject({ image: 'a:1', name: 'x' });
    expect(stage!.instructions.map((i) => i.keyword)).toEqual(['ENV', 'COPY', 'CMD', 'RUN']);
    expect(stage!.instructions[0]!.pairs).toEqual([['A', '1'], ['B', 'two words'], ['C', '$d']]);
    expect(stage!.instructions[1]!.flags).toEqual({ from: 'x', chown: '1:1' });
    expect(stage!.instructions[1]!.args).toBe('/a ./b');
    expect(stage!.instructions[2]!.exec).toEqual(['node', 'x.js']);
    expect(stage!.instructions[3]!.exec).toBeUndefined();
    expect(() => parseDockerfile('FROM a\nADD x y\n')).toThrow(/ADD is not an instruction/);
  });

  test('.dockerignore: last match wins, parents count, ! re-includes', () => {
    const patterns = parseDockerignore('# c\n*\n!src\nsrc/secret\n!/keep.txt\n**/*.pem\n');
    expect(excluded(patterns, 'README.md')).toBe(true);
    expect(excluded(patterns, 'src/app/main.ts')).toBe(false);
    expect(excluded(patterns, 'src/secret/x')).toBe(true);
    expect(excluded(patterns, 'keep.txt')).toBe(false);
    expect(excluded(patterns, 'src/key.pem')).toBe(true);
    expect(excluded(patterns, '.env')).toBe(true);
  });
});

describe('Dockerfile', () => {
  test('builds on one Node slim image pinned to an exact release (24, or 20)', () => {
    expect(build.image).toBe(runtime.image);
    expect(runtime.image).toMatch(/^node:(24|20)\.\d+\.\d+-(bookworm|trixie)-slim(@sha256:[0-9a-f]{64})?$/);
  });

  test('build stage: npm ci, then npm run build', () => {
    const runs = all(build, 'RUN').map((r) => r.args);
    expect(runs[0]).toMatch(/^npm ci\b/);
    expect(runs).toContain('npm run build');
    expect(runs.findIndex((r) => r.startsWith('npm ci'))).toBeLessThan(runs.indexOf('npm run build'));
  });

  test('runtime stage: production dependencies from the lockfile, the compiled code from the build stage', () => {
    const runs = all(runtime, 'RUN').map((r) => r.args);
    expect(runs.some((r) => /^npm ci --omit=dev\b/.test(r))).toBe(true);
    expect(runs.join('\n')).not.toMatch(/npm (install|i) /);
    const fromBuild = all(runtime, 'COPY').filter((c) => c.flags.from === 'build');
    const workdir = one(build, 'WORKDIR').args;
    expect(fromBuild.map((c) => c.args)).toEqual([`${workdir}/dist/lib ./dist/lib`]);
    expect(env(runtime).NODE_ENV).toBe('production');
  });

  test('runs as a numeric non-root user that owns only the data volume', () => {
    const user = one(runtime, 'USER').args;
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    const volume = one(runtime, 'VOLUME');
    const volumes = volume.exec ?? volume.args.split(/\s+/);
    expect(volumes).toEqual(['/var/lib/trailmark']);
    expect(env(runtime).TRAILMARK_DATA_DIR).toBe('/var/lib/trailmark');
    const userAt = runtime.instructions.indexOf(one(runtime, 'USER'));
    const owned = runtime.instructions.findIndex((i) => i.keyword === 'RUN' && i.args === `mkdir -p /var/lib/trailmark && chown ${user} /var/lib/trailmark`);
    expect(owned).toBeGreaterThanOrEqual(0);
    expect(owned).toBeLessThan(userAt);
    // Nothing after USER runs as root again, and COPY does not hand the code to the user.
    expect(runtime.instructions.slice(userAt).filter((i) => i.keyword === 'RUN' || i.keyword === 'COPY')).toEqual([]);
    expect(all(runtime, 'COPY').filter((c) => c.flags.chown !== undefined)).toEqual([]);
  });

  test('listens on every interface on port 3000, exposed', () => {
    expect(env(runtime).PORT).toBe('3000');
    expect(env(runtime).HOST).toBe('0.0.0.0');
    expect(one(runtime, 'EXPOSE').args).toBe('3000');
  });

  test('CMD is `npm start`', async () => {
    const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
    expect(one(runtime, 'CMD').exec).toEqual(pkg.scripts.start.split(' '));
  });

  test('HEALTHCHECK asks the App\'s health route with node, no curl', () => {
    const { options, exec } = healthcheck(one(runtime, 'HEALTHCHECK'));
    expect(exec.slice(0, 2)).toEqual(['node', '-e']);
    expect(exec[2]).toContain(HEALTH_PATH);
    expect(exec[2]).toContain('process.env.PORT');
    expect(Object.keys(options).sort()).toEqual(['interval', 'retries', 'start-period', 'timeout']);
  });

  test('the HEALTHCHECK command exits 0 only when the route answers 2xx', async () => {
    const { exec } = healthcheck(one(runtime, 'HEALTHCHECK'));
    let status = 200;
    let asked = '';
    const server = createServer((req, res) => {
      asked = req.url ?? '';
      res.writeHead(status).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const check = async (p: number) => {
      try {
        await run(process.execPath, exec.slice(1), { env: { PORT: String(p) } });
        return 0;
      } catch (err) {
        return (err as { code: number }).code;
      }
    };
    try {
      expect(await check(port)).toBe(0);
      expect(asked).toBe(HEALTH_PATH);
      status = 503;
      expect(await check(port)).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await check(await freePort())).toBe(1);
  });

  test('.dockerignore lets in every file the Dockerfile copies and keeps out dependencies, builds and secrets', async () => {
    const patterns = parseDockerignore(await readFile(join(REPO_ROOT, '.dockerignore'), 'utf8'));
    const context = await contextFiles();
    for (const stage of dockerfile.stages) {
      for (const copy of all(stage, 'COPY').filter((c) => c.flags.from === undefined)) {
        for (const source of copy.args.split(/\s+/).slice(0, -1)) {
          const files = context.filter((f) => f === source || f.startsWith(`${source}/`));
          expect(files.length, `${source} is in the repository`).toBeGreaterThan(0);
          for (const f of files) expect(excluded(patterns, f), f).toBe(false);
        }
      }
    }
    for (const path of ['node_modules/probot/package.json', 'dist/lib/app/start.js', 'dist/action/index.js', '.git/HEAD', '.env', 'app.private-key.pem', 'ledger.key', 'test/app/app.test.ts', 'docs/app.md']) {
      expect(excluded(patterns, path), path).toBe(true);
    }
  });
});

describe('the documented docker run', () => {
  /** Every `docker run …` command (continuations joined) in README.md and docs/deploy.md. */
  async function dockerRuns(): Promise<{ file: string; args: string[] }[]> {
    const out: { file: string; args: string[] }[] = [];
    for (const file of ['README.md', 'docs/deploy.md']) {
      const text = (await readFile(join(REPO_ROOT, file), 'utf8')).replace(/\\\n\s*/g, ' ');
      for (const m of text.matchAll(/^docker run (.*)$/gm)) out.push({ file, args: m[1]!.trim().split(/\s+/).map((a) => a.replace(/^"|"$/g, '')) });
    }
    return out;
  }

  test('mounts the image\'s volume, publishes its port and passes the App\'s credentials', async () => {
    const runs = await dockerRuns();
    expect(runs.map((r) => r.file).sort()).toEqual(['README.md', 'docs/deploy.md']);
    const volume = one(runtime, 'VOLUME');
    const dataDir = (volume.exec ?? volume.args.split(/\s+/))[0]!;
    const port = one(runtime, 'EXPOSE').args;
    for (const { file, args } of runs) {
      const values = (flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
      expect(values('-v').some((v) => v.endsWith(`:${dataDir}`)), `${file}: -v …:${dataDir}`).toBe(true);
      expect(values('-p').some((v) => v.endsWith(`:${port}`)), `${file}: -p …:${port}`).toBe(true);
      const env = values('-e').map((v) => v.split('=')[0]!);
      expect(env, file).toEqual(expect.arrayContaining(['APP_ID', 'WEBHOOK_SECRET', 'PRIVATE_KEY_PATH', 'TRAILMARK_SIGNING_KEY']));
      // The key file is mounted where PRIVATE_KEY_PATH points, read-only.
      const keyPath = values('-e').find((v) => v.startsWith('PRIVATE_KEY_PATH='))!.split('=')[1]!;
      expect(values('-v').some((v) => v.endsWith(`:${keyPath}:ro`)), `${file}: key mounted at ${keyPath}`).toBe(true);
      expect(args.at(-1), file).toBe('trailmark');
      // PID 1 without an init ignores SIGTERM (no default action), so `docker stop` would kill.
      expect(args, file).toContain('--init');
    }
  });
});

/** The build context of a checkout: tracked and untracked, not git-ignored files. */
async function contextFiles(): Promise<string[]> {
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, maxBuffer: 64 << 20 });
  const files: string[] = [];
  for (const f of stdout.split('\0')) {
    if (f === '' || f === 'node_modules') continue;
    if (await stat(join(REPO_ROOT, f)).then((s) => s.isFile(), () => false)) files.push(f);
  }
  return files;
}

const NETWORK_ERROR = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|network/i;

describe('the image, built and run without Docker', () => {
  let root: string | undefined;
  let sim: RunningSim | undefined;
  let app: Started | undefined;
  /** Why these tests cannot run here (no simulator, no registry), or undefined. */
  let unavailable: string | undefined;
  let user: [number, number];
  let port: number;
  let containerEnv: Record<string, string>;
  let ledgerKey: { signerKey: string; verifierKey: string };
  /** Container path prefixes and the directories standing in for them. */
  const mounts: [string, string][] = [];
  const host = (path: string) => {
    for (const [container, dir] of mounts) if (path === container || path.startsWith(`${container}/`)) return dir + path.slice(container.length);
    throw new Error(`no directory stands in for ${path}`);
  };
  // Whole container paths only (a token, or the start of one), never a substring of another word.
  const substitute = (text: string) => mounts.reduce((t, [container, dir]) => t.replace(new RegExp(`(^|[\\s="'])${container.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=$|[/\\s"'])`, 'g'), `$1${dir}`), text);
  const asRoot = process.getuid?.() === 0;
  const asUser = () => (asRoot ? { uid: user[0], gid: user[1] } : {});

  /** Executes a stage's RUN and COPY steps in the directories standing in for its paths. */
  async function execute(stage: Stage, context: readonly string[], notes: string[]): Promise<void> {
    let workdir = '/';
    // The builder's network settings reach a real image build too (proxy, extra CA certificates):
    // they are passed through; everything else of this machine's environment is left out.
    const network = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|https?_proxy|no_proxy|npm_config_(cafile|registry|proxy|https_proxy|strict_ssl))$/i.test(k))) as Record<string, string>;
    const shellEnv = { ...network, PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, HOME: join(root!, 'home'), npm_config_cache: join(root!, 'npm-cache'), npm_config_update_notifier: 'false' };
    for (const step of stage.instructions) {
      switch (step.keyword) {
        case 'WORKDIR':
          workdir = posix.resolve(workdir, step.args);
          await mkdir(host(workdir), { recursive: true });
          break;
        case 'COPY': {
          const args = step.args.split(/\s+/);
          const dest = posix.resolve(workdir, args.at(-1)!);
          const sources = args.slice(0, -1);
          for (const source of sources) {
            if (step.flags.from !== undefined) {
              await cp(host(source), host(dest), { recursive: true });
              continue;
            }
            const files = context.filter((f) => f === source || f.startsWith(`${source}/`));
            if (files.length === 0) throw new Error(`COPY ${source}: not in the build context (line ${step.line})`);
            for (const f of files) {
              // A directory's contents go into dest; files into dest/ when it names a directory.
              const target = f === source ? (args.at(-1)!.endsWith('/') || sources.length > 1 ? posix.join(dest, posix.basename(f)) : dest) : posix.join(dest, f.slice(source.length + 1));
              await mkdir(dirname(host(target)), { recursive: true });
              await cp(join(REPO_ROOT, f), host(target));
            }
          }
          break;
        }
        case 'RUN': {
          if (stage.name === 'build' && /^npm ci\b/.test(step.args)) {
            // The build stage's full install is the checkout's own node_modules (same lockfile).
            await symlink(join(REPO_ROOT, 'node_modules'), join(host(workdir), 'node_modules'), 'dir');
            notes.push(`build: "${step.args}" stood in for by the checkout's node_modules`);
            break;
          }
          let command = substitute(step.args);
          if (!asRoot && /\bchown\b/.test(command)) {
            command = command.replace(/\s*&&\s*chown\s.*$/, '');
            notes.push(`runtime: chown skipped (not root): ${step.args}`);
          }
          await run('sh', ['-c', command], { cwd: host(workdir), env: shellEnv, maxBuffer: 64 << 20 });
          break;
        }
        default:
          break; // metadata: checked above, applied when the container is started
      }
    }
  }

  beforeAll(async () => {
    unavailable = simUnavailable();
    if (unavailable !== undefined) return;
    root = await mkdtemp(join(tmpdir(), 'trailmark-image-'));
    await chmod(root, 0o755);
    mounts.push(['/src', join(root, 'build')], ['/app', join(root, 'app')], ['/var/lib/trailmark', join(root, 'volume')]);
    await mkdir(join(root, 'home'), { recursive: true });
    const patterns = parseDockerignore(await readFile(join(REPO_ROOT, '.dockerignore'), 'utf8'));
    const context = (await contextFiles()).filter((f) => !excluded(patterns, f));
    const notes: string[] = [];
    await execute(build, context, notes);
    try {
      await execute(runtime, context, notes);
    } catch (err) {
      const message = `${(err as Error).message}\n${(err as { stderr?: string }).stderr ?? ''}`;
      if (!NETWORK_ERROR.test(message) || STRICT) throw err;
      unavailable = `npm ci --omit=dev needs the npm registry: ${message.slice(0, 300)}`;
      process.stdout.write(`skipped: ${unavailable}\n`);
      return;
    }
    process.stdout.write(`${notes.join('\n')}\n`);

    sim = await startSim({ scenario: 'basic' });
    user = one(runtime, 'USER').args.split(':').map(Number) as [number, number];
    // The App's private key, mounted read-only for the container's group as docs/deploy.md says.
    await mkdir(join(root, 'secrets'), { recursive: true });
    const keyPath = join(root, 'secrets', 'app-key.pem');
    await writeFile(keyPath, await readFile(sim.info.privateKeyPath));
    await chmod(join(root, 'secrets'), 0o755);
    if (asRoot) {
      await chown(keyPath, 0, user[1]);
      await chmod(keyPath, 0o440);
    }
    ledgerKey = generateNoteKey('example.com/trailmark-image', randomBytes(32));
    port = await freePort();
    containerEnv = {
      ...Object.fromEntries(Object.entries(env(runtime)).map(([k, v]) => [k, substitute(v)])),
      PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      HOME: join(root, 'home'),
      PORT: String(port), // `docker run -p HOSTPORT:3000`, in this machine's shared network namespace
      APP_ID: String(sim.info.appId),
      PRIVATE_KEY_PATH: keyPath,
      WEBHOOK_SECRET: sim.info.webhookSecret,
      GHE_HOST: sim.host,
      GHE_PROTOCOL: 'http',
      TRAILMARK_SIGNING_KEY: ledgerKey.signerKey,
    };
    const cmd = one(runtime, 'CMD').exec!;
    expect(cmd[0]).toBe('node');
    app = start(process.execPath, cmd.slice(1), { cwd: host(one(runtime, 'WORKDIR').args), env: containerEnv, ...asUser() });
  });

  afterAll(async () => {
    await app?.stop();
    await sim?.stop();
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  afterEach((ctx) => {
    if (ctx.task.result?.state !== 'fail') return;
    const lines = (app?.output() ?? '').split('\n').filter((l) => !l.includes(HEALTH_PATH));
    process.stdout.write(`--- the App's output (health checks left out):\n${lines.slice(-100).join('\n')}\n`);
  });

  test('installs production dependencies only, and the code stays root-owned', async (ctx) => {
    if (unavailable !== undefined) return ctx.skip(unavailable);
    const installed = new Set(await readdir(join(host('/app'), 'node_modules')));
    expect(installed.has('probot')).toBe(true);
    expect(installed.has('tree-sitter')).toBe(true);
    for (const dev of ['vitest', 'typescript', 'esbuild', 'nock']) expect(installed.has(dev), dev).toBe(false);
    if (asRoot) {
      const code = await stat(join(host('/app'), 'dist/lib/app/start.js'));
      expect(code.uid).toBe(0);
      expect(code.mode & 0o022).toBe(0);
    }
  });

  test('the CMD, with the image\'s ENV, as its user, passes the HEALTHCHECK', async (ctx) => {
    if (unavailable !== undefined) return ctx.skip(unavailable);
    const { exec } = healthcheck(one(runtime, 'HEALTHCHECK'));
    expect(exec[0]).toBe('node');
    await until(app!, async () => {
      await run(process.execPath, exec.slice(1), { env: containerEnv, ...asUser() });
      return true;
    });
    const body = (await (await fetch(`http://127.0.0.1:${port}${HEALTH_PATH}`)).json()) as { status: string };
    expect(body.status).toBe('ok');
  });

  test('a pull request webhook becomes a check run and a signed ledger on the volume', async (ctx) => {
    if (unavailable !== undefined) return ctx.skip(unavailable);
    const health = `http://127.0.0.1:${port}${HEALTH_PATH}`;
    await until(app!, async () => ((await fetch(health)).ok ? true : undefined));
    const delivered = await simScript('send-webhook.mjs', ['--url', `http://127.0.0.1:${port}/api/github/webhooks`, '--sim', sim!.url, '--event', 'pull_request', '--action', 'opened']);
    expect(delivered.code, delivered.stdout + delivered.stderr).toBe(0);
    // Acknowledged once queued: wait for the queue to drain, then look at what GitHub got.
    await until(app!, async () => (((await (await fetch(health)).json()) as { pending: number }).pending === 0 ? true : undefined));
    const { checkRuns } = (await sim!.state()) as { checkRuns: { name: string; status: string; conclusion: string | null; attachedTo: string }[] };
    const checkRun = checkRuns.find((r) => r.name === 'trailmark');
    expect(checkRun).toMatchObject({ status: 'completed', attachedTo: 'pr-head' });
    expect(['neutral', 'success']).toContain(checkRun!.conclusion);

    const ledgerDir = join(host('/var/lib/trailmark'), 'installations', String(sim!.info.installationId), 'ledger');
    if (asRoot) expect((await stat(ledgerDir)).uid).toBe(user[0]);
    const report = await verifyStore(openDirStore(ledgerDir), [parseVerifierKey(ledgerKey.verifierKey)]);
    expect(report.ok).toBe(true);
    expect(report.entries).toBeGreaterThan(0);
    // The image's own CLI verifies it in place (`docker exec trailmark node bin/trailmark.js verify …`).
    const verified = await run(process.execPath, ['bin/trailmark.js', 'verify', '--ledger', ledgerDir, '--key', ledgerKey.verifierKey], { cwd: host('/app'), env: containerEnv, ...asUser() });
    expect(verified.stdout).toMatch(/^ok: .* verifies: [1-9]\d* entries, origin example.com\/trailmark-image/m);
  });

  test('without APP_ID the image exits instead of serving Probot\'s setup pages', async (ctx) => {
    if (unavailable !== undefined) return ctx.skip(unavailable);
    const { APP_ID: _appId, ...withoutId } = containerEnv;
    const refused = start(process.execPath, one(runtime, 'CMD').exec!.slice(1), { cwd: host('/app'), env: { ...withoutId, PORT: String(await freePort()) }, ...asUser() });
    expect(await refused.exited).not.toBe(0);
    expect(refused.output()).toMatch(/APP_ID/);
  });
});
