// When the Kubernetes extension's Cluster Explorer is redrawn: on a real 3-member etcd cluster, new indexes and
// latencies alone must not redraw it (its refresh re-lists every expanded folder through kubectl), while a
// leadership move or a member going down must, once per burst of changes.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { ClusterHealth } from '../../src/core/cluster-model';
import { EtcdPort } from '../../src/core/etcd/etcd-port';
import { moveLeader } from '../../src/core/ops/move-leader';
import { explorerSignature, RefreshOnChange } from '../../src/extension/cluster-explorer/refresh-on-change';
import type { ClusterEntry } from '../../src/extension/cluster-registry';
import { EtcdTestCluster } from '../harness/etcd-cluster';
import { portFor } from './ops-support';

const DEBOUNCE_MS = 50;
const settle = () => new Promise((r) => setTimeout(r, DEBOUNCE_MS * 4));

/** The two things RefreshOnChange reads from the registry, over one entry whose health a test sets. */
class OneEntryRegistry {
  private readonly events = new EventEmitter();
  readonly entry: ClusterEntry;
  constructor(port: EtcdPort) {
    this.entry = { key: 'etcd:test', label: 'test', port, profile: null, simulated: false, health: null, error: null, refreshing: false, controlPlane: null };
  }
  list(): ClusterEntry[] { return [this.entry]; }
  onDidChange = (listener: (e: ClusterEntry | undefined) => void) => {
    this.events.on('change', listener);
    return { dispose: () => this.events.off('change', listener) };
  };
  set(health: ClusterHealth): void {
    this.entry.health = health;
    this.events.emit('change', this.entry);
  }
}

describe('Cluster Explorer refresh policy (real etcd)', () => {
  let cluster: EtcdTestCluster;
  let port: EtcdPort;
  before(async () => {
    cluster = await EtcdTestCluster.start({ members: 3 });
    port = portFor(cluster);
  });
  after(async () => { await port?.close(); await cluster?.close(); });

  it('ignores new indexes and latencies, redraws once when leadership moves, once when a member goes down', async () => {
    const registry = new OneEntryRegistry(port);
    let redraws = 0;
    const policy = new RefreshOnChange(registry, () => { redraws += 1; }, DEBOUNCE_MS);
    try {
      const first = await port.snapshot();
      registry.set(first);
      await settle();
      assert.equal(redraws, 1, 'the first health is a change from nothing');

      for (let i = 0; i < 20; i++) await cluster.etcdctl(['put', `k${i}`, 'v']);
      const later = await port.snapshot();
      const leaderOf = (h: ClusterHealth) => h.members.find((m) => m.isLeader)!;
      assert.ok(leaderOf(later).status!.raftIndex > leaderOf(first).status!.raftIndex, 'writes moved the raft index');
      assert.equal(explorerSignature([{ ...registry.entry, health: later }]), explorerSignature([{ ...registry.entry, health: first }]));
      registry.set(later);
      await settle();
      assert.equal(redraws, 1, 'new figures alone do not redraw the Cluster Explorer');

      const follower = later.members.find((m) => !m.isLeader && m.healthy)!;
      const moved = await moveLeader(port, follower.id!);
      assert.equal(moved.ok, true, moved.reason);
      const afterMove = await port.snapshot();
      assert.equal(leaderOf(afterMove).id, follower.id);
      registry.set(afterMove);
      await settle();
      assert.equal(redraws, 2, 'a leadership move redraws');

      const victim = cluster.members.find((m) => m.name !== follower.name)!;
      await cluster.kill(victim.name);
      const down = await port.snapshot();
      assert.equal(down.members.find((m) => m.name === victim.name)?.healthy, false);
      // A burst: the change and two more refreshes inside one debounce window.
      registry.set(down);
      registry.set(await port.snapshot());
      registry.set(await port.snapshot());
      await settle();
      assert.equal(redraws, 3, 'a member going down redraws, once for the burst');
    } finally {
      policy.dispose();
    }
  });
});
