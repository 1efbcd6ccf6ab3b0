// Real etcd: one member's metrics unreachable (killed) is reported for that member while the others are shown;
// a wrong CA is a TLS verification error, never a silent success; a member scraped at its metrics listener.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../../src/cli';
import { refreshCluster } from '../../src/core/etcd/live-health';
import { MetricsSampler, scrape, targetsFromHealth } from '../../src/core/metrics';
import { startPlainEtcd } from '../harness/datadirs';
import { EtcdTestCluster, freePort } from '../harness/etcd-cluster';

let cluster: EtcdTestCluster;
before(async () => { cluster = await EtcdTestCluster.start({ members: 3 }); });
after(async () => { await cluster?.close(); });

test('a dead member is reported as unreachable, the others keep their figures', async () => {
  const profile = { name: 't', endpoints: cluster.endpoints, tls: cluster.tls, timeoutMs: 2000 };
  const targets = targetsFromHealth(await refreshCluster(profile));
  const sampler = new MetricsSampler(profile);
  try {
    assert.equal(await sampler.tick(targets), null, 'the first scrape is no window');
    await cluster.kill('m2');
    const w = (await sampler.tick(targets))!;
    const byName = new Map(w.members.map((m) => [m.name, m]));
    assert.match(byName.get('m2')!.error!, /connection refused/);
    for (const n of ['m1', 'm3']) {
      assert.equal(byName.get(n)!.error, null);
      assert.equal(byName.get(n)!.hasLeader, true);
      assert.match(byName.get(n)!.version!, /^3\./);
    }
    assert.deepEqual(w.findings.filter((f) => f.code === 'metrics-unreachable').map((f) => f.subject), [targets.find((t) => t.name === 'm2')!.id ? `m2 (${targets.find((t) => t.name === 'm2')!.id})` : 'm2']);
  } finally {
    sampler.close();
    await cluster.restart('m2');
  }
});

test('TLS with the wrong CA is refused with a clear reason', async () => {
  const r = await scrape(cluster.endpoints[0], { tls: { rootCertificate: Buffer.from((await import('node:fs')).readFileSync(cluster.tls.certFile)) }, timeoutMs: 2000 });
  assert.equal(r.metrics, null);
  assert.match(r.error!, /TLS/);
});

test('etcd-ops metrics --json prints the window, every member and findings', async () => {
  const out: string[] = [];
  const code = await main(['metrics', `--endpoints=${cluster.endpoints.join(',')}`, '--cacert', cluster.tls.caFile, '--cert', cluster.tls.certFile,
    '--key', cluster.tls.keyFile, '--interval', '1', '--json'], { out: (t) => out.push(t), err: (t) => out.push(t), interactive: false, ask: async () => '' });
  assert.equal(code, 0, out.join('\n'));
  const j = JSON.parse(out.join('\n'));
  assert.ok(j.window.seconds >= 0.9);
  assert.equal(j.members.length, 3);
  for (const m of j.members) { assert.equal(m.error, null); assert.equal(typeof m.walFsyncs, 'number'); assert.equal(typeof m.peerRttP99Ms, 'object'); }
  assert.ok(Array.isArray(j.findings));
});

test('etcd-ops metrics --metrics-urls scrapes a member at its plain-HTTP metrics listener, not its client URL', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-metrics-url-'));
  const port = await freePort();
  const metricsUrl = `http://127.0.0.1:${port}`;
  const etcd = await startPlainEtcd(path.join(dir, 'solo'), ['--listen-metrics-urls', metricsUrl]);
  try {
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t), interactive: false, ask: async () => '' };
    const code = await main(['metrics', `--endpoints=${etcd.clientUrl}`, '--metrics-urls', `${etcd.clientUrl}=${metricsUrl}`, '--interval', '1', '--json'], io);
    assert.equal(code, 0, out.join('\n'));
    const j = JSON.parse(out.join('\n'));
    assert.equal(j.members.length, 1);
    assert.equal(j.members[0].url, metricsUrl);
    assert.equal(j.members[0].error, null);
    assert.equal(typeof j.members[0].walFsyncs, 'number');
    const bad: string[] = [];
    const usage = await main(['metrics', `--endpoints=${etcd.clientUrl}`, '--metrics-urls', 'nonsense'], { ...io, out: (t) => bad.push(t), err: (t) => bad.push(t) });
    assert.equal(usage, 2, bad.join('\n'));
    assert.match(bad.join('\n'), /--metrics-urls: "nonsense" is not ENDPOINT=URL/);
  } finally {
    await etcd.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
