// The Kubernetes side against a real kube-apiserver on a real 3-member TLS etcd cluster (etcd 3.6 when built):
// Nodes shaped like k3s, RKE2, k0s and kubeadm ones created through the API and their conditions patched
// through the status subresource, etcd static-pod objects in kube-system, the k0s EtcdMember CRD and its
// objects, list + watch, a real 410 (etcd compacted past the watch's resourceVersion), a real RBAC
// "forbidden", an exec-credential plugin, and the watch loop's behaviour against a server sending ERROR events.
// The watch cache is off here so that watches go to etcd and meet its compaction, as a restarted API server's do.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Backoff } from '../../src/core/kube/backoff';
import { KubeSession, PATHS } from '../../src/core/kube/client';
import { ControlPlaneWatcher } from '../../src/core/kube/control-plane-watcher';
import { KubeError } from '../../src/core/kube/errors';
import { listControlPlane } from '../../src/core/kube/list-control-plane';
import { toControlPlaneNode } from '../../src/core/kube/objects';
import { ResourceWatch } from '../../src/core/kube/resource-watch';
import { EtcdTestCluster } from '../harness/etcd-cluster';
import { SnapshotLog } from '../harness/snapshot-log';
import { KubeApiServer, preferEtcdForKubernetes } from '../harness/kube-apiserver';
import { k0sCluster, k3sCluster, kubeadmCluster, rke2Cluster } from '../harness/kube-objects/clusters';

preferEtcdForKubernetes();

