// Discovery over fake node trees for k3s, RKE2, k0s and kubeadm: endpoints (every known member, loopback for
// the local one), only existing certificate files, and the findings an operator needs.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { discover } from '../../../src/core/discovery/discover';
import { Finding } from '../../../src/core/findings';
import {
  DistroTree, etcdProxyList, k0sController, k0sWorker, kubeadmControlPlane, kubeApiserverManifest, PEM_CERT, rancherAgent, rancherServer,
} from '../../harness/distro-trees';

let tree: DistroTree;
afterEach(() => tree?.cleanup());
const fresh = () => (tree = new DistroTree());
const codes = (fs: Finding[]) => fs.map((f) => f.code);

describe('k3s', () => {
  it('first server (cluster-init): loopback only, server-client certs, data dir, no single-endpoint warning', () => {
    const t = rancherServer(fresh(), { memberName: 'server-1-8e9e05c5', ip: '192.0.2.11' });
    const r = discover({ root: t.root });
    assert.equal(r.distro, 'k3s');
    assert.equal(r.role, 'server');
    assert.equal(r.profiles.length, 1);
    const p = r.profiles[0];
    assert.equal(p.name, 'k3s etcd (server-1-8e9e05c5)');
    assert.deepEqual(p.endpoints, ['https://127.0.0.1:2379']);
    assert.deepEqual(p.tls, {
      caFile: t.p('/var/lib/rancher/k3s/server/tls/etcd/server-ca.crt'),
      certFile: t.p('/var/lib/rancher/k3s/server/tls/etcd/server-client.crt'),
      keyFile: t.p('/var/lib/rancher/k3s/server/tls/etcd/server-client.key'),
    });
    assert.equal(p.dataDir, t.p('/var/lib/rancher/k3s/server/db/etcd'));
    assert.equal(p.distro, 'k3s');
    assert.deepEqual(p.configFiles, [t.p('/var/lib/rancher/k3s/server/db/etcd/config')]);
    assert.deepEqual(p.metricsUrls, { 'https://127.0.0.1:2379': 'http://127.0.0.1:2381' }, 'the listener k3s writes into the etcd config');
    assert.deepEqual(r.findings, []);
  });

  it('joined server: every member from initial-cluster, and the single join server flagged with file and line', () => {
    const t = rancherServer(fresh(), {
      memberName: 'server-3-fd422379', ip: '192.0.2.13', server: 'https://192.0.2.11:6443',
      peers: { 'server-1-8e9e05c5': '192.0.2.11', 'server-2-91bc3c39': '192.0.2.12' },
    });
    const r = discover({ root: t.root });
    assert.deepEqual(r.profiles[0].endpoints, ['https://127.0.0.1:2379', 'https://192.0.2.11:2379', 'https://192.0.2.12:2379']);
    assert.deepEqual(codes(r.findings), ['single-endpoint-config']);
    const f = r.findings[0];
    assert.equal(f.severity, 'warning');
    assert.deepEqual(f.file, { path: t.p('/etc/rancher/k3s/config.yaml'), line: 1 });
    assert.match(f.message, /server: https:\/\/192\.0\.2\.11:6443, a single server/);
  });

  it('a DNS join address only earns a reminder, and config.yaml.d drop-ins override config.yaml', () => {
    const t = rancherServer(fresh(), { memberName: 's2', ip: '192.0.2.12', server: 'https://192.0.2.11:6443', peers: { s1: '192.0.2.11' } });
    t.write('/etc/rancher/k3s/config.yaml.d/50-join.yaml', '# managed by ansible\nserver: https://k8s-api.example.internal:6443\n');
    const r = discover({ root: t.root });
    const f = r.findings.find((x) => x.code === 'single-endpoint-config')!;
    assert.equal(f.severity, 'info');
    assert.deepEqual(f.file, { path: t.p('/etc/rancher/k3s/config.yaml.d/50-join.yaml'), line: 2 });
  });

  it('control-plane-only server: members from the etcd proxy list; one address is the first-server failure', () => {
    const t = fresh();
    t.write('/etc/rancher/k3s/config.yaml', 'server: https://192.0.2.11:6443\ndisable-etcd: true\n')
      .certs('/var/lib/rancher/k3s/server/tls/etcd', ['server-ca', 'client']);
    etcdProxyList(t, 'k3s', ['192.0.2.11:2379']);
    let r = discover({ root: t.root });
    assert.deepEqual(r.profiles.map((p) => p.endpoints), [['https://192.0.2.11:2379']]);
    assert.equal(r.profiles[0].tls?.certFile, t.p('/var/lib/rancher/k3s/server/tls/etcd/client.crt'), 'falls back to client.crt');
    const proxyFinding = r.findings.find((f) => f.file?.path.endsWith('k3s-etcd-server-load-balancer.json'))!;
    assert.equal(proxyFinding.code, 'single-endpoint-config');
    assert.equal(proxyFinding.file?.line, 3);
    assert.equal(r.findings.filter((f) => f.code === 'single-endpoint-config').length, 2, 'the server: line as well');

    etcdProxyList(t, 'k3s', ['192.0.2.11:2379', '192.0.2.12:2379', '192.0.2.13:2379']);
    r = discover({ root: t.root });
    assert.deepEqual(r.profiles[0].endpoints, ['https://192.0.2.11:2379', 'https://192.0.2.12:2379', 'https://192.0.2.13:2379']);
    assert.equal(r.findings.filter((f) => f.code === 'single-endpoint-config').length, 1);
  });

  it('data-dir from the config moves every path', () => {
    const t = rancherServer(fresh(), { memberName: 'm1', ip: '192.0.2.11', dataDir: '/data/k3s' });
    const r = discover({ root: t.root });
    assert.equal(r.profiles[0].dataDir, t.p('/data/k3s/server/db/etcd'));
    assert.equal(r.profiles[0].tls?.caFile, t.p('/data/k3s/server/tls/etcd/server-ca.crt'));
  });

  it('external etcd datastore with one endpoint', () => {
    const t = fresh();
    t.write('/etc/rancher/k3s/config.yaml', [
      'datastore-endpoint: https://10.1.0.5:2379', 'datastore-cafile: /etc/etcd/ca.pem',
      'datastore-certfile: /etc/etcd/client.pem', 'datastore-keyfile: /etc/etcd/client-key.pem', ''].join('\n'))
      .mkdir('/var/lib/rancher/k3s/server')
      .write('/etc/etcd/ca.pem', PEM_CERT).write('/etc/etcd/client.pem', PEM_CERT).write('/etc/etcd/client-key.pem', PEM_CERT);
    const r = discover({ root: t.root });
    assert.deepEqual(r.profiles.map((p) => [p.name, p.endpoints]), [['k3s external etcd', ['https://10.1.0.5:2379']]]);
    assert.equal(r.profiles[0].tls?.keyFile, t.p('/etc/etcd/client-key.pem'));
    assert.deepEqual(r.findings.map((f) => [f.code, f.file?.line]), [['single-endpoint-config', 1]]);
  });

  it('agent and SQLite servers have no etcd profile, and say why', () => {
    let t = rancherAgent(fresh(), 'k3s', 'https://192.0.2.11:6443');
    let r = discover({ root: t.root });
    assert.equal(r.role, 'agent');
    assert.deepEqual(r.profiles, []);
    assert.ok(codes(r.findings).includes('no-etcd-on-node'));
    t.cleanup();
    t = fresh().write('/etc/rancher/k3s/k3s.yaml', 'apiVersion: v1\n').write('/var/lib/rancher/k3s/server/db/state.db', 'SQLite format 3\0');
    r = discover({ root: t.root });
    assert.deepEqual(codes(r.findings), ['no-etcd']);
  });
});

