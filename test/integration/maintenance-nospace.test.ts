// @etcd-compat: also runs on etcd 3.4, 3.5 and 3.7 (scripts/test.mjs)
// A real NOSPACE on a 3-member TLS cluster with a small --quota-backend-bytes: filled until etcd raises
// the alarm; the refresh shows it; disarming is refused while the dbs are over the quota; compaction,
// a rolling defragmentation (leader last, one leader throughout as an independent poller sees it, every db
// smaller) and the disarm bring writes back. Checked against etcdctl.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { alarms } from '../../src/core/ops/alarms';
import { compact } from '../../src/core/ops/compact';
import { quotaFromMetrics } from '../../src/core/etcd/quota-from-metrics';
import { rollingDefrag } from '../../src/core/ops/rolling-defrag';
import { EtcdTestCluster } from '../harness/etcd-cluster';
import { ctlAlarms, ctlDbSizes, fillUntilNospace, LeaderPoller } from './maintenance-support';
import { idOf, portFor, waitLeader } from './ops-support';

const QUOTA = 64 * 1024 * 1024;

describe('maintenance: recovering from a real NOSPACE (real etcd)', () => {
  let cluster: EtcdTestCluster;
  before(async () => {
    cluster = await EtcdTestCluster.start({ members: 3, quotaBackendBytes: QUOTA });
    await fillUntilNospace(cluster);
    await cluster.waitUntil(async () => (await ctlAlarms(cluster)).some((l) => l.includes('NOSPACE')), 20_000, 'etcdctl to list NOSPACE');
  });
  after(async () => cluster?.close());
  const profile = () => ({ name: 'test', endpoints: cluster.endpoints, tls: cluster.tls, timeoutMs: 5000 });

  it('the refresh shows the alarm on the member that raised it, with a recovery finding', async () => {
    const port = portFor(cluster);
    try {
      const h = await port.snapshot();
      const raised = h.members.filter((m) => m.alarms.includes('NOSPACE'));
      assert.ok(raised.length >= 1, JSON.stringify(h.members.map((m) => [m.name, m.alarms])));
      const ctl = (await ctlAlarms(cluster)).filter((l) => l.includes('NOSPACE')).map((l) => BigInt(/memberID:(\d+)/.exec(l)![1]).toString(16));
      assert.deepEqual(raised.map((m) => m.id).sort(), ctl.sort());
      const f = h.findings.find((x) => x.code === 'alarm-nospace');
      assert.ok(f, h.findings.map((x) => x.code).join(','));
      assert.match(f.remediation, /compact.*defrag.*disarm/s);
    } finally {
      await port.close();
    }
  });

  it('the quota: Status reports it on 3.6+, the metrics on every version; never assumed', async () => {
    assert.equal(await quotaFromMetrics(profile()), QUOTA);
    const port = portFor(cluster);
    try {
      const h = await port.snapshot();
      if (h.members.every((m) => m.status?.dbSizeQuota === QUOTA)) return; // 3.6+: the members say it themselves
      // Before 3.6, without a quota given, the 2 GiB default is not assumed: refused, saying why.
      const r = await alarms(port, { disarm: true });
      assert.equal(r.refused, true, r.reason);
      assert.match(r.checks.find((c) => c.name === 'quota-known')!.detail, /do(es)? not report a quota/);
    } finally {
      await port.close();
    }
  });

  it('disarm is refused while the dbs are over the quota, with the sequence that works; the alarm stays', async () => {
    const port = portFor(cluster);
    try {
      const listed = await alarms(port, {});
      assert.equal(listed.ok, true, listed.reason);
      assert.ok(listed.alarms.some((a) => a.alarm === 'NOSPACE'));
      const r = await alarms(port, { disarm: true, quotaBackendBytes: await quotaFromMetrics(profile()), quotaSource: "from the members' metrics" });
      assert.equal(r.ok, false);
      assert.equal(r.refused, true, r.reason);
      assert.deepEqual(r.disarmed, []);
      assert.match(r.reason, /quota/);
      assert.match(r.reason, /compact.*defrag.*alarms --disarm/s);
      assert.ok(r.checks.some((c) => c.name.startsWith('db-under-quota') && !c.ok), JSON.stringify(r.checks));
      assert.ok(!r.steps.some((s) => s.name.startsWith('disarm')));
    } finally {
      await port.close();
    }
    assert.ok((await ctlAlarms(cluster)).some((l) => l.includes('NOSPACE')));
  });

  it('compaction, a rolling defragmentation with the leader last, then the disarm: writes work again', async () => {
    const leader = await waitLeader(cluster, cluster.members);
    const leaderId = await idOf(cluster, leader, cluster.members);
    const sizesBefore = await ctlDbSizes(cluster);
    const port = portFor(cluster);
    const poller = new LeaderPoller(cluster, 20);
    try {
      const c = await compact(port, { keepRevisions: 2 });
      assert.equal(c.ok, true, c.reason);
      assert.ok(c.revision !== null && c.currentRevision !== null && c.revision === c.currentRevision - 2, JSON.stringify(c));
      // Revisions older than the compaction are gone, as etcdctl sees it.
      await assert.rejects(cluster.etcdctl(['get', 'fill/0', `--rev=${c.revision - 1}`]), /compacted/);

      const d = await rollingDefrag(port, { deadlineMs: 120_000, memberTimeoutMs: 60_000, gateTimeoutMs: 30_000 });
      assert.equal(d.ok, true, d.reason + '\n' + JSON.stringify(d.steps, null, 1));
      assert.equal(d.order.length, 3);
      assert.equal(d.order[2], leader, `order ${d.order.join(',')}: the leader ${leader} last`);
      const defragSteps = d.steps.filter((s) => s.name.startsWith('defragment ')).map((s) => s.name.slice('defragment '.length));
      assert.deepEqual(defragSteps, d.order);
      for (const m of d.members) {
        assert.equal(m.state, 'done');
        assert.ok(m.dbSizeBefore !== null && m.dbSizeAfter !== null && m.dbSizeAfter < m.dbSizeBefore, JSON.stringify(m));
        assert.ok(m.ms !== null && m.ms >= 0);
      }
    } finally {
      await poller.stop();
    }
    assert.ok(poller.polls >= 5, `poller ran ${poller.polls} times`);
    assert.deepEqual([...poller.leaders], [leaderId], 'one leader throughout');
    assert.ok(poller.leaderlessMs < 1000, `no answering member reported a leader for ${poller.leaderlessMs} ms`);
    const sizesAfter = await ctlDbSizes(cluster);
    for (const [name, before] of sizesBefore) {
      const afterSize = sizesAfter.get(name)!;
      assert.ok(afterSize < before, `${name}: ${before} -> ${afterSize} (etcdctl)`);
      assert.ok(afterSize < QUOTA * 0.8, `${name}: ${afterSize} under 80 % of the quota`);
    }
    try {
      const r = await alarms(port, { disarm: true, quotaBackendBytes: await quotaFromMetrics(profile()), quotaSource: "from the members' metrics" });
      assert.equal(r.ok, true, r.reason + '\n' + JSON.stringify(r.checks, null, 1));
      assert.ok(r.disarmed.length >= 1 && r.disarmed.every((a) => a.alarm === 'NOSPACE'), JSON.stringify(r.disarmed));
    } finally {
      await port.close();
    }
    assert.deepEqual((await ctlAlarms(cluster)).filter((l) => l.includes('alarm:')), []);
    await cluster.etcdctl(['put', 'after-recovery', 'ok']);
    assert.match(await cluster.etcdctl(['get', 'after-recovery', '--print-value-only']), /^ok/);
  });
});

