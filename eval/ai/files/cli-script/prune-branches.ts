#!/usr/bin/env node
import { execFileSync } from 'node:child_process';

const DRY_RUN = process.argv.includes('--dry-run');
const PROTECTED = new Set(['main', 'master', 'develop']);

function git(...args: string[]): string {
  return execFileSync('git', args, { encoding: 'utf8' }).trim();
}

function main() {
  git('fetch', '--prune');
  const current = git('rev-parse', '--abbrev-ref', 'HEAD');
  const merged = git('branch', '--merged', 'origin/main', '--format=%(refname:short)')
    .split('\n')
    .map((b) => b.trim())
    .filter((b) => b && b !== current && !PROTECTED.has(b));

  if (merged.length === 0) {
    console.log('No merged branches to delete.');
    return;
  }

  for (const branch of merged) {
    if (DRY_RUN) {
      console.log(`would delete ${branch}`);
    } else {
      git('branch', '-d', branch);
      console.log(`deleted ${branch}`);
    }
  }
  console.log(`${DRY_RUN ? 'Would delete' : 'Deleted'} ${merged.length} branch(es).`);
}

try {
  main();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
