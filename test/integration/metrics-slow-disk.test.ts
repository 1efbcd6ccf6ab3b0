// Real etcd, real slow disk: one member's fdatasync calls are delayed 30 ms by strace fault injection while
// writes flow. `etcd-ops metrics` must report that member, and only that one, for slow WAL fsync.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { after, before, test } from 'node:test';
import { main } from '../../src/cli';
import { delayFdatasync, Fault } from '../harness/faults';
import { EtcdTestCluster } from '../harness/etcd-cluster';

let cluster: EtcdTestCluster;
// Election timeout raised: a ptrace-stopped member is slower in every syscall, and an election is not what
// this test is about (the verdict must come from the fsync histogram alone).
// Data dirs on tmpfs where there is one: this shared machine's own disk is noisy, and the test compares the
// injected slowness against members whose fsync is near zero.
const tmpRoot = fs.existsSync('/dev/shm') ? '/dev/shm' : undefined;
before(async () => { cluster = await EtcdTestCluster.start({ members: 3, electionMs: 3000, tmpRoot }); });
after(async () => { await cluster?.close(); });

/** Puts small values, one at a time, until `stop()`: every put is a WAL append + fsync on every member. */
async function writeLoad(): Promise<{ stop(): Promise<number> }> {
  const { Etcd3 } = await import('etcd3');
  const client = new Etcd3({
    hosts: cluster.endpoints[0],
    credentials: { rootCertificate: fs.readFileSync(cluster.tls.caFile), certChain: fs.readFileSync(cluster.tls.certFile), privateKey: fs.readFileSync(cluster.tls.keyFile) },
    defaultCallOptions: () => ({ deadline: Date.now() + 10000 }),
  });
  let running = true;
  let puts = 0;
  const loop = (async () => {
    while (running) {
      await client.put(`/perf/${puts % 100}`).value(`v${puts}`);
      puts++;
    }
  })();
  return { async stop() { running = false; await loop; client.close(); return puts; } };
}

test('the member whose fdatasync is delayed 30 ms, and only it, is reported for slow WAL fsync', async () => {
  const slow = cluster.member('m2');
  let fault: Fault | undefined;
  const load = await writeLoad();
  let puts = 0;
  const out: string[] = [];
  try {
    fault = await delayFdatasync(slow.process!.pid!, 30);
    const code = await main(['metrics', `--endpoints=${cluster.endpoints.join(',')}`, '--cacert', cluster.tls.caFile, '--cert', cluster.tls.certFile,
      '--key', cluster.tls.keyFile, '--interval', '6', '--json'], { out: (t) => out.push(t), err: (t) => out.push(t), interactive: false, ask: async () => '' });
    assert.equal(code, 0, out.join('\n'));
  } finally {
    puts = await load.stop();
    await fault?.stop();
  }
  const j = JSON.parse(out.join('\n'));
  const byName = new Map<string, { walFsyncP99Ms: number; walFsyncs: number; id: string }>(j.members.map((m: { name: string }) => [m.name, m]));
  console.log(j.members.map((m: { name: string; walFsyncP99Ms: number; walFsyncs: number }) => `${m.name}: WAL fsync p99 ${m.walFsyncP99Ms} ms over ${m.walFsyncs}`).join('; '), `· ${puts} puts`);
  assert.ok(puts > 20, `the write load made only ${puts} puts`);
  const m2 = byName.get('m2')!;
  assert.ok(m2.walFsyncs >= 5, `m2 fsynced ${m2.walFsyncs} times in the window`);
  assert.ok(m2.walFsyncP99Ms >= 25, `m2's WAL fsync p99 is ${m2.walFsyncP99Ms} ms with 30 ms added to every fdatasync`);
  for (const n of ['m1', 'm3']) {
    const m = byName.get(n)!;
    assert.ok(m.walFsyncs >= 5, `${n} fsynced ${m.walFsyncs} times`);
    assert.ok(m.walFsyncP99Ms < 10, `${n}'s WAL fsync p99 is ${m.walFsyncP99Ms} ms on an undisturbed disk`);
  }
  const slowFsync = j.findings.filter((f: { code: string }) => f.code === 'wal-fsync-slow');
  assert.deepEqual(slowFsync.map((f: { subject: string }) => f.subject), [`m2 (${m2.id})`], JSON.stringify(j.findings, null, 1));
  assert.match(slowFsync[0].remediation, /dedicated SSD\/NVMe/);
  // The disk verdict never spills onto the network: no RTT finding names m2 from a disk slowdown.
  assert.equal(j.findings.filter((f: { code: string }) => f.code === 'member-network-slow').length, 0);
});
