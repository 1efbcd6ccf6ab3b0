// Which real etcd the tests, benchmarks and `npm start` run: ETCD_OPS_ETCD_VERSION = 3.4 | 3.5 | 3.6 | 3.7
// (default 3.6, what distros ship now). 3.4 is Debian's package; 3.5+ are built from their Go modules by
// scripts/build-servers.mjs into ${XDG_CACHE_HOME:-~/.cache}/etcd-ops/servers/etcd-<version>-go<gover>/.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type EtcdMinor = '3.4' | '3.5' | '3.6' | '3.7';
export const ETCD_MINORS: readonly EtcdMinor[] = ['3.4', '3.5', '3.6', '3.7'];
export const DEFAULT_ETCD_MINOR: EtcdMinor = '3.6';

export interface EtcdBinaries {
  minor: EtcdMinor;
  /** Full version without "v", e.g. "3.6.16": pinned for built servers, Debian's own for 3.4. */
  version: string;
  etcd: string;
  etcdctl: string;
  /** 3.4 has no etcdutl: its `etcdctl snapshot status|restore` is the equivalent. */
  etcdutl: string | null;
  /** Folder to put first on PATH so child processes (npm start, the CLI) find the same binaries. */
  binDir: string;
  /** Environment etcdctl needs: 3.4 reads ETCDCTL_API; 3.6+ warn about it as an unknown variable. */
  ctlEnv: Record<string, string>;
}

const root = path.resolve(__dirname, '..', '..');
const DEBIAN_ETCD = '/usr/bin/etcd';
const DEBIAN_ETCDCTL = '/usr/bin/etcdctl';

export function serversCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'etcd-ops', 'servers');
}

export function etcdPins(): Record<string, string> {
  const file = path.join(root, 'test', 'servers', 'versions.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { etcd: Record<string, string> }).etcd;
}

export function requestedMinor(env: NodeJS.ProcessEnv = process.env): EtcdMinor {
  const raw = (env.ETCD_OPS_ETCD_VERSION ?? '').trim().replace(/^v/, '');
  if (!raw) return DEFAULT_ETCD_MINOR;
  const minor = /^3\.\d+/.exec(raw)?.[0];
  if (!minor || !(ETCD_MINORS as readonly string[]).includes(minor)) {
    throw new Error(`ETCD_OPS_ETCD_VERSION=${env.ETCD_OPS_ETCD_VERSION} is not one of ${ETCD_MINORS.join(', ')}`);
  }
  return minor as EtcdMinor;
}

const executable = (file: string) => {
  try { fs.accessSync(file, fs.constants.X_OK); return true; } catch { return false; }
};

let goVersionMemo: string | null | undefined;
function goVersion(): string | null {
  if (goVersionMemo === undefined) {
    const r = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8', timeout: 10_000 });
    goVersionMemo = r.status === 0 ? r.stdout.trim() : null;
  }
  return goVersionMemo;
}

/**
 * The build folder of a pinned version: the one made with the Go on PATH when there is one, else the
 * newest complete folder of that version (a machine may run tests without Go once servers are built).
 */
export function builtServerDir(version: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const cache = serversCacheDir(env);
  const complete = (dir: string) => ['etcd', 'etcdctl', 'etcdutl'].every((b) => executable(path.join(cache, dir, b)));
  let names: string[] = [];
  try { names = fs.readdirSync(cache); } catch { return null; }
  const candidates = names.filter((n) => n.startsWith(`etcd-${version}-go`) && complete(n)).sort();
  if (!candidates.length) return null;
  const go = goVersion();
  const exact = go ? candidates.find((n) => n === `etcd-${version}-${go}`) : undefined;
  return path.join(cache, exact ?? candidates[candidates.length - 1]);
}

function debianVersion(): string {
  const r = spawnSync(DEBIAN_ETCD, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return /etcd Version:\s*(\S+)/.exec(r.stdout ?? '')?.[1] ?? '3.4';
}

const memo = new Map<EtcdMinor, EtcdBinaries>();

/** The binaries of the requested version; throws a message that says how to get them when missing. */
export function etcdBinaries(minor: EtcdMinor = requestedMinor()): EtcdBinaries {
  const known = memo.get(minor);
  if (known) return known;
  let found: EtcdBinaries;
  if (minor === '3.4') {
    if (!executable(DEBIAN_ETCD) || !executable(DEBIAN_ETCDCTL)) {
      throw new Error(`etcd 3.4 is Debian's package and is not installed: apt-get install etcd-server etcd-client`);
    }
    found = { minor, version: debianVersion(), etcd: DEBIAN_ETCD, etcdctl: DEBIAN_ETCDCTL, etcdutl: null, binDir: '/usr/bin', ctlEnv: { ETCDCTL_API: '3' } };
  } else {
    const version = etcdPins()[minor];
    if (!version) throw new Error(`no etcd ${minor} pin in test/servers/versions.json`);
    const dir = builtServerDir(version);
    if (!dir) {
      throw new Error(`etcd ${version} is not built (looked in ${serversCacheDir()}/etcd-${version}-go*/): ` +
        `run "node scripts/build-servers.mjs ${minor}"`);
    }
    found = {
      minor, version: version.replace(/^v/, ''), etcd: path.join(dir, 'etcd'), etcdctl: path.join(dir, 'etcdctl'),
      etcdutl: path.join(dir, 'etcdutl'), binDir: dir, ctlEnv: {},
    };
  }
  memo.set(minor, found);
  return found;
}

/**
 * The command for an offline snapshot subcommand (`status`, `restore`): etcdutl where it exists (3.6 removed
 * them from etcdctl), else 3.4's `etcdctl snapshot`.
 */
export function snapshotCommand(b: EtcdBinaries, sub: 'status' | 'restore', args: string[]): { cmd: string; args: string[]; env: Record<string, string> } {
  if (b.etcdutl) return { cmd: b.etcdutl, args: ['snapshot', sub, ...args], env: {} };
  return { cmd: b.etcdctl, args: ['snapshot', sub, ...args], env: b.ctlEnv };
}

/**
 * What `npm start` runs: the version ETCD_OPS_ETCD_VERSION names, else the built default (3.6) when present,
 * else Debian's 3.4; null when there is no etcd at all (the product then shows the simulated cluster).
 */
export function binariesForStart(env: NodeJS.ProcessEnv = process.env): EtcdBinaries | null {
  if (env.ETCD_OPS_ETCD_VERSION) return etcdBinaries(requestedMinor(env));
  for (const minor of [DEFAULT_ETCD_MINOR, '3.4'] as const) {
    try { return etcdBinaries(minor); } catch { /* try the next */ }
  }
  return null;
}

/** For tests whose expectation depends on the version, e.g. atLeast(cluster.binaries.minor, '3.6'). */
export function atLeast(minor: EtcdMinor, than: EtcdMinor): boolean {
  const n = (m: string) => Number(m.split('.')[1]);
  return n(minor) >= n(than);
}

/** Shows on one line which server a suite runs on. */
export function describeEtcd(b: EtcdBinaries = etcdBinaries()): string {
  return `etcd ${b.version} (${b.etcd})`;
}
