// `etcd-ops move-leader` and `etcd-ops remove-member` as real processes (node dist/cli.js) against a real
// 3-member cluster: mistakes in the command line, refusal without --yes, dry run, --json shape, readable
// output, exit codes (0 done, 1 refused or failed, 2 usage).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli';
import { CliIo } from '../../src/cli/output';
import { ensureBuilt, runCli, tlsFlags } from '../harness/cli';
import { EtcdTestCluster } from '../harness/etcd-cluster';
import { ctlLeader, ctlMembers, idOf, live, waitLeader } from './ops-support';

describe('etcd-ops move-leader / remove-member (real etcd, CLI process)', () => {
  let cluster: EtcdTestCluster;
  let conn: string[];
  before(async () => {
    ensureBuilt();
    cluster = await EtcdTestCluster.start({ members: 3 });
    conn = ['--endpoints', cluster.endpoints.join(','), ...tlsFlags(cluster.tls)];
  });
  after(async () => cluster?.close());

  const follower = async () => {
    const leader = await waitLeader(cluster, live(cluster));
    return live(cluster).find((m) => m.name !== leader)!.name;
  };

  it('a typo of --dry-run beside --yes is a usage error: exit 2, one line, m3 still a member', async () => {
    const leader = await waitLeader(cluster, live(cluster));
    const before = await ctlMembers(cluster, live(cluster));
    assert.ok(before.some((m) => m.name === 'm3'));
    const r = await runCli(['remove-member', '--member', 'm3', '--yes', '--dryrun', ...conn]);
    assert.equal(r.code, 2, r.stderr + r.stdout);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^etcd-ops remove-member: unknown flag --dryrun \(did you mean --dry-run\?\)/);
    assert.deepEqual(await ctlMembers(cluster, live(cluster)), before);
    assert.equal(await ctlLeader(cluster, live(cluster)), leader);
  });

  it('every other mistake in a destructive command line: exit 2 before anything is sent', async () => {
    const leader = await waitLeader(cluster, live(cluster));
    const target = await follower();
    const before = await ctlMembers(cluster, live(cluster));
    const lines: [string[], RegExp][] = [
      [['move-leader', '--to', target, '--yes', '--dryrun', ...conn], /unknown flag --dryrun \(did you mean --dry-run\?\)/],
      [['remove-member', '--member', target, '--yes', '--insecure-skip-verify', ...conn], /unknown flag --insecure-skip-verify/],
      [['remove-member', '--member', target, '--yes', '--deadline', 'soon', ...conn], /--deadline must be an integer >= 1000, got "soon"/],
      [['remove-member', '--yes', ...conn, '--member'], /--member needs a value/],
      [['remove-member', '--member', target, '--yes', 'now', ...conn], /give the member once: --member \S+ or now, not both/],
      [['remove-member', '--member', target, '--member', `${target}x`, '--yes', ...conn], /--member given twice/],
      [['remove-member', '--member', target, '--yes', '--dry-run=false', ...conn], /--dry-run takes no value/],
      [['move-leader', '--to', target, '-y', ...conn], /unknown flag -y/],
    ];
    for (const [argv, re] of lines) {
      const r = await runCli(argv);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}${r.stdout}`);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, re);
    }
    assert.deepEqual(await ctlMembers(cluster, live(cluster)), before);
    assert.equal(await ctlLeader(cluster, live(cluster)), leader);
  });

  it('refuses without --yes when not on a terminal: one line, exit 1, nothing changed', async () => {
    const leader = await waitLeader(cluster, live(cluster));
    const target = await follower();
    const members = await ctlMembers(cluster, live(cluster));
    for (const args of [['move-leader', '--to', target], ['remove-member', '--member', target]]) {
      const r = await runCli([...args, ...conn]);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /without --yes.*--dry-run/);
    }
    const json = await runCli(['remove-member', '--member', target, '--json', ...conn]);
    assert.equal(json.code, 1);
    const out = JSON.parse(json.stdout);
    assert.equal(out.refused, true);
    assert.equal(out.ok, false);
    assert.equal(await ctlLeader(cluster, live(cluster)), leader);
    assert.deepEqual(await ctlMembers(cluster, live(cluster)), members);
  });

  it('--dry-run prints plan, checks with ✓ and the steps it skipped; changes nothing', async () => {
    const leader = await waitLeader(cluster, live(cluster));
    const r = await runCli(['remove-member', '--member', leader, '--dry-run', ...conn]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Plan:\n {2}1\. transfer leadership from /m);
    assert.match(r.stdout, /✓ quorum-after\s+removing \S+ leaves 2 healthy voters of 2; quorum of 2 needs 2/);
    assert.match(r.stdout, /! even-size/);
    assert.match(r.stdout, /- remove member\s+dry run: nothing sent/);
    assert.match(r.stdout, /^DRY RUN OK: /m);
    assert.equal(await ctlLeader(cluster, live(cluster)), leader);
    assert.equal((await ctlMembers(cluster, live(cluster))).length, 3);
  });

  it('move-leader --yes --json prints the result shape; etcdctl sees the new leader', async () => {
    const target = await follower();
    const r = await runCli(['move-leader', '--to', target, '--yes', '--json', ...conn]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.ok, true);
    assert.equal(out.refused, false);
    assert.equal(typeof out.reason, 'string');
    assert.equal(out.leaderTransferredTo, await idOf(cluster, target, live(cluster)));
    assert.equal(out.removed, null);
    assert.ok(out.checks.length > 0);
    for (const c of out.checks) assert.deepEqual(Object.keys(c).slice(0, 3), ['name', 'ok', 'detail']);
    for (const s of out.steps) {
      assert.ok(['done', 'failed', 'skipped'].includes(s.status));
      assert.equal(typeof s.ms, 'number');
      assert.equal(typeof s.detail, 'string');
    }
    assert.equal(out.membersBefore.length, 3);
    assert.equal(out.membersAfter.length, 3);
    assert.equal(await ctlLeader(cluster, live(cluster)), target);
  });

  it('move-leader --yes prints readable steps with timings; a refused check exits 1 with the reason', async () => {
    const target = await follower();
    const r = await runCli(['move-leader', '--to', target, '--yes', ...conn]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /✓ transfer leadership \S+ -> \S+\s+\d+ ms/);
    assert.match(r.stdout, /^OK: \S+ leads now/m);
    const again = await runCli(['move-leader', '--to', target, '--yes', ...conn]);
    assert.equal(again.code, 1);
    assert.match(again.stdout, /✗ target-not-leader/);
    assert.match(again.stderr, new RegExp(`${target} is already the leader`));
  });

  it('on a terminal without --yes it shows plan and checks and asks; "n" changes nothing, "y" proceeds', async () => {
    const target = await follower();
    const leader = await waitLeader(cluster, live(cluster));
    const session = (answer: string) => {
      const out: string[] = [];
      const err: string[] = [];
      const questions: string[] = [];
      const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), interactive: true,
        ask: async (q) => { questions.push(q); return answer; } };
      return { io, out, err, questions };
    };
    const no = session('n');
    assert.equal(await main(['move-leader', '--to', target, ...conn], no.io), 1);
    assert.match(no.questions[0], new RegExp(`^Move leadership from ${leader} to ${target}\\? \\[y/N\\] $`));
    assert.match(no.out[0], /^Plan:[\s\S]*Checks:[\s\S]*✓ target-caught-up/);
    assert.match(no.err.join('\n'), /not confirmed: nothing was changed/);
    assert.equal(await ctlLeader(cluster, live(cluster)), leader);

    const yes = session('y');
    assert.equal(await main(['move-leader', '--to', target, ...conn], yes.io), 0, yes.err.join('\n'));
    assert.match(yes.out.join('\n'), /^OK: /m);
    assert.equal(await ctlLeader(cluster, live(cluster)), target);
  });

  it('remove-member --yes --json removes a follower (verified with etcdctl); usage errors exit 2', async () => {
    const target = await follower();
    const id = await idOf(cluster, target, live(cluster));
    const r = await runCli(['remove-member', '--member', id, '--yes', '--json', ...conn]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.ok, true, out.reason);
    assert.equal(out.removed, id);
    assert.equal(out.leaderTransferredTo, null);
    assert.equal(out.membersAfter.length, 2);
    const survivors = live(cluster).filter((m) => m.name !== target);
    assert.ok(!(await ctlMembers(cluster, survivors)).some((m) => m.name === target));

    const usage = await runCli(['move-leader', '--yes', ...conn]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--to ID\|NAME is required/);
    const help = await runCli(['move-leader', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /asks for --yes too/);
    assert.match(help.stdout, /^Exit: 0 done \(or dry run passed\), 1 refused/m);
    assert.equal((await runCli(['help', 'move-leader'])).stdout, help.stdout);
  });
});
