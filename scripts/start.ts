// Runs the product for a person: a local 3-member TLS etcd cluster when the `etcd` binary exists (else the
// embedded simulated cluster), and the extension in VS Code (`code`) or, without it, in code-server in the browser.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EtcdTestCluster } from '../test/harness/etcd-cluster';

const root = path.resolve(__dirname, '..');
const onPath = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

async function main(): Promise<void> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-start-'));
  const settings: Record<string, unknown> = { 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false };
  let cluster: EtcdTestCluster | null = null;
  if (onPath('etcd') && !process.argv.includes('--simulated')) {
    console.log('Starting a local 3-member TLS etcd cluster on 127.0.0.1…');
    cluster = await EtcdTestCluster.start({ members: 3, tmpRoot: stateDir });
    Object.assign(settings, {
      'etcdOps.connection.name': 'local etcd', 'etcdOps.connection.endpoints': cluster.endpoints,
      'etcdOps.connection.caFile': cluster.tls.caFile, 'etcdOps.connection.certFile': cluster.tls.certFile,
      'etcdOps.connection.keyFile': cluster.tls.keyFile, 'etcdOps.connection.dataDir': cluster.members[0].dataDir,
    });
    console.log(`etcd members: ${cluster.endpoints.join(', ')}`);
    console.log(`Try: node dist/cli.js status --endpoints ${cluster.endpoints.join(',')} --cacert ${cluster.tls.caFile} --cert ${cluster.tls.certFile} --key ${cluster.tls.keyFile}`);
  } else {
    console.log('No etcd binary found: the extension shows the embedded simulated cluster.');
    settings['etcdOps.simulator.attachWhenEmpty'] = true;
  }
  const userDir = path.join(stateDir, 'user-data');
  fs.mkdirSync(path.join(userDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));

  const stop = async () => { await cluster?.close(); fs.rmSync(stateDir, { recursive: true, force: true }); process.exit(0); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  if (onPath('code') && !process.argv.includes('--browser')) {
    console.log('Opening VS Code with the extension (close the window, then Ctrl+C here to stop etcd)…');
    spawn('code', ['--new-window', `--extensionDevelopmentPath=${root}`, `--user-data-dir=${userDir}`, '--disable-workspace-trust'], { stdio: 'inherit' });
  } else {
    const { ensureCodeServer } = await import(path.join(root, 'scripts', 'code-server.mjs'));
    const bin: string = await ensureCodeServer();
    const port = Number(process.env.PORT ?? 8080);
    const url = `http://127.0.0.1:${port}/`;
    const extDir = path.join(stateDir, 'extensions');
    fs.mkdirSync(extDir, { recursive: true });
    // code-server runs the extension as a user would get it: packaged, then installed into a fresh extensions dir.
    const { packageVsix } = await import(path.join(root, 'scripts', 'package-vsix.mjs'));
    const { vsixPath: vsix } = (await packageVsix({ root, out: path.join(stateDir, 'etcd-ops.vsix') })) as { vsixPath: string };
    const installed = spawnSync(bin, ['--extensions-dir', extDir, '--user-data-dir', userDir, '--install-extension', vsix], { encoding: 'utf8' });
    if (installed.status !== 0) throw new Error(`code-server could not install the extension: ${installed.stderr || installed.stdout}`);
    spawn(bin, ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
      '--disable-workspace-trust', '--user-data-dir', userDir, '--extensions-dir', extDir, root], { stdio: 'ignore' });
    console.log(`\netcd Ops is running in code-server: open ${url} in a browser (Ctrl+C to stop).`);
  }
  await new Promise(() => undefined);
}

main().catch((err) => { console.error(`npm start: ${(err as Error).message}`); process.exit(1); });
