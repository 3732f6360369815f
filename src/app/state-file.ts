// A small JSON document on disk, replaced atomically (write a temporary file, fsync, rename):
// after a crash the file holds the old or the new document, never a mix. Writes through one
// StateFile object are serialized.
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Process-wide, so two StateFile objects over one path never share a temporary name. */
let temporaryCounter = 0;

export class StateFile<T> {
  #chain: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string, readonly empty: () => T) {}

  /** The stored document, or `empty()` when the file does not exist. A corrupt file throws. */
  async read(): Promise<T> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.empty();
      throw err;
    }
    return JSON.parse(text) as T;
  }

  /** Reads, applies `change`, writes back; serialized with every other update of this object. */
  update<R>(change: (doc: T) => R): Promise<R> {
    const next = this.#chain.then(async () => {
      const doc = await this.read();
      const out = change(doc);
      await this.#write(doc);
      return out;
    });
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #write(doc: T): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.${temporaryCounter++}.tmp`;
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify(doc));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.path);
  }
}
