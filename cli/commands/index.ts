// The registry of subcommands. Each module exports `register(program, ctx)`.
import type { RegisterCommand } from '../program.js';
import { register as blame } from './blame.js';
import { register as capture } from './capture.js';
import { register as demo } from './demo.js';
import { register as detail } from './detail.js';
import { register as drill } from './drill.js';
import { register as erase } from './erase.js';
import { register as hooks } from './hooks.js';
import { register as exportRecords } from './export.js';
import { register as keygen } from './keygen.js';
import { register as ledger } from './ledger.js';
import { register as prove } from './prove.js';
import { register as record } from './record.js';
import { register as report } from './report.js';
import { register as scan } from './scan.js';
import { register as verify } from './verify.js';
import { register as verifyProof } from './verify-proof.js';
import { register as witness } from './witness.js';

export type { RegisterCommand } from '../program.js';

export const COMMANDS: readonly RegisterCommand[] = [
  scan,
  demo,
  keygen,
  verify,
  prove,
  verifyProof,
  erase,
  report,
  blame,
  drill,
  ledger,
  witness,
  detail,
  hooks,
  exportRecords,
  capture,
  record,
];