describe('RKE2', () => {
  it('uses rke2 paths and falls back to client.crt when server-client is absent', () => {
    const t = rancherServer(fresh(), { product: 'rke2', memberName: 'rke2-b-91bc3c39', ip: '198.51.100.11', server: 'https://198.51.100.10:9345', peers: { 'rke2-a-8e9e05c5': '198.51.100.10' } });
    t.remove('/var/lib/rancher/rke2/server/tls/etcd/server-client.crt');
    const r = discover({ root: t.root });
    assert.equal(r.distro, 'rke2');
    assert.deepEqual(r.profiles[0].endpoints, ['https://127.0.0.1:2379', 'https://198.51.100.10:2379']);
    assert.deepEqual(r.profiles[0].tls, {
      caFile: t.p('/var/lib/rancher/rke2/server/tls/etcd/server-ca.crt'),
      certFile: t.p('/var/lib/rancher/rke2/server/tls/etcd/client.crt'),
      keyFile: t.p('/var/lib/rancher/rke2/server/tls/etcd/client.key'),
    });
    assert.equal(r.findings[0].code, 'single-endpoint-config');
    assert.match(r.findings[0].message, /RKE2 first-server failure/);
  });
});

describe('k0s', () => {
  it('controller: loopback only, k0s PKI paths, etcd data dir', () => {
    const t = k0sController(fresh());
    const r = discover({ root: t.root });
    assert.equal(r.distro, 'k0s');
    assert.equal(r.role, 'controller');
    assert.deepEqual(r.profiles[0].endpoints, ['https://127.0.0.1:2379']);
    assert.deepEqual(r.profiles[0].tls, {
      caFile: t.p('/var/lib/k0s/pki/etcd/ca.crt'),
      certFile: t.p('/var/lib/k0s/pki/apiserver-etcd-client.crt'),
      keyFile: t.p('/var/lib/k0s/pki/apiserver-etcd-client.key'),
    });
    assert.equal(r.profiles[0].dataDir, t.p('/var/lib/k0s/etcd'));
    assert.deepEqual(r.findings, []);
  });

  it('honours --data-dir and --config from the systemd unit', () => {
    const t = k0sController(fresh(), { dataDir: '/srv/k0s', configPath: '/opt/k0s/cluster.yaml' });
    const r = discover({ root: t.root });
    assert.equal(r.profiles[0].tls?.caFile, t.p('/srv/k0s/pki/etcd/ca.crt'));
    assert.deepEqual(r.profiles[0].configFiles, [t.p('/opt/k0s/cluster.yaml')]);
  });

  it('external etcd with one endpoint, kine, and a worker', () => {
    let t = k0sController(fresh(), { storageYaml: ['    type: etcd', '    etcd:', '      externalCluster:', '        endpoints:', '        - https://10.2.0.9:2379', '        etcdPrefix: k0s'].join('\n') });
    let r = discover({ root: t.root });
    assert.deepEqual(r.profiles.map((p) => p.endpoints), [['https://10.2.0.9:2379']]);
    assert.deepEqual(r.findings.map((f) => [f.code, f.file?.line]), [['single-endpoint-config', 13]]);
    t.cleanup();
    t = k0sController(fresh(), { single: true, storageYaml: '    type: kine' });
    r = discover({ root: t.root });
    assert.deepEqual([r.profiles.length, codes(r.findings)], [0, ['no-etcd']]);
    t.cleanup();
    t = k0sWorker(fresh());
    r = discover({ root: t.root });
    assert.deepEqual([r.role, r.profiles.length, codes(r.findings)], ['worker', 0, ['no-etcd-on-node']]);
  });
});

