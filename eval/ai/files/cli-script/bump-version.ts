import { readFileSync, writeFileSync } from 'node:fs';

type Part = 'major' | 'minor' | 'patch';

export function bump(version: string, part: Part): string {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:-.+)?$/.exec(version);
  if (!match) throw new Error(`Not a semver version: ${version}`);
  let [major, minor, patch] = match.slice(1).map(Number) as [number, number, number];
  switch (part) {
    case 'major':
      major++;
      minor = 0;
      patch = 0;
      break;
    case 'minor':
      minor++;
      patch = 0;
      break;
    case 'patch':
      patch++;
      break;
  }
  return `${major}.${minor}.${patch}`;
}

if (process.argv[1]?.endsWith('bump-version.ts')) {
  const part = (process.argv[2] ?? 'patch') as Part;
  if (!['major', 'minor', 'patch'].includes(part)) {
    console.error(`Unknown part "${part}". Use major, minor or patch.`);
    process.exit(1);
  }
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  const next = bump(pkg.version, part);
  writeFileSync('package.json', JSON.stringify({ ...pkg, version: next }, null, 2) + '\n');
  console.log(`${pkg.version} -> ${next}`);
}
