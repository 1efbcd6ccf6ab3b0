// @etcd-compat: also runs on etcd 3.4, 3.5 and 3.7 (scripts/test.mjs)
// `etcd-ops alarms`, `compact` and `defrag` as real processes (node dist/cli.js) against a real 3-member
// TLS cluster: usage errors exit 2 before anything is sent, no --yes off a terminal is refused (exit 1),
// dry runs change nothing, and the JSON shapes the issue names.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureBuilt, runCli, tlsFlags } from '../harness/cli';
import { EtcdTestCluster } from '../harness/etcd-cluster';
import { churn, ctlDbSizes, rawClient } from './maintenance-support';
import { idOf, waitLeader } from './ops-support';

async function ctlRevision(cluster: EtcdTestCluster): Promise<number> {
  const out = await cluster.etcdctl(['endpoint', 'status', '-w', 'fields'], [cluster.endpoints[0]]);
  return Number(/^"Revision" : (\d+)$/m.exec(out)![1]);
}

describe('etcd-ops alarms / compact / defrag (real etcd, CLI process)', () => {
  let cluster: EtcdTestCluster;
  let conn: string[];
  before(async () => {
    ensureBuilt();
    cluster = await EtcdTestCluster.start({ members: 3 });
    await churn(cluster, 300, 16 * 1024);
    conn = ['--endpoints', cluster.endpoints.join(','), ...tlsFlags(cluster.tls)];
  });
  after(async () => cluster?.close());

  it('mistakes in the command line: exit 2, one line, nothing sent', async () => {
    const rev = await ctlRevision(cluster);
    const lines: [string[], RegExp][] = [
      [['defrag', '--all', '--yes', '--dryrun', ...conn], /unknown flag --dryrun \(did you mean --dry-run\?\)/],
      [['defrag', '--yes', ...conn], /--member ID\|NAME or --all is required/],
      [['defrag', '--all', '--member', 'm1', '--yes', ...conn], /--member ID\|NAME or --all, not both/],
      [['defrag', '--all', '--member-timeout', 'soon', '--yes', ...conn], /--member-timeout must be an integer >= 1000, got "soon"/],
      [['compact', '--keep-revisions', '-5', '--yes', ...conn], /--keep-revisions/],
      [['compact', '--yes', '--physical', ...conn], /unknown flag --physical/],
      [['alarms', '--disarm', '--yes', 'NOSPACE', ...conn], /argument|positional|unexpected/i],
    ];
    for (const [argv, re] of lines) {
      const r = await runCli(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}${r.stdout}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, re);
    }
    assert.equal(await ctlRevision(cluster), rev);
  });

  it('without --yes off a terminal: refused, exit 1, JSON says refused; the dry run prints the order', async () => {
    const sizes = await ctlDbSizes(cluster);
    const refused = await runCli(['defrag', '--all', '--json', ...conn]);
    assert.equal(refused.code, 1, refused.stderr);
    const j = JSON.parse(refused.stdout);
    assert.equal(j.refused, true);
    assert.match(j.reason, /--yes/);
    const compactRefused = await runCli(['compact', ...conn]);
    assert.equal(compactRefused.code, 1);
    assert.match(compactRefused.stderr, /refusing to compact without --yes/);

    const leader = await waitLeader(cluster, cluster.members);
    const dry = await runCli(['defrag', '--all', '--dry-run', '--json', ...conn]);
    assert.equal(dry.code, 0, dry.stderr + dry.stdout);
    const d = JSON.parse(dry.stdout);
    assert.equal(d.ok, true);
    assert.equal(d.dryRun, true);
    assert.equal(d.order.length, 3);
    assert.equal(d.order[2], leader);
    for (const m of d.members) {
      assert.deepEqual(Object.keys(m).sort(), ['dbSizeAfter', 'dbSizeBefore', 'dbSizeInUseBefore', 'id', 'ms', 'name', 'state']);
      assert.equal(m.state, 'not-started');
      assert.equal(m.dbSizeBefore, sizes.get(m.name));
    }
    assert.match(d.plan[2], /the leader, last/);
    assert.deepEqual(await ctlDbSizes(cluster), sizes);
  });

  it('compact --yes --json reports the revision; defrag --member --yes; alarms --json lists none', async () => {
    const rev = await ctlRevision(cluster);
    const c = await runCli(['compact', '--keep-revisions', '10', '--yes', '--json', ...conn]);
    assert.equal(c.code, 0, c.stderr + c.stdout);
    const cj = JSON.parse(c.stdout);
    assert.equal(cj.ok, true, cj.reason);
    assert.ok(cj.currentRevision >= rev && cj.revision === cj.currentRevision - 10, c.stdout);
    await assert.rejects(cluster.etcdctl(['get', 'churn/0', `--rev=${cj.revision - 1}`]), /compacted/);

    const follower = cluster.members.find((m) => m.name !== (cj.membersBefore.find((x: { id: string }) => x.id === cj.leaderBefore)?.name))!;
    const before = (await ctlDbSizes(cluster)).get(follower.name)!;
    const d = await runCli(['defrag', '--member', follower.name, '--yes', ...conn]);
    assert.equal(d.code, 0, d.stderr + d.stdout);
    assert.match(d.stdout, /^MEMBER\s+ID\s+DB BEFORE/m);
    assert.match(d.stdout, /^OK: defragmented /m);
    assert.ok((await ctlDbSizes(cluster)).get(follower.name)! < before);

    const a = await runCli(['alarms', '--json', ...conn]);
    assert.equal(a.code, 0, a.stderr);
    const aj = JSON.parse(a.stdout);
    for (const k of ['alarms', 'disarmed', 'ok', 'refused', 'reason', 'checks']) assert.ok(k in aj, k);
    assert.deepEqual(aj.alarms, []);
    assert.equal(aj.reason, 'no alarm raised');
  });

  it('CORRUPT is never disarmed: alarms --disarm and defrag refuse, naming the member; the alarm stays', async () => {
    const m2 = cluster.member('m2');
    const m2Id = await idOf(cluster, 'm2', cluster.members);
    const raw = rawClient(cluster, m2.clientUrl);
    try {
      // ACTIVATE (1) CORRUPT (2) for m2: the alarm etcd raises itself when a member's data diverged.
      await raw.maintenance.alarm({ action: 1, memberID: BigInt(`0x${m2Id}`).toString(), alarm: 2 } as never);
      const a = await runCli(['alarms', '--disarm', '--yes', '--json', ...conn]);
      assert.equal(a.code, 1, a.stderr + a.stdout);
      const aj = JSON.parse(a.stdout);
      assert.equal(aj.refused, true);
      assert.deepEqual(aj.alarms.map((x: { name: string; alarm: string }) => [x.name, x.alarm]), [['m2', 'CORRUPT']]);
      assert.match(aj.reason, /CORRUPT alarm raised by m2.*replace it.*never disarms CORRUPT/);
      assert.deepEqual(aj.disarmed, []);
      const d = await runCli(['defrag', '--all', '--yes', '--json', ...conn]);
      assert.equal(d.code, 1, d.stderr + d.stdout);
      assert.equal(JSON.parse(d.stdout).refused, true);
      assert.ok((await cluster.etcdctl(['alarm', 'list'])).includes('alarm:CORRUPT'));
    } finally {
      await cluster.etcdctl(['alarm', 'disarm']).catch(() => '');
      raw.close();
    }
  });
});
