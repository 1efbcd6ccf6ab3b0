// Real etcd, real added latency on one peer link. No netem here (the sch_netem module is missing), so the
// equivalent real fault: m3 advertises its peer URL as https://localhost:PORT; m1 alone sees an /etc/hosts
// where localhost is 127.0.0.2, on which a relay adds 60 ms each way before passing bytes to m3. Every
// connection m1 opens to m3 (raft streams it reads, pipelines, probes) carries the delay; m2 ↔ m3 and
// m1 ↔ m2 stay direct. The RTT finding must name m1 ↔ m3 and no other link, and never blame a disk.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, test } from 'node:test';
import { main } from '../../src/cli';
import { tuningFor } from '../../src/core/metrics/thresholds';
import { DelayRelay, startDelayRelay } from '../harness/faults';
import { EtcdTestCluster } from '../harness/etcd-cluster';

const ONE_WAY_DELAY_MS = 60;
let cluster: EtcdTestCluster;
let relay: DelayRelay | undefined;

before(async () => {
  cluster = await EtcdTestCluster.start({
    members: 3,
    tmpRoot: fs.existsSync('/dev/shm') ? '/dev/shm' : undefined,
    peerHosts: { m3: 'localhost' },
    hostsFiles: { m1: '127.0.0.2 localhost\n' },
    beforeSpawn: async (members) => {
      const port = Number(new URL(members[2].peerUrl).port);
      relay = await startDelayRelay({ host: '127.0.0.2', port }, { host: '127.0.0.1', port }, ONE_WAY_DELAY_MS);
    },
  });
});
after(async () => { await cluster?.close(); await relay?.stop(); });

test('a delay on the m1 ↔ m3 link is reported for that link only, with heartbeat values from the measured RTT', async () => {
  const out: string[] = [];
  // etcd records peer round trips every 30 s: a 35 s window holds at least one per link.
  const code = await main(['metrics', `--endpoints=${cluster.endpoints.join(',')}`, '--cacert', cluster.tls.caFile, '--cert', cluster.tls.certFile,
    '--key', cluster.tls.keyFile, '--interval', '35', '--json'], { out: (t) => out.push(t), err: (t) => out.push(t), interactive: false, ask: async () => '' });
  assert.equal(code, 0, out.join('\n'));
  assert.ok(relay!.connections > 0, 'm1 dialled m3 through the relay');
  const j = JSON.parse(out.join('\n'));
  const byName = new Map<string, { id: string; peerRttP99Ms: Record<string, number>; error: string | null }>(j.members.map((m: { name: string }) => [m.name, m]));
  const [m1, m2, m3] = ['m1', 'm2', 'm3'].map((n) => byName.get(n)!);
  console.log(j.members.map((m: { name: string; peerRttP99Ms: object }) => `${m.name} → ${JSON.stringify(m.peerRttP99Ms)}`).join('; '));
  for (const m of [m1, m2, m3]) assert.equal(m.error, null);
  assert.ok(m1.peerRttP99Ms[m3.id] >= 2 * ONE_WAY_DELAY_MS, `m1 → m3 RTT p99 ${m1.peerRttP99Ms[m3.id]} ms through a ${ONE_WAY_DELAY_MS} ms each-way relay`);
  assert.ok(m1.peerRttP99Ms[m2.id] < 50, `m1 → m2 is direct: ${m1.peerRttP99Ms[m2.id]} ms`);
  assert.ok(m2.peerRttP99Ms[m3.id] < 50, `m2 → m3 is direct: ${m2.peerRttP99Ms[m3.id]} ms`);

  const rtt = j.findings.filter((f: { code: string }) => f.code === 'peer-rtt-high' || f.code === 'member-network-slow');
  assert.equal(rtt.length, 1, JSON.stringify(j.findings, null, 1));
  assert.equal(rtt[0].code, 'peer-rtt-high');
  const subject: string = rtt[0].subject;
  assert.ok(subject.includes(`m1 (${m1.id})`) && subject.includes(`m3 (${m3.id})`) && !subject.includes('m2'), subject);
  const advice = tuningFor(m1.peerRttP99Ms[m3.id]);
  assert.ok(rtt[0].remediation.includes(`--heartbeat-interval=${advice.heartbeatMs} --election-timeout=${advice.electionMs}`), rtt[0].remediation);
  assert.ok(advice.heartbeatMs > 100, 'the advice raises the heartbeat above the measured RTT');
  // A slow link is the network's fault: no disk finding for anyone.
  assert.equal(j.findings.filter((f: { code: string }) => /fsync|commit/.test(f.code)).length, 0, JSON.stringify(j.findings));
});
