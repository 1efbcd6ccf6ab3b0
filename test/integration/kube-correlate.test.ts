// correlate() on its own, over objects converted by the same code that reads the API: the cases the
// distribution-shaped clusters do not cover (unstarted members, id spellings, IPv6, no Kubernetes view).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { correlate } from '../../src/core/kube/correlate';
import { ControlPlaneNode, EtcdPod, K0sEtcdMember } from '../../src/core/kube/model';
import { toControlPlaneNode, toEtcdPod, toK0sEtcdMember } from '../../src/core/kube/objects';
import { k0sCluster, kubeadmCluster } from '../harness/kube-objects/clusters';
import { etcdStaticPod, k0sEtcdMember, node } from '../harness/kube-objects/objects';

const nodesOf = (objs: object[]) => objs.map(toControlPlaneNode).filter((n): n is ControlPlaneNode => n !== null);
const podsOf = (objs: object[]) => objs.map(toEtcdPod).filter((p): p is EtcdPod => p !== null);
const k0sOf = (objs: object[]) => objs.map(toK0sEtcdMember).filter((m): m is K0sEtcdMember => m !== null);

describe('correlate', () => {
  it('a member that has not started yet (no name) is transient, not an orphan', () => {
    const c = kubeadmCluster();
    const joining = { id: '2f7a3b1d9c004e11', name: '', peerURLs: ['https://10.0.0.14:2380'], clientURLs: [] };
    const r = correlate(nodesOf(c.nodes), [...c.memberList, joining], [], podsOf(c.pods));
    assert.deepEqual(r.findings.map((f) => [f.code, f.severity, f.transient]), [['etcd-member-not-started', 'info', true]]);
  });

  it('matches k0s member ids however they are padded or cased', () => {
    const c = k0sCluster();
    const crs = k0sOf([k0sEtcdMember({ name: 'c1', ip: '203.0.113.5', memberId: '00000000000000AB' })]);
    assert.equal(crs[0].memberId, 'ab');
    const r = correlate(nodesOf(c.nodes), [{ id: 'ab', name: 'c1', peerURLs: ['https://203.0.113.5:2380'], clientURLs: [] }], crs, []);
    assert.deepEqual(r.links.map((l) => [l.node, l.k0sMember?.name, l.via]), [['c1', 'c1', ['k0s-member-id', 'address', 'name']]]);
  });

  it('links by address over IPv6', () => {
    const n = nodesOf([node({ name: 'v6-cp', ip: '2001:db8::10', roles: ['control-plane'], roleValue: '', kubeletVersion: 'v1.30.4', containerRuntime: 'containerd://1.7.13' })]);
    const r = correlate(n, [{ id: '1', name: 'member-x', peerURLs: ['https://[2001:db8::10]:2380'], clientURLs: [] }], [], []);
    assert.deepEqual(r.links.map((l) => [l.node, l.via]), [['v6-cp', ['address']]]);
  });

  it('prefers the annotation over a conflicting address', () => {
    const n = nodesOf([
      node({ name: 'a', ip: '192.0.2.1', roles: ['etcd'], roleValue: 'true', kubeletVersion: 'v1.30.5+k3s1', containerRuntime: 'c', annotations: { 'etcd.k3s.cattle.io/node-name': 'm-b' } }),
      node({ name: 'b', ip: '192.0.2.2', roles: ['etcd'], roleValue: 'true', kubeletVersion: 'v1.30.5+k3s1', containerRuntime: 'c' }),
    ]);
    // The member's URL carries b's address, but a's annotation names the member: the annotation wins.
    const r = correlate(n, [{ id: '5', name: 'm-b', peerURLs: ['https://192.0.2.2:2380'], clientURLs: [] }], [], []);
    assert.equal(r.links[0].node, 'a');
    assert.deepEqual(r.links[0].via, ['annotation-name']);
  });

  it('says nothing about orphans when there is no Kubernetes view at all', () => {
    const c = kubeadmCluster();
    const r = correlate([], c.memberList, [], []);
    assert.deepEqual(r.findings, []);
    assert.ok(r.links.every((l) => l.node === null && l.inMemberList === true));
  });

  it('a static pod whose node is not a control-plane node still names the pod', () => {
    const pods = podsOf([etcdStaticPod({ node: 'mystery', ip: '10.9.9.9', style: 'kubeadm' })]);
    const r = correlate([], [], [], pods);
    assert.deepEqual(r.links.map((l) => [l.pod, l.node, l.memberName]), [['etcd-mystery', null, 'mystery']]);
  });
});
