// Wires the Action to the engine, report/ and config/, with the system clock and randomness.
import { parsePolicy } from '../config/policy.js';
import { TOOL_VERSION } from '../core/version.js';
import { analyzeChange } from '../engine/analyze.js';
import { recordScan } from '../engine/record.js';
import { toAnnotations } from '../report/annotations.js';
import { renderMarkdown } from '../report/markdown.js';
import { renderSarif } from '../report/sarif.js';
import { runAndReport } from './run.js';

/** Room kept in the check-run summary for the ledger paragraph appended after the report. */
const LEDGER_NOTE_ROOM = 2_000;

export function main(): Promise<void> {
  return runAndReport({
    analyze: (changeSet, policy) => analyzeChange(changeSet, { policy }),
    record: recordScan,
    parsePolicy: (text, source) => parsePolicy(text, { source }),
    renderMarkdown: (result, failOn) => renderMarkdown(result, { maxBytes: 65_535 - LEDGER_NOTE_ROOM, failOn }),
    toAnnotations,
    renderSarif: (result) => renderSarif(result, { toolVersion: TOOL_VERSION }),
    env: process.env,
  });
}
