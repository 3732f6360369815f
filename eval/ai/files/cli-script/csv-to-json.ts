import { readFile, writeFile } from 'node:fs/promises';

export function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let inQuotes = false;

  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        inQuotes = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      inQuotes = true;
    } else if (ch === delimiter) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += ch;
    }
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

async function main() {
  const [input, output] = process.argv.slice(2);
  if (!input) {
    console.error('Usage: csv-to-json <input.csv> [output.json]');
    process.exit(1);
  }
  const [header, ...rows] = parseCsv(await readFile(input, 'utf8'));
  if (!header) throw new Error('CSV file is empty');
  const records = rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
  const json = JSON.stringify(records, null, 2);
  if (output) {
    await writeFile(output, json + '\n');
    console.log(`Wrote ${records.length} records to ${output}`);
  } else {
    console.log(json);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
