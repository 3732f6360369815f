// The ledger half of the demo. It drives the real CLI commands (verify, prove, verify-proof) so
// the demo shows exactly what a security lead would run.

import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommandContext } from '../main.js';
import { buildProgram } from '../main.js';
import type { CliIo } from '../io.js';

export interface LedgerDemoInput {
  readonly ledgerDir: string;
  readonly work: string;
  readonly verifierKeyFile: string;
}

/** Runs one CLI command against the demo's io and returns its exit code. */
async function cli(io: CliIo, args: readonly string[]): Promise<number> {
  const ctx: CommandContext = { io, exitCode: 0 };
  await (await buildProgram(ctx)).parseAsync([...args], { from: 'user' });
  return ctx.exitCode;
}

function captureIo(io: CliIo): { io: CliIo; out: () => string } {
  let text = '';
  return {
    io: { ...io, stdout: { write: (t) => { text += t; }, isTTY: false } },
    out: () => text,
  };
}

export async function runLedgerDemo(input: LedgerDemoInput, ctx: CommandContext): Promise<void> {
  const { io } = ctx;
  const say = (t: string): void => io.stdout.write(t);
  say('\n── ledger ──────────────────────────────────────────────────────────────\n');
  say(`$ trailmark verify --ledger ${input.ledgerDir} --key ${input.verifierKeyFile}\n`);
  const ok = await cli(io, ['verify', '--ledger', input.ledgerDir, '--key', input.verifierKeyFile]);
  if (ok !== 0) throw new Error(`demo ledger failed verification (exit ${ok})`);

  say(`\ncheckpoint (C2SP tlog-checkpoint, signed note):\n`);
  say(indent(await readFile(join(input.ledgerDir, 'checkpoint'), 'utf8')));

  // Prove the first finding entry individually.
  const lines = (await readFile(join(input.ledgerDir, 'entries.jsonl'), 'utf8')).split('\n').filter((l) => l !== '');
  const findingSeq = lines.findIndex((l) => l.includes('"kind":"finding"'));
  if (findingSeq >= 0) {
    say(`\n$ trailmark prove ${findingSeq} --ledger ${input.ledgerDir} > proof.json\n`);
    const captured = captureIo(io);
    const rc = await cli(captured.io, ['prove', String(findingSeq), '--ledger', input.ledgerDir]);
    if (rc !== 0) throw new Error(`demo proof failed (exit ${rc})`);
    const proofFile = join(input.work, 'proof.json');
    await writeFile(proofFile, captured.out());
    say(`$ trailmark verify-proof proof.json --key ${input.verifierKeyFile}\n`);
    const verified = await cli(io, ['verify-proof', proofFile, '--key', input.verifierKeyFile]);
    if (verified !== 0) throw new Error(`demo proof did not verify (exit ${verified})`);
  }

  // Tamper with a copy: change one verdict inside an already-signed entry.
  const tampered = join(input.work, 'ledger-tampered');
  await cp(input.ledgerDir, tampered, { recursive: true });
  const target = lines.findIndex((l) => l.includes('"verdict":"unattested"'));
  const index = target >= 0 ? target : 0;
  const edited = [...lines];
  edited[index] = lines[index]!.replace('"verdict":"unattested"', '"verdict":"attested"');
  await writeFile(join(tampered, 'entries.jsonl'), `${edited.join('\n')}\n`);
  say(`\nTampering with a copy: entry ${index} now says "attested" instead of "unattested".\n`);
  say(`$ trailmark verify --ledger ${tampered} --key ${input.verifierKeyFile}\n`);
  const bad = await cli(io, ['verify', '--ledger', tampered, '--key', input.verifierKeyFile]);
  if (bad === 0) throw new Error('demo tampered ledger verified: this is a bug');
  say(`(exit ${bad}: the tampering is detected)\n`);
}

function indent(text: string): string {
  return text.split('\n').map((l) => (l === '' ? l : `    ${l}`)).join('\n') + (text.endsWith('\n') ? '' : '\n');
}
