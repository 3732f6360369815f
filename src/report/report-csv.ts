// `trailmark report --format csv`: one row per finding, streamed (never held in memory), with
// a header row. RFC 4180: CRLF line ends, fields with a comma, quote, CR or LF are quoted and
// quotes doubled. Spreadsheet formula injection (OWASP "CSV injection"): a text field starting
// with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'` so no spreadsheet evaluates it.
// Controls, bidi and zero-width characters in untrusted text are made visible (escape.ts).
import { visibleText } from './escape.js';
import type { FindingRow } from './model.js';

export const FINDINGS_CSV_COLUMNS: readonly (keyof FindingRow)[] = [
  'time',
  'week',
  'repository',
  'pullRequest',
  'head',
  'path',
  'startLine',
  'endLine',
  'finding',
  'level',
  'score',
  'sensitive',
  'ledger',
  'seq',
  'hash',
];

const FORMULA_START = new Set(['=', '+', '-', '@', '\t', '\r']);

/** One CSV field: null is empty, numbers and booleans as is, text guarded and quoted as needed. */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  let text = visibleText(value);
  if (text.length > 0 && FORMULA_START.has(text[0]!)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(row: FindingRow): string {
  return `${FINDINGS_CSV_COLUMNS.map((c) => csvField(row[c])).join(',')}\r\n`;
}

export const FINDINGS_CSV_HEADER = `${FINDINGS_CSV_COLUMNS.join(',')}\r\n`;

/** The CSV text, chunk by chunk: the header, then one line per row as the rows arrive. */
export async function* renderFindingsCsv(rows: AsyncIterable<FindingRow>): AsyncIterable<string> {
  yield FINDINGS_CSV_HEADER;
  for await (const row of rows) yield csvRow(row);
}
