// Loads a bundle (dist/grpc.js, dist/cli-main.js) with V8's code cache, so a second run does not compile
// half a megabyte of JavaScript again. The cache lives in the user's cache dir, keyed by the bundle's
// content hash, the Node version and the architecture; a cache V8 rejects, or a dir we cannot write, only
// costs the compile we would have paid anyway. Nothing here may fail a load that plain require would not.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';

/** How the cache served a load: used, absent (made now), rejected by V8 (made again), or not usable. */
export type CodeCacheOutcome = 'hit' | 'miss' | 'rejected' | 'off';

export interface CachedLoad {
  exports: unknown;
  outcome: CodeCacheOutcome;
  /** Writes the cache now (it is otherwise written at exit, or a few seconds after load in a long-lived process). */
  flush(): void;
}

export interface CodeCacheOptions {
  /** Default: codeCacheDir(), or off when ETCD_OPS_CODE_CACHE=off; null turns the cache off. */
  dir?: string | null;
  /** Run as the process's main module (`require.main === module` inside the bundle holds). */
  asMain?: boolean;
}

/** $XDG_CACHE_HOME/etcd-ops/code-cache, else ~/.cache/etcd-ops/code-cache. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'etcd-ops', 'code-cache');
}

/** The cache file of one bundle content on this Node and architecture. */
export function codeCacheFile(dir: string, file: string, source: string): string {
  const key = createHash('sha256').update(source).update('\0').update(process.version).update('\0').update(process.arch).digest('hex');
  return path.join(dir, `${path.basename(file)}-${key.slice(0, 32)}.v8cache`);
}

function readCache(cacheFile: string | null): Buffer | undefined {
  if (!cacheFile) return undefined;
  try {
    return fs.readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

/** Atomic (temp file + rename), so a concurrent run reads a whole cache or none; older caches of the same bundle go. */
function writeCache(cacheFile: string, data: Buffer): void {
  try {
    const dir = path.dirname(cacheFile);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, data, { mode: 0o600 });
    fs.renameSync(tmp, cacheFile);
    const prefix = path.basename(cacheFile).replace(/-[0-9a-f]{32}\.v8cache$/, '-');
    for (const f of fs.readdirSync(dir)) {
      if (f.startsWith(prefix) && f.endsWith('.v8cache') && f !== path.basename(cacheFile)) fs.rmSync(path.join(dir, f), { force: true });
    }
  } catch {
    // Unwritable or full: the next run compiles again, nothing else changes.
  }
}

/**
 * Requires `file` (a CommonJS bundle) through vm.Script with cached data. The module gets its own require
 * (resolving next to the file), module, __filename and __dirname, as Node's loader would give it.
 */
export function requireWithCodeCache(file: string, options: CodeCacheOptions = {}): CachedLoad {
  const source = fs.readFileSync(file, 'utf8');
  const dir = options.dir === undefined ? (process.env.ETCD_OPS_CODE_CACHE === 'off' ? null : codeCacheDir()) : options.dir;
  const cacheFile = dir ? codeCacheFile(dir, file, source) : null;
  const cachedData = readCache(cacheFile);
  // A shebang is only valid as a script's first line; inside the module wrapper it becomes a comment.
  const body = source.startsWith('#!') ? `//${source}` : source;
  const script = new vm.Script(Module.wrap(body), { filename: file, cachedData });
  const outcome: CodeCacheOutcome = !cacheFile ? 'off' : !cachedData ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';

  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  const moduleRequire = Module.createRequire(file);
  if (options.asMain) (moduleRequire as { main: unknown }).main = mod;

  let written = outcome === 'hit' || outcome === 'off';
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (written) return;
    written = true;
    if (timer) clearTimeout(timer);
    process.removeListener('exit', flush);
    // Made after the run, the cache also holds the functions compiled lazily while it ran.
    writeCache(cacheFile!, script.createCachedData());
  };
  if (!written) {
    process.once('exit', flush);
    timer = setTimeout(flush, 5000);
    timer.unref();
  }

  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(mod.exports, mod.exports, moduleRequire, mod, file, path.dirname(file));
  mod.loaded = true;
  return { exports: mod.exports, outcome, flush };
}
