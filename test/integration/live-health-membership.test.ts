// Who is a member, on real etcd: a probe joins the member it answered as. An alias endpoint (localhost beside
// 127.0.0.1), another cluster's endpoint and a removed member's endpoint are findings about the profile, never
// voters; a learner is healthy when started and answering, with its catch-up shown.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { roleText } from '../../src/core/cluster-model';
import { EtcdPort } from '../../src/core/etcd/etcd-port';
import { refreshCluster } from '../../src/core/etcd/live-health';
import { ConnectionProfile } from '../../src/core/etcd/profile';
import { removeMember } from '../../src/core/ops/remove-member';
import { EtcdTestCluster } from '../harness/etcd-cluster';

const aliasOf = (url: string) => url.replace('https://127.0.0.1:', 'https://localhost:');

describe('live health: membership of endpoints (real etcd)', () => {
  let cluster: EtcdTestCluster;
  let other: EtcdTestCluster | undefined;
  let base: ConnectionProfile;

  before(async () => {
    cluster = await EtcdTestCluster.start({ members: 3 });
    base = { name: 'test', endpoints: cluster.endpoints, tls: cluster.tls, timeoutMs: 1500 };
  });
  after(async () => { await other?.close(); await cluster?.close(); });

  it('counts an alias endpoint (localhost beside 127.0.0.1) once, as a finding about the profile', async (t) => {
    const alias = aliasOf(cluster.endpoints[1]);
    const h = await refreshCluster({ ...base, endpoints: [...cluster.endpoints, alias] });
    t.diagnostic(`etcd ${h.members[0]?.status?.version}`);
    assert.equal(h.members.length, 3, JSON.stringify(h.members.map((m) => m.endpoint)));
    assert.deepEqual(h.quorum, { voters: 3, healthy: 3, needed: 2, ok: true });
    assert.deepEqual(h.strayEndpoints?.map((s) => [s.endpoint, s.kind, s.aliasOf]), [[alias, 'alias', cluster.endpoints[1]]]);
    // The member keeps the endpoint among its own client URLs, not the alias.
    assert.equal(h.members.find((m) => m.name === 'm2')!.endpoint, cluster.endpoints[1]);
    const f = h.findings.find((x) => x.code === 'endpoint-alias');
    assert.ok(f, JSON.stringify(h.findings));
    assert.match(f!.message, new RegExp(`Endpoint ${alias} is an alias of m2 \\([0-9a-f]+\\) \\(also reached through ${cluster.endpoints[1]}\\)`));
    assert.equal(h.findings.filter((x) => x.severity !== 'info').length, 0, JSON.stringify(h.findings));
  });

  it('puts an endpoint of another cluster aside as "answers for another cluster"', async () => {
    other = await EtcdTestCluster.start({ members: 1, pki: cluster.pki });
    // Listed first, so it is also the first guess for the member list: that list must not be taken.
    const h = await refreshCluster({ ...base, endpoints: [other.endpoints[0], ...cluster.endpoints] });
    assert.equal(h.members.length, 3);
    assert.deepEqual(h.quorum, { voters: 3, healthy: 3, needed: 2, ok: true });
    const stray = h.strayEndpoints?.find((s) => s.endpoint === other!.endpoints[0]);
    assert.equal(stray?.kind, 'other-cluster');
    assert.notEqual(stray?.clusterId, h.clusterId);
    const f = h.findings.find((x) => x.code === 'endpoint-other-cluster');
    assert.match(f?.message ?? '', /answers for another cluster/);
    // The other cluster's alarms or leader never leak in.
    assert.ok(h.members.every((m) => m.status!.leader === h.leader));
    await other.close();
    other = undefined;
  });

  it('judges a learner by Status and catch-up, not by the linearizable read etcd refuses it', async () => {
    // etcd refuses a member add ("unhealthy cluster") until every voter has been connected for 5 s.
    let added: Awaited<ReturnType<EtcdTestCluster['addMember']>> | undefined;
    await cluster.waitUntil(async () => { added = await cluster.addMember({ learner: true }); return true; }, 20000, 'a learner add to be accepted');
    if (!added) throw new Error('no learner');
    const learner = added;
    const profile = { ...base, endpoints: [...cluster.endpoints] };
    let h = await refreshCluster(profile);
    await cluster.waitUntil(async () => {
      h = await refreshCluster(profile);
      return (h.members.find((m) => m.name === learner.name)?.catchUpPercent ?? 0) >= 90;
    }, 15000, 'the learner to catch up');
    const l = h.members.find((m) => m.name === learner.name)!;
    assert.equal(l.isLearner, true);
    assert.equal(l.status?.isLearner, true);
    assert.equal(l.healthy, true, l.error ?? '');
    assert.equal(l.error, null);
    assert.ok(l.catchUpPercent! >= 90 && l.catchUpPercent! <= 100, String(l.catchUpPercent));
    // What the tree row shows for it.
    assert.equal(roleText(l), `learner · ${l.catchUpPercent} % caught up`);
    // A learner is no voter: quorum stays 3 voters.
    assert.deepEqual(h.quorum, { voters: 3, healthy: 3, needed: 2, ok: true });
    assert.ok(!h.findings.some((f) => f.code === 'member-unhealthy'), JSON.stringify(h.findings));
    const f = h.findings.find((x) => x.code === 'learner-present');
    assert.match(f?.message ?? '', /is a learner \(non-voting\), \d+ % caught up with the leader/);
    // etcd itself does refuse the read on the learner: the test would mean nothing otherwise.
    await assert.rejects(cluster.etcdctl(['get', 'health', '--consistency=l'], [learner.clientUrl]), /learner/);
  });

  it('puts a removed member\'s endpoint still in the profile aside, never as a voter', async () => {
    const learner = cluster.member('m4');
    const before = await refreshCluster({ ...base, endpoints: [...cluster.endpoints] });
    const id = before.members.find((m) => m.name === 'm4')!.id!;
    await cluster.etcdctl(['member', 'remove', id], cluster.endpoints.slice(0, 3));
    const h = await refreshCluster({ ...base, endpoints: [...cluster.endpoints.slice(0, 3), learner.clientUrl] });
    assert.deepEqual(h.members.map((m) => m.name).sort(), ['m1', 'm2', 'm3']);
    assert.deepEqual(h.quorum, { voters: 3, healthy: 3, needed: 2, ok: true });
    const stray = h.strayEndpoints?.find((s) => s.endpoint === learner.clientUrl);
    // A removed member stops serving soon after; until then it still answers as its old id.
    assert.ok(stray && (stray.kind === 'not-a-member' || stray.kind === 'unreachable'), JSON.stringify(h.strayEndpoints));
    if (stray.kind === 'not-a-member') assert.equal(stray.memberId, id);
    assert.ok(h.findings.some((f) => f.subject === learner.clientUrl && /not a member of this cluster: removed\?|matches no member/.test(f.message)), JSON.stringify(h.findings));
    await cluster.kill('m4');
  });

  it('with one member killed and an alias listed: quorum "2 of 3", and the dead member\'s dry-run removal is allowed', async () => {
    const voters = cluster.endpoints.slice(0, 3);
    const alias = aliasOf(voters[1]);
    const profile = { ...base, endpoints: [...voters, alias] };
    await cluster.kill(0);
    await cluster.waitUntil(async () => (await refreshCluster(profile)).leader !== null, 15000, 'a leader among survivors');
    const h = await refreshCluster(profile);
    assert.deepEqual(h.quorum, { voters: 3, healthy: 2, needed: 2, ok: true });
    assert.equal(h.members.length, 3);
    assert.ok(!h.findings.some((f) => f.code === 'quorum-lost'), JSON.stringify(h.findings));
    assert.match(h.findings.find((f) => f.code === 'quorum-at-risk')?.message ?? '', /2 of 3 voting members healthy/);
    const port = new EtcdPort(profile);
    try {
      const r = await removeMember(port, 'm1', { dryRun: true });
      assert.equal(r.ok, true, `${r.reason} ${JSON.stringify(r.checks.filter((c) => !c.ok))}`);
      assert.equal(r.removed, null);
    } finally {
      await port.close();
    }
  });
});
