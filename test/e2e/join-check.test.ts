// In a real VS Code (code-server) on a real TLS etcd cluster with member 1 killed: "Check Join Readiness…"
// from the palette on m1's own data dir names a live target (never m1) and says the dir is already a member;
// and the diagnostics panel's "Check join readiness…" button on a diagnosed data dir runs the same check.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EtcdTestCluster } from '../harness/etcd-cluster';
import { clusterAndVsix, connectionSettings } from './harness/extension-under-test';
import { waitFor } from './harness/wait';
import { startWorkbench, type Workbench } from './harness/workbench';

let cluster: EtcdTestCluster;
let wb: Workbench;
let tempDir: string;

before(async () => {
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-e2e-join-'));
  const vsixPath = await clusterAndVsix(tempDir, (c) => { cluster = c; });
  wb = await startWorkbench({ vsixPath, screenshotDir: path.join(tempDir, 'screenshots'), settings: connectionSettings(cluster, 'prod') });
  await cluster.kill(0);
  await cluster.waitUntil(async () => (await cluster.leaderName()) !== null, 20_000, 'a leader among m2, m3');
}, { timeout: 20 * 60_000 });

after(async () => {
  await wb?.close();
  await cluster?.close();
  if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
});

test('palette: Check Join Readiness… on m1\'s data dir, m1 killed: the target is live, the dir is already a member', { timeout: 120_000 }, async () => {
  const m1Dir = cluster.members[0]!.dataDir;
  // Let the workbench settle first (the tree shows the cluster with m1 down): the file dialog ignores a busy start.
  await wb.showView('etcd Ops');
  await wb.waitForTree('m1 unhealthy', (rows) => rows.some((r) => r.label === 'm1' && r.icon === 'error'), 30_000);
  await wb.runCommand('etcd Ops: Check Join Readiness…');
  await waitFor('the distro quick pick', async () => (await wb.quickPickItems()).includes('etcd'));
  await wb.pickQuickItem('etcd');
  await waitFor('the data dir quick pick', async () => (await wb.quickPickItems()).includes('Pick this node\'s etcd data dir…'));
  await wb.pickQuickItem('Pick this node\'s etcd data dir…');
  await wb.chooseInFileDialog(m1Dir, 'Check');
  const text = await wb.waitForWebviewText(/Join readiness: prod/);
  assert.match(text, /datadir-joined/);
  assert.match(text, /Join through m[23] \(/, 'a live member is the target');
  assert.doesNotMatch(text, /Join through m1 /);
});

test('diagnostics panel: the data dir\'s "Check join readiness…" button runs the check for that dir', { timeout: 120_000 }, async () => {
  const fresh = fs.mkdtempSync(path.join(tempDir, 'fresh-'));
  await wb.runCommand('etcd Ops: Diagnose Data Directory…');
  await wb.chooseInFileDialog(fresh, 'Diagnose');
  const frame = await wb.webviewFrame(/state-fresh/);
  await frame.getByRole('button', { name: 'Check join readiness…' }).first().click();
  await waitFor('the distro quick pick', async () => (await wb.quickPickItems()).includes('k3s'));
  await wb.pickQuickItem('k3s');
  const text = await wb.waitForWebviewText(/k3s: ready to join · target m[23]/);
  assert.match(text, /k3s join address https:\/\/127\.0\.0\.1:9345/);
});
