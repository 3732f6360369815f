#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';

function parseEnvFile(path: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const raw of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq === -1) continue;
    vars.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return vars;
}

const example = parseEnvFile('.env.example');
const actual = existsSync('.env') ? parseEnvFile('.env') : new Map<string, string>();

const missing = [...example.keys()].filter((key) => !actual.has(key) && process.env[key] === undefined);
const empty = [...actual].filter(([key, value]) => example.has(key) && value === '').map(([key]) => key);
const unknown = [...actual.keys()].filter((key) => !example.has(key));

if (unknown.length) console.warn(`Not in .env.example (typo?): ${unknown.join(', ')}`);
if (empty.length) console.warn(`Empty values: ${empty.join(', ')}`);
if (missing.length) {
  console.error(`Missing required variables: ${missing.join(', ')}`);
  process.exit(1);
}
console.log(`Environment OK (${example.size} variables checked).`);
