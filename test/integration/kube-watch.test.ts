// ControlPlaneWatcher against the API stand-in: it lists, then watches from the list's resourceVersion, sees
// changes as they happen, re-lists after 410 Gone (both ways the API says it), and reconnects after drops.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ControlPlaneWatcher } from '../../src/core/kube/control-plane-watcher';
import { loadClientNode } from '../../src/core/kube/client';
import { KubeError } from '../../src/core/kube/errors';
import { ControlPlaneSnapshot } from '../../src/core/kube/snapshot';
import { k0sCluster, kubeadmCluster } from '../harness/kube-objects/clusters';
import { KubeStandIn } from '../harness/kube-standin';

/** Collects snapshots and lets a test wait for one that matches. */
class Snapshots {
  readonly all: ControlPlaneSnapshot[] = [];
  private waiters: { match: (s: ControlPlaneSnapshot) => boolean; resolve: (s: ControlPlaneSnapshot) => void }[] = [];

  push = (s: ControlPlaneSnapshot) => {
    this.all.push(s);
    this.waiters = this.waiters.filter((w) => (w.match(s) ? (w.resolve(s), false) : true));
  };

  next(match: (s: ControlPlaneSnapshot) => boolean, what: string, ms = 5000): Promise<ControlPlaneSnapshot> {
    const seen = this.all.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no snapshot with ${what} within ${ms} ms`)), ms);
      this.waiters.push({ match, resolve: (s) => { clearTimeout(timer); resolve(s); } });
    });
  }
}

const readyOf = (s: ControlPlaneSnapshot, node: string) => s.nodes.find((n) => n.name === node)?.ready;

for (const expiredAs of ['http-410', 'error-event'] as const) {
  describe(`watching a kubeadm control plane (expired version as ${expiredAs})`, () => {
    let standIn: KubeStandIn;
    let kubeconfig: string;
    const fixture = kubeadmCluster();
    before(async () => {
      standIn = await KubeStandIn.start({ expiredAs });
      standIn.putAll('nodes', fixture.nodes);
      standIn.putAll('pods', fixture.pods);
      kubeconfig = standIn.writeKubeconfig(path.join(standIn.dir, 'kubeconfig'));
    });
    after(() => standIn.stop());

    it('sees a node turn NotReady and back, then survives compaction and dropped streams', async () => {
      const snaps = new Snapshots();
      const errors: KubeError[] = [];
      const watcher = new ControlPlaneWatcher({
        kubeconfig: { path: kubeconfig }, onSnapshot: snaps.push, onError: (e) => errors.push(e),
        etcdMembers: () => fixture.memberList, backoff: { initialMs: 50, maxMs: 200 }, coalesceMs: 10,
      });
      try {
        await watcher.start();
        assert.equal(snaps.all.length, 1, 'start() resolves with the first snapshot');
        assert.equal(snaps.all[0].state, 'live');
        assert.deepEqual(snaps.all[0].nodes.map((n) => n.ready), ['True', 'True', 'True']);
        assert.equal(snaps.all[0].correlation.links.filter((l) => l.node).length, 3);

        const listsBefore = standIn.requests.filter((r) => r.path === '/api/v1/nodes' && !r.query.watch).length;
        standIn.setNodeCondition('kcp-2', 'Ready', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.');
        const down = await snaps.next((s) => readyOf(s, 'kcp-2') === 'Unknown', 'kcp-2 Ready=Unknown');
        assert.deepEqual(down.findings.map((f) => [f.code, f.subject]), [['control-plane-node-not-ready', 'kcp-2']]);
        assert.match(down.findings[0].message, /stopped reporting status/);
        // It was a watch event, not a new list.
        assert.equal(standIn.requests.filter((r) => r.path === '/api/v1/nodes' && !r.query.watch).length, listsBefore);
        const nodeWatch = standIn.requests.find((r) => r.path === '/api/v1/nodes' && r.query.watch)!;
        assert.ok(Number(nodeWatch.query.resourceVersion) > 0, 'the watch resumes from the list\'s resourceVersion');

        // Streams dropped, a change made while the watcher is away, history compacted past its version:
        // the resumed watch gets 410, so the watcher lists again and still learns of the change.
        const release = standIn.hold();
        standIn.closeWatches();
        standIn.setNodeCondition('kcp-2', 'Ready', 'True', 'KubeletReady', 'kubelet is posting ready status');
        standIn.compact();
        release();
        const up = await snaps.next((s) => readyOf(s, 'kcp-2') === 'True' && s.findings.length === 0, 'kcp-2 Ready again');
        assert.equal(up.state, 'live');
        await waitFor(() => watcher.stats.nodes.expired >= 1, 'a 410 on the nodes watch');
        assert.ok(watcher.stats.nodes.lists >= 2);

        // A new pod arrives through the pods watch.
        standIn.remove('pods', 'etcd-kcp-3');
        await snaps.next((s) => s.etcdPods.length === 2, 'the pod deletion');
        assert.deepEqual(errors, [], 'a 410 is routine, not an error');
      } finally {
        watcher.dispose();
      }
      await waitFor(() => standIn.openWatches === 0, 'watch streams closed after dispose');
    });
  });
}

describe('an API server that stalls while watched', () => {
  let standIn: KubeStandIn;
  let kubeconfig: string;
  before(async () => {
    standIn = await KubeStandIn.start();
    standIn.putAll('nodes', kubeadmCluster().nodes);
    kubeconfig = standIn.writeKubeconfig(path.join(standIn.dir, 'kubeconfig'));
  });
  after(() => standIn.stop());

  it('reports the stall in bounded time, then recovers and catches up on what changed', async () => {
    const snaps = new Snapshots();
    const errors: KubeError[] = [];
    const watcher = new ControlPlaneWatcher({
      kubeconfig: { path: kubeconfig }, onSnapshot: snaps.push, onError: (e) => errors.push(e),
      requestTimeoutMs: 300, backoff: { initialMs: 50, maxMs: 100 }, coalesceMs: 10,
    });
    try {
      await watcher.start();
      assert.equal(snaps.all[0].state, 'live');
      const release = standIn.hold();
      standIn.closeWatches();
      const stalled = await snaps.next((s) => s.state === 'reconnecting', 'the reconnecting state', 3000);
      assert.match(stalled.error!, /did not answer within 300 ms/);
      standIn.setNodeCondition('kcp-1', 'Ready', 'False', 'KubeletNotReady', 'PLEG is not healthy');
      release();
      const back = await snaps.next((s) => s.state === 'live' && readyOf(s, 'kcp-1') === 'False', 'recovery with the change');
      assert.equal(back.error, undefined);
      assert.ok(errors.length >= 1 && errors.every((e) => e.kind === 'timeout'), errors.map((e) => e.message).join('; '));
    } finally {
      watcher.dispose();
    }
  });
});

describe('a watch stream that goes silent', () => {
  it('is dropped after its window plus the grace period and reopened from the same resourceVersion', async () => {
    const standIn = await KubeStandIn.start({ ignoreWatchTimeout: true });
    standIn.putAll('nodes', kubeadmCluster().nodes);
    const kubeconfig = standIn.writeKubeconfig(path.join(standIn.dir, 'kubeconfig'));
    const snaps = new Snapshots();
    const watcher = new ControlPlaneWatcher({ kubeconfig: { path: kubeconfig }, onSnapshot: snaps.push, watchWindowSeconds: 1, idleGraceMs: 200, coalesceMs: 10 });
    try {
      await watcher.start();
      const lists = watcher.stats.nodes.lists;
      const nodeWatches = () => standIn.requests.filter((r) => r.path === '/api/v1/nodes' && r.query.watch);
      await waitFor(() => nodeWatches().length >= 2, 'a second nodes watch', 4000);
      assert.equal(watcher.stats.nodes.lists, lists, 'resumed, not re-listed');
      assert.equal(nodeWatches()[1].query.resourceVersion, nodeWatches()[0].query.resourceVersion);
      standIn.setNodeCondition('kcp-3', 'MemoryPressure', 'True', 'KubeletHasInsufficientMemory', 'kubelet has insufficient memory available');
      await snaps.next((s) => s.findings.some((f) => f.code === 'control-plane-node-pressure'), 'the pressure finding');
    } finally {
      watcher.dispose();
      await standIn.stop();
    }
  });
});

describe('watching k0s EtcdMembers', () => {
  let standIn: KubeStandIn;
  let kubeconfig: string;
  const fixture = k0sCluster();
  before(async () => {
    standIn = await KubeStandIn.start({ k0sCrd: true });
    standIn.putAll('nodes', fixture.nodes);
    standIn.putAll('etcdmembers', fixture.etcdMembers);
    kubeconfig = standIn.writeKubeconfig(path.join(standIn.dir, 'kubeconfig'));
  });
  after(() => standIn.stop());

  it('sees spec.leave being set', async () => {
    const snaps = new Snapshots();
    const watcher = new ControlPlaneWatcher({ kubeconfig: { path: kubeconfig }, onSnapshot: snaps.push, coalesceMs: 10 });
    try {
      await watcher.start();
      assert.equal(snaps.all[0].k0sMembers?.length, 3);
      standIn.update('etcdmembers', 'c2', (m) => { m.spec = { leave: true }; });
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
    const standIn = await KubeStandIn.start();
    // A port that accepts TCP connections and never answers: the worst case for time limits.
    const sockets = new Set<net.Socket>();
    const blackhole = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); });
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', () => r()));
    const server = `https://127.0.0.1:${(blackhole.address() as net.AddressInfo).port}`;
    const kubeconfig = standIn.writeKubeconfig(path.join(standIn.dir, 'kubeconfig'), { server });
    const snaps = new Snapshots();
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
      await standIn.stop();
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
