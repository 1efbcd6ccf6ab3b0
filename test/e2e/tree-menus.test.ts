// In a real VS Code (code-server) on a real TLS etcd cluster: the cluster row's menus (Copy etcdctl Environment
// puts this cluster's endpoints and TLS files on the clipboard), the removal dialog whose default button keeps
// the member (Enter never removes one, checked with etcdctl), and Pick Kubeconfig… saying what is wrong.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { EtcdTestCluster } from '../harness/etcd-cluster';
import { clusterAndVsix, connectionSettings } from './harness/extension-under-test';
import { waitFor } from './harness/wait';
import { startWorkbench, type Workbench } from './harness/workbench';

const CLUSTER_NAME = 'menus etcd';

let cluster: EtcdTestCluster;
let wb: Workbench;
let tempDir: string;

before(async () => {
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-e2e-menus-'));
  const vsixPath = await clusterAndVsix(tempDir, (c) => { cluster = c; });
  wb = await startWorkbench({ vsixPath, screenshotDir: path.join(tempDir, 'screenshots'), settings: connectionSettings(cluster, CLUSTER_NAME) });
  await wb.showView('etcd Ops');
}, { timeout: 20 * 60_000 });

after(async () => {
  await wb?.close();
  await cluster?.close();
  if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
});

test('"Copy etcdctl Environment" on the cluster row puts this cluster\'s endpoints and TLS files on the clipboard', { timeout: 90_000 }, async () => {
  await wb.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(wb.page.url()).origin });
  await wb.page.evaluate('navigator.clipboard.writeText("before")');
  await wb.waitForTree('the cluster row', (rows) => rows.some((r) => r.label === CLUSTER_NAME));
  await wb.contextMenu(CLUSTER_NAME, 'Copy etcdctl Environment');
  const expected = [
    'export ETCDCTL_API=\'3\'',
    `export ETCDCTL_ENDPOINTS='${cluster.endpoints.join(',')}'`,
    `export ETCDCTL_CACERT='${cluster.tls.caFile}'`,
    `export ETCDCTL_CERT='${cluster.tls.certFile}'`,
    `export ETCDCTL_KEY='${cluster.tls.keyFile}'`,
  ].join('\n') + '\n';
  const copied = await waitFor('the environment on the clipboard', async () => {
    const text = await wb.page.evaluate<string>('navigator.clipboard.readText()');
    return text !== 'before' ? text : undefined;
  }, { timeoutMs: 15_000, hint: () => wb.logHint() });
  assert.equal(copied, expected);
  await wb.waitForNotification(/etcdctl environment for menus etcd copied \(3 endpoints\)/);
});

test('Enter on the removal dialog keeps the member: the destructive button is not the default', { timeout: 90_000 }, async () => {
  const leader = await cluster.leaderName();
  const follower = cluster.members.map((m) => m.name).find((n) => n !== leader)!;
  await wb.waitForTree(`${follower} in the tree`, (rows) => rows.some((r) => r.label === follower));
  await wb.contextMenu(follower, 'Remove Member…');
  const dialog = await waitFor('the removal dialog', async () => (await wb.page.locator('.monaco-dialog-box').isVisible()) || undefined,
    { timeoutMs: 30_000, hint: () => wb.logHint() }).then(() => wb.modal());
  assert.ok(dialog.buttons.includes('Remove member'), `buttons: ${dialog.buttons.join(', ')}`);
  // The dialog orders buttons by platform; what counts is the one Enter presses: the focused one.
  const focused = await wb.page.evaluate<string>('document.activeElement ? document.activeElement.textContent.trim() : ""');
  assert.equal(focused, 'Keep Member', `Enter would press "${focused}" (buttons: ${dialog.buttons.join(', ')})`);
  await wb.page.keyboard.press('Enter');
  await wb.page.locator('.monaco-dialog-box').waitFor({ state: 'hidden' });
  // Past the operation's verification time: the member is still there, as etcdctl sees it.
  await new Promise((r) => setTimeout(r, 3_000));
  const list = await cluster.etcdctl(['member', 'list', '-w', 'json']);
  assert.match(list, new RegExp(`"name":"${follower}"`), `${follower} was removed after Enter: ${list}`);
});

test('"Pick Kubeconfig…" with an unusable file says what is wrong', { timeout: 90_000 }, async () => {
  const bad = path.join(tempDir, 'bad-kubeconfig.yaml');
  fs.writeFileSync(bad, 'contexts:\n- name: a\n  context:\n    cluster: nowhere\n');
  await wb.runCommand('etcd Ops: Pick Kubeconfig…');
  await wb.chooseInFileDialog(bad, 'Use this file');
  const shown = await wb.waitForNotification(/^Kubeconfig not used: /);
  assert.match(shown, /context "a" names cluster "nowhere"/);
});
