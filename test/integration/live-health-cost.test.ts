// @etcd-compat
// What a steady-state refresh costs the cluster and how it scales, on real etcd: no raft proposal at all
// (read from every member's own etcd_server_proposals_* counters on /metrics, which an Alarm RPC does move),
// and for 3, 5 and 7 members one member list per refresh whatever the size (refresh times printed; the bench
// judges them).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EndpointPool, refreshCluster } from '../../src/core/etcd/live-health';
import { ConnectionProfile } from '../../src/core/etcd/profile';
import { loadTls } from '../../src/core/etcd/tls';
import { fetchMetricsText, metricsUrlOf } from '../../src/core/metrics/scrape';
import { parsePrometheusText } from '../../src/core/metrics/prom-text';
import { EtcdTestCluster } from '../harness/etcd-cluster';

const PROPOSAL_COUNTERS = ['etcd_server_proposals_committed_total', 'etcd_server_proposals_applied_total', 'etcd_server_proposals_failed_total'];

/** Each member's proposal counters, by endpoint and counter name. */
async function proposals(cluster: EtcdTestCluster): Promise<Record<string, Record<string, number>>> {
  const tls = loadTls(cluster.tls);
  const out: Record<string, Record<string, number>> = {};
  for (const e of cluster.endpoints) {
    const parsed = parsePrometheusText(await fetchMetricsText(metricsUrlOf(e), { tls, timeoutMs: 10000 }));
    out[e] = {};
    for (const name of PROPOSAL_COUNTERS) {
      const sample = parsed.samples.find((s) => s.name === name);
      assert.ok(sample, `${e} has no ${name}`);
      out[e][name] = sample.value;
    }
  }
  return out;
}

/** How many calls of a gRPC method the cluster's members have served in all, from their own /metrics. */
async function served(cluster: EtcdTestCluster, method: string): Promise<number> {
  const tls = loadTls(cluster.tls);
  let total = 0;
  for (const e of cluster.endpoints) {
    const parsed = parsePrometheusText(await fetchMetricsText(metricsUrlOf(e), { tls, timeoutMs: 10000 }));
    for (const s of parsed.samples) if (s.name === 'grpc_server_handled_total' && s.labels.grpc_method === method) total += s.value;
  }
  return total;
}

const profileOf = (c: EtcdTestCluster): ConnectionProfile => ({ name: `m${c.endpoints.length}`, endpoints: c.endpoints, tls: c.tls, timeoutMs: 5000 });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('live health: what a refresh costs the cluster (real etcd)', () => {
  it('an idle cluster\'s proposal counters do not move across 20 refreshes; one Alarm RPC moves them', async () => {
    const cluster = await EtcdTestCluster.start({ members: 3 });
    const profile = profileOf(cluster);
    const pool = new EndpointPool(profile);
    try {
      await refreshCluster(profile, { pool });
      await new Promise((r) => setTimeout(r, 500)); // the start-up's own entries settle
      const before = await proposals(cluster);
      for (let i = 0; i < 20; i++) await refreshCluster(profile, { pool });
      for (let i = 0; i < 3; i++) await refreshCluster(profile); // fresh clients, as each CLI run does
      assert.deepEqual(await proposals(cluster), before, 'a refresh made a raft proposal');
      // The check can fail: the Alarm RPC, even a plain list, is one proposal.
      await pool.client(cluster.endpoints[0]).alarms();
      await cluster.waitUntil(async () => {
        const now = await proposals(cluster);
        return cluster.endpoints.every((e) => now[e].etcd_server_proposals_applied_total > before[e].etcd_server_proposals_applied_total);
      }, 10000, 'the applied-proposal counters to move after an Alarm RPC');
    } finally {
      pool.close();
      await cluster.close();
    }
  });

  describe('cost to the cluster flat in its size', () => {
    const clusters: EtcdTestCluster[] = [];
    before(async () => {
      // One at a time: fifteen members starting at once on a shared machine miss their first elections.
      for (const members of [3, 5, 7]) clusters.push(await EtcdTestCluster.start({ members }));
    });
    after(async () => { await Promise.all(clusters.map((c) => c.close())); });

    it('3, 5 and 7 members: one member list per refresh, no Alarm RPC, no proposal (refresh times printed)', async () => {
      const pools = clusters.map((c) => new EndpointPool(profileOf(c)));
      const rounds = 15;
      try {
        const times: number[][] = clusters.map(() => []);
        const before: { lists: number; alarms: number; proposals: Record<string, Record<string, number>> }[] = [];
        for (let k = 0; k < clusters.length; k++) {
          const h = await refreshCluster(profileOf(clusters[k]), { pool: pools[k] }); // warm, as the extension keeps them
          assert.equal(h.members.length, clusters[k].endpoints.length);
          assert.ok(h.members.every((m) => m.healthy), `cluster of ${clusters[k].endpoints.length}: ${JSON.stringify(h.members.map((m) => m.error))}`);
          before.push({ lists: await served(clusters[k], 'MemberList'), alarms: await served(clusters[k], 'Alarm'), proposals: await proposals(clusters[k]) });
        }
        for (let round = 0; round < rounds; round++) {
          for (let k = 0; k < clusters.length; k++) {
            const t = performance.now();
            await refreshCluster(profileOf(clusters[k]), { pool: pools[k] });
            times[k].push(performance.now() - t);
          }
        }
        for (let k = 0; k < clusters.length; k++) {
          const n = clusters[k].endpoints.length;
          assert.equal(await served(clusters[k], 'MemberList') - before[k].lists, rounds, `${n} members: member lists per ${rounds} refreshes`);
          assert.equal(await served(clusters[k], 'Alarm'), before[k].alarms, `${n} members: Alarm RPCs`);
          assert.deepEqual(await proposals(clusters[k]), before[k].proposals, `${n} members: proposals`);
        }
        // Timing is the bench's to judge (bench/status.bench.ts, goal <= 1.3x); printed here for the record.
        const [m3, m5, m7] = times.map(median);
        console.log(`refresh medians: 3 members ${m3.toFixed(1)} ms, 5 members ${m5.toFixed(1)} ms (${(m5 / m3).toFixed(2)}x), 7 members ${m7.toFixed(1)} ms (${(m7 / m3).toFixed(2)}x)`);
      } finally {
        for (const p of pools) p.close();
      }
    });
  });
});
