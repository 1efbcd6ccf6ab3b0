// The join steps and addresses per distribution: what an operator will copy and run, in order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addsMemberAs, joinAddress, joinSteps, memberHost, moveAsideCommand, StepsInput } from '../../../src/core/join/distro-steps';

const target = { clientURLs: ['https://10.0.0.2:2379'], peerURLs: ['https://10.0.0.2:2380'] };
const endpoints = ['https://10.0.0.1:2379', 'https://10.0.0.2:2379', 'https://10.0.0.3:2379'];
const input = (distro: StepsInput['distro'], extra: Partial<StepsInput> = {}): StepsInput => ({
  distro, target: { name: 'm2', clientURL: target.clientURLs[0], joinAddress: joinAddress(distro, target) }, moveAside: [], endpoints, ...extra,
});
const commands = (s: StepsInput) => joinSteps(s).map((x) => x.command ?? '');

describe('join addresses', () => {
  it('k3s/RKE2 supervisor, k0s controller API, kubeadm API, plain etcd client URL', () => {
    assert.equal(joinAddress('k3s', target), 'https://10.0.0.2:9345');
    assert.equal(joinAddress('rke2', target), 'https://10.0.0.2:9345');
    assert.equal(joinAddress('k0s', target), 'https://10.0.0.2:9443');
    assert.equal(joinAddress('kubeadm', target), '10.0.0.2:6443');
    assert.equal(joinAddress('etcd', target), 'https://10.0.0.2:2379');
  });

  it('a member listening on loopback only (k0s) is reached at its peer URL\'s host', () => {
    const k0s = { clientURLs: ['https://127.0.0.1:2379'], peerURLs: ['https://192.168.1.7:2380'] };
    assert.equal(memberHost(k0s), '192.168.1.7');
    assert.equal(joinAddress('k0s', k0s), 'https://192.168.1.7:9443');
    assert.equal(memberHost({ clientURLs: ['https://127.0.0.1:2379'], peerURLs: ['https://127.0.0.1:2380'] }), '127.0.0.1');
    assert.equal(joinAddress('kubeadm', { clientURLs: [], peerURLs: [] }), null);
  });

  it('only k0s adds the etcd member as a voter', () => {
    assert.deepEqual(['k3s', 'rke2', 'k0s', 'kubeadm', 'etcd'].map((d) => addsMemberAs(d as StepsInput['distro'])), ['learner', 'learner', 'voter', 'learner', 'learner']);
  });
});

describe('join steps', () => {
  it('moving aside quotes paths and keeps a dated backup', () => {
    assert.equal(moveAsideCommand('/var/lib/rancher/k3s/server/db/etcd'),
      'mv /var/lib/rancher/k3s/server/db/etcd /var/lib/rancher/k3s/server/db/etcd.bak-$(date +%Y%m%d%H%M%S)');
    assert.equal(moveAsideCommand("/data/my etcd's dir"), `mv '/data/my etcd'\\''s dir' '/data/my etcd'\\''s dir'.bak-$(date +%Y%m%d%H%M%S)`);
  });

  it('k3s: stop, move aside, token from the target, server: the target\'s supervisor, start, verify', () => {
    const steps = joinSteps(input('k3s', { moveAside: ['/var/lib/rancher/k3s/server/db/etcd'] }));
    assert.deepEqual(steps.map((s) => s.where), ['this node', 'this node', 'target', 'this node', 'this node', 'any']);
    assert.equal(steps[0].command, 'systemctl stop k3s');
    assert.match(steps[1].command!, /^mv \/var\/lib\/rancher\/k3s\/server\/db\/etcd /);
    assert.equal(steps[2].command, 'cat /var/lib/rancher/k3s/server/token');
    assert.match(steps[3].text, /In \/etc\/rancher\/k3s\/config\.yaml set "server: https:\/\/10\.0\.0\.2:9345"/);
    assert.equal(steps[4].command, 'systemctl start k3s');
    assert.equal(steps[5].command, `etcd-ops status --endpoints ${endpoints.join(',')}`);
  });

  it('RKE2 uses its own service and paths', () => {
    const c = commands(input('rke2', { moveAside: ['/var/lib/rancher/rke2/server/db/etcd'] }));
    assert.equal(c[0], 'systemctl stop rke2-server');
    assert.ok(c.includes('cat /var/lib/rancher/rke2/server/token'));
    assert.ok(c.includes('systemctl start rke2-server'));
  });

  it('k0s: a controller token made on the target, then install with it here', () => {
    const steps = joinSteps(input('k0s'));
    assert.equal(steps[0].where, 'target');
    assert.equal(steps[0].command, 'k0s token create --role=controller --expiry=1h > controller.token');
    assert.equal(steps[1].command, 'k0s install controller --token-file controller.token && k0s start');
  });

  it('kubeadm: kubeadm join <target>:6443 --control-plane', () => {
    const c = commands(input('kubeadm'));
    assert.match(c[0], /^kubeadm token create --print-join-command && kubeadm init phase upload-certs --upload-certs$/);
    assert.match(c[1], /^kubeadm join 10\.0\.0\.2:6443 --token <token> --discovery-token-ca-cert-hash sha256:<hash> --control-plane --certificate-key <key>$/);
  });

  it('plain etcd: add-member as a learner through the target, start on an empty dir, promote with --wait', () => {
    const steps = joinSteps(input('etcd', { name: 'node 4', peerURLs: ['https://10.0.0.4:2380'] }));
    assert.equal(steps[0].command, "etcd-ops add-member --name 'node 4' --peer-urls https://10.0.0.4:2380 --endpoints https://10.0.0.2:2379");
    assert.match(steps[1].text, /ETCD_INITIAL_CLUSTER_STATE=existing/);
    assert.equal(steps[2].command, `etcd-ops promote-member --member 'node 4' --wait 300 --endpoints ${endpoints.join(',')}`);
  });

  it('a data dir that is already a member restarts instead of joining', () => {
    const steps = joinSteps(input('k3s', { alreadyMember: true }));
    assert.equal(steps.length, 2);
    assert.match(steps[0].text, /^Do not join again/);
    assert.equal(steps[0].command, 'systemctl start k3s');
  });

  it('without a target the steps say so instead of naming a member', () => {
    const steps = joinSteps({ ...input('k3s'), target: null });
    assert.match(steps[1].text, /server: <target-address>/);
    assert.match(steps[0].text, /on a healthy voter/);
  });
});
