// Target choice and the cluster, learner and stale-entry blockers, on plain ClusterHealth values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterBlockers, joinConfigBlockers, learnerBlockers, staleEntryBlockers } from '../../../src/core/join/join-blockers';
import { chooseJoinTarget } from '../../../src/core/join/join-target';
import { cluster, member } from '../ops/cluster-fixture';

const listOk = { ok: true, detail: 'read through the leader' };
const codes = (b: { code: string }[]) => b.map((x) => x.code);

describe('join target', () => {
  it('the least-behind healthy follower, not the leader, never a dead or lagging member', () => {
    const h = cluster([{ leader: true }, { healthy: false }, { applied: 2000 }, { applied: 4990 }]);
    const { target } = chooseJoinTarget(h, 'k3s', 1000);
    assert.equal(target?.name, 'm4');
    assert.equal(target?.joinAddress, 'https://10.0.0.4:9345');
    assert.match(target!.why, /10 applied entries behind the leader m1/);
  });

  it('the leader when no follower qualifies, and why', () => {
    const h = cluster([{ healthy: false }, { leader: true }, { applied: 10 }]);
    const { target } = chooseJoinTarget(h, 'etcd', 1000);
    assert.equal(target?.name, 'm2');
    assert.match(target!.why, /^the leader: no follower .*m1 \(1a\) is unhealthy.*m3 \(3a\) trails the leader by 4990 entries/);
  });

  it('position never matters: the first member is not preferred', () => {
    const h = cluster([{ applied: 4000 }, { leader: true }, {}]);
    assert.equal(chooseJoinTarget(h, 'etcd', 100).target?.name, 'm3');
  });

  it('none without a healthy leader', () => {
    const h = cluster([{ healthy: false }, { healthy: false }, {}]);
    const c = chooseJoinTarget(h, 'etcd', 1000);
    assert.equal(c.target, null);
    assert.match(c.reason!, /no healthy leader/);
  });
});

describe('join blockers', () => {
  it('quorum lost blocks every distro; quorum-at-risk only where the join adds a voter', () => {
    assert.deepEqual(codes(clusterBlockers(cluster([{ leader: true }, { healthy: false }, { healthy: false }]), 'k3s', listOk)), ['quorum-lost']);
    const oneDown = cluster([{ leader: true }, {}, { healthy: false }]);
    assert.deepEqual(codes(clusterBlockers(oneDown, 'k3s', listOk)), []);
    const k0s = clusterBlockers(oneDown, 'k0s', listOk);
    assert.deepEqual(codes(k0s), ['quorum-at-risk']);
    assert.match(k0s[0].command!, /^etcd-ops remove-member --member 3a --endpoints /);
    assert.deepEqual(codes(clusterBlockers(cluster([{ leader: true }, {}, {}]), 'k0s', listOk)), [], '3 healthy of 4 is quorum');
  });

  it('no answering member, no leader, no leader list', () => {
    const none = cluster([{ healthy: false }, { healthy: false }]);
    assert.deepEqual(codes(clusterBlockers(none, 'etcd', listOk)), ['cluster-unreachable']);
    assert.deepEqual(codes(clusterBlockers(cluster([{}, {}, {}]), 'etcd', { ok: false, detail: 'no answering leader' })), ['no-leader', 'member-list-unavailable']);
  });

  it('a pending learner, started or not, but not this node\'s own', () => {
    const h = cluster([{ leader: true }, {}, {}, { learner: true, started: false }]);
    const b = learnerBlockers(h, 'k3s', null);
    assert.deepEqual(codes(b), ['learner-pending']);
    assert.match(b[0].message, /added but never started.*too many learner members/);
    assert.match(b[0].command!, /remove-member --member 4a/);
    assert.deepEqual(learnerBlockers(h, 'k3s', '4a'), []);
    const healthy = learnerBlockers(cluster([{ leader: true }, { learner: true }]), 'etcd', null);
    assert.match(healthy[0].remediation, /promote-member --member 2a --wait/);
    assert.equal(healthy[0].command, undefined);
  });

  it('a stale entry with this node\'s peer URL or name; this node\'s own entry is none', () => {
    const h = cluster([{ leader: true }, {}, { healthy: false, name: 'node3' }]);
    const byUrl = staleEntryBlockers(h, { name: null, peerURLs: ['https://10.0.0.3:2380'], ownId: null });
    assert.deepEqual(codes(byUrl), ['stale-member-entry']);
    assert.match(byUrl[0].message, /node3 \(3a\) \(voter, started, now down .*\) already holds the peer URL https:\/\/10\.0\.0\.3:2380.*Peer URLs already exists/);
    assert.match(byUrl[0].command!, /remove-member --member 3a/);
    assert.deepEqual(codes(staleEntryBlockers(h, { name: 'node3', peerURLs: [], ownId: null })), ['stale-member-entry']);
    assert.deepEqual(staleEntryBlockers(h, { name: 'node3', peerURLs: ['https://10.0.0.3:2380'], ownId: '3a' }), []);
    assert.deepEqual(staleEntryBlockers(h, { name: 'node9', peerURLs: ['https://10.0.0.9:2380'], ownId: null }), []);
    assert.equal(member(h, 'node3').healthy, false);
  });

  it('k3s config: dead server, the member it names is down, cluster-init without server', () => {
    const t = { joinAddress: 'https://10.0.0.2:9345' };
    const base = { file: '/etc/rancher/k3s/config.yaml', server: 'https://10.0.0.9:9345', clusterInit: false, member: null };
    assert.deepEqual(codes(joinConfigBlockers({ ...base, reachable: { ok: false, detail: 'connection refused' } }, 'k3s', t)), ['join-config-dead-server']);
    assert.deepEqual(joinConfigBlockers({ ...base, reachable: { ok: true, detail: 'accepts connections' } }, 'k3s', t), []);
    const down = cluster([{ leader: true }, { healthy: false }]).members[1];
    const b = joinConfigBlockers({ ...base, reachable: { ok: true, detail: 'accepts connections' }, member: down }, 'k3s', t);
    assert.match(b[0].message, /which is member m2 \(2a\): it is down/);
    assert.match(b[0].remediation, /Point server: at https:\/\/10\.0\.0\.2:9345/);
    assert.deepEqual(codes(joinConfigBlockers({ ...base, server: null, clusterInit: true, reachable: null }, 'k3s', t)), ['join-config-bootstraps']);
    assert.deepEqual(joinConfigBlockers({ ...base, server: null, reachable: null }, 'k3s', t), []);
  });
});
