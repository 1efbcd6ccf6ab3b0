// Read-only access to a node's files under a root directory (tests point it at a fake tree). Never writes or
// locks; every failure becomes a reason a finding can state (missing, permission denied, not text, too big).
import * as fs from 'node:fs';
import * as path from 'node:path';

export type FileRead =
  | { ok: true; text: string; path: string }
  | { ok: false; reason: 'missing'; path: string }
  | { ok: false; reason: 'unreadable'; detail: string; path: string };

export type BytesRead =
  | { ok: true; data: Buffer; path: string }
  | Exclude<FileRead, { ok: true }>;

/** Config files and certificates are small; anything bigger is not what we are looking for. */
const MAX_BYTES = 1024 * 1024;

function describe(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'it is a directory';
    case 'ELOOP': return 'symbolic link loop';
    default: return (err as Error).message;
  }
}

export class NodeFs {
  constructor(readonly root: string = '/') {}

  /** The real path of a path as it would be on the node. */
  path(nodePath: string): string {
    return path.resolve(this.root, `.${path.posix.resolve('/', nodePath)}`);
  }

  /** True if anything is there, even a dangling or looping symlink. */
  exists(nodePath: string): boolean {
    try {
      fs.lstatSync(this.path(nodePath));
      return true;
    } catch {
      return false;
    }
  }

  isDir(nodePath: string): boolean {
    try {
      return fs.statSync(this.path(nodePath)).isDirectory();
    } catch {
      return false;
    }
  }

  list(nodePath: string): string[] {
    try {
      return fs.readdirSync(this.path(nodePath)).sort();
    } catch {
      return [];
    }
  }

  /** The raw bytes (certificates may be DER; config readers want text, see read()). */
  readBytes(nodePath: string): BytesRead {
    const real = this.path(nodePath);
    try {
      const st = fs.statSync(real);
      if (st.isDirectory()) return { ok: false, reason: 'unreadable', detail: 'it is a directory', path: real };
      if (st.size > MAX_BYTES) return { ok: false, reason: 'unreadable', detail: `larger than ${MAX_BYTES} bytes`, path: real };
      return { ok: true, data: fs.readFileSync(real), path: real };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A dangling symlink reads as missing; a looping one (ELOOP) as unreadable.
      if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, reason: 'missing', path: real };
      return { ok: false, reason: 'unreadable', detail: describe(err), path: real };
    }
  }

  /** UTF-8 text; other bytes make the file unreadable (a config file that is not text is not one we can use). */
  read(nodePath: string): FileRead {
    const r = this.readBytes(nodePath);
    if (!r.ok) return r;
    try {
      return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(r.data), path: r.path };
    } catch {
      return { ok: false, reason: 'unreadable', detail: 'not UTF-8 text', path: r.path };
    }
  }
}