describe('maintenance: NOSPACE with a member down (real etcd)', () => {
  let cluster: EtcdTestCluster;
  before(async () => {
    cluster = await EtcdTestCluster.start({ members: 3, quotaBackendBytes: 16 * 1024 * 1024 });
    await fillUntilNospace(cluster);
    await cluster.waitUntil(async () => (await ctlAlarms(cluster)).some((l) => l.includes('NOSPACE')), 20_000, 'etcdctl to list NOSPACE');
  });
  after(async () => cluster?.close());

  it('refused without the operator\'s consent; with it, the members that answer are defragmented, the leader last, the down one skipped', async () => {
    const leader = await waitLeader(cluster, cluster.members);
    const down = cluster.members.find((m) => m.name !== leader)!;
    await cluster.kill(down.name);
    const up = cluster.members.filter((m) => m !== down);
    const sizesBefore = await ctlDbSizes(cluster, up);
    const port = portFor(cluster);
    try {
      const refused = await rollingDefrag(port, { deadlineMs: 60_000 });
      assert.equal(refused.refused, true, refused.reason);
      assert.match(refused.reason, /--accept-no-fault-tolerance/);
      const r = await rollingDefrag(port, { deadlineMs: 60_000, acceptNoFaultTolerance: true });
      assert.equal(r.ok, true, r.reason + '\n' + JSON.stringify(r.steps, null, 1));
      assert.equal(r.checks.find((c) => c.name === 'fault-tolerance')!.severity, 'warning');
      assert.match(r.checks.find((c) => c.name === `answers ${down.name}`)!.detail, /skipped/);
      assert.deepEqual(r.order.length, 2);
      assert.equal(r.order[1], leader);
      assert.ok(!r.order.includes(down.name));
    } finally {
      await port.close();
    }
    const sizesAfter = await ctlDbSizes(cluster, up);
    for (const m of up) assert.ok(sizesAfter.get(m.name)! < sizesBefore.get(m.name)!, `${m.name}: ${sizesBefore.get(m.name)} -> ${sizesAfter.get(m.name)}`);
  });
});
