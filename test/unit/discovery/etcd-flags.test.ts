// etcd's --experimental-* flags in both spellings (3.6 renamed them, 3.7 removed the old ones), read from a
// kubeadm static pod, a k3s/RKE2 etcd-arg list and the etcd config file the distribution generates.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { discover } from '../../../src/core/discovery/discover';
import {
  etcdMinorOf, EXPERIMENTAL_RENAMES, foldTuning, parseFeatureGates, rawFromArgs, rawFromConfig,
} from '../../../src/core/discovery/etcd-flags';
import { settingsFromConfig, settingsFromFlags } from '../../../src/core/discovery/etcd-settings';
import { DistroTree, k0sController, kubeadmControlPlane, kubeadmEtcdManifest, rancherEtcdConfig, rancherServer } from '../../harness/distro-trees';

let tree: DistroTree;
afterEach(() => tree?.cleanup());
const fresh = () => (tree = new DistroTree());

describe('folding both spellings', () => {
  it('an old boolean flag and --feature-gates give the same gate; an old tuning flag and its new name the same setting', () => {
    const old = foldTuning(rawFromArgs(['etcd', '--experimental-initial-corrupt-check=true', '--experimental-watch-progress-notify-interval', '5s']));
    const now = foldTuning(rawFromArgs(['etcd', '--feature-gates=InitialCorruptCheck=true,CompactHashCheck=false', '--watch-progress-notify-interval=5s']));
    assert.deepEqual(old.featureGates.InitialCorruptCheck, { enabled: true, spelling: 'experimental-initial-corrupt-check' });
    assert.deepEqual(now.featureGates.InitialCorruptCheck, { enabled: true, spelling: 'feature-gates' });
    assert.deepEqual(now.featureGates.CompactHashCheck, { enabled: false, spelling: 'feature-gates' });
    assert.equal(old.flags['watch-progress-notify-interval'].value, '5s');
    assert.equal(now.flags['watch-progress-notify-interval'].value, '5s');
    assert.deepEqual(old.deprecated.map((d) => d.spelling), ['experimental-initial-corrupt-check', 'experimental-watch-progress-notify-interval']);
    assert.deepEqual(now.deprecated, []);
    assert.deepEqual(old.conflicts, []);
    assert.deepEqual(now.conflicts, []);
  });

  it('a bare boolean flag is true, =false is false; both spellings of one setting are a conflict', () => {
    const t = foldTuning(rawFromArgs(['--experimental-enable-lease-checkpoint', '--experimental-stop-grpc-service-on-defrag=false',
      '--experimental-compaction-batch-limit=500', '--compaction-batch-limit=1000']));
    assert.equal(t.featureGates.LeaseCheckpoint.enabled, true);
    assert.equal(t.featureGates.StopGRPCServiceOnDefrag.enabled, false);
    assert.deepEqual(t.flags['compaction-batch-limit'], { value: '1000', spelling: 'compaction-batch-limit' }, 'the last one wins, as in etcd');
    assert.deepEqual(t.conflicts, [{ setting: 'compaction-batch-limit', spellings: ['experimental-compaction-batch-limit', 'compaction-batch-limit'] }]);
  });

  it('k3s etcd-arg entries without dashes, and the config file key etcd spelled differently (catch-up)', () => {
    const raw = rawFromArgs(['experimental-initial-corrupt-check=true', '--quota-backend-bytes=8589934592', 'not a flag'], { dashesOptional: true });
    assert.deepEqual(raw, [{ name: 'experimental-initial-corrupt-check', value: 'true' }, { name: 'quota-backend-bytes', value: '8589934592' }]);
    const fromFile = foldTuning(rawFromConfig({ 'experimental-snapshot-catch-up-entries': 5000, 'client-transport-security': { 'cert-file': 'x' } }));
    assert.deepEqual(fromFile.flags['snapshot-catchup-entries'], { value: '5000', spelling: 'experimental-snapshot-catch-up-entries' });
  });

  it('--feature-gates ignores entries that are not Name=bool', () => {
    assert.deepEqual(parseFeatureGates('InitialCorruptCheck=true, Bad, X=maybe,CompactHashCheck=False'), { InitialCorruptCheck: true, CompactHashCheck: false });
  });

  it('every old boolean flag maps to a gate, every other one to its name without the prefix', () => {
    for (const [old, r] of Object.entries(EXPERIMENTAL_RENAMES)) {
      assert.match(old, /^experimental-/);
      if ('flag' in r) assert.ok(!r.flag.startsWith('experimental-'), `${old} -> ${r.flag}`);
      else assert.match(r.featureGate, /^[A-Z][A-Za-z]+$/);
    }
  });

  it('etcd version from image tags', () => {
    assert.deepEqual(etcdMinorOf('registry.k8s.io/etcd:3.5.15-0'), [3, 5]);
    assert.deepEqual(etcdMinorOf('registry.k8s.io/etcd:3.6.5-0'), [3, 6]);
    assert.deepEqual(etcdMinorOf('index.docker.io/rancher/hardened-etcd:v3.7.1-k3s1-build20261101'), [3, 7]);
    assert.equal(etcdMinorOf('quay.io/coreos/etcd:latest'), null);
    assert.equal(etcdMinorOf(undefined), null);
  });

  it('settings from flags and from a config file carry the folded tuning', () => {
    assert.equal(settingsFromFlags(['etcd', '--experimental-corrupt-check-time=3m']).tuning.flags['corrupt-check-time'].value, '3m');
    assert.equal(settingsFromConfig({ 'corrupt-check-time': '3m' }).tuning.flags['corrupt-check-time'].value, '3m');
  });
});