describe('kubeadm', () => {
  it('stacked etcd: every member from --initial-cluster, the API server\'s etcd client certs', () => {
    const t = kubeadmControlPlane(fresh(), { name: 'kcp-2', ip: '10.0.0.12', initialCluster: { 'kcp-1': '10.0.0.11', 'kcp-2': '10.0.0.12', 'kcp-3': '10.0.0.13' } });
    const r = discover({ root: t.root });
    assert.equal(r.distro, 'kubeadm');
    assert.equal(r.role, 'control-plane');
    const p = r.profiles[0];
    assert.equal(p.name, 'kubeadm etcd (kcp-2)');
    assert.deepEqual(p.endpoints, ['https://127.0.0.1:2379', 'https://10.0.0.11:2379', 'https://10.0.0.13:2379']);
    assert.deepEqual(p.tls, {
      caFile: t.p('/etc/kubernetes/pki/etcd/ca.crt'),
      certFile: t.p('/etc/kubernetes/pki/apiserver-etcd-client.crt'),
      keyFile: t.p('/etc/kubernetes/pki/apiserver-etcd-client.key'),
    });
    assert.equal(p.dataDir, t.p('/var/lib/etcd'));
    assert.deepEqual(r.findings, [], 'the API server on loopback is kubeadm\'s design, not a single-endpoint trap');
    // --listen-metrics-urls=http://127.0.0.1:2381: the local member's metrics without a client certificate.
    assert.deepEqual(p.metricsUrls, { 'https://127.0.0.1:2379': 'http://127.0.0.1:2381' });
  });

  it('names only certificate files that exist', () => {
    const t = kubeadmControlPlane(fresh(), { name: 'kcp-1', ip: '10.0.0.11' });
    t.remove('/etc/kubernetes/pki/apiserver-etcd-client.key');
    const r = discover({ root: t.root });
    assert.equal(r.profiles[0].tls?.certFile, t.p('/etc/kubernetes/pki/etcd/healthcheck-client.crt'), 'next pair whose cert and key both exist');
    t.remove('/etc/kubernetes/pki/etcd/healthcheck-client.crt');
    const r2 = discover({ root: t.root });
    assert.equal(r2.profiles[0].tls?.certFile, undefined);
    assert.equal(r2.profiles[0].tls?.caFile, t.p('/etc/kubernetes/pki/etcd/ca.crt'));
    assert.deepEqual(codes(r2.findings), ['cert-missing']);
  });

  it('external etcd with a single --etcd-servers entry', () => {
    const t = fresh().write('/etc/kubernetes/manifests/kube-apiserver.yaml', kubeApiserverManifest('https://10.3.0.4:2379', '10.0.0.11'))
      .certs('/etc/kubernetes/pki/etcd', ['ca']).certs('/etc/kubernetes/pki', ['apiserver-etcd-client']);
    const r = discover({ root: t.root });
    assert.equal(r.role, 'control-plane (external etcd)');
    assert.deepEqual(r.profiles[0].endpoints, ['https://10.3.0.4:2379']);
    assert.deepEqual(r.findings.map((f) => [f.code, f.file?.line]), [['single-endpoint-config', 19]]);
  });
});

