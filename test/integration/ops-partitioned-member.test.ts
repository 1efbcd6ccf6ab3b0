// @etcd-compat: also runs on etcd 3.4, 3.5 and 3.7 (scripts/test.mjs)
// A removed member that never heard of its removal: m4 runs in a network namespace of its own, its peer link
// is cut, the others remove it, and it keeps running and answering clients with its stale member list
// (m1..m4, itself a voter). With m3 then killed, that stale list would let m2 be removed (2 healthy voters of
// 3 would remain); the leader's list says 1 of 2 would. The engine must decide on the leader's list, and the
// refresh must never count m4 as a voter.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EtcdPort } from '../../src/core/etcd/etcd-port';
import { refreshCluster } from '../../src/core/etcd/live-health';
import { removeMember } from '../../src/core/ops/remove-member';
import { EtcdTestCluster } from '../harness/etcd-cluster';
import { atLeast } from '../harness/etcd-version';
import { IsolatedHost, makeIsolatedHost, netnsUnavailable } from '../harness/netns';
import { ctlMembers, idOf, waitLeader } from './ops-support';

const unavailable = netnsUnavailable();

describe('a partitioned, removed member still answering with its stale member list (real etcd, network namespaces)', { skip: unavailable ?? false }, () => {
  let cluster: EtcdTestCluster;
  let host: IsolatedHost;
  let m4Id: string;
  const profile = () => ({ name: 'test', endpoints: cluster.members.map((m) => m.clientUrl), tls: cluster.tls, timeoutMs: 2000 });

  before(async () => {
    host = makeIsolatedHost();
    cluster = await EtcdTestCluster.start({
      members: 4,
      placement: (i) => (i === 3 ? { netns: host.netns, peerHost: host.peerIp, clientHost: host.clientIp } : { peerHost: host.hostPeerIp }),
    });
    const [m1, m2, m3, m4] = cluster.members;
    const others = [m1, m2, m3];
    m4Id = await idOf(cluster, m4.name, others);
    host.cutPeers();
    const ctlId = (await ctlMembers(cluster, others)).find((m) => m.name === m4.name)!.id;
    // etcd's strict check refuses while m4 still counts as recently active; retried until it lets go.
    await cluster.waitUntil(async () => { await cluster.etcdctl(['member', 'remove', ctlId], others.map((m) => m.clientUrl)); return true; }, 30_000, 'm4 removed');
    await cluster.kill(m3.name);
    // m3 may have led: the engine's numbers are read once m1 and m2 have a leader again.
    await waitLeader(cluster, [m1, m2], 30_000);
  });
  after(async () => {
    await cluster?.close();
    host?.destroy();
  });

  it('m4 really is gone for the cluster and still answers, with its own stale list', async () => {
    const [m1, m2, , m4] = cluster.members;
    assert.ok(!(await ctlMembers(cluster, [m1, m2])).some((m) => m.name === 'm4'));
    assert.ok(m4.process, 'm4 is still running');
    // It still answers clients as itself (Status is served locally).
    const [status] = await cluster.endpointStatus([m4.clientUrl]);
    assert.equal(status?.memberId, m4Id, 'm4 answers Status as m4');
    // Its own list, serializably: 3.4 always answers so; 3.6+ with --consistency=s; 3.5's etcdctl has no way
    // to ask for it (its member list is always linearizable and needs the leader m4 cannot reach).
    if (cluster.binaries.minor !== '3.5') {
      const serializable = atLeast(cluster.binaries.minor, '3.6') ? ['--consistency=s'] : [];
      const stale = (await cluster.etcdctl(['member', 'list', ...serializable], [m4.clientUrl])).trim().split('\n').map((l) => l.split(', ')[2]);
      assert.deepEqual(stale.sort(), ['m1', 'm2', 'm3', 'm4'], 'the partitioned member keeps its old list');
    }
  });

  it('the removal engine refuses on the leader\'s list, sending nothing', async () => {
    const port = new EtcdPort(profile());
    try {
      const r = await removeMember(port, 'm2');
      assert.equal(r.ok, false, r.reason);
      assert.equal(r.refused, true, r.reason);
      assert.equal(r.removed, null);
      assert.ok(!r.membersBefore.some((m) => m.id === m4Id), `the stale member counted: ${JSON.stringify(r.membersBefore)}`);
      const q = r.checks.find((c) => c.name === 'quorum-after');
      assert.equal(q?.detail, 'removing m2 would leave 1 healthy voter of 2; quorum of 2 needs 2');
    } finally {
      await port.close();
    }
    const [m1, m2] = cluster.members;
    assert.deepEqual((await ctlMembers(cluster, [m1, m2])).map((m) => m.name).sort(), ['m1', 'm2', 'm3']);
  });

  it('a refresh never counts m4 as a member or a voter, and names its endpoint as a stray one', async () => {
    for (let i = 0; i < 3; i++) {
      const h = await refreshCluster(profile());
      assert.ok(!h.members.some((m) => m.id === m4Id), `refresh ${i} lists the removed member: ${h.members.map((m) => m.name).join()}`);
      assert.deepEqual({ voters: h.quorum.voters, healthy: h.quorum.healthy }, { voters: 3, healthy: 2 }, JSON.stringify(h.quorum));
      const stray = h.strayEndpoints?.find((s) => s.endpoint === cluster.members[3].clientUrl);
      assert.equal(stray?.kind, 'not-a-member', JSON.stringify(h.strayEndpoints));
    }
  });
});
