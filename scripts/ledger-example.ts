// Generates the worked example of docs/ledger-format.md: a tiny ledger built with a fixed key
// seed, a fixed clock and seeded randomness, written between the markers
//   <!-- ledger-example:begin --> ... <!-- ledger-example:end -->
// Output is deterministic, so CI re-runs it and fails when the document differs.
//
// Usage: npx tsx scripts/ledger-example.ts [--check]
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { register as registerProve } from '../cli/commands/prove.js';
import { register as registerVerify } from '../cli/commands/verify.js';
import type { CommandContext } from '../cli/main.js';
import type { Random } from '../src/core/ports.js';
import type { ScanResult } from '../src/core/types.js';
import { recordScan } from '../src/engine/record.js';
import { verifyStore } from '../src/ledger/check-store.js';
import { eraseSubject } from '../src/ledger/erase.js';
import { openLedger } from '../src/ledger/log.js';
import { generateNoteKey, parseSignerKey, parseVerifierKey } from '../src/ledger/note.js';
import { verifyProof } from '../src/ledger/proof.js';
import { openDirStore } from '../src/ledger/store/dir.js';

const DOC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'ledger-format.md');
const BEGIN = '<!-- ledger-example:begin -->';
const END = '<!-- ledger-example:end -->';
const ORIGIN = 'example.com/acme/trailmark';

/** SHA-256 in counter mode over a label: reproducible "randomness" for the example only. */
function exampleRandom(): Random {
  let n = 0;
  return {
    bytes: (k) => {
      const out = Buffer.alloc(k);
      for (let o = 0; o < k; o += 32) createHash('sha256').update(`ledger-example/${n++}`).digest().copy(out, o);
      return out;
    },
  };
}

function scan(head: string, verdict: 'unattested' | 'attested'): ScanResult {
  const unattested = verdict === 'unattested' ? 1 : 0;
  return {
    schema: 'trailmark.scan/v1',
    base: '9fceb02d0ae598e95dc970b74767f19372d61af8',
    head,
    summary: {
      files: 1,
      hunks: 1,
      addedLines: 14,
      commits: 1,
      verdicts: { attested: 1 - unattested, unattested, contradicted: 0, clear: 0, uncertain: 0, skipped: 0 },
      findings: { unattested, contradicted: 0, 'approval-drift': 0 },
      evidence: { recorded: 0, declared: 1 - unattested, stamped: 0, inferred: 1 },
      thresholds: { low: 0.5, high: 0.8 },
      policyVersion: 'acme-3',
      modelVersion: 'trailmark-model/1',
      detectors: [{ id: 'assistant-text', version: '1' }],
      omissions: [],
    },
    hunks: [
      {
        path: 'src/billing/refund.ts',
        startLine: 40,
        endLine: 53,
        language: 'typescript',
        score: 0.87,
        signals: [],
        evidence: verdict === 'attested' ? [{ class: 'declared', source: 'trailer:Assisted-by', says: 'ai' }, { class: 'inferred', source: 'detectors', says: 'ai' }] : [{ class: 'inferred', source: 'detectors', says: 'ai' }],
        verdict,
        addedLines: 14,
        deletedLines: 2,
        commits: [head],
        units: [],
        contentDigest: `sha256:${createHash('sha256').update(`hunk of ${head}`).digest('hex')}`,
      },
    ],
    findings: unattested === 1 ? [{ kind: 'unattested', path: 'src/billing/refund.ts', startLine: 40, endLine: 53, level: 'warning', message: 'src/billing/refund.ts:40-53 scores 0.87 (likely AI-written) and no commit attests AI involvement', score: 0.87 }] : [],
  };
}

/**
 * Runs the ledger commands in-process (only them: the example must not depend on the rest of
 * the CLI) and returns their standard output; fails on a non-zero exit.
 */
async function cli(args: string[], cwd: string): Promise<string> {
  let out = '';
  let err = '';
  const ctx: CommandContext = {
    io: {
      stdout: { write: (t) => void (out += t), isTTY: false },
      stderr: { write: (t) => void (err += t), isTTY: false },
      env: {},
      cwd,
      readStdin: () => Promise.resolve(Buffer.alloc(0)),
    },
    exitCode: 0,
  };
  const program = new Command('trailmark').exitOverride();
  registerVerify(program, ctx);
  registerProve(program, ctx);
  await program.parseAsync(args, { from: 'user' });
  if (ctx.exitCode !== 0) throw new Error(`trailmark ${args.join(' ')} exited ${ctx.exitCode}: ${err}`);
  return out;
}

const fence = (lang: string, text: string) => `\`\`\`${lang}\n${text.endsWith('\n') ? text : `${text}\n`}\`\`\``;

