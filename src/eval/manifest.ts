// The committed description of the human half of the development set: which npm package
// versions, pinned by integrity, and the upstream evidence that each was released before 2022.
// No third-party code is committed; tarballs are fetched at eval time.

import { CorpusError } from './corpus-error.js';

/** An earlier release of the same package: real human edits are the diff between the two. */
export interface PreviousRelease {
  readonly version: string;
  readonly integrity: string;
  /** Upstream release date, YYYY-MM-DD, not after the package's own. */
  readonly released: string;
  readonly releaseSource: string;
}

export interface HumanPackage {
  readonly name: string;
  readonly version: string;
  /** Subresource-integrity string of the registry tarball (`sha512-…`). */
  readonly integrity: string;
  readonly license: string;
  /** Upstream repository, `owner/name`. */
  readonly repository: string;
  /** Upstream release date, YYYY-MM-DD, strictly before 2022-01-01. */
  readonly released: string;
  /** Where the date comes from: an upstream tag or changelog line, never the registry. */
  readonly releaseSource: string;
  /** Path prefixes inside `package/` whose TypeScript files are used; all when absent. */
  readonly include?: readonly string[];
  /** Cap on hunks taken from this package, so large packages do not dominate. */
  readonly maxSamples?: number;
  readonly previous?: PreviousRelease;
}

export interface HumanManifest {
  readonly schema: 'trailmark.devset.human/v1';
  readonly packages: readonly HumanPackage[];
}

const CUTOFF = '2022-01-01';

function str(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new CorpusError('BAD_MANIFEST', `${what} must be a non-empty string`);
  return value;
}

/** Validates a parsed manifest; throws CorpusError naming the first offending entry. */
export function parseHumanManifest(value: unknown): HumanManifest {
  if (typeof value !== 'object' || value === null) throw new CorpusError('BAD_MANIFEST', 'manifest must be an object');
  const record = value as Record<string, unknown>;
  if (record.schema !== 'trailmark.devset.human/v1') throw new CorpusError('BAD_MANIFEST', `unknown manifest schema ${JSON.stringify(record.schema)}`);
  if (!Array.isArray(record.packages)) throw new CorpusError('BAD_MANIFEST', 'manifest.packages must be an array');
  const seen = new Set<string>();
  const packages = record.packages.map((raw: unknown, i: number): HumanPackage => {
    if (typeof raw !== 'object' || raw === null) throw new CorpusError('BAD_MANIFEST', `packages[${i}] must be an object`);
    const p = raw as Record<string, unknown>;
    const name = str(p.name, `packages[${i}].name`);
    const released = str(p.released, `${name}.released`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(released) || released >= CUTOFF) {
      throw new CorpusError('BAD_MANIFEST', `${name} released ${released} is not a date before ${CUTOFF}`);
    }
    const integrity = str(p.integrity, `${name}.integrity`);
    if (!integrity.startsWith('sha512-')) throw new CorpusError('BAD_MANIFEST', `${name} integrity must be sha512`);
    if (seen.has(name)) throw new CorpusError('BAD_MANIFEST', `package ${name} listed twice`);
    seen.add(name);
    let previous: PreviousRelease | undefined;
    if (p.previous !== undefined) {
      if (typeof p.previous !== 'object' || p.previous === null) throw new CorpusError('BAD_MANIFEST', `${name}.previous must be an object`);
      const q = p.previous as Record<string, unknown>;
      previous = {
        version: str(q.version, `${name}.previous.version`),
        integrity: str(q.integrity, `${name}.previous.integrity`),
        released: str(q.released, `${name}.previous.released`),
        releaseSource: str(q.releaseSource, `${name}.previous.releaseSource`),
      };
      if (!/^\d{4}-\d{2}-\d{2}$/.test(previous.released) || previous.released > released) {
        throw new CorpusError('BAD_MANIFEST', `${name} previous release ${previous.released} is not a date on or before ${released}`);
      }
      if (!previous.integrity.startsWith('sha512-')) throw new CorpusError('BAD_MANIFEST', `${name}.previous integrity must be sha512`);
    }
    const include = p.include === undefined ? undefined : (p.include as unknown[]).map((x, j) => str(x, `${name}.include[${j}]`));
    const maxSamples = p.maxSamples === undefined ? undefined : Number(p.maxSamples);
    if (maxSamples !== undefined && !(Number.isInteger(maxSamples) && maxSamples > 0)) {
      throw new CorpusError('BAD_MANIFEST', `${name}.maxSamples must be a positive integer`);
    }
    return {
      name,
      version: str(p.version, `${name}.version`),
      integrity,
      license: str(p.license, `${name}.license`),
      repository: str(p.repository, `${name}.repository`),
      released,
      releaseSource: str(p.releaseSource, `${name}.releaseSource`),
      ...(include === undefined ? {} : { include }),
      ...(maxSamples === undefined ? {} : { maxSamples }),
      ...(previous === undefined ? {} : { previous }),
    };
  });
  return { schema: 'trailmark.devset.human/v1', packages };
}
