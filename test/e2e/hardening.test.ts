// In a real VS Code (code-server), on a real TLS etcd cluster reached through two profiles:
// - both clusters show their three members. Row ids once held only the cluster id and the member id, so the
//   second profile's rows raised "Element with id … is already registered" and every member row vanished;
// - a diagnostics panel button runs the command the extension offered for its finding (the webview sends only
//   the id it was given for that button).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { EtcdTestCluster } from '../harness/etcd-cluster';
import { clusterAndVsix, connectionSettings } from './harness/extension-under-test';
import { waitFor } from './harness/wait';
import { startWorkbench, type Workbench } from './harness/workbench';

let cluster: EtcdTestCluster;
let wb: Workbench;
let tempDir: string;

before(async () => {
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-e2e-two-'));
  const vsixPath = await clusterAndVsix(tempDir, (c) => { cluster = c; });
  wb = await startWorkbench({
    vsixPath,
    // Screenshots of this scenario are not the README's.
    screenshotDir: path.join(tempDir, 'screenshots'),
    settings: {
      ...connectionSettings(cluster, 'first'),
      'etcdOps.connection.profiles': [{ name: 'second', endpoints: [...cluster.endpoints].reverse(), ...cluster.tls }],
      'etcdOps.refresh.intervalSeconds': 2,
    },
  });
}, { timeout: 20 * 60_000 });

after(async () => {
  await wb?.close();
  await cluster?.close();
  if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
});

test('two profiles on one cluster: each shows the three members, none vanishes', { timeout: 90_000 }, async () => {
  await wb.runCommand('View: Show etcd Ops');
  const names = cluster.members.map((m) => m.name);
  const rows = await wb.waitForTree('both clusters with three members each', (all) => {
    const members = all.filter((r) => names.includes(r.label) && r.depth === 3);
    return all.some((r) => r.label === 'first') && all.some((r) => r.label === 'second') && members.length === 6;
  }, 30_000);
  const members = rows.filter((r) => names.includes(r.label) && r.depth === 3);
  assert.deepEqual(members.map((r) => r.label).sort(), [...names, ...names].sort());
  assert.equal(rows.filter((r) => r.label === 'etcd members' && r.description === '3/3 healthy · quorum 2').length, 2);
  // A few refreshes later (in-place member updates), still all six.
  await new Promise((r) => setTimeout(r, 5_000));
  const later = (await wb.treeItems()).filter((r) => names.includes(r.label) && r.depth === 3);
  assert.equal(later.length, 6, `rows: ${later.map((r) => r.label).join(', ')}`);
});

test('a member down: the diagnostics panel\'s "Remove member (dry run)…" button runs that dry run', { timeout: 90_000 }, async () => {
  const victim = cluster.members[0]!.name;
  await cluster.kill(0);
  await wb.waitForTree(`${victim} unhealthy`, (all) => all.some((r) => r.label === victim && r.icon === 'error'), 20_000);
  await wb.runCommand('etcd Ops: Show Diagnostics');
  const frame = await wb.webviewFrame(/member-unhealthy/);
  await frame.getByRole('button', { name: 'Remove member (dry run)…' }).first().click();
  // Two clusters: the command asks which one, then which member; the dry run reports and changes nothing.
  await waitFor('the cluster quick pick', async () => (await wb.quickPickItems()).includes('first'));
  await wb.pickQuickItem('first');
  await waitFor('the member quick pick', async () => (await wb.quickPickItems()).length === 3);
  await wb.pickQuickItem(victim);
  await wb.waitForNotification(new RegExp(`^dry run: ${victim} would be removed.*nothing was changed`));
});