/** The kubeadm etcd manifest with other flags and image (the fixture writes 3.5.15 and the old spelling). */
function kubeadmWith(t: DistroTree, edit: (manifest: string) => string): DistroTree {
  kubeadmControlPlane(t, { name: 'kcp-1', ip: '10.0.0.11' });
  return t.write('/etc/kubernetes/manifests/etcd.yaml', edit(kubeadmEtcdManifest({ name: 'kcp-1', ip: '10.0.0.11' })));
}

describe('kubeadm static pod', () => {
  it('etcd 3.5 with the old spelling: nothing to say (3.5 knows no other)', () => {
    const r = discover({ root: kubeadmControlPlane(fresh(), { name: 'kcp-1', ip: '10.0.0.11' }).root });
    assert.deepEqual(r.findings.filter((f) => f.code.startsWith('etcd-flag')), []);
  });

  it('etcd 3.6 with the old spelling: a warning with file, line and the new spelling', () => {
    const t = kubeadmWith(fresh(), (m) => m.replace('etcd:3.5.15-0', 'etcd:3.6.5-0'));
    const r = discover({ root: t.root });
    const f = r.findings.filter((x) => x.code === 'etcd-flag-deprecated');
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'warning');
    const manifest = t.p('/etc/kubernetes/manifests/etcd.yaml');
    const line = kubeadmEtcdManifest({ name: 'kcp-1', ip: '10.0.0.11' }).split('\n').findIndex((l) => l.includes('experimental-initial-corrupt-check')) + 1;
    assert.deepEqual(f[0].file, { path: manifest, line });
    assert.match(f[0].message, /--experimental-initial-corrupt-check, deprecated in etcd 3\.6/);
    assert.match(f[0].remediation, /--feature-gates=InitialCorruptCheck=true/);
  });

  it('etcd 3.7 with the old spelling: an error, the member will not start', () => {
    const t = kubeadmWith(fresh(), (m) => m.replace('etcd:3.5.15-0', 'etcd:3.7.3-0')
      .replace('--snapshot-count=10000', '--snapshot-count=10000\n    - --experimental-watch-progress-notify-interval=5s'));
    const f = discover({ root: t.root }).findings.filter((x) => x.code === 'etcd-flag-removed');
    assert.deepEqual(f.map((x) => x.severity), ['error', 'error']);
    assert.match(f[1].message, /--experimental-watch-progress-notify-interval, which etcd 3\.7 no longer has: this member will not start/);
    assert.match(f[1].remediation, /--watch-progress-notify-interval=5s/);
  });

  it('the new spelling on 3.6: no finding; both spellings: an error naming both', () => {
    const clean = kubeadmWith(fresh(), (m) => m.replace('etcd:3.5.15-0', 'etcd:3.6.5-0')
      .replace('--experimental-initial-corrupt-check=true', '--feature-gates=InitialCorruptCheck=true'));
    assert.deepEqual(discover({ root: clean.root }).findings.filter((f) => f.code.startsWith('etcd-flag')), []);
    clean.cleanup();
    const both = kubeadmWith(fresh(), (m) => m.replace('etcd:3.5.15-0', 'etcd:3.6.5-0')
      .replace('--snapshot-count=10000', '--snapshot-count=10000\n    - --feature-gates=InitialCorruptCheck=true'));
    const f = discover({ root: both.root }).findings.filter((x) => x.code.startsWith('etcd-flag'));
    assert.deepEqual(f.map((x) => [x.code, x.severity]), [['etcd-flag-conflict', 'error']]);
    assert.match(f[0].message, /InitialCorruptCheck twice, as --experimental-initial-corrupt-check and as --feature-gates: etcd 3\.6 refuses to start/);
  });
});

