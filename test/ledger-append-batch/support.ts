// Reads the subjects side store of a directory ledger as plain records.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function readSubjects(dir: string): { commitment: string; seq: number }[] {
  return readFileSync(join(dir, 'subjects.jsonl'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { commitment: string; seq: number });
}