async function example(): Promise<string> {
  const { signerKey, verifierKey } = generateNoteKey(ORIGIN, createHash('sha256').update('ledger-example key seed').digest());
  const root = mkdtempSync(join(tmpdir(), 'trailmark-example-'));
  try {
    const dir = join(root, 'ledger');
    let t = Date.UTC(2026, 0, 15, 9, 30, 0);
    const clock = { now: () => t };
    const ledger = await openLedger({ store: openDirStore(dir, { create: true }), signer: parseSignerKey(signerKey), origin: ORIGIN, clock, random: exampleRandom() });
    await recordScan(scan('4e1243bd22c66e76c2ba9eddc1f91394e57f9f83', 'unattested'), ledger, { repository: 'acme/payments', pullRequest: 17, policy: 'acme-3', subjects: { 'pr.author': 'octocat' } });
    const checkpoint2 = readFileSync(join(dir, 'checkpoint'), 'utf8');
    t += 3_600_000;
    await recordScan(scan('be3e0ca7b1a5e2c5a0f4a4d1b1f3f1c2d9e8a7b6', 'attested'), ledger, { repository: 'acme/payments', pullRequest: 18, policy: 'acme-3', subjects: { 'pr.author': 'hubot' } });
    const store = openDirStore(dir);
    const verifier = parseVerifierKey(verifierKey);
    const report = await verifyStore(store, [verifier]);
    if (!report.ok) throw new Error(`example ledger does not verify: ${report.problems[0]?.message}`);
    const inclusion = await cli(['prove', '1', '--ledger', 'ledger'], root);
    verifyProof(inclusion, [verifier]);
    const consistency = await cli(['prove', '--consistency', '2', '--ledger', 'ledger'], root);
    verifyProof(consistency, [verifier]);
    const subjectsBefore = readFileSync(join(dir, 'subjects.jsonl'), 'utf8');
    t += 60_000;
    await eraseSubject(store, 'octocat', clock);
    const subjectsAfter = readFileSync(join(dir, 'subjects.jsonl'), 'utf8');
    const afterErase = await cli(['verify', '--ledger', 'ledger', '--key', verifierKey, '--json'], root);
    const files = [...readdirSync(dir).filter((n) => n !== 'checkpoints' && n !== 'lock').sort(), ...readdirSync(join(dir, 'checkpoints')).sort().map((n) => `checkpoints/${n}`)];
    const entries = readFileSync(join(dir, 'entries.jsonl'), 'utf8');
    const pretty = entries.trimEnd().split('\n').map((l) => JSON.stringify(JSON.parse(l), null, 2));
    return [
      'Generated by `npx tsx scripts/ledger-example.ts` (fixed key seed, fixed clock, seeded salts); do not edit by hand.',
      '',
      `Key pair (example only; the signer key is secret in real use), from \`trailmark keygen --name ${ORIGIN}\`:`,
      '',
      fence('text', `${signerKey}\n${verifierKey}`),
      '',
      'Two scans recorded with `recordScan` (the first with one finding, the second attested), then `octocat` erased. Directory:',
      '',
      fence('text', files.join('\n')),
      '',
      '`entries.jsonl` (each line is the canonical JSON; exact bytes):',
      '',
      fence('json', entries),
      '',
      'Entry 1 pretty-printed for reading (not the stored form):',
      '',
      fence('json', pretty[1]!),
      '',
      '`checkpoints/2` (the checkpoint after the first append) and `checkpoint` (the latest, also `checkpoints/3`):',
      '',
      fence('text', checkpoint2),
      '',
      fence('text', readFileSync(join(dir, 'checkpoint'), 'utf8')),
      '',
      '`subjects.jsonl` before and after `trailmark erase --subject octocat`:',
      '',
      fence('json', subjectsBefore),
      '',
      fence('json', subjectsAfter),
      '',
      '`trailmark verify --json` after the erasure (the ledger still verifies):',
      '',
      fence('json', afterErase),
      '',
      '`trailmark prove 1` (inclusion of the finding):',
      '',
      fence('json', inclusion),
      '',
      '`trailmark prove --consistency 2`:',
      '',
      fence('json', consistency),
    ].join('\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const doc = readFileSync(DOC, 'utf8');
const a = doc.indexOf(BEGIN);
const b = doc.indexOf(END);
if (a === -1 || b < a) throw new Error(`${DOC} lacks the ${BEGIN} / ${END} markers`);
const next = `${doc.slice(0, a + BEGIN.length)}\n${await example()}\n${doc.slice(b)}`;
if (process.argv.includes('--check')) {
  if (next !== doc) {
    console.error('docs/ledger-format.md: the worked example is out of date; run `npx tsx scripts/ledger-example.ts`');
    process.exitCode = 1;
  }
} else if (next !== doc) {
  writeFileSync(DOC, next);
  console.log('docs/ledger-format.md: worked example updated');
}
