// listControlPlane through a real kubeconfig and @kubernetes/client-node against a real kube-apiserver on a
// real etcd cluster, with objects shaped like k3s, RKE2, k0s and kubeadm clusters created through its API:
// roles, conditions, correlation with etcd members. One API server; each distribution starts from an empty one.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listControlPlane } from '../../src/core/kube/list-control-plane';
import { EtcdTestCluster } from '../harness/etcd-cluster';
import { AuditEvent, HARNESS_USER_AGENT, KubeApiServer, preferEtcdForKubernetes } from '../harness/kube-apiserver';
import { ClusterFixture, k0sCluster, k3sCluster, kubeadmCluster, rke2Cluster } from '../harness/kube-objects/clusters';

preferEtcdForKubernetes();

let etcd: EtcdTestCluster;
let api: KubeApiServer;
let dir: string;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-kube-clusters-'));
  etcd = await EtcdTestCluster.start({ members: 3 });
  api = await KubeApiServer.start({ etcd });
});
after(async () => {
  await api?.stop();
  await etcd?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh API holding only this distribution's objects, and a kubeconfig for it. */
async function serve(fixture: ClusterFixture, opts: { k0sCrd?: boolean; auth?: 'token' | 'cert'; ca?: 'data' | 'file' } = {}) {
  await api.reset();
  for (const n of fixture.nodes) await api.createNode(n);
  for (const p of fixture.pods) await api.createKubeSystemPod(p);
  if (opts.k0sCrd) {
    await api.applyK0sEtcdMemberCrd();
    for (const m of fixture.etcdMembers) await api.createK0sEtcdMember(m);
  }
  const token = opts.auth === 'cert' ? undefined : api.pki.users['exec-admin'].token;
  const kubeconfig = api.writeKubeconfig(path.join(dir, `${fixture.distro}.kubeconfig`), { context: fixture.distro, ca: opts.ca, ...(token ? { user: 'viewer', token } : {}) });
  const since = api.auditEvents().length;
  // The product's own requests: not the harness's, not the API server's internal loopback ones.
  const product = (e: AuditEvent) => e.stage === 'ResponseComplete' && e.userAgent !== HARNESS_USER_AGENT && !e.user.username.startsWith('system:');
  return { kubeconfig, requests: (): AuditEvent[] => api.auditEvents().slice(since).filter(product) };
}

const codes = (s: { findings: { code: string }[] }) => s.findings.map((f) => f.code).sort();

describe('k3s embedded etcd', () => {
  let env: Awaited<ReturnType<typeof serve>>;
  const fixture = k3sCluster();
  before(async () => { env = await serve(fixture); });

  it('lists the servers with roles, Ready, kubelet version and addresses, and leaves agents out', async () => {
    const snap = await listControlPlane({ kubeconfig: { path: env.kubeconfig }, context: 'k3s' });
    assert.equal(snap.context, 'k3s');
    assert.equal(snap.serverVersion, 'v1.36.3', 'the real API server\'s version');
    assert.deepEqual(snap.nodes.map((n) => n.name), ['server-1', 'server-2', 'server-3']);
    const s1 = snap.nodes[0];
    assert.deepEqual(s1.roles, ['control-plane', 'master', 'etcd']);
    assert.equal(s1.ready, 'True');
    assert.equal(s1.kubeletVersion, 'v1.30.5+k3s1');
    assert.equal(s1.distro, 'k3s');
    assert.deepEqual(s1.addresses[0], { type: 'InternalIP', address: '192.0.2.11' });
    assert.deepEqual(s1.etcdAnnotation, { product: 'k3s', memberName: 'server-1-8e9e05c5', address: '192.0.2.11' });
    assert.ok(s1.conditions.some((c) => c.type === 'EtcdIsVoter' && c.status === 'True'));
    assert.equal(typeof s1.readyCondition?.lastTransitionTime, 'string');
    assert.equal(snap.k0sMembers, null, 'no EtcdMember CRD on k3s');
    assert.deepEqual(snap.etcdPods, []);
    assert.deepEqual(snap.findings, []);
    assert.deepEqual(snap.problems, []);
    assert.ok(env.requests().length > 0 && env.requests().every((r) => r.user.username === 'exec-admin'), 'every request authenticated by the token');
  });

  it('links every etcd member to its node through the etcd.k3s.cattle.io annotations', async () => {
    const snap = await listControlPlane({ kubeconfig: { path: env.kubeconfig } }, { etcdMembers: fixture.memberList });
    assert.deepEqual(snap.correlation.links.map((l) => [l.memberId, l.node]),
      fixture.memberList.map((m, i) => [m.id, `server-${i + 1}`]));
    for (const l of snap.correlation.links) assert.deepEqual(l.via, ['annotation-name', 'annotation-address', 'address']);
    assert.deepEqual(snap.findings, []);
  });

  it('reports a NotReady server, disk pressure and a member no node claims', async () => {
    await api.setNodeCondition('server-2', 'Ready', 'False', 'KubeletNotReady', 'container runtime is down');
    await api.setNodeCondition('server-3', 'DiskPressure', 'True', 'KubeletHasDiskPressure', 'kubelet has disk pressure');
    const stray = { id: 'abcdef0123456789', name: 'old-server-0badc0de', peerURLs: ['https://192.0.2.99:2380'], clientURLs: ['https://192.0.2.99:2379'] };
    try {
      const snap = await listControlPlane({ kubeconfig: { path: env.kubeconfig } }, { etcdMembers: [...fixture.memberList, stray] });
      assert.deepEqual(codes(snap), ['control-plane-node-not-ready', 'control-plane-node-pressure', 'etcd-member-without-node']);
      const notReady = snap.findings.find((f) => f.code === 'control-plane-node-not-ready')!;
      assert.equal(notReady.severity, 'error');
      assert.equal(notReady.subject, 'server-2');
      assert.match(notReady.message, /KubeletNotReady: container runtime is down/);
      assert.match(notReady.message, /etcd member/);
      const orphan = snap.findings.find((f) => f.code === 'etcd-member-without-node')!;
      assert.equal(orphan.command, 'etcdctl member remove abcdef0123456789');
      assert.equal(snap.nodes.find((n) => n.name === 'server-3')!.pressures[0].type, 'DiskPressure');
    } finally {
      await api.setNodeCondition('server-2', 'Ready', 'True', 'KubeletReady', 'kubelet is posting ready status');
      await api.setNodeCondition('server-3', 'DiskPressure', 'False', 'KubeletHasNoDiskPressure', '');
    }
  });
});

describe('k3s split roles (etcd-only and control-plane-only servers)', () => {
  let env: Awaited<ReturnType<typeof serve>>;
  const fixture = k3sCluster({ splitRoles: true });
  before(async () => { env = await serve(fixture); });

  it('keeps both kinds of server and links members only to etcd nodes', async () => {
    const snap = await listControlPlane({ kubeconfig: { path: env.kubeconfig } }, { etcdMembers: fixture.memberList });
    assert.deepEqual(snap.nodes.map((n) => [n.name, n.roles.join('+')]),
      [['cp-1', 'control-plane+master'], ['cp-2', 'control-plane+master'], ['etcd-1', 'etcd'], ['etcd-2', 'etcd'], ['etcd-3', 'etcd']]);
    assert.deepEqual(snap.correlation.links.map((l) => l.node), ['etcd-1', 'etcd-2', 'etcd-3']);
    assert.deepEqual(snap.correlation.nodesWithoutMember, []);
    assert.deepEqual(snap.findings, []);
  });

  it('flags an etcd node whose member is missing from the member list', async () => {
    const snap = await listControlPlane({ kubeconfig: { path: env.kubeconfig } }, { etcdMembers: fixture.memberList.slice(0, 2) });
    assert.deepEqual(snap.correlation.nodesWithoutMember, ['etcd-3']);
    assert.deepEqual(codes(snap), ['etcd-node-without-member']);
  });
});

describe('RKE2 with etcd static pods, client-certificate auth', () => {
  let env: Awaited<ReturnType<typeof serve>>;
  const fixture = rke2Cluster();
  before(async () => { env = await serve(fixture, { auth: 'cert' }); });

  it('reads etcd.rke2.cattle.io annotations and the etcd-<node> pods', async () => {
    const snap = await listControlPlane({ kubeconfig: { path: env.kubeconfig } }, { etcdMembers: fixture.memberList });
    assert.ok(env.requests().length > 0 && env.requests().every((r) => r.user.username === 'kubernetes-admin'), 'every request authenticated by the client certificate');
    assert.deepEqual(snap.etcdPods.map((p) => [p.name, p.nodeName, p.ready]),
      [['etcd-rke2-a', 'rke2-a', true], ['etcd-rke2-b', 'rke2-b', true], ['etcd-rke2-c', 'rke2-c', true]]);
    assert.equal(snap.nodes[0].etcdAnnotation?.product, 'rke2');
    assert.equal(snap.nodes[0].distro, 'rke2');
    for (const [i, l] of snap.correlation.links.entries()) {
      assert.equal(l.node, `rke2-${'abc'[i]}`);
      assert.equal(l.pod, `etcd-rke2-${'abc'[i]}`);
      assert.ok(l.via.includes('annotation-name') && l.via.includes('static-pod'), l.via.join());
    }
  });

  it('without a member list, still pairs nodes, annotations and pods', async () => {
    const snap = await listControlPlane({ kubeconfig: { path: env.kubeconfig } });
    assert.deepEqual(snap.correlation.links.map((l) => [l.node, l.memberName, l.pod, l.inMemberList]),
      fixture.memberList.map((m, i) => [`rke2-${'abc'[i]}`, m.name, `etcd-rke2-${'abc'[i]}`, null]));
  });

  it('reports an etcd pod that is not ready', async () => {
    await api.patchKubeSystemPodStatus('etcd-rke2-b', { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] });
    const snap = await listControlPlane({ kubeconfig: { path: env.kubeconfig } });
    assert.deepEqual(snap.findings.map((f) => [f.code, f.subject]), [['etcd-pod-not-ready', 'kube-system/etcd-rke2-b']]);
  });
});

describe('k0s with EtcdMember resources', () => {
  let env: Awaited<ReturnType<typeof serve>>;
  const fixture = k0sCluster();
  before(async () => { env = await serve(fixture, { k0sCrd: true }); });

  it('links members by EtcdMember memberID; controllers without a kubelet are not orphans', async () => {
    const snap = await listControlPlane({ kubeconfig: { path: env.kubeconfig } }, { etcdMembers: fixture.memberList });
    assert.deepEqual(snap.nodes.map((n) => n.name), ['c1'], 'the worker w1 has no role label');
    assert.deepEqual(snap.k0sMembers?.map((m) => [m.name, m.memberId, m.joined, m.leave]),
      [['c1', '8e9e05c52164694d', 'True', false], ['c2', '91bc3c398fb3c146', 'True', false], ['c3', 'fd422379fda50e48', 'True', false]]);
    assert.deepEqual(snap.correlation.links.map((l) => [l.memberName, l.node, l.k0sMember?.name, l.via[0] ?? null]),
      [['c1', 'c1', 'c1', 'k0s-member-id'], ['c2', null, 'c2', null], ['c3', null, 'c3', null]]);
    assert.deepEqual(snap.findings, []);
  });

  it('reports spec.leave on a member that is still in etcd, and Joined=False', async () => {
    await api.patchK0sEtcdMember('c3', { spec: { leave: true } });
    await api.patchK0sEtcdMemberStatus('c3', { reconcileStatus: 'Failed', message: 'raft: stopped' });
    await api.patchK0sEtcdMemberStatus('c2', { conditions: [{ type: 'Joined', status: 'False', lastTransitionTime: '2025-01-10T08:00:00Z', message: 'failed to join: context deadline exceeded' }] });
    const snap = await listControlPlane({ kubeconfig: { path: env.kubeconfig } }, { etcdMembers: fixture.memberList });
    assert.deepEqual(codes(snap), ['k0s-member-leave-pending', 'k0s-member-not-joined']);
    const leave = snap.findings.find((f) => f.code === 'k0s-member-leave-pending')!;
    assert.equal(leave.subject, 'EtcdMember/c3');
    assert.match(leave.message, /still in the etcd member list.*raft: stopped/);
    assert.match(snap.findings.find((f) => f.code === 'k0s-member-not-joined')!.message, /context deadline exceeded/);

    // Once etcd no longer lists c3, the leave has happened: no finding for it.
    const after = await listControlPlane({ kubeconfig: { path: env.kubeconfig } }, { etcdMembers: fixture.memberList.slice(0, 2) });
    assert.deepEqual(codes(after), ['k0s-member-not-joined']);
  });
});

describe('kubeadm stacked etcd, CA as a file', () => {
  let env: Awaited<ReturnType<typeof serve>>;
  const fixture = kubeadmCluster();
  before(async () => { env = await serve(fixture, { ca: 'file' }); });

  it('reads control-plane nodes labelled "" and links members through the static pods', async () => {
    const snap = await listControlPlane({ kubeconfig: { path: env.kubeconfig } }, { etcdMembers: fixture.memberList });
    assert.deepEqual(snap.nodes.map((n) => [n.name, n.roles.join(), n.distro]),
      [['kcp-1', 'control-plane', 'kubeadm'], ['kcp-2', 'control-plane', 'kubeadm'], ['kcp-3', 'control-plane', 'kubeadm']]);
    assert.deepEqual(snap.etcdPods.map((p) => [p.memberName, p.advertiseClientUrls]),
      [['kcp-1', ['https://10.0.0.11:2379']], ['kcp-2', ['https://10.0.0.12:2379']], ['kcp-3', ['https://10.0.0.13:2379']]]);
    for (const l of snap.correlation.links) {
      assert.equal(l.node, l.memberName);
      assert.deepEqual(l.via, ['static-pod', 'address', 'name']);
    }
    assert.deepEqual(snap.findings, []);
  });
});
