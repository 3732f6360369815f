// A minimal reader for gzip-compressed tar archives (npm package tarballs): regular files only.
// Understands ustar names with prefix, GNU long names ('L') and pax extended headers ('x', 'g')
// for `path`. Limits: no sparse files, no links (skipped), entries are read fully into memory,
// which is fine for npm tarballs (the registry caps packages well below memory size).

import { gunzipSync } from 'node:zlib';
import { CorpusError } from './corpus-error.js';

export interface TarFile {
  /** Path as written in the archive, e.g. `package/src/index.ts`. Archive-controlled. */
  readonly path: string;
  readonly data: Buffer;
}

const BLOCK = 512;

function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

function octal(header: Buffer, offset: number, length: number): number {
  const text = field(header, offset, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new CorpusError('BAD_ARCHIVE', `tar header size ${JSON.stringify(text)} is not octal`);
  return parseInt(text, 8);
}

/** Parses pax records `"<len> <key>=<value>\n"` and returns the `path` value when present. */
function paxPath(data: Buffer): string | undefined {
  let pos = 0;
  let path: string | undefined;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const len = parseInt(data.subarray(pos, space).toString('ascii'), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = data.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0 && record.slice(0, eq) === 'path') path = record.slice(eq + 1);
    pos += len;
  }
  return path;
}

/** Regular files of a `.tgz`, in archive order. Throws CorpusError on a truncated archive. */
export function readTarGz(gz: Buffer): TarFile[] {
  const tar = gunzipSync(gz);
  const files: TarFile[] = [];
  let pos = 0;
  let longName: string | undefined;
  let ended = false;
  while (pos + BLOCK <= tar.length) {
    const header = tar.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) {
      ended = true;
      break;
    }
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 0x30);
    const dataStart = pos + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > tar.length) throw new CorpusError('BAD_ARCHIVE', `tar entry at offset ${pos} runs past the end of the archive`);
    const data = tar.subarray(dataStart, dataEnd);
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = field(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === 'g') continue;
    const magic = field(header, 257, 6);
    const prefix = magic.startsWith('ustar') ? field(header, 345, 155) : '';
    const name = field(header, 0, 100);
    const path = longName ?? (prefix === '' ? name : `${prefix}/${name}`);
    longName = undefined;
    if (type === '0' || type === '\0') files.push({ path, data: Buffer.from(data) });
  }
  // Without the end-of-archive block, only an archive that stops exactly on an entry boundary
  // is accepted; anything else lost bytes.
  if (!ended && pos !== tar.length) throw new CorpusError('BAD_ARCHIVE', `tar archive truncated at offset ${tar.length}`);
  return files;
}
