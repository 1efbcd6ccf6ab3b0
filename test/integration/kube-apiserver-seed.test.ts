// The k3s seed, for real: kube-apiservers on one etcd cluster, one per "node" (each on its own loopback address,
// the address its Node advertises). cp-2's API server lists one etcd server (m1); when m1 is killed its API
// fails, its /readyz etcd check fails, and etcd Ops says why from its static pod manifest, before and during
// the failure. cp-3's lists a member that was removed since. Real etcd, real kube-apiservers.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiserverEtcdFindings, readApiserverEtcdServers } from '../../src/core/discovery/apiserver-flags';
import { NodeFs } from '../../src/core/discovery/node-fs';
import { refreshCluster } from '../../src/core/etcd/live-health';
import { KubeError } from '../../src/core/kube/errors';
import { listControlPlane } from '../../src/core/kube/list-control-plane';
import { controlPlaneNodeRows } from '../../src/core/kube/node-rows';
import { runCli } from '../harness/cli';
import { EtcdTestCluster, freePort } from '../harness/etcd-cluster';
import { KubeApiServer, preferEtcdForKubernetes } from '../harness/kube-apiserver';
import { makeKubePki } from '../harness/kube-pki';
import { node } from '../harness/kube-objects/objects';

preferEtcdForKubernetes();

const HOSTS = { 'cp-1': '127.0.0.1', 'cp-2': '127.0.0.2', 'cp-3': '127.0.0.3' } as const;

