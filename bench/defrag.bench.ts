// Leaderless time during a defragmentation of every member of a real 3-member TLS cluster, each db
// fragmented to the same size first (values written then overwritten, compacted): the rolling order
// (etcd-ops: followers first, the leader last, a health gate after each) against what an operator would
// otherwise run, `etcdctl defrag` over the endpoints with the leader first. A light write load (10 puts/s,
// as an apiserver keeps up) runs through both, and an independent poller asks every member's Status every
// 20 ms: leaderless = no answering member reports a leader. BENCH_DEFRAG_MB sets the db size (default 1024: about 2 min of setup here).
import { setTimeout as delay } from 'node:timers/promises';
import { EtcdPort } from '../src/core/etcd/etcd-port';
import { rollingDefrag } from '../src/core/ops/rolling-defrag';
import { EtcdTestCluster } from '../test/harness/etcd-cluster';
import { ctlDbSizes, LeaderPoller, rawClient } from '../test/integration/maintenance-support';
import { report, round } from './lib';

const MiB = 1 << 20;
const TARGET_MB = Number(process.env.BENCH_DEFRAG_MB ?? 1024);
const VALUE = MiB / 2;

/** Writes TARGET_MB of values over a few keys, then compacts: the db keeps its size, almost all of it free. */
async function fragment(cluster: EtcdTestCluster): Promise<number> {
  const client = rawClient(cluster, cluster.endpoints[0], 120_000);
  try {
    const puts = Math.ceil((TARGET_MB * MiB) / VALUE);
    let rev = 0;
    for (let i = 0; i < puts; i += 4) {
      const r = await Promise.all([0, 1, 2, 3].map((j) => client.put(`bench/${j}`).value(Buffer.alloc(VALUE, (i + j) % 251)).exec()));
      rev = Math.max(...r.map((x) => Number(x.header.revision)));
    }
    await client.getAll().prefix('bench/').keys();
    await cluster.etcdctl(['compact', String(rev), '--physical'], cluster.endpoints, 120_000);
  } finally {
    client.close();
  }
  const sizes = await ctlDbSizes(cluster);
  return Math.min(...sizes.values());
}

/** 10 puts/s through every endpoint (whoever answers), until stopped; counts the puts that failed. */
function writeLoad(cluster: EtcdTestCluster): { stop: () => Promise<{ ok: number; failed: number; maxMs: number }> } {
  const client = rawClient(cluster, cluster.endpoints, 5000);
  let running = true;
  let ok = 0;
  let failed = 0;
  let maxMs = 0;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const t = performance.now();
      await client.put(`load/${i % 10}`).value('x').then(() => ok++, () => failed++);
      maxMs = Math.max(maxMs, performance.now() - t);
      await delay(100);
    }
  })();
  return { stop: async () => { running = false; await loop; client.close(); return { ok, failed, maxMs: round(maxMs) }; } };
}

async function main(): Promise<void> {
  const cluster = await EtcdTestCluster.start({ members: 3, quotaBackendBytes: 8 * 1024 * MiB });
  try {
    const t0 = performance.now();
    const sizeA = await fragment(cluster);
    const setupMs = performance.now() - t0;

    // etcd-ops: rolling, the leader last.
    const port = new EtcdPort({ name: 'bench', endpoints: cluster.endpoints, tls: cluster.tls, timeoutMs: 5000 });
    let poller = new LeaderPoller(cluster, 20);
    let load = writeLoad(cluster);
    const a0 = performance.now();
    const r = await rollingDefrag(port, { deadlineMs: 20 * 60_000, memberTimeoutMs: 10 * 60_000, gateTimeoutMs: 120_000 });
    const aMs = performance.now() - a0;
    const loadA = await load.stop();
    await poller.stop();
    await port.close();
    if (!r.ok) throw new Error(`rolling defrag failed: ${r.reason}`);
    const leaderlessA = poller.leaderlessMs;
    const leadersA = poller.leaders.size;

    // etcdctl defrag, the leader first (then the others), as `etcdctl defrag --endpoints` runs them: in turn.
    const sizeB = await fragment(cluster);
    const leader = (await cluster.leaderName())!;
    const order = [cluster.member(leader), ...cluster.members.filter((m) => m.name !== leader)];
    poller = new LeaderPoller(cluster, 20);
    load = writeLoad(cluster);
    const b0 = performance.now();
    await cluster.etcdctl(['defrag', '--command-timeout=600s'], order.map((m) => m.clientUrl), 20 * 60_000);
    const bMs = performance.now() - b0;
    const loadB = await load.stop();
    await poller.stop();
    const leaderlessB = poller.leaderlessMs;

    const mb = (n: number) => `${round(n / MiB, 0)} MB`;
    report('rolling defragmentation (3 members)', [
      ['db size per member (fragmented)', `${mb(sizeA)} (etcd-ops run) / ${mb(sizeB)} (etcdctl run); setup ${round(setupMs / 1000)} s`],
      ['etcd-ops defrag --all (leader last)', `${round(aMs)} ms, leaderless ${leaderlessA} ms, ${leadersA} leader(s) seen, puts ok/failed ${loadA.ok}/${loadA.failed}, slowest put ${loadA.maxMs} ms`],
      ['etcdctl defrag (leader first)', `${round(bMs)} ms, leaderless ${leaderlessB} ms, ${poller.leaders.size} leader(s) seen, puts ok/failed ${loadB.ok}/${loadB.failed}, slowest put ${loadB.maxMs} ms`],
      ['per member (etcd-ops)', r.members.map((m) => `${m.name} ${mb(m.dbSizeBefore ?? 0)}->${mb(m.dbSizeAfter ?? 0)} in ${m.ms} ms`).join(', ')],
    ], {
      dbBytes: sizeA, leaderlessMsRolling: leaderlessA, leaderlessMsLeaderFirst: leaderlessB, totalMsRolling: round(aMs), totalMsLeaderFirst: round(bMs),
      leadersSeenRolling: leadersA, leadersSeenLeaderFirst: poller.leaders.size, order: r.order,
      slowestPutMsRolling: loadA.maxMs, slowestPutMsLeaderFirst: loadB.maxMs,
    });
  } finally {
    await cluster.close();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
