// The one error every data-dir reader throws for bad bytes or unreadable files: a code a program can act
// on, and a message naming the file and the byte offset an operator can look at.

export type DataDirErrorCode =
  | 'io'                 // the file could not be opened or read
  | 'truncated'          // the bytes end before a structure does
  | 'bad-length'         // a length field points past the end of the file
  | 'bad-crc'            // a CRC-32C check failed
  | 'bad-checksum'       // a bbolt meta checksum failed
  | 'bad-magic'          // not the file type it should be
  | 'bad-protobuf'       // a protobuf message could not be decoded
  | 'bad-record'         // a WAL record type or content etcd would refuse
  | 'bad-page'           // a bbolt page id, type or element out of range
  | 'page-cycle'         // bbolt page pointers loop
  | 'too-deep'           // a bbolt tree deeper or larger than any real db
  | 'too-large'          // a file larger than the reader accepts
  | 'bad-json'           // a JSON value etcd wrote could not be parsed
  | 'bad-sequence'       // WAL file names do not follow each other
  | 'metadata-conflict'  // WAL segments disagree on member/cluster id
  | 'snapshot-mismatch'  // a WAL snapshot record contradicts the snapshot etcd will load
  | 'entry-gap';         // raft entries skip indexes etcd cannot fill

export class DataDirError extends Error {
  constructor(
    readonly code: DataDirErrorCode,
    readonly file: string,
    readonly offset: number | null,
    detail: string,
  ) {
    super(`${file}${offset === null ? '' : ` at byte ${offset}`}: ${detail}`);
    this.name = 'DataDirError';
  }
}

/** Wraps anything a reader threw into a DataDirError, so callers only ever see the typed error. */
export function asDataDirError(err: unknown, file: string): DataDirError {
  if (err instanceof DataDirError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && typeof e.syscall === 'string') {
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : e.message;
    return new DataDirError('io', file, null, why);
  }
  // A RangeError from a Buffer method means a length we did not bound; still a bad-bytes error to the caller.
  return new DataDirError('bad-record', file, null, `unreadable content (${(err as Error)?.message ?? String(err)})`);
}
