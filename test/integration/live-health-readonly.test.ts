// Monitoring on real etcd: a refresh never writes (the Alarm RPC is a raft proposal, Status carries the
// alarms), latency is a warm round trip with the connect time apart, and what newer servers add to Status
// (3.6: storageVersion, dbSizeQuota, downgradeInfo) and their /livez and /readyz (3.5.11+) are read.
import assert from 'node:assert/strict';
import * as https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { EndpointClient } from '../../src/core/etcd/endpoint-client';
import { EndpointPool, refreshCluster } from '../../src/core/etcd/live-health';
import { ConnectionProfile } from '../../src/core/etcd/profile';
import { loadTls } from '../../src/core/etcd/tls';
import { hexToDecimal } from '../../src/core/ids';
import { EtcdTestCluster } from '../harness/etcd-cluster';

/** Every member's raft index as etcdctl reports it, by endpoint. */
async function raftIndexes(cluster: EtcdTestCluster): Promise<Record<string, number>> {
  const rows = JSON.parse(await cluster.etcdctl(['endpoint', 'status', '-w', 'json'])) as { Endpoint: string; Status: { raftIndex: number } }[];
  assert.equal(rows.length, cluster.endpoints.length);
  for (const r of rows) assert.ok(Number.isInteger(r.Status.raftIndex) && r.Status.raftIndex > 0, JSON.stringify(r));
  return Object.fromEntries(rows.map((r) => [r.Endpoint, r.Status.raftIndex]));
}

/** How many calls of a gRPC method each member has served, from its own /metrics. */
async function served(cluster: EtcdTestCluster, method: string): Promise<number[]> {
  const tls = loadTls(cluster.tls)!;
  return Promise.all(cluster.endpoints.map((e) => new Promise<number>((resolve, reject) => {
    const u = new URL(e);
    https.get({ host: u.hostname, port: u.port, path: '/metrics', ca: tls.rootCertificate, cert: tls.certChain, key: tls.privateKey }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => {
        const lines = body.split('\n').filter((l) => l.startsWith('grpc_server_handled_total{') && l.includes(`grpc_method="${method}"`));
        resolve(lines.reduce((n, l) => n + Number(l.split(' ').pop()), 0));
      });
    }).on('error', reject);
  })));
}

