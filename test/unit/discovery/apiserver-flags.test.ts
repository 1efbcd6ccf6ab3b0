// Where each distribution keeps kube-apiserver's etcd server list, read from files on a node tree, and the
// verbose /readyz format the readiness probe parses.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { readApiserverEtcdServers } from '../../../src/core/discovery/apiserver-flags';
import { NodeFs } from '../../../src/core/discovery/node-fs';
import { parseReadyz } from '../../../src/core/kube/apiserver-readiness';

describe('kube-apiserver etcd servers from node files', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-apiserver-flags-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };

  it('reads k3s kube-apiserver-arg (the last drop-in wins) and datastore-endpoint', () => {
    write('k3s/etc/rancher/k3s/config.yaml', 'kube-apiserver-arg:\n  - "etcd-servers=https://10.0.0.1:2379"\n  - audit-log-maxage=30\n');
    write('k3s/etc/rancher/k3s/config.yaml.d/50-etcd.yaml', 'kube-apiserver-arg+: ["etcd-servers=https://10.0.0.1:2379,https://10.0.0.2:2379"]\n');
    const [k3s] = readApiserverEtcdServers(new NodeFs(path.join(root, 'k3s')));
    assert.deepEqual([k3s.distro, k3s.servers, k3s.setting], ['k3s', ['https://10.0.0.1:2379', 'https://10.0.0.2:2379'], 'kube-apiserver-arg etcd-servers']);
    assert.match(k3s.file.path, /50-etcd\.yaml$/);
    write('ext/etc/rancher/k3s/config.yaml', 'datastore-endpoint: https://etcd-1:2379\n');
    const [ext] = readApiserverEtcdServers(new NodeFs(path.join(root, 'ext')));
    assert.deepEqual([ext.servers, ext.setting, ext.file.line], [['https://etcd-1:2379'], 'datastore-endpoint', 1]);
  });

  it('prefers the RKE2 static pod manifest (what runs) over config.yaml (what generated it)', () => {
    write('rke2/etc/rancher/rke2/config.yaml', 'kube-apiserver-arg: "etcd-servers=https://192.0.2.9:2379"\n');
    write('rke2/var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml', [
      'apiVersion: v1', 'kind: Pod', 'metadata: {name: kube-apiserver, namespace: kube-system}', 'spec:', '  containers:',
      '  - name: kube-apiserver', '    command: ["kube-apiserver"]', '    args:', '    - --etcd-servers=https://127.0.0.1:2379', '    - --secure-port=6443', ''].join('\n'));
    const found = readApiserverEtcdServers(new NodeFs(path.join(root, 'rke2')));
    assert.deepEqual(found.map((f) => [f.distro, f.servers, f.setting, f.file.line]), [['rke2', ['https://127.0.0.1:2379'], '--etcd-servers', 9]]);
  });

  it('finds nothing where no file names the setting, and turns broken YAML into a finding', () => {
    assert.deepEqual(readApiserverEtcdServers(new NodeFs(path.join(root, 'none'))), []);
    write('bad/etc/kubernetes/manifests/kube-apiserver.yaml', 'spec: {containers: [\n');
    const findings: { code: string }[] = [];
    assert.deepEqual(readApiserverEtcdServers(new NodeFs(path.join(root, 'bad')), findings as never), []);
    assert.equal(findings.length, 1);
  });
});

describe('verbose /readyz', () => {
  it('breaks every check out, with the reason of a failed one', () => {
    const body = '[+]ping ok\n[+]log ok\n[-]etcd failed: reason withheld\n[+]etcd-readiness excluded: ok\n[+]informer-sync ok\nreadyz check failed\n';
    assert.deepEqual(parseReadyz(body), [
      { name: 'ping', ok: true }, { name: 'log', ok: true }, { name: 'etcd', ok: false, detail: 'reason withheld' }, { name: 'informer-sync', ok: true }]);
  });
});
