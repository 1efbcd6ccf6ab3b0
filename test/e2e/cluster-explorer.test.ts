// The "etcd" folder etcd Ops adds to the Kubernetes extension's Cluster Explorer, in a real VS Code (code-server)
// with the real Kubernetes extension (and the YAML extension it depends on), a real 3-member TLS etcd cluster and
// a real kube-apiserver on it behind the kube context (scripts/build-kube.mjs builds it and kubectl). Neither extension can be downloaded on machines
// without a route to a marketplace, so this runs when their .vsix files are given (test/e2e/harness/README.md):
//   ETCD_OPS_E2E_KUBERNETES_VSIX=…/vscode-kubernetes-tools.vsix ETCD_OPS_E2E_YAML_VSIX=…/vscode-yaml.vsix
// The Kubernetes extension lists contexts through kubectl: the built one is put first on PATH.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { EtcdTestCluster } from '../harness/etcd-cluster';
import { k3sCluster } from '../harness/kube-objects/clusters';
import { KubeApiServer, kubeBinDir, preferEtcdForKubernetes } from '../harness/kube-apiserver';
import { clusterAndVsix, connectionSettings } from './harness/extension-under-test';
import { waitFor } from './harness/wait';
import { screenshotDir, startWorkbench, type TreeRow, type Workbench } from './harness/workbench';
import { isHealthy, isLeader } from './harness/member-rows';  // the same rows as etcd Ops' own tree

const KUBERNETES_VSIX = process.env.ETCD_OPS_E2E_KUBERNETES_VSIX;
const YAML_VSIX = process.env.ETCD_OPS_E2E_YAML_VSIX;
const skip = !KUBERNETES_VSIX || !YAML_VSIX
  ? 'Cluster Explorer scenario: set ETCD_OPS_E2E_KUBERNETES_VSIX and ETCD_OPS_E2E_YAML_VSIX to run it (those extensions cannot be downloaded here)'
  : false;

const CONTEXT = 'e2e-k3s';
const CLUSTER_NAME = 'e2e etcd';
const SCENARIO_TIMEOUT_MS = 120_000;

let cluster: EtcdTestCluster;
let api: KubeApiServer;
let wb: Workbench;
let tempDir: string;

const memberRows = (rows: TreeRow[]) => rows.filter((r) => cluster.members.some((m) => m.name === r.label));

before(async () => {
  if (skip) return;
  preferEtcdForKubernetes();
  process.env.PATH = `${kubeBinDir()}${path.delimiter}${process.env.PATH ?? ''}`;
  const kubectl = spawnSync('sh', ['-c', 'command -v kubectl']);
  assert.equal(kubectl.status, 0, 'kubectl is not on PATH: the Kubernetes extension lists contexts through it (node scripts/build-kube.mjs)');
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-e2e-explorer-'));
  const vsixPath = await clusterAndVsix(tempDir, (c) => { cluster = c; });
  const fixture = k3sCluster();
  api = await KubeApiServer.start({ etcd: cluster });
  for (const n of fixture.nodes) await api.createNode(n);
  const kubeconfig = api.writeKubeconfig(path.join(tempDir, 'kubeconfig'), { context: CONTEXT });
  wb = await startWorkbench({
    vsixPath,
    otherVsixPaths: [YAML_VSIX!, KUBERNETES_VSIX!],
    screenshotDir: screenshotDir(),
    settings: {
      ...connectionSettings(cluster, CLUSTER_NAME),
      'etcdOps.connection.kubeContext': CONTEXT,
      'etcdOps.kubernetes.kubeconfig': kubeconfig,
      // The Kubernetes extension reads the same kubeconfig; quiet about Helm and recommendations, as offline.
      'vs-kubernetes': {
        'vs-kubernetes.kubeconfig': kubeconfig,
        'vs-kubernetes.suppress-helm-not-found-alerts': true,
        'vs-kubernetes.ignore-recommendations': true,
        'vs-kubernetes.crd-code-completion': 'disabled',
        checkForMinikubeUpgrade: false,
      },
      'redhat.telemetry.enabled': false,
    },
  });
}, { timeout: 20 * 60_000 });

after(async () => {
  await wb?.close();
  await api?.stop();
  await cluster?.close();
  if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
});

test('the Cluster Explorer shows an etcd folder under the context, with the members, their health and the leader', { skip, timeout: SCENARIO_TIMEOUT_MS }, async () => {
  await wb.showView('Kubernetes');
  // Give the Clusters view the whole side bar: rows below a pane's fold are not rendered, so not readable.
  for (const pane of ['Helm Repos', 'Clouds']) {
    const header = wb.page.locator('.pane-header[aria-expanded="true"]').filter({ hasText: new RegExp(`^${pane}`, 'i') });
    if (await header.count()) await header.first().click();
  }
  await wb.waitForTree(`context ${CONTEXT} in the Clusters tree`, (rows) => rows.some((r) => r.label === CONTEXT), 30_000);
  await wb.rowByText(CONTEXT).click();
  await wb.waitForTree('the etcd folder under the context', (rows) => rows.some((r) => r.label === 'etcd'));
  await wb.rowByText('etcd').click();

  let last: TreeRow[] = [];
  const members = await waitFor('three healthy members and one leader under the etcd folder', async () => {
    last = await wb.treeItems();
    const m = memberRows(last);
    return m.length === 3 && m.every(isHealthy) && m.filter(isLeader).length === 1 ? m : undefined;
  }, { timeoutMs: 20_000, hint: () => `rows were [${last.map((r) => `${r.label} ${r.description}`).join(', ')}]; ${wb.logHint()}` });
  const leader = await cluster.leaderName();
  assert.equal(members.find(isLeader)!.label, leader, 'the Cluster Explorer marks another member leader than etcdctl reports');
  const folderDepth = last.find((r) => r.label === 'etcd')!.depth;
  assert.ok(members.every((r) => r.depth === folderDepth + 1), 'member rows sit inside the etcd folder');
  // The folder's own line is redrawn once the first health arrives (the Explorer refreshes on a change of substance).
  await wb.waitForTree('the etcd folder summarising the cluster', (rows) =>
    rows.some((r) => r.label === 'etcd' && r.description === `leader ${leader} · 3/3 healthy · quorum 2 · ${CLUSTER_NAME}`), 10_000);
  await wb.screenshot('08-cluster-explorer');
});

test('"Transfer Leadership Here" from a member row in the Cluster Explorer moves the leader', { skip, timeout: SCENARIO_TIMEOUT_MS }, async () => {
  const before = await cluster.leaderName();
  const target = cluster.members.map((m) => m.name).find((n) => n !== before)!;
  await wb.contextMenu(target, 'Transfer Leadership Here');
  // The command got the row through the Kubernetes extension's wrapper: it asks nothing, it shows the plan.
  const dialog = await wb.modal();
  assert.match(`${dialog.message}\n${dialog.detail}`, new RegExp(target));
  await dialog.click('Transfer leadership');
  await waitFor(`etcdctl to report ${target} as leader`, async () => (await cluster.leaderName()) === target, { timeoutMs: 15_000 });
  await wb.waitForTree(`the Cluster Explorer to mark ${target} leader`, (rows) => {
    const m = memberRows(rows);
    return m.find(isLeader)?.label === target && m.filter(isLeader).length === 1;
  }, 15_000);
});
