// @kubernetes/client-node costs ~130 ms to load and extension activation must stay under 50 ms: importing the
// kube modules and listing contexts must not load it; only using a context does. Checked in a fresh process.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { it } from 'node:test';

const root = path.resolve(__dirname, '../..');

it('loads @kubernetes/client-node only when a context is used', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-lazy-'));
  try {
    const kubeconfig = path.join(dir, 'config');
    fs.writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: a',
      'clusters: [{name: a, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: a, user: {token: t}}]',
      'contexts: [{name: a, context: {cluster: a, user: a}}]', ''].join('\n'));
    const script = `
      const loaded = () => Object.keys(require.cache).filter((k) => k.includes('@kubernetes/client-node')).length;
      const out = {};
      require('./src/core/kube/control-plane-watcher');
      require('./src/core/kube/list-control-plane');
      const { listKubeContexts } = require('./src/core/kube/kubeconfig');
      out.contexts = listKubeContexts({ path: ${JSON.stringify(kubeconfig)} }).map((c) => c.name);
      out.afterListing = loaded();
      const { KubeSession } = require('./src/core/kube/client');
      KubeSession.open({ kubeconfig: { path: ${JSON.stringify(kubeconfig)} } }).then(() => {
        out.afterOpen = loaded();
        process.stdout.write(JSON.stringify(out));
      });`;
    const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8' }));
    assert.deepEqual(out.contexts, ['a']);
    assert.equal(out.afterListing, 0, 'importing the modules and listing contexts loaded client-node');
    assert.ok(out.afterOpen > 0, 'opening a context loads client-node');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
