import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';

export type ImportErrorCode = 'NOT_FOUND' | 'TOO_LARGE' | 'UNSUPPORTED_TYPE' | 'PARSE_ERROR' | 'VALIDATION_ERROR';

export class ImportError extends Error {
  constructor(public readonly code: ImportErrorCode, message: string, public readonly details?: unknown) {
    super(message);
    this.name = 'ImportError';
  }
}

export interface Contact {
  name: string;
  email: string;
}

const MAX_SIZE = 5 * 1024 * 1024;

export async function importContacts(path: string): Promise<Contact[]> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ImportError('NOT_FOUND', `File not found: ${path}`);
    }
    throw err;
  }
  if (size > MAX_SIZE) {
    throw new ImportError('TOO_LARGE', `File is ${size} bytes; the limit is ${MAX_SIZE}`);
  }
  if (extname(path).toLowerCase() !== '.json') {
    throw new ImportError('UNSUPPORTED_TYPE', `Only .json files are supported, got ${extname(path) || 'no extension'}`);
  }

  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ImportError('PARSE_ERROR', `Could not parse ${path} as JSON`, err);
  }

  if (!Array.isArray(data)) {
    throw new ImportError('VALIDATION_ERROR', 'Expected an array of contacts');
  }

  const problems: string[] = [];
  const contacts: Contact[] = [];
  data.forEach((item, index) => {
    if (typeof item !== 'object' || item === null) {
      problems.push(`#${index}: not an object`);
      return;
    }
    const { name, email } = item as Record<string, unknown>;
    if (typeof name !== 'string' || !name.trim()) problems.push(`#${index}: missing name`);
    else if (typeof email !== 'string' || !email.includes('@')) problems.push(`#${index}: invalid email`);
    else contacts.push({ name: name.trim(), email: email.trim().toLowerCase() });
  });

  if (problems.length > 0) {
    throw new ImportError('VALIDATION_ERROR', `${problems.length} invalid contact(s)`, problems);
  }
  return contacts;
}
