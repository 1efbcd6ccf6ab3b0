// Installs code-server (a real VS Code workbench served to a browser) into a per-user cache outside the repo,
// for the end-to-end suite: @vscode/test-electron cannot download VS Code on machines without a route out,
// but the npm registry is reachable. The recipe follows DESIGN.md, "What 'real' means here".
//
//   node scripts/code-server.mjs ensure   install once (idempotent), print the code-server bin
//   node scripts/code-server.mjs path     print the code-server bin, exit 1 when not installed
//
// As a module: `await ensureCodeServer()` returns the bin path.
//
// Crash safety: everything is built in a private staging dir, the marker file is written last, and only then
// is the staging dir renamed onto the final one (an atomic step). A half-done install is never seen as done;
// leftovers of interrupted runs are removed on the next run. Two concurrent runs both build; the first rename wins.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
const MARKER = '.etcd-ops-installed.json';
// Native modules of VS Code's server that must match this machine's Node (the prebuilt ones are for Electron).
const VSCODE_NATIVE_MODULES = ['kerberos', 'node-pty', '@parcel/watcher', '@vscode/spdlog', 'native-watchdog', '@vscode/deviceid'];
const STEP_TIMEOUT_MS = 20 * 60_000;

export function codeServerCacheDir() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'etcd-ops', `code-server-${CODE_SERVER_VERSION}`);
}

function binIn(dir) {
  return path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

/** The code-server entry script, or undefined when no complete install exists. */
export function installedCodeServer() {
  const dir = codeServerCacheDir();
  return fs.existsSync(path.join(dir, MARKER)) && fs.existsSync(binIn(dir)) ? binIn(dir) : undefined;
}

function log(message) {
  process.stderr.write(`[code-server ${CODE_SERVER_VERSION}] ${message}\n`);
}

// Install steps still running, each the leader of its own process group (npm forks node-gyp, make, cc).
const runningSteps = new Set();

function killGroup(child, signal) {
  try { process.kill(-child.pid, signal); } catch { /* already gone */ }
}

// Runs one install step with its output going to the install log; on failure shows the log's tail.
function run(cmd, args, cwd, logFile, env = {}) {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(logFile, 'a');
    fs.writeSync(out, `\n$ (cd ${cwd} && ${cmd} ${args.join(' ')})\n`);
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', out, out], env: { ...process.env, ...env }, detached: true });
    runningSteps.add(child);
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STEP_TIMEOUT_MS);
    child.on('error', (err) => { clearTimeout(timer); runningSteps.delete(child); fs.closeSync(out); reject(err); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      runningSteps.delete(child);
      fs.closeSync(out);
      if (code === 0) return resolve();
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
      reject(new Error(`\`${cmd} ${args.join(' ')}\` in ${cwd} failed (${signal ?? `exit ${code}`}); full log: ${logFile}\n${tail}`));
    });
  });
}

// node-gyp needs headers for the running Node. Use the local ones when present (no download on offline
// machines); elsewhere node-gyp fetches them itself.
function nodeHeadersEnv() {
  const prefix = path.dirname(path.dirname(process.execPath));
  const header = path.join(prefix, 'include', 'node', 'node_version.h');
  if (!fs.existsSync(header)) return {};
  const text = fs.readFileSync(header, 'utf8');
  const part = (name) => text.match(new RegExp(`#define ${name} (\\d+)`))?.[1];
  const version = `v${part('NODE_MAJOR_VERSION')}.${part('NODE_MINOR_VERSION')}.${part('NODE_PATCH_VERSION')}`;
  return version === process.version ? { npm_config_nodedir: prefix } : {};
}

function isAlive(pid) {
  try { process.kill(pid, 0); return true; } catch (err) { return err.code === 'EPERM'; }
}

// Staging dirs are named <final>.partial-<pid>; remove the ones whose process is gone.
function removeAbandonedStaging(finalDir) {
  const parent = path.dirname(finalDir);
  const prefix = `${path.basename(finalDir)}.partial-`;
  if (!fs.existsSync(parent)) return;
  for (const name of fs.readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) continue;
    log(`removing an interrupted install: ${name}`);
    fs.rmSync(path.join(parent, name), { recursive: true, force: true });
  }
}