/** [major, minor, patch] of a version string such as "3.6.16". */
const versionOf = (v: string) => v.split('.').map((x) => Number.parseInt(x, 10));
const atLeast = (v: string, want: number[]) => {
  const have = versionOf(v);
  for (let i = 0; i < want.length; i++) if ((have[i] ?? 0) !== want[i]) return (have[i] ?? 0) > want[i];
  return true;
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('live health: read-only, warm latency, newer Status fields (real etcd)', () => {
  let cluster: EtcdTestCluster;
  let profile: ConnectionProfile;

  before(async () => {
    cluster = await EtcdTestCluster.start({ members: 3 });
    profile = { name: 'test', endpoints: cluster.endpoints, tls: cluster.tls, timeoutMs: 2000 };
    // Let the elections' and membership entries settle.
    await new Promise((r) => setTimeout(r, 1000));
  });
  after(async () => cluster?.close());

  it('an idle cluster\'s raft index does not move across 20 refreshes; one Alarm RPC does move it', async () => {
    const pool = new EndpointPool(profile);
    try {
      await refreshCluster(profile, { pool });
      const before = await raftIndexes(cluster);
      for (let i = 0; i < 20; i++) await refreshCluster(profile, { pool });
      for (let i = 0; i < 3; i++) await refreshCluster(profile); // fresh clients, as the CLI does
      const afterRefreshes = await raftIndexes(cluster);
      assert.deepEqual(afterRefreshes, before, 'a refresh wrote to the raft log');
      // The test can fail: the Alarm RPC (even a plain list) appends an entry.
      await pool.client(cluster.endpoints[0]).alarms();
      for (const e of cluster.endpoints) {
        await cluster.waitUntil(async () => (await raftIndexes(cluster))[e] > before[e], 5000, `raft index of ${e} to move after an Alarm RPC`);
      }
    } finally {
      pool.close();
    }
  });

  it('asks the member list of one member per refresh, and never calls the Alarm RPC', async () => {
    const [listsBefore, alarmsBefore] = [await served(cluster, 'MemberList'), await served(cluster, 'Alarm')];
    for (let i = 0; i < 5; i++) await refreshCluster(profile); // fresh clients each time: nothing preferred yet
    const pool = new EndpointPool(profile);
    try {
      for (let i = 0; i < 5; i++) await refreshCluster(profile, { pool });
    } finally {
      pool.close();
    }
    const [listsAfter, alarmsAfter] = [await served(cluster, 'MemberList'), await served(cluster, 'Alarm')];
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    assert.equal(sum(listsAfter) - sum(listsBefore), 10, `MemberList calls per member: ${listsBefore} -> ${listsAfter}`);
    assert.deepEqual(alarmsAfter, alarmsBefore);
  });

  it('reads a NOSPACE alarm from Status errors: every member unhealthy, one finding for the member that raised it', async () => {
    const h0 = await refreshCluster(profile);
    const m2 = h0.members.find((m) => m.name === 'm2')!;
    const tls = loadTls(cluster.tls)!;
    const raw = new Etcd3({ hosts: cluster.endpoints[1], credentials: { rootCertificate: tls.rootCertificate!, certChain: tls.certChain, privateKey: tls.privateKey } });
    try {
      // ACTIVATE (1) NOSPACE (1) for m2: the same alarm etcd raises itself when the quota is exceeded.
      await raw.maintenance.alarm({ action: 1, memberID: hexToDecimal(m2.id!), alarm: 1 } as never);
      const client = new EndpointClient(cluster.endpoints[0], tls, 2000);
      try {
        const errors = (await client.status()).status.errors;
        assert.deepEqual(errors.map((e) => e.trim()), [`memberID:${hexToDecimal(m2.id!)} alarm:NOSPACE`], 'what Status reports');
      } finally {
        client.close();
      }
      const h = await refreshCluster(profile);
      assert.deepEqual(h.members.find((m) => m.name === 'm2')!.alarms, ['NOSPACE']);
      assert.deepEqual(h.members.filter((m) => m.name !== 'm2').map((m) => m.alarms), [[], []]);
      assert.ok(h.members.every((m) => !m.healthy && /alarm active: NOSPACE/.test(m.error ?? '')));
      const alarmFindings = h.findings.filter((f) => f.code === 'alarm-nospace');
      assert.equal(alarmFindings.length, 1);
      assert.match(alarmFindings[0].subject, /^m2 /);
      assert.ok(!h.findings.some((f) => f.code === 'member-reports-error'), 'the alarm is not repeated as a raw error per member');
    } finally {
      await cluster.etcdctl(['alarm', 'disarm']);
      raw.close();
    }
    const cleared = await refreshCluster(profile);
    assert.ok(cleared.members.every((m) => m.healthy && m.alarms.length === 0));
  });

  it('latencyMs is a warm round trip; the refresh that had to connect reports connectMs', async () => {
    const pool = new EndpointPool(profile);
    try {
      const first = await refreshCluster(profile, { pool });
      for (const m of first.members) {
        assert.ok(m.connectMs !== null && m.connectMs !== undefined && m.connectMs > 0, `${m.name} connectMs ${m.connectMs}`);
        assert.ok(m.latencyMs !== null && m.latencyMs > 0);
      }
      const later = [];
      for (let i = 0; i < 5; i++) later.push(await refreshCluster(profile, { pool }));
      for (const h of later) for (const m of h.members) assert.equal(m.connectMs, null, `${m.name} reconnected on a warm pool`);
      const connect = median(first.members.map((m) => m.connectMs!));
      const warm = median(later.flatMap((h) => h.members.map((m) => m.latencyMs!)));
      assert.ok(warm < connect, `warm median ${warm} ms should be below the connect median ${connect} ms`);
    } finally {
      pool.close();
    }
  });

  it('shows 3.6+ Status fields when the server sends them, and /livez and /readyz where it has them', async (t) => {
    const h = await refreshCluster(profile);
    const version = h.members[0].status!.version;
    t.diagnostic(`server etcd ${version}`);
    for (const m of h.members) {
      const s = m.status!;
      if (atLeast(version, [3, 6])) {
        assert.match(s.storageVersion ?? '', /^3\.\d+\.\d+$/);
        assert.equal(s.dbSizeQuota, 2 * 1024 * 1024 * 1024, 'the harness runs etcd with a 2 GiB quota');
        assert.equal(s.downgradeInfo?.enabled ?? false, false);
      } else {
        assert.equal(s.storageVersion, undefined);
        assert.equal(s.dbSizeQuota, undefined);
        assert.equal(s.downgradeInfo, undefined);
      }
      if (atLeast(version, [3, 5, 11])) {
        assert.deepEqual(m.livez, { state: 'ok', detail: null });
        assert.deepEqual(m.readyz, { state: 'ok', detail: null });
      } else {
        assert.deepEqual(m.livez, { state: 'absent', detail: null });
        assert.deepEqual(m.readyz, { state: 'absent', detail: null });
      }
    }
    t.diagnostic(`etcd ${version}: 3.6 Status fields checked as ${atLeast(version, [3, 6]) ? 'present' : 'absent'}, /livez and /readyz as ${atLeast(version, [3, 5, 11]) ? 'ok' : 'absent'}`);
  });
});
