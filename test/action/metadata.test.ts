// action.yml as the runner reads it: a YAML document (parsed with `yaml`, the parser the
// runner-compatible tooling uses), valid against the action metadata schema, pointing at the
// committed bundle, and declaring every input the code reads (action/inputs.ts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { parseInputs } from '../../action/inputs.js';

const ROOT = join(import.meta.dirname, '../..');
const text = readFileSync(join(ROOT, 'action.yml'), 'utf8');

interface Metadata {
  runs: { using: string; main: string };
  inputs: Record<string, { description: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description: string }>;
}

test('action.yml parses as strict YAML and validates against the action metadata schema', () => {
  const doc: unknown = parse(text, { strict: true, uniqueKeys: true, prettyErrors: true });
  const schema = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/schemas/github-action.json'), 'utf8')) as object;
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(schema);
  expect(validate(doc) ? [] : validate.errors).toEqual([]);
});

test('runs.main is the committed bundle and runs on node24', () => {
  const doc = parse(text) as Metadata;
  expect(doc.runs.using).toBe('node24');
  expect(existsSync(join(ROOT, doc.runs.main))).toBe(true);
  expect(doc.runs.main).toBe('dist/action/index.js');
});

test('every input the Action reads is declared, and every declared input is read', () => {
  const doc = parse(text) as Metadata;
  const read = new Set<string>();
  parseInputs((name) => {
    read.add(name);
    return name === 'github-token' ? 'token' : '';
  });
  expect([...read].sort()).toEqual(Object.keys(doc.inputs).sort());
  // The token default is the expression the runner substitutes, not a literal string.
  expect(doc.inputs['github-token']?.default).toBe('${{ github.token }}');
});

test('the outputs the Action sets are declared', () => {
  const doc = parse(text) as Metadata;
  expect(Object.keys(doc.outputs).sort()).toEqual(['checkpoint', 'contradicted', 'findings', 'report-issue', 'report-week', 'sarif-file', 'unattested']);
});
