// ControlPlaneWatcher against a real kube-apiserver (through a TCP relay that can drop, hold and freeze
// connections): it lists, then watches from the list's resourceVersion, sees changes as they happen, re-lists
// after a real 410 (etcd compacted past its version), and reconnects after drops, stalls and silent streams.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ControlPlaneWatcher } from '../../src/core/kube/control-plane-watcher';
import { loadClientNode } from '../../src/core/kube/client';
import { KubeError } from '../../src/core/kube/errors';
import { ControlPlaneSnapshot } from '../../src/core/kube/snapshot';
import { EtcdTestCluster } from '../harness/etcd-cluster';
import { SnapshotLog } from '../harness/snapshot-log';
import { KubeApiServer, preferEtcdForKubernetes } from '../harness/kube-apiserver';
import { k0sCluster, kubeadmCluster } from '../harness/kube-objects/clusters';
import { makeKubePki } from '../harness/kube-pki';
import { KubeFaultProxy } from '../harness/kube-proxy';

preferEtcdForKubernetes();

const readyOf = (s: ControlPlaneSnapshot, node: string) => s.nodes.find((n) => n.name === node)?.ready;

describe('watching a kubeadm control plane on a real kube-apiserver', () => {
  let etcd: EtcdTestCluster;
  let api: KubeApiServer;
  let proxy: KubeFaultProxy;
  let dir: string;
  const fixture = kubeadmCluster();
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-kube-watch-'));
    etcd = await EtcdTestCluster.start({ members: 3 });
    // Watches go to etcd (no watch cache), so compacting etcd past a watch's version makes its resume a 410.
    api = await KubeApiServer.start({ etcd, watchCache: false });
    for (const n of fixture.nodes) await api.createNode(n);
    for (const p of fixture.pods) await api.createKubeSystemPod(p);
    await api.applyK0sEtcdMemberCrd();
    for (const m of k0sCluster().etcdMembers) await api.createK0sEtcdMember(m);
    proxy = await KubeFaultProxy.start({ host: api.host, port: api.port });
  });
  after(async () => {
    await proxy?.stop();
    await api?.stop();
    await etcd?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const kubeconfig = (name: string) => api.writeKubeconfig(path.join(dir, name), { server: proxy.url });
  let bumps = 0;
  /** Moves etcd on past the last change with writes elsewhere, then compacts up to its newest revision. */
  const compactEtcd = async () => {
    for (let i = 0; i < 2; i++) await api.api('POST', '/api/v1/namespaces/kube-system/configmaps', { metadata: { name: `bump-${++bumps}` } });
    const status = JSON.parse(await etcd.etcdctl(['endpoint', 'status', '-w', 'json'])) as { Status: { header: { revision: number } } }[];
    await etcd.etcdctl(['compact', String(Math.max(...status.map((x) => x.Status.header.revision)))]);
  };

  it('sees a node turn NotReady and back, then survives dropped streams and compaction', async () => {
    const snaps = new SnapshotLog();
    const errors: KubeError[] = [];
    const watcher = new ControlPlaneWatcher({
      kubeconfig: { path: kubeconfig('main.kubeconfig') }, onSnapshot: snaps.push, onError: (e) => errors.push(e),
      etcdMembers: () => fixture.memberList, backoff: { initialMs: 50, maxMs: 200 }, coalesceMs: 10,
    });
    try {
      await watcher.start();
      assert.equal(snaps.all.length, 1, 'start() resolves with the first snapshot');
      assert.equal(snaps.all[0].state, 'live');
      assert.deepEqual(snaps.all[0].nodes.map((n) => n.ready), ['True', 'True', 'True']);
      assert.equal(snaps.all[0].correlation.links.filter((l) => l.node).length, 3);

      const listsBefore = watcher.stats.nodes.lists;
      await api.setNodeCondition('kcp-2', 'Ready', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.');
      const down = await snaps.next((s) => readyOf(s, 'kcp-2') === 'Unknown', 'kcp-2 Ready=Unknown');
      assert.deepEqual(down.findings.map((f) => [f.code, f.subject]), [['control-plane-node-not-ready', 'kcp-2']]);
      assert.match(down.findings[0].message, /stopped reporting status/);
      assert.equal(watcher.stats.nodes.lists, listsBefore, 'it was a watch event, not a new list');

      // Connections dropped, a change made while the watcher cannot reconnect, etcd compacted past its
      // version: the resumed watch gets a 410, so the watcher lists again and still learns of the change.
      const release = proxy.hold();
      proxy.dropAll();
      await api.setNodeCondition('kcp-2', 'Ready', 'True', 'KubeletReady', 'kubelet is posting ready status');
      await compactEtcd();
      release();
      const up = await snaps.next((s) => readyOf(s, 'kcp-2') === 'True' && s.findings.length === 0 && s.state === 'live', 'kcp-2 Ready again');
      assert.equal(up.state, 'live');
      await waitFor(() => watcher.stats.nodes.expired >= 1, 'a 410 on the nodes watch');
      assert.ok(watcher.stats.nodes.lists >= 2);

      await api.deleteKubeSystemPod('etcd-kcp-3');
      await snaps.next((s) => s.etcdPods.length === 2, 'the pod deletion');
      assert.ok(errors.every((e) => e.kind === 'unreachable'), `only the dropped connections are errors: ${errors.map((e) => e.message).join('; ')}`);
    } finally {
      watcher.dispose();
    }
  });

  it('reports a stalled API server in bounded time, then recovers and catches up on what changed', async () => {
    const snaps = new SnapshotLog();
    const errors: KubeError[] = [];
    const watcher = new ControlPlaneWatcher({
      kubeconfig: { path: kubeconfig('stall.kubeconfig') }, onSnapshot: snaps.push, onError: (e) => errors.push(e),
      requestTimeoutMs: 500, backoff: { initialMs: 50, maxMs: 100 }, coalesceMs: 10,
    });
    try {
      await watcher.start();
      assert.equal(snaps.all[0].state, 'live');
      const release = proxy.hold();
      proxy.dropAll();
      // The dropped stream is a reset; the reconnect into the held relay must give up after 500 ms.
      const stalled = await snaps.next((s) => s.state === 'reconnecting' && /did not answer within 500 ms/.test(s.error ?? ''), 'a timed-out reconnect', 10_000);
      assert.equal(stalled.state, 'reconnecting');
      await api.setNodeCondition('kcp-1', 'Ready', 'False', 'KubeletNotReady', 'PLEG is not healthy');
      release();
      const back = await snaps.next((s) => s.state === 'live' && readyOf(s, 'kcp-1') === 'False', 'recovery with the change');
      assert.equal(back.error, undefined);
      assert.ok(errors.some((e) => e.kind === 'timeout'), errors.map((e) => e.message).join('; '));
    } finally {
      watcher.dispose();
      await api.setNodeCondition('kcp-1', 'Ready', 'True', 'KubeletReady', 'kubelet is posting ready status');
    }
  });

  it('drops a watch stream that goes silent after its window plus the grace period and reopens it from the same resourceVersion', async () => {
    const snaps = new SnapshotLog();
    const watcher = new ControlPlaneWatcher({ kubeconfig: { path: kubeconfig('silent.kubeconfig') }, onSnapshot: snaps.push, watchWindowSeconds: 1, idleGraceMs: 300, coalesceMs: 10 });
    try {
      await watcher.start();
      const lists = watcher.stats.nodes.lists;
      const watches = watcher.stats.nodes.watches;
      const thaw = proxy.freeze();
      await waitFor(() => watcher.stats.nodes.watches >= watches + 1, 'the silent stream reopened', 8000);
      thaw();
      proxy.dropAll();
      await waitFor(() => watcher.stats.nodes.watches >= watches + 2, 'a working stream again', 8000);
      assert.equal(watcher.stats.nodes.lists, lists, 'resumed, not re-listed');
      await api.setNodeCondition('kcp-3', 'MemoryPressure', 'True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available');
      await snaps.next((s) => s.findings.some((f) => f.code === 'control-plane-node-pressure'), 'the pressure finding');
    } finally {
      watcher.dispose();
      await api.setNodeCondition('kcp-3', 'MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available');
    }
  });

  it('sees spec.leave being set on a k0s EtcdMember', async () => {
    const snaps = new SnapshotLog();
    const watcher = new ControlPlaneWatcher({ kubeconfig: { path: kubeconfig('k0s.kubeconfig') }, onSnapshot: snaps.push, coalesceMs: 10 });
    try {
      await watcher.start();
      assert.equal(snaps.all[0].k0sMembers?.length, 3);
      await api.patchK0sEtcdMember('c2', { spec: { leave: true } });
      const s = await snaps.next((x) => x.findings.some((f) => f.code === 'k0s-member-leave-pending'), 'the leave finding');
      assert.equal(s.k0sMembers?.find((m) => m.name === 'c2')?.leave, true);
    } finally {
      watcher.dispose();
    }
  });
});

describe('watcher failures', () => {
  it('rejects start() for a kubeconfig problem, which no retry can fix', async () => {
    const watcher = new ControlPlaneWatcher({ kubeconfig: { path: '/nonexistent/kubeconfig' }, onSnapshot: () => {} });
    await assert.rejects(watcher.start(), (e: unknown) => e instanceof KubeError && e.kind === 'kubeconfig-missing');
    watcher.dispose();
  });

  it('reports an unreachable server in bounded time, keeps retrying with backoff, and stops on dispose', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-kube-watch-'));
    const pki = makeKubePki(path.join(dir, 'pki'));
    // A port that accepts TCP connections and never answers: the worst case for time limits.
    const sockets = new Set<net.Socket>();
    const blackhole = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); });
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', () => r()));
    const server = `https://127.0.0.1:${(blackhole.address() as net.AddressInfo).port}`;
    const kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfig, ['apiVersion: v1', 'kind: Config', 'current-context: blackhole',
      'clusters:', '- name: b', '  cluster:', `    server: ${server}`, `    certificate-authority: ${pki.ca}`,
      'users:', '- name: u', '  user:', `    token: ${pki.users.viewer.token}`,
      'contexts:', '- name: blackhole', '  context: {cluster: b, user: u}', ''].join('\n'));
    const snaps = new SnapshotLog();
    const errors: KubeError[] = [];
    const watcher = new ControlPlaneWatcher({
      kubeconfig: { path: kubeconfig }, onSnapshot: snaps.push, onError: (e) => errors.push(e),
      requestTimeoutMs: 300, backoff: { initialMs: 50, maxMs: 100 }, coalesceMs: 10,
    });
    try {
      await loadClientNode(); // the time limit under test is the request's, not the library's load time
      const t0 = Date.now();
      await watcher.start();
      assert.ok(Date.now() - t0 < 2000, `first snapshot after ${Date.now() - t0} ms`);
      const s = snaps.all[0];
      assert.equal(s.state, 'reconnecting');
      assert.match(s.error!, /did not answer within 300 ms/);
      assert.ok(errors.length >= 1 && errors.every((e) => e.kind === 'timeout'), errors.map((e) => e.kind).join());
      await waitFor(() => watcher.stats.nodes.lists >= 3, 'retries');
    } finally {
      watcher.dispose();
      for (const s of sockets) s.destroy();
      blackhole.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