describe('k3s / RKE2', () => {
  it('etcd-arg in config.yaml with an old spelling: a warning on config.yaml, not repeated for the generated etcd config', () => {
    const t = rancherServer(fresh(), { memberName: 's1', ip: '192.0.2.11' });
    t.write('/etc/rancher/k3s/config.yaml', 'cluster-init: true\netcd-arg:\n  - quota-backend-bytes=8589934592\n  - experimental-watch-progress-notify-interval=5s\n');
    const f = discover({ root: t.root }).findings.filter((x) => x.code.startsWith('etcd-flag'));
    assert.equal(f.length, 1);
    assert.equal(f[0].code, 'etcd-flag-deprecated');
    assert.deepEqual(f[0].file, { path: t.p('/etc/rancher/k3s/config.yaml'), line: 4 });
    assert.match(f[0].remediation, /--watch-progress-notify-interval=5s/);
  });

  it('the generated etcd config alone (k3s writes experimental-initial-corrupt-check itself): no finding', () => {
    const r = discover({ root: rancherServer(fresh(), { product: 'rke2', memberName: 's1', ip: '192.0.2.11' }).root });
    assert.deepEqual(r.findings.filter((f) => f.code.startsWith('etcd-flag')), []);
  });

  it('a feature gate in etcd-arg copied next to the old key k3s writes: the conflict etcd 3.6 refuses, on the generated file', () => {
    const t = rancherServer(fresh(), { memberName: 's1', ip: '192.0.2.11' });
    t.write('/etc/rancher/k3s/config.yaml', 'cluster-init: true\netcd-arg: feature-gates=InitialCorruptCheck=true\n');
    const generated = rancherEtcdConfig({ memberName: 's1', ip: '192.0.2.11' }).replace('election-timeout: 5000', 'election-timeout: 5000\nfeature-gates: InitialCorruptCheck=true');
    t.write('/var/lib/rancher/k3s/server/db/etcd/config', generated);
    const f = discover({ root: t.root }).findings.filter((x) => x.code.startsWith('etcd-flag'));
    assert.deepEqual(f.map((x) => [x.code, x.file?.path]), [['etcd-flag-conflict', t.p('/var/lib/rancher/k3s/server/db/etcd/config')]]);
    assert.match(f[0].remediation, /k3s writes --experimental-initial-corrupt-check itself: remove --feature-gates from etcd-arg/);
  });
});

describe('k0s', () => {
  it('spec.storage.etcd.extraArgs with an old spelling: a warning on k0s.yaml; the new spelling: none', () => {
    const storage = (args: string[]) => ['    type: etcd', '    etcd:', '      peerAddress: 203.0.113.5', '      extraArgs:', ...args].join('\n');
    const t = k0sController(fresh(), { storageYaml: storage(['        experimental-compact-hash-check-enabled: "true"', '        quota-backend-bytes: "8589934592"']) });
    const f = discover({ root: t.root }).findings.filter((x) => x.code.startsWith('etcd-flag'));
    assert.deepEqual(f.map((x) => [x.code, x.severity, x.file?.path]), [['etcd-flag-deprecated', 'warning', t.p('/etc/k0s/k0s.yaml')]]);
    assert.match(f[0].remediation, /--feature-gates=CompactHashCheck=true/);
    t.cleanup();
    const clean = k0sController(fresh(), { storageYaml: storage(['        feature-gates: "CompactHashCheck=true"']) });
    assert.deepEqual(discover({ root: clean.root }).findings.filter((x) => x.code.startsWith('etcd-flag')), []);
  });
});