describe('nothing found and unreadable files', () => {
  it('an empty root', () => {
    const t = fresh();
    const r = discover({ root: t.root });
    assert.equal(r.distro, null);
    assert.deepEqual(r.profiles, []);
    assert.deepEqual(codes(r.findings), ['no-distro-found']);
  });

  it('certificates that cannot be read or are not PEM are still named, with an error each', () => {
    const t = rancherServer(fresh(), { memberName: 'm1', ip: '192.0.2.11' });
    const tls = '/var/lib/rancher/k3s/server/tls/etcd';
    t.remove(`${tls}/server-ca.crt`).mkdir(`${tls}/server-ca.crt`); // a directory where the CA should be
    t.symlink(`${tls}/server-client.key`, 'server-client.key'); // a symlink loop
    t.write(`${tls}/server-client.crt`, Buffer.from([0x30, 0x82, 0x01, 0x0a])); // DER bytes, not PEM
    const r = discover({ root: t.root });
    assert.deepEqual(r.profiles[0].tls, { caFile: t.p(`${tls}/server-ca.crt`), certFile: t.p(`${tls}/server-client.crt`), keyFile: t.p(`${tls}/server-client.key`) });
    assert.deepEqual(r.findings.map((f) => [f.code, f.file?.path]).sort(), [
      ['cert-invalid', t.p(`${tls}/server-client.crt`)],
      ['cert-unreadable', t.p(`${tls}/server-ca.crt`)],
      ['cert-unreadable', t.p(`${tls}/server-client.key`)],
    ]);
    assert.match(r.findings.find((f) => f.file?.path.endsWith('server-ca.crt'))!.message, /it is a directory/);
    assert.match(r.findings.find((f) => f.file?.path.endsWith('server-client.key'))!.message, /symbolic link loop/);
  });

  it('broken YAML and non-UTF-8 config files become findings, discovery goes on', () => {
    const t = rancherServer(fresh(), { memberName: 'm1', ip: '192.0.2.11' });
    t.write('/etc/rancher/k3s/config.yaml', 'token: abc\nserver: [https://192.0.2.11:6443\nnode-ip: 1.2.3.4\n');
    t.write('/etc/rancher/k3s/config.yaml.d/10-bad.yaml', Buffer.from([0x73, 0x3a, 0x20, 0xff, 0xfe, 0x0a]));
    const r = discover({ root: t.root });
    assert.equal(r.profiles.length, 1, 'the etcd profile is still found');
    const invalid = r.findings.find((f) => f.code === 'config-invalid')!;
    assert.equal(invalid.severity, 'error');
    assert.equal(invalid.file?.path, t.p('/etc/rancher/k3s/config.yaml'));
    assert.equal(typeof invalid.file?.line, 'number');
    const unreadable = r.findings.find((f) => f.code === 'config-unreadable')!;
    assert.match(unreadable.message, /not UTF-8 text/);
  });

  it('never writes under the root', () => {
    const t = kubeadmControlPlane(fresh(), { name: 'kcp-1', ip: '10.0.0.11' });
    const before = snapshotTree(t.root);
    discover({ root: t.root });
    assert.deepEqual(snapshotTree(t.root), before);
  });
});

function snapshotTree(root: string): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('node:fs') as typeof import('node:fs');
  return (fs.readdirSync(root, { recursive: true }) as string[]).sort().map((f) => {
    const st = fs.lstatSync(`${root}/${f}`);
    return `${f}:${st.size}:${st.mtimeMs}`;
  });
}
