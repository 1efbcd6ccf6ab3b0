// The @vscode/test-electron suite: activation, commands registered and tree contents against a real etcd,
// inside a downloaded VS Code. Machines without a route to the VS Code download skip it with one line;
// the code-server suite in test/e2e covers the same ground in a real workbench there.
import { execFileSync } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { it } from 'node:test';
import { EtcdTestCluster } from '../harness/etcd-cluster';

const root = path.resolve(__dirname, '..', '..');

it('runs the extension tests inside VS Code (test-electron)', async (t) => {
  const { downloadAndUnzipVSCode, runTests } = await import('@vscode/test-electron');
  let executable: string;
  try {
    // A cached copy needs no network; otherwise find out in seconds, not after the downloader's retries.
    const cached = fs.existsSync(path.join(root, '.vscode-test')) && fs.readdirSync(path.join(root, '.vscode-test')).some((d) => d.includes('1.100.3'));
    if (!cached) {
      await Promise.race([
        lookup('update.code.visualstudio.com'),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('DNS lookup timed out')), 5000)),
      ]);
    }
    executable = await Promise.race([
      downloadAndUnzipVSCode({ version: '1.100.3', timeout: 15000, cachePath: path.join(root, '.vscode-test') }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 30 s')), 30000)),
    ]);
  } catch (err) {
    t.skip(`VS Code cannot be downloaded on this machine (${(err as Error).message.split('\n')[0]}); the code-server e2e suite covers the workbench`);
    return;
  }
  // The suite runs inside the extension host, which cannot load TypeScript: bundle it first.
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'esbuild', 'bin', 'esbuild'), 'test/vscode/suite/index.ts', '--bundle',
    '--platform=node', '--format=cjs', '--external:vscode', '--outfile=out/vscode-suite/index.js'], { cwd: root });
  const cluster = await EtcdTestCluster.start({ members: 3 });
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-vscode-'));
  try {
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({
      'etcdOps.connection.name': 'test etcd', 'etcdOps.connection.endpoints': cluster.endpoints,
      'etcdOps.connection.caFile': cluster.tls.caFile, 'etcdOps.connection.certFile': cluster.tls.certFile, 'etcdOps.connection.keyFile': cluster.tls.keyFile,
    }));
    const code = await runTests({
      vscodeExecutablePath: executable, extensionDevelopmentPath: root,
      extensionTestsPath: path.join(root, 'out', 'vscode-suite', 'index.js'),
      launchArgs: ['--disable-extensions', `--user-data-dir=${userData}`, '--disable-workspace-trust'],
      extensionTestsEnv: { ETCD_OPS_TEST_LEADER: (await cluster.leaderName()) ?? '' },
    });
    if (code !== 0) throw new Error(`VS Code extension tests exited with ${code}`);
  } finally {
    await cluster.close();
    fs.rmSync(userData, { recursive: true, force: true });
  }
});
