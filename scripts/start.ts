// Runs the product for a person: a local 3-member TLS etcd cluster (the built etcd 3.6 when present, else
// Debian's etcd; ETCD_OPS_ETCD_VERSION picks another; with no etcd at all, the embedded simulated cluster), and
// the extension in VS Code (`code`) or, without it, in code-server in the browser.
// Ctrl+C or SIGTERM stops everything it started (etcd members, code-server) and removes its state dir.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectionSettings } from '../test/e2e/harness/extension-under-test';
import { EtcdTestCluster } from '../test/harness/etcd-cluster';
import { binariesForStart, describeEtcd } from '../test/harness/etcd-version';

const root = path.resolve(__dirname, '..');
const onPath = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const CODE_SERVER_LISTEN_MS = 60_000;
const CODE_SERVER_STOP_GRACE_MS = 5_000;

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-start-'));
let clusterStarting: Promise<EtcdTestCluster | null> = Promise.resolve(null);
let codeServer: ChildProcess | null = null;
let stopping = false;

/** Signals code-server's whole process group: its extension host and pty host go with it. */
function signalCodeServer(signal: NodeJS.Signals): void {
  try { process.kill(-codeServer!.pid!, signal); } catch { /* already gone */ }
}

async function stopCodeServer(): Promise<void> {
  if (!codeServer?.pid) return;
  if (codeServer.exitCode === null && codeServer.signalCode === null) {
    const exited = new Promise((resolve) => codeServer!.once('exit', resolve));
    signalCodeServer('SIGTERM');
    const timer = setTimeout(() => signalCodeServer('SIGKILL'), CODE_SERVER_STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
  signalCodeServer('SIGKILL'); // children that outlived the server
}

/** Stops whatever has been started so far (also mid-start), removes the state dir and exits. Runs once. */
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await stopCodeServer();
  // A cluster still starting is waited for, so that its members are known and can be stopped.
  const cluster = await clusterStarting.catch(() => null);
  await cluster?.close();
  fs.rmSync(stateDir, { recursive: true, force: true, maxRetries: 3 });
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

async function main(): Promise<void> {
  console.log(`State (certificates, etcd data, editor user data): ${stateDir}`);
  const settings: Record<string, unknown> = { 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false };
  const binaries = binariesForStart();
  if (binaries && !process.argv.includes('--simulated')) {
    console.log(`Starting a local 3-member TLS etcd cluster on 127.0.0.1 (${describeEtcd(binaries)})…`);
    clusterStarting = EtcdTestCluster.start({ members: 3, tmpRoot: stateDir, binaries });
    const cluster = (await clusterStarting)!;
    Object.assign(settings, {
      ...connectionSettings(cluster, 'local etcd'), 'etcdOps.connection.dataDir': cluster.members[0].dataDir,
    });
    console.log(`etcd members: ${cluster.endpoints.join(', ')}`);
    console.log(`Try: node dist/cli.js status --endpoints ${cluster.endpoints.join(',')} --cacert ${cluster.tls.caFile} --cert ${cluster.tls.certFile} --key ${cluster.tls.keyFile}`);
  } else {
    console.log(binaries ? 'Simulated cluster requested (--simulated).' : 'No etcd binary found: the extension shows the embedded simulated cluster.');
    settings['etcdOps.simulator.attachWhenEmpty'] = true;
  }
  const userDir = path.join(stateDir, 'user-data');
  fs.mkdirSync(path.join(userDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));

  if (onPath('code') && !process.argv.includes('--browser')) {
    // VS Code's own window is not ours to stop; the etcd cluster is.
    console.log('Opening VS Code with the extension (close the window, then Ctrl+C here to stop etcd)…');
    spawn('code', ['--new-window', `--extensionDevelopmentPath=${root}`, `--user-data-dir=${userDir}`, '--disable-workspace-trust'], { stdio: 'inherit' });
  } else {
    const { ensureCodeServer } = await import(path.join(root, 'scripts', 'code-server.mjs'));
    const bin: string = await ensureCodeServer();
    const port = Number(process.env.PORT ?? 8080);
    const url = `http://127.0.0.1:${port}/`;
    const extDir = path.join(stateDir, 'extensions');
    fs.mkdirSync(extDir, { recursive: true });
    // An explicit config file keeps code-server from writing ~/.config/code-server/config.yaml.
    const common = ['--config', path.join(stateDir, 'code-server.yaml'), '--user-data-dir', userDir, '--extensions-dir', extDir];
    // code-server runs the extension as a user would get it: packaged, then installed into a fresh extensions dir.
    const { packageVsix } = await import(path.join(root, 'scripts', 'package-vsix.mjs'));
    const { vsixPath: vsix } = (await packageVsix({ root, out: path.join(stateDir, 'etcd-ops.vsix') })) as { vsixPath: string };
    const installed = spawnSync(process.execPath, [bin, ...common, '--install-extension', vsix], { encoding: 'utf8' });
    if (installed.status !== 0) throw new Error(`code-server could not install the extension: ${installed.stderr || installed.stdout}`);
    if (stopping) return;
    // Its own process group, so that stop() can end it with everything it forks.
    codeServer = spawn(process.execPath, [bin, ...common, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', root], { stdio: 'ignore', detached: true });
    codeServer.on('exit', (code, signal) => {
      if (stopping) return;
      console.error(`npm start: code-server stopped (${signal ?? `exit ${code}`}); is port ${port} free? (PORT=… picks another)`);
      void stop(1);
    });
    // The URL is printed once it answers, so that it works when opened.
    const deadline = Date.now() + CODE_SERVER_LISTEN_MS;
    while (!(await fetch(new URL('healthz', url), { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline) throw new Error(`code-server did not answer on ${url} within ${CODE_SERVER_LISTEN_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
    console.log(`\netcd Ops is running in code-server: open ${url} in a browser (Ctrl+C to stop).`);
  }
  await new Promise(() => undefined);
}

main().catch((err) => { console.error(`npm start: ${(err as Error).message}`); void stop(1); });