async function waitFor(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const fixtures = { k3s: k3sCluster(), rke2: rke2Cluster(), k0s: k0sCluster(), kubeadm: kubeadmCluster() };
const allMembers = Object.values(fixtures).flatMap((f) => f.memberList);

describe('a real kube-apiserver on etcd', () => {
  let etcd: EtcdTestCluster;
  let api: KubeApiServer;
  let dir: string;
  let admin: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-kube-test-'));
    etcd = await EtcdTestCluster.start({ members: 3 });
    api = await KubeApiServer.start({ etcd, watchCache: false });
    admin = api.writeKubeconfig(path.join(dir, 'admin.kubeconfig'), { context: 'admin' });
    for (const f of Object.values(fixtures)) {
      for (const n of f.nodes) await api.createNode(n);
      for (const p of f.pods) await api.createKubeSystemPod(p);
    }
    await api.applyK0sEtcdMemberCrd();
    for (const m of fixtures.k0s.etcdMembers) await api.createK0sEtcdMember(m);
  });
  after(async () => {
    await api?.stop();
    await etcd?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists the control-plane nodes of every distribution, their etcd static pods and k0s EtcdMembers', async () => {
    const snap = await listControlPlane({ kubeconfig: { path: admin } }, { etcdMembers: allMembers });
    assert.equal(snap.serverVersion, 'v1.36.3');
    assert.deepEqual(snap.nodes.map((n) => n.name), ['c1', 'kcp-1', 'kcp-2', 'kcp-3', 'rke2-a', 'rke2-b', 'rke2-c', 'server-1', 'server-2', 'server-3'],
      'agents and workers carry no control-plane role and are left out');
    const s1 = snap.nodes.find((n) => n.name === 'server-1')!;
    assert.deepEqual(s1.roles, ['control-plane', 'master', 'etcd']);
    assert.equal(s1.distro, 'k3s');
    assert.deepEqual(s1.etcdAnnotation, { product: 'k3s', memberName: 'server-1-8e9e05c5', address: '192.0.2.11' });
    assert.ok(s1.conditions.some((c) => c.type === 'EtcdIsVoter' && c.status === 'True'), 'the status written through /status is there');
    assert.equal(snap.nodes.find((n) => n.name === 'kcp-1')!.distro, 'kubeadm');
    assert.deepEqual(snap.nodes.find((n) => n.name === 'kcp-1')!.roles, ['control-plane'], 'kubeadm labels roles with ""');
    assert.equal(snap.nodes.find((n) => n.name === 'rke2-a')!.etcdAnnotation?.product, 'rke2');
    assert.deepEqual(snap.etcdPods.map((p) => [p.name, p.nodeName, p.ready]), [
      ['etcd-kcp-1', 'kcp-1', true], ['etcd-kcp-2', 'kcp-2', true], ['etcd-kcp-3', 'kcp-3', true],
      ['etcd-rke2-a', 'rke2-a', true], ['etcd-rke2-b', 'rke2-b', true], ['etcd-rke2-c', 'rke2-c', true]]);
    assert.equal(snap.etcdPods[0].memberName, 'kcp-1');
    assert.deepEqual(snap.etcdPods[0].advertiseClientUrls, ['https://10.0.0.11:2379']);
    assert.deepEqual(snap.k0sMembers?.map((m) => [m.name, m.memberId, m.joined]), [
      ['c1', '8e9e05c52164694d', 'True'], ['c2', '91bc3c398fb3c146', 'True'], ['c3', 'fd422379fda50e48', 'True']]);
    const linked = Object.fromEntries(snap.correlation.links.filter((l) => l.node).map((l) => [l.memberName, l.node]));
    assert.equal(linked['server-2-91bc3c39'], 'server-2');
    assert.equal(linked['kcp-3'], 'kcp-3');
    assert.equal(linked.c1, 'c1');
    assert.deepEqual(snap.problems, []);
  });

  it('sees a condition patched through the status subresource as a finding', async () => {
    await api.setNodeCondition('kcp-2', 'Ready', 'False', 'KubeletNotReady', 'container runtime is down');
    try {
      const snap = await listControlPlane({ kubeconfig: { path: admin } });
      const f = snap.findings.find((x) => x.code === 'control-plane-node-not-ready');
      assert.equal(f?.subject, 'kcp-2');
      assert.match(f!.message, /KubeletNotReady: container runtime is down/);
    } finally {
      await api.setNodeCondition('kcp-2', 'Ready', 'True', 'KubeletReady', 'kubelet is posting ready status');
    }
  });

  it('says clearly what a user without node-list rights may not do (RBAC forbidden)', async () => {
    const viewer = api.writeKubeconfig(path.join(dir, 'viewer.kubeconfig'), { context: 'viewer', user: 'viewer' });
    await assert.rejects(listControlPlane({ kubeconfig: { path: viewer } }), (e: unknown) => {
      assert.ok(e instanceof KubeError && e.kind === 'forbidden', String(e));
      assert.match(e.message, /listing nodes: not allowed by https:\/\/127\.0\.0\.1:\d+ \(context "viewer"\) \(403\): nodes is forbidden: User "viewer" cannot list resource "nodes"/);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  });

  it('runs an exec-credential plugin named relative to the kubeconfig, as kubectl does', async () => {
    const kcDir = path.join(dir, 'exec');
    const plugin = api.writeExecPlugin(path.join(kcDir, 'bin', 'token-plugin'));
    const kubeconfig = api.writeKubeconfig(path.join(kcDir, 'config'), { context: 'exec', user: 'exec', execCommand: './bin/token-plugin' });
    assert.notEqual(process.cwd(), kcDir, 'the plugin must not be found through the working directory');
    const snap = await listControlPlane({ kubeconfig: { path: kubeconfig } });
    assert.equal(snap.nodes.length, 10);
    assert.ok(fs.readFileSync(plugin.calls, 'utf8').includes('run'), 'the plugin ran');
    assert.ok(api.auditEvents().some((e) => e.user.username === 'exec-admin' && e.requestURI.startsWith('/api/v1/nodes')),
      'the API server saw the plugin\'s token');
  });

  it('watches from the list\'s resourceVersion, follows changes, and lists again after a real 410', async () => {
    const snaps = new SnapshotLog();
    const errors: KubeError[] = [];
    const watcher = new ControlPlaneWatcher({
      kubeconfig: { path: admin }, onSnapshot: snaps.push, onError: (e) => errors.push(e),
      etcdMembers: () => allMembers, backoff: { initialMs: 50, maxMs: 500 }, coalesceMs: 10, watchWindowSeconds: 2,
    });
    try {
      await watcher.start();
      assert.equal(snaps.all[0].state, 'live');
      assert.equal(snaps.all[0].k0sMembers?.length, 3);
      const nodeCalls = () => api.auditEvents().filter((e) => e.user.username === 'kubernetes-admin' && e.stage !== 'RequestReceived'
        && new URL(e.requestURI, 'https://x').pathname === '/api/v1/nodes');
      await waitFor(() => nodeCalls().some((e) => e.verb === 'watch'), 'the nodes watch in the audit log');
      const list = nodeCalls().find((e) => e.verb === 'list')!;
      const watch = nodeCalls().find((e) => e.verb === 'watch')!;
      assert.ok(list && watch);
      const rv = new URL(watch.requestURI, 'https://x').searchParams.get('resourceVersion');
      assert.ok(rv && rv !== '0', `the watch starts from the list's resourceVersion, not "0" (${watch.requestURI})`);

      await api.setNodeCondition('server-3', 'DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure');
      await snaps.next((s) => s.findings.some((f) => f.code === 'control-plane-node-pressure' && f.subject === 'server-3'), 'the pressure finding');
      await api.patchK0sEtcdMember('c2', { spec: { leave: true } });
      await snaps.next((s) => s.findings.some((f) => f.code === 'k0s-member-leave-pending'), 'the k0s leave finding');

      // Writes elsewhere move etcd on; compacting past the nodes watch's version makes its next resume a 410.
      const listsBefore = watcher.stats.nodes.lists;
      for (let i = 0; i < 3; i++) await api.api('POST', '/api/v1/namespaces/kube-system/configmaps', { metadata: { name: `bump-${i}` }, data: { i: String(i) } });
      const status = JSON.parse(await etcd.etcdctl(['endpoint', 'status', '-w', 'json'])) as { Status: { header: { revision: number } } }[];
      await etcd.etcdctl(['compact', String(Math.max(...status.map((s) => s.Status.header.revision)))]);
      await waitFor(() => watcher.stats.nodes.expired >= 1, 'a 410 on the nodes watch', 30_000);
      await waitFor(() => watcher.stats.nodes.lists > listsBefore, 'the nodes listed again');
      const mark = snaps.all.length;
      await api.setNodeCondition('server-3', 'DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure');
      await snaps.next((s) => !s.findings.some((f) => f.code === 'control-plane-node-pressure'), 'the pressure gone', 20_000, mark);
      assert.deepEqual(errors.map((e) => e.message), [], 'a 410 is routine, not an error');
    } finally {
      watcher.dispose();
      await api.patchK0sEtcdMember('c2', { spec: { leave: null } });
    }
  });

  it('never watches from "0" when a list carries no resourceVersion: it lists again', async () => {
    const session = await KubeSession.open({ kubeconfig: { path: admin } }, 5000);
    const errors: KubeError[] = [];
    const since = api.auditEvents().length;
    const watch = new ResourceWatch({
      session, label: 'nodes', path: PATHS.nodes,
      // An aggregated or proxied API may answer a list without metadata.resourceVersion.
      list: async () => ({ items: (await session.listNodes()).items }),
      convert: toControlPlaneNode, watchWindowSeconds: 5, idleGraceMs: 1000, absentRecheckMs: 60_000,
      backoff: new Backoff(50, 100), onChange: () => {}, onError: (e) => errors.push(e),
    });
    try {
      watch.start();
      await waitFor(() => watch.stats.lists >= 3, 'three lists');
      assert.equal(watch.items.size, 10, 'what was listed is kept');
      assert.equal(watch.stats.watches, 0);
      assert.match(errors[0].message, /the nodes list carried no resourceVersion to watch from/);
      const watches = api.auditEvents().slice(since).filter((e) => e.verb === 'watch' && e.requestURI.startsWith('/api/v1/nodes'));
      assert.deepEqual(watches.map((e) => e.requestURI), [], 'no watch was opened');
    } finally {
      watch.dispose();
    }
  });

  it('keeps the backoff growing while the server accepts watches and only sends ERROR events', async () => {
    // An object etcd holds but the API server cannot decode (e.g. written under another encryption key):
    // every watch that reaches it is accepted and then ends with an ERROR event (500).
    const session = await KubeSession.open({ kubeconfig: { path: admin } }, 5000);
    const listed = await session.listK0sEtcdMembers();
    await etcd.etcdctl(['put', '/registry/etcd.k0sproject.io/etcdmembers/undecodable', 'not a kubernetes object']);
    const delays: number[] = [];
    class Recording extends Backoff {
      override next(): number { const d = super.next(); delays.push(d); return d; }
    }
    const errors: KubeError[] = [];
    const watch = new ResourceWatch({
      session, label: 'k0s EtcdMembers', path: PATHS.k0sEtcdMembers,
      list: async () => listed,
      convert: (raw) => raw, watchWindowSeconds: 30, idleGraceMs: 5000, absentRecheckMs: 60_000,
      backoff: new Recording(50, 10_000, () => 1), onChange: () => {}, onError: (e) => errors.push(e),
    });
    try {
      watch.start();
      await waitFor(() => delays.length >= 5, 'five retries', 30_000);
      assert.ok(errors.length >= 5 && errors.every((e) => e.kind !== 'timeout'), errors.map((e) => e.message).join('; '));
      assert.deepEqual(delays.slice(0, 5), [50, 100, 200, 400, 800], 'each ERROR doubles the wait');
    } finally {
      watch.dispose();
      await etcd.etcdctl(['del', '/registry/etcd.k0sproject.io/etcdmembers/undecodable']);
    }
  });
});
