// Real faults for performance tests: a slow disk (strace delays a process's fdatasync calls) and a slow link
// (a TCP relay that holds every chunk in both directions before passing it on).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';

export interface Fault {
  stop(): Promise<void>;
}

/** Delays every fdatasync of `pid` (all its threads) by `delayMs` until stopped. Needs ptrace rights (root here). */
export async function delayFdatasync(pid: number, delayMs: number, timeoutMs = 20000): Promise<Fault> {
  const child = spawn('strace', ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=fdatasync', '-e', `inject=fdatasync:delay_enter=${delayMs * 1000}`, '-p', String(pid)],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => { stderr += c; });
  // strace gives no "ready" line with -qq: wait until the process shows it is traced (TracerPid in /proc).
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    if (/^TracerPid:\s*[1-9]/m.test(status)) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`strace could not attach to ${pid}: ${stderr || 'timed out'}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM'); // strace detaches and the process runs on untraced
        await exited;
      }
    },
  };
}

export interface DelayRelay extends Fault {
  /** Connections accepted so far: a test can see the relay really carried traffic. */
  readonly connections: number;
}

/**
 * Listens on `listen` and forwards raw bytes (TLS passes through untouched) to `target`, holding each chunk
 * `delayMs` in each direction: one added round trip of 2 × delayMs on every request through it, order kept.
 */
export async function startDelayRelay(listen: { host: string; port: number }, target: { host: string; port: number }, delayMs: number): Promise<DelayRelay> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const pipeDelayed = (from: net.Socket, to: net.Socket) => {
    from.on('data', (chunk) => { setTimeout(() => { if (!to.destroyed) to.write(chunk); }, delayMs); });
    from.on('end', () => setTimeout(() => to.end(), delayMs));
  };
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => { client.destroy(); upstream.destroy(); });
      s.on('close', () => { sockets.delete(s); client.destroy(); upstream.destroy(); });
    }
    pipeDelayed(client, upstream);
    pipeDelayed(upstream, client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  return {
    get connections() { return connections; },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
