// Builds the real etcd servers the test rig runs: etcd, etcdctl and etcdutl for each release pinned in
// test/servers/versions.json, from a small wrapper module of ours (test/servers/etcd/v3.X/) that requires
// that release's Go modules. etcd's own modules carry `replace` directives, so `go install …@version`
// refuses them; a wrapper that only requires them builds.
//
//   node scripts/build-servers.mjs            build every pin (3.6 first: it is the default)
//   node scripts/build-servers.mjs 3.6 3.5    build only those minors, in that order
//
// Output: ${XDG_CACHE_HOME:-~/.cache}/etcd-ops/servers/etcd-<version>-<goversion>/{etcd,etcdctl,etcdutl}.
// A folder that holds all three is cached and never rebuilt. Each build goes to a temporary folder that is
// renamed into place only after every binary answered its version, so a killed build leaves no half set.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const BINARIES = ['etcd', 'etcdctl', 'etcdutl'];
// Bounds so a stuck proxy or compiler fails the run instead of hanging CI.
const TIDY_TIMEOUT_MS = 10 * 60_000;
const BUILD_TIMEOUT_MS = 30 * 60_000;
const VERSION_TIMEOUT_MS = 30_000;

export function serversCacheDir(env = process.env) {
  const cacheHome = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'etcd-ops', 'servers');
}

export function etcdPins() {
  const file = path.join(root, 'test', 'servers', 'versions.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).etcd;
}

function goVersion() {
  const r = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8', timeout: VERSION_TIMEOUT_MS });
  if (r.error || r.status !== 0) {
    throw new Error(`cannot run "go env GOVERSION" (${r.error?.message ?? r.stderr.trim()}); Go 1.26+ must be on PATH`);
  }
  return r.stdout.trim();
}

function isComplete(dir) {
  return BINARIES.every((b) => {
    try { fs.accessSync(path.join(dir, b), fs.constants.X_OK); return true; } catch { return false; }
  });
}

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

// etcd answers --version; etcdctl and etcdutl have a `version` command instead (as the released binaries do).
function reportedVersion(dir, binary) {
  const args = binary === 'etcd' ? ['--version'] : ['version'];
  const r = spawnSync(path.join(dir, binary), args, { encoding: 'utf8', timeout: VERSION_TIMEOUT_MS });
  const text = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const m = /(?:etcd Version|etcdctl version|etcdutl version):\s*(\S+)/.exec(text);
  return m ? m[1] : `unreadable (${text.trim().split('\n')[0] || r.error?.message || 'no output'})`;
}

function wrapperGoMod(version) {
  const mods = ['server', 'etcdctl', 'etcdutl', 'pkg'];
  return [
    'module etcd-ops.test/servers/etcd', '', 'go 1.26', '', 'require (',
    ...mods.map((m) => `\tgo.etcd.io/etcd/${m}/v3 ${version}`), ')', '',
  ].join('\n');
}

function buildOne(minor, version, gover, cacheDir) {
  const outDir = path.join(cacheDir, `etcd-${version}-${gover}`);
  if (isComplete(outDir)) {
    console.log(`etcd ${version}: cached at ${outDir}`);
    return { version, outDir, seconds: 0, cached: true };
  }
  const wrapper = path.join(root, 'test', 'servers', 'etcd', `v${minor}`);
  if (!fs.existsSync(wrapper)) throw new Error(`no wrapper module for etcd ${minor} at ${path.relative(root, wrapper)}`);

  console.log(`etcd ${version}: building with ${gover} into ${outDir}`);
  const started = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `etcd-ops-build-${version}-`));
  fs.mkdirSync(cacheDir, { recursive: true });
  const partial = fs.mkdtempSync(path.join(cacheDir, `.partial-etcd-${version}-`));
  try {
    fs.cpSync(wrapper, work, { recursive: true });
    fs.writeFileSync(path.join(work, 'go.mod'), wrapperGoMod(version));
    // -mod=mod lets tidy write go.sum from the proxy's checksums (the wrapper has no committed go.sum).
    const env = { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=mod`.trim() };
    run('go', ['mod', 'tidy'], { cwd: work, env, timeout: TIDY_TIMEOUT_MS });
    run('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', partial + path.sep,
      ...BINARIES.map((b) => `./${b}`)], { cwd: work, env, timeout: BUILD_TIMEOUT_MS });
    const want = version.replace(/^v/, '');
    for (const b of BINARIES) {
      const got = reportedVersion(partial, b);
      if (got !== want) throw new Error(`${b} built for ${version} reports version ${got}`);
    }
    // mkdtemp makes the folder private; the servers are for every user of this machine's tests.
    fs.chmodSync(partial, 0o755);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.renameSync(partial, outDir);
  } finally {
    fs.rmSync(partial, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`etcd ${version}: built in ${seconds} s (${BINARIES.join(', ')} answer ${version})`);
  return { version, outDir, seconds, cached: false };
}

function main() {
  const pins = etcdPins();
  const requested = process.argv.slice(2);
  // 3.6 first: it is the default version and the one other work waits for.
  const order = requested.length ? requested : ['3.6', ...Object.keys(pins).filter((m) => m !== '3.6').sort()];
  const unknown = order.filter((m) => !pins[m]);
  if (unknown.length) {
    console.error(`no pin for etcd ${unknown.join(', ')} in test/servers/versions.json (pinned: ${Object.keys(pins).join(', ')})`);
    process.exit(2);
  }
  const gover = goVersion();
  const cacheDir = serversCacheDir();
  const started = Date.now();
  let failed = false;
  for (const minor of order) {
    try {
      buildOne(minor, pins[minor], gover, cacheDir);
    } catch (err) {
      failed = true;
      console.error(`etcd ${pins[minor]}: build failed: ${err.message}`);
    }
  }
  console.log(`etcd servers: done in ${Math.round((Date.now() - started) / 1000)} s`);
  process.exit(failed ? 1 : 0);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