describe('kube-apiservers whose --etcd-servers miss members (the k3s seed)', () => {
  let etcd: EtcdTestCluster;
  const servers: Record<string, KubeApiServer> = {};
  let dir: string;
  let admin: string;
  let root: string;
  let removedUrl: string;

  const profile = () => ({ name: 'test', endpoints: etcd.members.map((m) => m.clientUrl), tls: etcd.tls, timeoutMs: 2000 });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-kube-seed-'));
    etcd = await EtcdTestCluster.start({ members: 4 });
    const pki = makeKubePki(path.join(dir, 'pki'), Object.values(HOSTS));
    const port = await freePort();
    const [m1, m2, , m4] = etcd.members;
    servers['cp-1'] = await KubeApiServer.start({ etcd, pki, port, host: HOSTS['cp-1'], etcdServers: etcd.members.slice(0, 3).map((m) => m.clientUrl) });
    servers['cp-2'] = await KubeApiServer.start({ etcd, pki, port, host: HOSTS['cp-2'], etcdServers: [m1.clientUrl] });
    servers['cp-3'] = await KubeApiServer.start({ etcd, pki, port, host: HOSTS['cp-3'], etcdServers: [m4.clientUrl, m2.clientUrl] });
    // m4 leaves the cluster after cp-3's API server was configured with it (a removed member stops itself).
    removedUrl = m4.clientUrl;
    const survivors = etcd.members.slice(0, 3).map((m) => m.clientUrl);
    const id = (await etcd.etcdctl(['member', 'list'], survivors)).split('\n').find((l) => l.includes(`, ${m4.name},`))!.split(',')[0].trim();
    await etcd.waitUntil(async () => { await etcd.etcdctl(['member', 'remove', id], survivors, 15_000); return true; }, 60_000, 'm4 removed');
    await etcd.kill(m4.name);
    etcd.members.splice(3, 1);
    // The removal may have cost an election: the API servers' writes wait until the survivors serve again.
    await etcd.waitUntil(async () => { await etcd.etcdctl(['endpoint', 'health'], survivors, 5_000); return true; }, 60_000, 'survivors healthy');
    for (const [name, host] of Object.entries(HOSTS)) {
      await servers['cp-1'].createNode(node({
        name, ip: host, roles: ['control-plane', 'etcd', 'master'], roleValue: 'true', kubeletVersion: 'v1.36.3+k3s1',
        containerRuntime: 'containerd://2.1.4-k3s1', instanceType: 'k3s',
      }));
    }
    admin = servers['cp-1'].writeKubeconfig(path.join(dir, 'admin.kubeconfig'), { context: 'cp-1' });
    // This machine is cp-2: its kubeadm-style static pod manifest holds the flags its API server runs with.
    root = path.join(dir, 'root');
    fs.mkdirSync(path.join(root, 'etc/kubernetes/manifests'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/kubernetes/manifests/kube-apiserver.yaml'), servers['cp-2'].staticPodManifest('cp-2'));
  });
  after(async () => {
    for (const s of Object.values(servers)) await s.stop();
    await etcd?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('before the failure: every API server ready, and the one-server list already a warning', async () => {
    const snap = await listControlPlane({ kubeconfig: { path: admin } }, { probeApiservers: true });
    assert.deepEqual(snap.apiservers.map((a) => [a.node, a.ready, a.etcd]), [['cp-1', true, 'ok'], ['cp-2', true, 'ok'], ['cp-3', true, 'ok']]);
    assert.deepEqual(controlPlaneNodeRows(snap).map((r) => r.apiserverSummary), ['apiserver ready', 'apiserver ready', 'apiserver ready']);
    const [cfg] = readApiserverEtcdServers(new NodeFs(root));
    assert.equal(cfg.distro, 'kubeadm');
    assert.deepEqual(cfg.servers, [etcd.members[0].clientUrl]);
    const health = await refreshCluster(profile());
    const findings = apiserverEtcdFindings('cp-2', cfg, health);
    assert.deepEqual(findings.map((f) => [f.severity, f.code]), [['warning', 'apiserver-single-etcd-server']]);
    assert.match(findings[0].message, /^kube-apiserver on cp-2 lists one etcd server \(m1\): if m1 goes down/);
    assert.equal(findings[0].file?.path, path.join(root, 'etc/kubernetes/manifests/kube-apiserver.yaml'));
  });

  it('flags a server list that names a member no longer in the cluster', async () => {
    const health = await refreshCluster(profile());
    const cfg = { distro: 'kubeadm' as const, servers: [removedUrl, etcd.members[1].clientUrl], file: { path: '/etc/kubernetes/manifests/kube-apiserver.yaml' }, setting: '--etcd-servers' };
    const findings = apiserverEtcdFindings('cp-3', cfg, health, [HOSTS['cp-3']]);
    assert.deepEqual(findings.map((f) => f.code).sort(), ['apiserver-etcd-server-not-a-member', 'apiserver-single-etcd-server']);
    assert.match(findings.find((f) => f.code === 'apiserver-etcd-server-not-a-member')!.message, new RegExp(`lists etcd server ${removedUrl.replace(/[.:/]/g, '\\$&')}, which is no member`));
    const snap = await listControlPlane({ kubeconfig: { path: servers['cp-3'].writeKubeconfig(path.join(dir, 'cp3.kubeconfig')) } });
    assert.equal(snap.nodes.length, 3, 'cp-3\'s API still works, through m2 alone');
  });

  it('m1 killed: cp-2\'s API fails, its readyz etcd check fails, and etcd Ops says why', async () => {
    await etcd.kill('m1');
    const cp2 = servers['cp-2'].writeKubeconfig(path.join(dir, 'cp2.kubeconfig'), { context: 'cp-2' });
    const deadline = Date.now() + 60_000;
    // What this machine's manifest says cp-2's API server uses.
    const [manifest] = readApiserverEtcdServers(new NodeFs(root));
    const read = () => listControlPlane({ kubeconfig: { path: admin } }, { probeApiservers: true, etcdServersOf: (n) => (n === 'cp-2' ? manifest.servers : undefined) });
    let snap = await read();
    while (snap.apiservers.find((a) => a.node === 'cp-2')?.etcd !== 'failed' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      snap = await read();
    }
    const cp2Ready = snap.apiservers.find((a) => a.node === 'cp-2')!;
    assert.equal(cp2Ready.ready, false);
    assert.equal(cp2Ready.etcd, 'failed');
    assert.equal(snap.apiservers.find((a) => a.node === 'cp-1')!.etcd, 'ok', 'cp-1 lists every member and stays up');
    const unreachable = snap.findings.find((f) => f.code === 'apiserver-etcd-unreachable')!;
    assert.equal(unreachable.subject, 'kube-apiserver on cp-2');
    assert.ok(unreachable.message.includes(`it uses ${etcd.members[0].clientUrl}`), unreachable.message);
    assert.match(controlPlaneNodeRows(snap).find((r) => r.name === 'cp-2')!.apiserverSummary!, /^apiserver not ready \(.*etcd.*failed\)$/);

    await assert.rejects(listControlPlane({ kubeconfig: { path: cp2 } }, { requestTimeoutMs: 3000 }), (e: unknown) => e instanceof KubeError,
      'the API through cp-2 fails');

    const [cfg] = readApiserverEtcdServers(new NodeFs(root));
    const health = await refreshCluster(profile());
    const findings = apiserverEtcdFindings('cp-2', cfg, health);
    assert.deepEqual(findings.map((f) => [f.severity, f.code]), [['error', 'apiserver-single-etcd-server-down']]);
    assert.match(findings[0].message, /^kube-apiserver on cp-2 lists one etcd server \(m1\), which is down/);

    // The CLI on this "node" (cp-2's files under --root) says the same, next to the readiness of every node.
    const out = await runCli(['nodes', '--kubeconfig', admin, '--root', root, '--node', 'cp-2', '--json',
      '--endpoints', etcd.members.map((m) => m.clientUrl).join(','), '--cacert', etcd.tls.caFile, '--cert', etcd.tls.certFile, '--key', etcd.tls.keyFile]);
    assert.equal(out.code, 0, out.stderr);
    const json = JSON.parse(out.stdout);
    assert.deepEqual(json.nodes.map((n: { name: string }) => n.name), ['cp-1', 'cp-2', 'cp-3']);
    assert.ok(json.findings.some((f: { code: string; message: string }) => f.code === 'apiserver-single-etcd-server-down' && /lists one etcd server \(m1\), which is down/.test(f.message)),
      JSON.stringify(json.findings));
  });
});
