// Random-access, read-only views of a file's bytes. Readers ask for (offset, length) and get exactly that
// or a DataDirError; no reader ever loads a whole file it does not need. Files are opened with flag 'r'
// only: no write, no lock, so the data dir of a running etcd can be read too.
import * as fs from 'node:fs';
import { DataDirError } from './errors';

export interface ByteSource {
  /** Name used in error messages (the file path). */
  readonly name: string;
  readonly size: number;
  /** Exactly `length` bytes at `offset`, or a DataDirError('truncated'). */
  read(offset: number, length: number): Buffer;
  close(): void;
}

function checkRange(source: ByteSource, offset: number, length: number, what: string): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new DataDirError('bad-length', source.name, Number.isSafeInteger(offset) ? offset : null, `invalid ${what} range`);
  }
  if (offset + length > source.size) {
    throw new DataDirError('truncated', source.name, offset,
      `${what} needs ${length} bytes but the file has ${Math.max(0, source.size - offset)} left (size ${source.size})`);
  }
}

const FIRST_CHUNK = 64 * 1024; // read-ahead window grows from 64 KiB...
const MAX_CHUNK = 4 << 20; // ...to 4 MiB

/** Sliding read window over a source, so a sequential reader costs one read per MiB, not one per record. */
export class ReadWindow {
  private buf: Buffer = Buffer.alloc(0);
  private start = 0;
  private chunk = FIRST_CHUNK;
  bytesRead = 0;

  constructor(private readonly source: ByteSource) {}

  /** Returns [buffer, position of `offset` in it]; caller guarantees offset + length <= size. */
  get(offset: number, length: number): [Buffer, number] {
    if (offset < this.start || offset + length > this.start + this.buf.length) {
      const want = Math.min(Math.max(length, this.chunk), this.source.size - offset);
      this.chunk = Math.min(this.chunk * 2, MAX_CHUNK);
      this.buf = this.source.read(offset, want);
      this.start = offset;
      this.bytesRead += want;
    }
    return [this.buf, offset - this.start];
  }
}

export class FileSource implements ByteSource {
  private fd: number | null;
  readonly size: number;
  /** Bytes handed out so far: benchmarks and tests check that reads stay small. */
  bytesRead = 0;
  reads = 0;

  constructor(readonly name: string) {
    this.fd = fs.openSync(name, 'r');
    try {
      const st = fs.fstatSync(this.fd);
      if (!st.isFile()) throw new DataDirError('io', name, null, 'not a regular file');
      this.size = st.size;
    } catch (err) {
      fs.closeSync(this.fd);
      this.fd = null;
      throw err;
    }
  }

  read(offset: number, length: number): Buffer {
    checkRange(this, offset, length, 'read');
    if (this.fd === null) throw new DataDirError('io', this.name, offset, 'file already closed');
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = fs.readSync(this.fd, buf, done, length - done, offset + done);
      // The file shrank under us (a running etcd truncating a torn tail): report it as truncated bytes.
      if (n === 0) throw new DataDirError('truncated', this.name, offset + done, 'file ended while reading');
      done += n;
    }
    this.bytesRead += length;
    this.reads++;
    return buf;
  }

  close(): void {
    if (this.fd !== null) { fs.closeSync(this.fd); this.fd = null; }
  }
}

/** The same interface over bytes in memory: fuzz tests mutate real files' bytes without touching disk. */
export class BufferSource implements ByteSource {
  bytesRead = 0;
  reads = 0;
  /** Largest single read: tests assert it never exceeds the source size. */
  largestRead = 0;

  constructor(readonly name: string, private readonly bytes: Buffer) {}

  get size(): number {
    return this.bytes.length;
  }

  read(offset: number, length: number): Buffer {
    checkRange(this, offset, length, 'read');
    this.bytesRead += length;
    this.reads++;
    if (length > this.largestRead) this.largestRead = length;
    return this.bytes.subarray(offset, offset + length);
  }

  close(): void { /* nothing held */ }
}

/** Opens a FileSource, turning fs errors into DataDirError('io'). */
export function openFile(path: string): FileSource {
  try {
    return new FileSource(path);
  } catch (err) {
    if (err instanceof DataDirError) throw err;
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied'
      : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new DataDirError('io', path, null, why);
  }
}
