// `etcd-ops discover` through the CLI dispatcher, over fake node trees.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { main } from '../../../src/cli';
import { CliIo } from '../../../src/cli/output';
import { DistroTree, kubeadmControlPlane, rancherAgent, rancherServer } from '../../harness/distro-trees';

function captureIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), interactive: false, ask: async () => '' };
}

let tree: DistroTree | undefined;
afterEach(() => tree?.cleanup());

describe('etcd-ops discover', () => {
  it('--json gives {distro, profiles, findings}', async () => {
    tree = rancherServer(new DistroTree(), { memberName: 's2', ip: '192.0.2.12', server: 'https://192.0.2.11:6443', peers: { s1: '192.0.2.11' } });
    const io = captureIo();
    assert.equal(await main(['discover', '--root', tree.root, '--json'], io), 0);
    const out = JSON.parse(io.stdout.join('\n'));
    assert.equal(out.distro, 'k3s');
    assert.deepEqual(out.profiles[0].endpoints, ['https://127.0.0.1:2379', 'https://192.0.2.11:2379']);
    assert.equal(out.profiles[0].tls.caFile, tree.p('/var/lib/rancher/k3s/server/tls/etcd/server-ca.crt'));
    assert.deepEqual(out.findings.map((f: { code: string }) => f.code), ['single-endpoint-config']);
    assert.deepEqual(io.stderr, []);
  });

  it('prints a readable summary with the flags to use next', async () => {
    tree = kubeadmControlPlane(new DistroTree(), { name: 'kcp-1', ip: '10.0.0.11' });
    const io = captureIo();
    assert.equal(await main(['discover', `--root=${tree.root}`], io), 0);
    const text = io.stdout.join('\n');
    assert.match(text, /^Distribution: kubeadm \(control-plane\)/);
    assert.match(text, /endpoints: https:\/\/127\.0\.0\.1:2379\n/);
    assert.ok(text.includes(`etcd-ops status --endpoints https://127.0.0.1:2379 --cacert ${tree.p('/etc/kubernetes/pki/etcd/ca.crt')}`), text);
  });

  it('exits 1 with the reason when no profile can be built', async () => {
    tree = rancherAgent(new DistroTree(), 'rke2', 'https://198.51.100.10:9345');
    const io = captureIo();
    assert.equal(await main(['discover', '--root', tree.root, '--json'], io), 1);
    assert.equal(JSON.parse(io.stdout.join('\n')).distro, 'rke2');
    assert.equal(io.stderr.length, 1);
    assert.match(io.stderr[0], /no etcd connection profile on this node \(.*RKE2 agent/);

    const empty = new DistroTree();
    try {
      const io2 = captureIo();
      assert.equal(await main(['discover', '--root', empty.root], io2), 1);
      assert.match(io2.stdout.join('\n'), /Distribution: none found/);
      assert.match(io2.stderr[0], /No k3s, RKE2, k0s or kubeadm installation found/);
    } finally {
      empty.cleanup();
    }
  });
});
