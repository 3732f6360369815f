#!/usr/bin/env node
// Hooks (`capture`, `record`) run on every agent edit and commit: they load only their commands.
const first = process.argv[2];
const entry = first === 'capture' || first === 'record'
  ? (await import('../dist/lib/cli/hook-main.js')).hookMain
  : (await import('../dist/lib/cli/main.js')).main;

process.exitCode = await entry(process.argv.slice(2));
