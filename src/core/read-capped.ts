// Reads a whole small file (certificate, key, kubeconfig, snap file) with a size cap: a file larger than
// any real one of its kind is refused with a clear error before it is read, and a file that grows while
// being read is refused too, so a stray or hostile path never costs more memory than the cap.
import * as fs from 'node:fs';

export class CappedReadError extends Error {
  /** The fs error code (ENOENT, EACCES, ...) when the file could not be opened, for callers that treat a missing file as absent. */
  errno?: string;

  constructor(readonly code: 'unreadable' | 'not-a-file' | 'too-large', readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'CappedReadError';
  }
}

/** The file's bytes, at most `maxBytes`; `what` names the kind of file in the too-large message. */
export function readFileCapped(file: string, maxBytes: number, what = 'file'): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const e = new CappedReadError('unreadable', file, code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (err as Error).message);
    e.errno = code;
    throw e;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new CappedReadError('not-a-file', file, 'not a regular file');
    const tooLarge = (size: number | string) => new CappedReadError('too-large', file, `${size} bytes is larger than any ${what} (limit ${maxBytes} bytes)`);
    if (st.size > maxBytes) throw tooLarge(st.size);
    // One byte more than the cap: a file that grew since fstat is caught, not silently cut.
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let done = 0;
    while (done < buf.length) {
      const n = fs.readSync(fd, buf, done, buf.length - done, done);
      if (n === 0) break;
      done += n;
    }
    if (done > maxBytes) throw tooLarge(`more than ${maxBytes}`);
    return buf.subarray(0, done);
  } catch (err) {
    if (err instanceof CappedReadError) throw err;
    throw new CappedReadError('unreadable', file, (err as Error).message);
  } finally {
    fs.closeSync(fd);
  }
}