function symlinkFresh(target, link) {
  fs.rmSync(link, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(target, link);
}

async function buildInto(dir) {
  const logFile = path.join(dir, 'install.log');
  const npm = 'npm';
  const quiet = ['--no-audit', '--no-fund', '--loglevel=error'];
  const vscodeDir = path.join(dir, 'node_modules', 'code-server', 'lib', 'vscode');
  const headers = nodeHeadersEnv();
  const steps = [
    ['npm install code-server (scripts off)', async () => {
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true, name: 'etcd-ops-code-server' }));
      await run(npm, ['install', `code-server@${CODE_SERVER_VERSION}`, '--ignore-scripts', '--omit=dev', ...quiet], dir, logFile);
    }],
    ['VS Code server dependencies', () => run(npm, ['install', '--omit=dev', '--ignore-scripts', ...quiet], vscodeDir, logFile)],
    ['link Debian ripgrep', async () => {
      if (!fs.existsSync('/usr/bin/rg')) throw new Error('/usr/bin/rg is missing: install Debian ripgrep (apt-get install ripgrep)');
      symlinkFresh('/usr/bin/rg', path.join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'));
    }],
    ['rebuild native modules for this Node', () => run(npm, ['rebuild', ...VSCODE_NATIVE_MODULES], vscodeDir, logFile,
      { npm_config_yes: 'true', ...headers })],
    ['link node_modules.asar', async () => symlinkFresh('node_modules', path.join(vscodeDir, 'node_modules.asar'))],
    ['built-in extensions dependencies', () => run(npm, ['install', '--omit=dev', '--ignore-scripts', ...quiet],
      path.join(vscodeDir, 'extensions'), logFile)],
    ['rebuild argon2', () => run(npm, ['rebuild', 'argon2'], dir, logFile, { npm_config_yes: 'true', ...headers })],
    // An explicit config path keeps code-server from writing ~/.config/code-server/config.yaml.
    ['check the server starts', () => run(process.execPath, [binIn(dir), '--version'], dir, logFile,
      { CODE_SERVER_CONFIG: path.join(dir, 'config.yaml') })],
  ];
  for (const [title, step] of steps) {
    const t0 = Date.now();
    log(`${title} ...`);
    await step();
    log(`${title} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  fs.writeFileSync(path.join(dir, MARKER), JSON.stringify({ version: CODE_SERVER_VERSION, node: process.version,
    installedAt: new Date().toISOString() }, null, 2));
}

/** Installs code-server once into the cache and returns its entry script. */
export async function ensureCodeServer() {
  const ready = installedCodeServer();
  if (ready) return ready;
  const finalDir = codeServerCacheDir();
  fs.mkdirSync(path.dirname(finalDir), { recursive: true });
  removeAbandonedStaging(finalDir);
  // A final dir without marker can only come from an older, non-atomic layout: start over.
  if (fs.existsSync(finalDir)) fs.rmSync(finalDir, { recursive: true, force: true });
  const staging = `${finalDir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  const t0 = Date.now();
  log(`installing into ${finalDir} (build log: ${path.join(staging, 'install.log')})`);
  // Interrupted (Ctrl+C, a CI timeout): stop the running step's whole process tree and drop the staging dir,
  // then die of the same signal.
  const onSignal = (signal) => {
    for (const child of runningSteps) killGroup(child, 'SIGKILL');
    fs.rmSync(staging, { recursive: true, force: true });
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await buildInto(staging);
    try {
      fs.renameSync(staging, finalDir);
    } catch (err) {
      // Another run finished first: keep its install.
      if (!installedCodeServer()) throw err;
      fs.rmSync(staging, { recursive: true, force: true });
    }
  } catch (err) {
    // Keep the log of a failed install next to the cache; drop the half-built tree.
    const failedLog = `${finalDir}.failed-install.log`;
    if (fs.existsSync(path.join(staging, 'install.log'))) fs.copyFileSync(path.join(staging, 'install.log'), failedLog);
    fs.rmSync(staging, { recursive: true, force: true });
    err.message = `${err.message.replaceAll(path.join(staging, 'install.log'), failedLog)}`;
    throw err;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  log(`installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return binIn(finalDir);
}

async function main(argv) {
  const [command] = argv;
  if (command === 'ensure') {
    process.stdout.write(`${await ensureCodeServer()}\n`);
  } else if (command === 'path') {
    const bin = installedCodeServer();
    if (!bin) {
      process.stderr.write(`code-server ${CODE_SERVER_VERSION} is not installed; run: node scripts/code-server.mjs ensure\n`);
      process.exit(1);
    }
    process.stdout.write(`${bin}\n`);
  } else {
    process.stderr.write('usage: node scripts/code-server.mjs ensure|path\n');
    process.exit(2);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`code-server install failed: ${err.message}\n`);
    process.exit(1);
  });
}
