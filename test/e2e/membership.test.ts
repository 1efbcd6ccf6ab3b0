// In a real VS Code (code-server) on a real TLS etcd cluster: "Add Member…" through its multi-step input adds a
// learner (confirmed in the modal, the env shown after it), the node started from that env shows its catch-up on
// its row, and "Promote Learner" on the row makes it a voter — etcdctl is the judge at each step.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EtcdTestCluster, HarnessMember } from '../harness/etcd-cluster';
import { ctlMembers } from '../integration/ops-support';
import { clusterAndVsix, connectionSettings } from './harness/extension-under-test';
import { waitFor } from './harness/wait';
import { startWorkbench, type Workbench } from './harness/workbench';

let cluster: EtcdTestCluster;
let wb: Workbench;
let tempDir: string;
let node: HarnessMember;

before(async () => {
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-e2e-membership-'));
  const vsixPath = await clusterAndVsix(tempDir, (c) => { cluster = c; });
  node = await cluster.reserveMember('m4');
  // The profile names the new node's client URL already, as an operator adding a node would.
  const settings = { ...connectionSettings(cluster, 'prod'), 'etcdOps.connection.endpoints': [...cluster.endpoints, node.clientUrl] };
  wb = await startWorkbench({ vsixPath, screenshotDir: path.join(tempDir, 'screenshots'), settings });
}, { timeout: 20 * 60_000 });

after(async () => {
  await wb?.close();
  await cluster?.close();
  if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
});

/** KEY=VALUE lines of the result dialog's detail. */
function envOf(detail: string): Record<string, string> {
  return Object.fromEntries(detail.split('\n').map((l) => /^(ETCD_[A-Z_]+)=(.*)$/.exec(l.trim())).filter((m) => m !== null)
    .map((m) => [m![1], m![2].replace(/^"(.*)"$/, '$1')]));
}

test('Add Member… adds a learner, its row shows the catch-up, Promote Learner on the row makes it a voter', { timeout: 240_000 }, async () => {
  await wb.showView('etcd Ops');
  await wb.waitForTree('three members', (rows) => ['m1', 'm2', 'm3'].every((n) => rows.some((r) => r.label === n)), 30_000);

  await wb.runCommand('etcd Ops: Add Member…');
  await wb.answerInputBox('m4');
  await wb.answerInputBox(node.peerUrl);
  await waitFor('the role pick', async () => (await wb.quickPickItems()).includes('Learner (recommended)'));
  await wb.pickQuickItem('Learner (recommended)');
  const confirm = await wb.modal();
  assert.match(confirm.message, /Add member: m4/);
  assert.match(confirm.detail, /as a learner \(non-voting\)/);
  assert.ok(confirm.buttons.includes('Add learner'), confirm.buttons.join());
  await confirm.click('Add learner');

  const done = await wb.modal();
  assert.ok(done.buttons.includes('Copy as env') && done.buttons.includes('Copy as flags'), done.buttons.join());
  const env = envOf(done.detail);
  assert.equal(env.ETCD_NAME, 'm4', done.detail);
  assert.equal(env.ETCD_INITIAL_CLUSTER_STATE, 'existing');
  assert.match(env.ETCD_INITIAL_CLUSTER, new RegExp(`m4=${node.peerUrl.replace(/[.]/g, '\\.')}`));
  await done.click('Copy as env');
  const listed = await ctlMembers(cluster, cluster.members);
  assert.equal(listed.length, 4);
  assert.ok(listed.some((m) => m.learner && !m.started), `etcdctl: ${JSON.stringify(listed)}`);

  cluster.startFromEnv(node, env);
  await wb.waitForTree('m4 a learner caught up', (rows) => rows.some((r) => r.label === 'm4' && /learner · \d+ % caught up/.test(r.description)), 60_000);
  await wb.screenshot('membership-learner');
  await waitFor('the Promote Learner action on m4', async () => {
    try { await wb.clickRowAction('m4', 'Promote Learner'); return true; } catch { return false; }
  }, { timeoutMs: 60_000 });
  const promote = await wb.modal();
  assert.match(promote.message, /Promote learner: m4/);
  await promote.click('Promote');
  await waitFor('etcdctl to list m4 as a voter', async () => {
    const m4 = (await ctlMembers(cluster, cluster.members)).find((m) => m.name === 'm4');
    return m4 !== undefined && !m4.learner;
  }, { timeoutMs: 60_000 });
  await wb.waitForTree('m4 a voter', (rows) => rows.some((r) => r.label === 'm4' && !/learner/.test(r.description)), 30_000);
});
