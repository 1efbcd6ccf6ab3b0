// One code-server process (VS Code's server plus its web workbench) with private user-data and extensions dirs.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { waitFor, withTimeout } from './wait';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const EXTENSION_INSTALL_TIMEOUT_MS = 60_000;
const LISTEN_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

/** Installs code-server into the per-user cache if needed (scripts/code-server.mjs) and returns its entry script. */
export async function ensureCodeServer(): Promise<string> {
  const installer = (await import(pathToFileURL(path.join(repoRoot, 'scripts', 'code-server.mjs')).href)) as {
    ensureCodeServer(): Promise<string>;
  };
  return withTimeout('installing code-server', installer.ensureCodeServer(), INSTALL_TIMEOUT_MS);
}

export interface CodeServerDirs {
  userDataDir: string;
  extensionsDir: string;
  /** code-server's own config file; passing it keeps code-server away from ~/.config/code-server. */
  configFile: string;
}

function commonArgs(dirs: CodeServerDirs): string[] {
  return ['--config', dirs.configFile, '--user-data-dir', dirs.userDataDir, '--extensions-dir', dirs.extensionsDir];
}

function runToEnd(bin: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`code-server ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${output.trim()}`));
    });
  });
}

/** Installs a .vsix into the extensions dir (before the server starts, so the workbench sees it at once). */
export async function installExtension(bin: string, dirs: CodeServerDirs, vsixPath: string): Promise<void> {
  if (!fs.existsSync(vsixPath)) throw new Error(`no .vsix at ${vsixPath}`);
  const output = await runToEnd(bin, [...commonArgs(dirs), '--install-extension', vsixPath], EXTENSION_INSTALL_TIMEOUT_MS);
  // code-server exits 0 even when an install fails; its message is the only signal.
  if (!/successfully installed/i.test(output)) throw new Error(`installing ${vsixPath} failed:\n${output.trim()}`);
}

/** The newest remote extension host log under a code-server user-data dir, or undefined before there is one. */
export function extensionHostLogIn(userDataDir: string): string | undefined {
  const logsDir = path.join(userDataDir, 'logs');
  if (!fs.existsSync(logsDir)) return undefined;
  for (const session of fs.readdirSync(logsDir).sort().reverse()) {
    const file = path.join(logsDir, session, 'exthost1', 'remoteexthost.log');
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

export class CodeServerProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly dirs: CodeServerDirs,
    readonly logFile: string,
  ) {}

  /** Starts the server on a free loopback port (port 0, read back from its log) and waits until it listens. */
  static async start(bin: string, dirs: CodeServerDirs, logFile: string): Promise<CodeServerProcess> {
    const args = [
      ...commonArgs(dirs), '--auth', 'none', '--bind-addr', '127.0.0.1:0', '--disable-telemetry',
      '--disable-update-check', '--disable-workspace-trust',
    ];
    const out = fs.openSync(logFile, 'a');
    // Its own process group, so stopping it also stops the extension host and pty host it forks.
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', out, out], detached: true });
    fs.closeSync(out);
    let exited = '';
    child.on('exit', (code, signal) => { exited = signal ?? `exit ${code}`; });
    const url = await waitFor('code-server to listen', () => {
      if (exited) throw new Error(`code-server stopped (${exited}); see ${logFile}`);
      return fs.readFileSync(logFile, 'utf8').match(/HTTP server listening on (http:\/\/127\.0\.0\.1:\d+\/)/)?.[1];
    }, { timeoutMs: LISTEN_TIMEOUT_MS, intervalMs: 100, hint: () => `log: ${logFile}` }).catch((err) => {
      killGroup(child, 'SIGKILL');
      throw err;
    });
    await waitFor('code-server /healthz', async () => (await fetch(new URL('healthz', url))).ok,
      { timeoutMs: LISTEN_TIMEOUT_MS, hint: () => `log: ${logFile}` });
    return new CodeServerProcess(child, url, dirs, logFile);
  }

  /**
   * The remote extension host's log of the newest session (activation, errors thrown by extensions), or
   * undefined before the extension host has started. Extensions' own log channels sit next to it.
   */
  extensionHostLogPath(): string | undefined {
    return extensionHostLogIn(this.dirs.userDataDir);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    killGroup(this.child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(this.child, 'SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
    // Children that outlived the server (extension host, pty host) share its group.
    killGroup(this.child, 'SIGKILL');
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Group already gone.
  }
}
