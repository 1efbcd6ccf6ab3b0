// The sha256 of a file's first bytes, computed on a worker thread while the page walk runs on this one: on a
// 1 GB snapshot the two cost about the same, so in parallel the check takes the time of the slower one. The
// caller waits for the digest synchronously (Atomics.wait on a shared buffer), so the status stays a plain call.
import { Worker } from 'node:worker_threads';

// Plain JavaScript, run with eval: it needs no bundling and reads the file through its own read-only descriptor.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const { file, length, shared } = workerData;
const state = new Int32Array(shared, 0, 1);
const out = new Uint8Array(shared, 4, 32);
let result = 2;
let fd = null;
try {
  fd = fs.openSync(file, 'r');
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(4 << 20);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, 0, Math.min(buf.length, length - done), done);
    if (n === 0) break;
    hash.update(n === buf.length ? buf : buf.subarray(0, n));
    done += n;
  }
  if (done === length) { out.set(hash.digest()); result = 1; }
} catch (e) { result = 2; } finally { if (fd !== null) try { fs.closeSync(fd); } catch (e) {} }
Atomics.store(state, 0, result);
Atomics.notify(state, 0);
`;

export interface PendingDigest {
  /** The digest, or null when the file could not be read whole; waits at most `timeoutMs`. */
  wait(timeoutMs: number): Buffer | null | 'timeout';
}

/** Starts hashing `length` bytes of `file`; null when no worker can be started (the caller hashes itself). */
export function startSha256(file: string, length: number): PendingDigest | null {
  const shared = new SharedArrayBuffer(36);
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, length, shared } });
  } catch {
    return null;
  }
  worker.unref();
  worker.on('error', () => { const s = new Int32Array(shared, 0, 1); Atomics.store(s, 0, 2); Atomics.notify(s, 0); });
  return {
    wait(timeoutMs) {
      const state = new Int32Array(shared, 0, 1);
      Atomics.wait(state, 0, 0, timeoutMs);
      const s = Atomics.load(state, 0);
      void worker.terminate();
      if (s === 0) return 'timeout';
      return s === 1 ? Buffer.from(new Uint8Array(shared, 4, 32)) : null;
    },
  };
}
