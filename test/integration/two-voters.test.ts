// A real, healthy two-member etcd cluster is told why two voters are fragile (and not "at risk" with
// nothing to restore); killing one of them turns it into quorum lost.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { refreshCluster } from '../../src/core/etcd/live-health';
import { ConnectionProfile } from '../../src/core/etcd/profile';
import { EtcdTestCluster } from '../harness/etcd-cluster';

let cluster: EtcdTestCluster;
let profile: ConnectionProfile;

before(async () => {
  cluster = await EtcdTestCluster.start({ members: 2 });
  profile = { name: 'two', endpoints: cluster.endpoints, tls: cluster.tls, timeoutMs: 3000 };
}, { timeout: 120_000 });
after(async () => { await cluster?.close(); });

it('healthy two voters: two-voters warning, no quorum-at-risk; one killed: quorum lost', { timeout: 120_000 }, async () => {
  const h = await refreshCluster(profile);
  assert.deepEqual(h.quorum, { voters: 2, healthy: 2, needed: 2, ok: true });
  const codes = h.findings.map((f) => f.code);
  assert.ok(codes.includes('two-voters') && !codes.includes('quorum-at-risk'), codes.join(', '));
  await cluster.kill(1);
  const down = await refreshCluster(profile);
  const after = down.findings.map((f) => f.code);
  assert.ok(after.includes('quorum-lost') && !after.includes('two-voters'), after.join(', '));
});
