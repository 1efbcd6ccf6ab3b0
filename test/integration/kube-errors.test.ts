// Kubeconfig discovery and every way reaching the API can fail: each one a KubeError with a one-line message,
// in bounded time, never an unhandled rejection (the runner uses --unhandled-rejections=strict).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadClientNode } from '../../src/core/kube/client';
import { KubeError, KubeErrorKind } from '../../src/core/kube/errors';
import { kubeconfigPaths, listKubeContexts } from '../../src/core/kube/kubeconfig';
import { listControlPlane } from '../../src/core/kube/list-control-plane';
import { EtcdTestCluster, freePort } from '../harness/etcd-cluster';
import { KubeApiServer, preferEtcdForKubernetes } from '../harness/kube-apiserver';
import { kubeadmCluster } from '../harness/kube-objects/clusters';
import { KubeFaultProxy } from '../harness/kube-proxy';

preferEtcdForKubernetes();

function isKubeError(kind: KubeErrorKind, message?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof KubeError, `expected KubeError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  };
}

describe('kubeconfig files and contexts', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-kubeconfig-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => { const f = path.join(dir, name); fs.writeFileSync(f, text); return f; };

  it('uses an explicit path, else KUBECONFIG (":"-separated), else ~/.kube/config', () => {
    assert.deepEqual(kubeconfigPaths({ path: '/x/config', env: { KUBECONFIG: '/a' } }).paths, ['/x/config']);
    assert.deepEqual(kubeconfigPaths({ env: { KUBECONFIG: '/a::/b:/a' } }), { paths: ['/a', '/b'], from: 'KUBECONFIG' });
    assert.deepEqual(kubeconfigPaths({ env: {}, home: '/home/op' }), { paths: ['/home/op/.kube/config'], from: 'default' });
  });

  it('merges KUBECONFIG files the kubectl way and lists every context cheaply', () => {
    const a = write('a.yaml', [
      'apiVersion: v1', 'kind: Config', 'current-context: prod',
      'clusters:', '- name: prod', '  cluster: {server: "https://10.0.0.1:6443"}',
      'users:', '- name: admin', '  user: {token: abc}',
      'contexts:', '- name: prod', '  context: {cluster: prod, user: admin, namespace: kube-system}',
      '- name: broken', '  context: {cluster: nowhere, user: admin}', ''].join('\n'));
    const b = write('b.yaml', [
      'current-context: lab',
      'clusters:', '- name: lab', '  cluster: {server: "https://192.0.2.1:6443"}', '- name: prod', '  cluster: {server: "https://ignored:1"}',
      'contexts:', '- name: lab', '  context: {cluster: lab, user: ghost}', '- name: prod', '  context: {cluster: lab, user: admin}', ''].join('\n'));
    const contexts = listKubeContexts({ env: { KUBECONFIG: `${a}:${path.join(dir, 'missing.yaml')}:${b}` } });
    assert.deepEqual(contexts.map((c) => [c.name, c.server, c.current, c.file === a ? 'a' : 'b', c.problem ?? null]), [
      ['prod', 'https://10.0.0.1:6443', true, 'a', null],
      ['broken', undefined, false, 'a', 'context "broken" names cluster "nowhere", which is not in the kubeconfig'],
      ['lab', 'https://192.0.2.1:6443', false, 'b', 'context "lab" names user "ghost", which is not in the kubeconfig'],
    ]);
    assert.equal(contexts[0].namespace, 'kube-system');
  });

  it('names the file and line of broken YAML', () => {
    const f = write('broken.yaml', 'apiVersion: v1\ncontexts:\n- name: a\n  context: {cluster: x\n');
    assert.throws(() => listKubeContexts({ path: f }), isKubeError('kubeconfig-invalid', /broken\.yaml line \d+ is not valid YAML/));
    const g = write('list.yaml', 'contexts: {a: 1}\n');
    assert.throws(() => listKubeContexts({ path: g }), isKubeError('kubeconfig-invalid', /"contexts" must be a list/));
  });

  it('refuses a kubeconfig larger than any real one, and a directory, without reading them', () => {
    const huge = path.join(dir, 'huge.yaml');
    fs.writeFileSync(huge, '');
    fs.truncateSync(huge, 64 * 1024 * 1024); // sparse: 64 MB on paper, nothing on disk
    assert.throws(() => listKubeContexts({ path: huge }), isKubeError('kubeconfig-invalid', /huge\.yaml: .*larger than any kubeconfig/));
    assert.throws(() => listKubeContexts({ path: dir }), isKubeError('kubeconfig-invalid', /not a regular file/));
  });

  it('says when there is no kubeconfig at all', () => {
    assert.throws(() => listKubeContexts({ env: {}, home: dir }), isKubeError('kubeconfig-missing', /no kubeconfig at .*\.kube\/config \(set KUBECONFIG/));
    assert.throws(() => listKubeContexts({ env: { KUBECONFIG: '/nope/1:/nope/2' } }), isKubeError('kubeconfig-missing', /none of the KUBECONFIG files exist/));
  });
});

describe('reaching a real kube-apiserver', () => {
  let etcd: EtcdTestCluster;
  let api: KubeApiServer;
  let proxy: KubeFaultProxy;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-kube-errors-'));
    etcd = await EtcdTestCluster.start({ members: 3 });
    api = await KubeApiServer.start({ etcd });
    for (const n of kubeadmCluster().nodes) await api.createNode(n);
    proxy = await KubeFaultProxy.start({ host: api.host, port: api.port });
    await loadClientNode(); // time limits below are the requests', not the library's load time
  });
  after(async () => {
    await proxy?.stop();
    await api?.stop();
    await etcd?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a missing kubeconfig file', async () => {
    await assert.rejects(listControlPlane({ kubeconfig: { path: path.join(dir, 'nope') } }), isKubeError('kubeconfig-missing'));
  });

  it('a context that does not exist, or names a cluster or user that does not', async () => {
    const kc = api.writeKubeconfig(path.join(dir, 'ok.yaml'), { context: 'lab', user: 'viewer' });
    await assert.rejects(listControlPlane({ kubeconfig: { path: kc }, context: 'prod' }), isKubeError('context-not-found', /"prod" is not in the kubeconfig \(have: lab\)/));
    const broken = path.join(dir, 'missing-cluster.yaml');
    fs.writeFileSync(broken, fs.readFileSync(kc, 'utf8').replace('cluster: lab-cluster', 'cluster: gone'));
    await assert.rejects(listControlPlane({ kubeconfig: { path: broken } }), isKubeError('context-invalid', /names cluster "gone"/));
    const noUser = path.join(dir, 'missing-user.yaml');
    fs.writeFileSync(noUser, fs.readFileSync(kc, 'utf8').replace('user: lab-user', 'user: nobody'));
    await assert.rejects(listControlPlane({ kubeconfig: { path: noUser } }), isKubeError('context-invalid', /names user "nobody"/));
  });

  it('a CA file the kubeconfig names but that is gone', async () => {
    const kc = api.writeKubeconfig(path.join(dir, 'cafile.yaml'), { ca: 'file' });
    const moved = fs.readFileSync(kc, 'utf8').replace(api.pki.ca, path.join(dir, 'gone-ca.crt'));
    fs.writeFileSync(kc, moved);
    await assert.rejects(listControlPlane({ kubeconfig: { path: kc } }), isKubeError('context-invalid', /certificate-authority .*gone-ca\.crt, which does not exist/));
  });

  it('a server certificate not signed by the kubeconfig CA', async () => {
    const kc = api.writeKubeconfig(path.join(dir, 'wrong-ca.yaml'), { ca: 'foreign' });
    await assert.rejects(listControlPlane({ kubeconfig: { path: kc } }), isKubeError('tls', /not signed by the CA in the kubeconfig/));
  });

  it('a token the server rejects', async () => {
    const kc = api.writeKubeconfig(path.join(dir, 'bad-token.yaml'), { user: 'viewer', token: 'wrong' });
    await assert.rejects(listControlPlane({ kubeconfig: { path: kc } }), isKubeError('unauthorized', /rejected the kubeconfig credentials \(401\)/));
  });

  it('nothing listening on the port', async () => {
    const kc = api.writeKubeconfig(path.join(dir, 'refused.yaml'), { context: 'refused', server: `https://127.0.0.1:${await freePort()}` });
    await assert.rejects(listControlPlane({ kubeconfig: { path: kc } }), isKubeError('unreachable', /cannot reach https:\/\/127\.0\.0\.1:\d+ \(context "refused"\): connection refused/));
  });

  it('a server that accepts connections and never answers, in bounded time', async () => {
    const sockets = new Set<net.Socket>();
    const blackhole = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); });
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', () => r()));
    try {
      const kc = api.writeKubeconfig(path.join(dir, 'blackhole.yaml'), { server: `https://127.0.0.1:${(blackhole.address() as net.AddressInfo).port}` });
      const t0 = Date.now();
      await assert.rejects(listControlPlane({ kubeconfig: { path: kc } }, { requestTimeoutMs: 400 }), isKubeError('timeout', /did not answer within 400 ms/));
      assert.ok(Date.now() - t0 < 1500, `took ${Date.now() - t0} ms`);
    } finally {
      for (const s of sockets) s.destroy();
      blackhole.close();
    }
  });

  it('an API server that stalls (connections accepted, nothing answered), in bounded time', async () => {
    const kc = api.writeKubeconfig(path.join(dir, 'stalled.yaml'), { server: proxy.url });
    const release = proxy.hold();
    try {
      const t0 = Date.now();
      await assert.rejects(listControlPlane({ kubeconfig: { path: kc } }, { requestTimeoutMs: 400 }), isKubeError('timeout'));
      assert.ok(Date.now() - t0 < 1500, `took ${Date.now() - t0} ms`);
    } finally {
      release();
    }
    const snap = await listControlPlane({ kubeconfig: { path: kc } });
    assert.equal(snap.nodes.length, 3, 'the same kubeconfig works once the server answers');
  });
});
