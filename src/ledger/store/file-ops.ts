// The file-system calls the directory store makes, behind a narrow port so that tests can
// inject a failure at any single step (write, fsync, rename...) and check what survives.
import * as fs from 'node:fs';

export interface FileOps {
  openSync(path: string, flags: string | number, mode?: number): number;
  closeSync(fd: number): void;
  /** Returns the number of bytes written (may be short). */
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null): number;
  /** Asynchronous read, for streaming large files without blocking the event loop. */
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  fsyncSync(fd: number): void;
  /**
   * Asynchronous fsync (libuv's thread pool): several in flight at once are committed together
   * by the file system's journal, so a commit overlaps the fsyncs it may overlap.
   */
  fsync(fd: number): Promise<void>;
  ftruncateSync(fd: number, length: number): void;
  fstatSync(fd: number): { readonly size: number };
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  mkdirSync(path: string): void;
  readdirSync(path: string): string[];
  /** null when the file does not exist. */
  readFileOrNull(path: string): Buffer | null;
  /** Modification time in ms since the epoch, null when the file does not exist. */
  mtimeMs(path: string): number | null;
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

export const nodeFileOps: FileOps = {
  openSync: (p, flags, mode) => fs.openSync(p, flags, mode),
  closeSync: (fd) => fs.closeSync(fd),
  writeSync: (fd, b, o, l, pos) => fs.writeSync(fd, b, o, l, pos),
  readSync: (fd, b, o, l, pos) => fs.readSync(fd, b, o, l, pos),
  read: (fd, b, o, l, pos) =>
    new Promise((resolve, reject) => fs.read(fd, b, o, l, pos, (err, n) => (err ? reject(err) : resolve(n)))),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  fsync: (fd) => new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve()))),
  ftruncateSync: (fd, l) => fs.ftruncateSync(fd, l),
  fstatSync: (fd) => fs.fstatSync(fd),
  renameSync: (a, b) => fs.renameSync(a, b),
  unlinkSync: (p) => fs.unlinkSync(p),
  mkdirSync: (p) => void fs.mkdirSync(p, { recursive: true }),
  readdirSync: (p) => fs.readdirSync(p),
  readFileOrNull: (p) => {
    try {
      return fs.readFileSync(p);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  },
  mtimeMs: (p) => {
    try {
      return fs.statSync(p).mtimeMs;
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  },
};

export { isNotFound };
