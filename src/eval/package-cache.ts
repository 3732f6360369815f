// Registry tarballs in a local cache, verified against the manifest's integrity on every load.
// A download goes through the ordinary npm client (`npm pack`) into a temporary directory and is
// renamed into place only after its integrity matched, so the cache never holds a bad tarball.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CorpusError } from './corpus-error.js';
/** What identifies a registry tarball: name, version and the integrity it must have. */
export interface TarballRef {
  readonly name: string;
  readonly version: string;
  readonly integrity: string;
}

const run = promisify(execFile);

export function cacheFileName(pkg: Pick<TarballRef, 'name' | 'version'>): string {
  // Same name `npm pack` gives the file: scope without '@', '/' replaced by '-'.
  return `${pkg.name.replace(/^@/, '').replace('/', '-')}-${pkg.version}.tgz`;
}

export function integrityOf(data: Buffer): string {
  return `sha512-${createHash('sha512').update(data).digest('base64')}`;
}

function verify(pkg: TarballRef, data: Buffer): Buffer {
  const actual = integrityOf(data);
  if (actual !== pkg.integrity) {
    throw new CorpusError('INTEGRITY_MISMATCH', `tarball of ${pkg.name}@${pkg.version} has integrity ${actual}`, {
      hint: 'delete the cached file and retry; if it persists the manifest entry is wrong',
    });
  }
  return data;
}

async function readIfPresent(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The verified tarball bytes of `pkg`, downloaded into `cacheDir` when absent. */
export async function loadTarball(pkg: TarballRef, cacheDir: string): Promise<Buffer> {
  const target = join(cacheDir, cacheFileName(pkg));
  const cached = await readIfPresent(target);
  if (cached !== undefined) return verify(pkg, cached);
  await mkdir(cacheDir, { recursive: true });
  const tmp = await mkdtemp(join(cacheDir, '.download-'));
  try {
    let stdout: string;
    try {
      ({ stdout } = await run('npm', ['pack', `${pkg.name}@${pkg.version}`, '--pack-destination', tmp, '--json', '--ignore-scripts'], {
        maxBuffer: 64 * 1024 * 1024,
      }));
    } catch (err) {
      throw new CorpusError('DOWNLOAD_FAILED', `npm pack ${pkg.name}@${pkg.version} failed`, {
        cause: err,
        hint: 'check that the npm registry is reachable',
      });
    }
    const report = JSON.parse(stdout) as { filename?: string }[];
    const filename = report[0]?.filename;
    if (filename === undefined) throw new CorpusError('DOWNLOAD_FAILED', `npm pack ${pkg.name}@${pkg.version} reported no file`);
    // npm names the file itself (`scope-name-1.2.3.tgz`); it is a plain base name.
    const downloaded = join(tmp, filename);
    const data = verify(pkg, await readFile(downloaded));
    await rename(downloaded, target);
    return data;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
