// @etcd-compat: also runs on etcd 3.4, 3.5 and 3.7 (scripts/test.mjs)
// add-member, promote-member and replace-member on real etcd (TLS), mostly as CLI processes the way an
// operator runs them: the env they print is what starts the new member (on an empty data dir, the cluster's
// PKI, nothing else), and etcdctl — never the product — says what the cluster looks like afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { promoteMember } from '../../src/core/ops/promote-member';
import { ensureBuilt, runCli, tlsFlags } from '../harness/cli';
import { EtcdTestCluster, HarnessMember } from '../harness/etcd-cluster';
import { ctlMembers, live, portFor, waitLeader } from './ops-support';

interface Json {
  ok: boolean; refused: boolean; reason: string; dryRun: boolean; isLearner?: boolean; promoted?: string | null; removed: string | null;
  added?: { id: string; isLearner: boolean } | null; env?: Record<string, string> | null; flags?: string[] | null; next?: string[];
  checks: { name: string; ok: boolean; severity?: string; detail: string }[]; steps: { name: string; status: string; detail: string }[];
}

/** Puts `count` values of `bytes` each, so a joining member has data to catch up on. */
async function loadData(cluster: EtcdTestCluster, count: number, bytes: number): Promise<void> {
  const fs = await import('node:fs');
  const client = new Etcd3({ hosts: cluster.endpoints, credentials: {
    rootCertificate: fs.readFileSync(cluster.tls.caFile), certChain: fs.readFileSync(cluster.tls.certFile), privateKey: fs.readFileSync(cluster.tls.keyFile) } });
  try {
    const value = Buffer.alloc(bytes, 'x');
    for (let i = 0; i < count; i++) await client.put(`/load/${i}`).value(value);
  } finally {
    client.close();
  }
}

const parse = (stdout: string): Json => JSON.parse(stdout) as Json;
const hex = (id: string) => BigInt(`0x${id}`).toString(16);

describe('membership CLI: usage errors before anything is read (exit 2)', () => {
  before(() => ensureBuilt());
  const conn = ['--endpoints', 'https://127.0.0.1:1'];
  for (const [what, args, message] of [
    ['add-member without --name', ['add-member', '--peer-urls', 'https://10.0.0.4:2380', ...conn], /--name NAME is required/],
    ['add-member with a peer URL without port', ['add-member', '--name', 'n4', '--peer-urls', 'https://10.0.0.4', ...conn], /has no port/],
    ['add-member with a name that breaks the initial cluster', ['add-member', '--name', 'a=b', '--peer-urls', 'https://10.0.0.4:2380', ...conn], /cannot hold "="/],
    ['promote-member with a non-numeric --wait', ['promote-member', '--member', 'm4', '--wait', 'soon', ...conn], /--wait/],
    ['replace-member with an unknown flag', ['replace-member', '--member', 'm1', '--name', 'n', '--peer-urls', 'https://10.0.0.4:2380', '--learner', ...conn], /unknown flag --learner/],
  ] as const) {
    it(what, async () => {
      const r = await runCli([...args]);
      assert.equal(r.code, 2, r.stderr + r.stdout);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
    });
  }
});

describe('add / promote / replace on a real 3-member cluster (CLI processes, etcdctl as the judge)', () => {
  let cluster: EtcdTestCluster;
  let conn: string[];
  let learner: HarnessMember;
  let learnerId = '';
  let learnerEnv: Record<string, string> = {};
  before(async () => {
    ensureBuilt();
    cluster = await EtcdTestCluster.start({ members: 3 });
    conn = ['--endpoints', cluster.endpoints.join(','), ...tlsFlags(cluster.tls)];
    await loadData(cluster, 40, 256 * 1024);
  });
  after(async () => cluster?.close());

  it('dry run: the plan, the checks and the env the new member would need; nothing changes', async () => {
    await waitLeader(cluster, live(cluster));
    const before = await ctlMembers(cluster, live(cluster));
    const r = await runCli(['add-member', '--name', 'n4', '--peer-urls', 'https://127.0.0.1:1', '--dry-run', '--json', ...conn]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const j = parse(r.stdout);
    assert.equal(j.ok, true, j.reason);
    assert.equal(j.dryRun, true);
    assert.equal(j.isLearner, true);
    assert.equal(j.env?.ETCD_NAME, 'n4');
    assert.equal(j.env?.ETCD_INITIAL_CLUSTER_STATE, 'existing');
    assert.deepEqual(j.env!.ETCD_INITIAL_CLUSTER.split(',').sort(), [...cluster.members.map((m) => `${m.name}=${m.peerUrl}`), 'n4=https://127.0.0.1:1'].sort());
    assert.deepEqual(await ctlMembers(cluster, live(cluster)), before);
  });

  it('adds a learner (printed env), refuses a second learner, refuses promoting it before it starts', async () => {
    learner = await cluster.reserveMember('l1');
    const r = await runCli(['add-member', '--name', 'l1', '--peer-urls', learner.peerUrl, '--yes', '--json', ...conn]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const j = parse(r.stdout);
    assert.equal(j.ok, true, j.reason);
    assert.equal(j.added?.isLearner, true);
    learnerId = hex(j.added!.id);
    learnerEnv = j.env!;
    assert.deepEqual(j.env!.ETCD_INITIAL_CLUSTER.split(',').sort(), [...cluster.members.map((m) => `${m.name}=${m.peerUrl}`), `l1=${learner.peerUrl}`].sort());
    assert.equal(j.env!.ETCD_INITIAL_ADVERTISE_PEER_URLS, learner.peerUrl);
    assert.ok(j.flags!.includes(`--initial-advertise-peer-urls=${learner.peerUrl}`), JSON.stringify(j.flags));
    let list = await ctlMembers(cluster, live(cluster));
    const entry = list.find((m) => hex(m.id) === learnerId);
    assert.ok(entry && entry.learner && !entry.started, JSON.stringify(list));

    const second = await runCli(['add-member', '--name', 'l2', '--peer-urls', 'https://127.0.0.1:2', '--yes', '--json', ...conn]);
    assert.equal(second.code, 1, second.stderr + second.stdout);
    const s = parse(second.stdout);
    assert.equal(s.refused, true);
    assert.match(s.reason, /learner is already pending/);
    assert.deepEqual(await ctlMembers(cluster, live(cluster)), list, 'nothing added');

    const promote = await runCli(['promote-member', '--member', learnerId, '--yes', '--json', ...conn]);
    assert.equal(promote.code, 1, promote.stderr + promote.stdout);
    const p = parse(promote.stdout);
    assert.equal(p.refused, true);
    assert.match(p.reason, /has not started/);
    list = await ctlMembers(cluster, live(cluster));
    assert.equal(list.find((m) => hex(m.id) === learnerId)?.learner, true, 'still a learner');
  });

  it('promote --wait run while the new member is still booting: waits for it to start and catch up, then promotes', async () => {
    const promoting = runCli(['promote-member', '--member', learnerId, '--wait', '90', '--yes', '--json', ...conn], { timeoutMs: 150_000 });
    // The node comes up a little later (a service still starting), on an empty data dir, from the printed env only.
    await new Promise((r) => setTimeout(r, 2000));
    cluster.startFromEnv(learner, learnerEnv);
    const r = await promoting;
    assert.equal(r.code, 0, r.stderr + r.stdout + learner.log.slice(-5).join('\n'));
    const j = parse(r.stdout);
    assert.equal(j.ok, true, j.reason);
    assert.equal(j.promoted, learnerId);
    const wait = j.steps.find((s) => s.name === 'wait for l1 to catch up' || /^wait for .* to catch up$/.test(s.name));
    assert.ok(wait && wait.status === 'done', JSON.stringify(j.steps));
    const list = await ctlMembers(cluster, live(cluster));
    const l1 = list.find((m) => m.name === 'l1');
    assert.ok(l1 && !l1.learner && l1.started, JSON.stringify(list));
  });

  it('the learner killed during its join while the promotion waits for it: a clean refusal, the cluster unharmed', async () => {
    const l3 = await cluster.reserveMember('l3');
    const add = await runCli(['add-member', '--name', 'l3', '--peer-urls', l3.peerUrl, '--yes', '--json', ...conn]);
    assert.equal(add.code, 0, add.stderr + add.stdout);
    const j = parse(add.stdout);
    const id = hex(j.added!.id);
    const port = portFor(cluster, cluster.members.filter((m) => m.process));
    let started = false;
    try {
      const r = await promoteMember(port, id, {
        targetById: true, waitMs: 12_000, catchUpPollMs: 200,
        onProgress: (e) => {
          if (e.kind !== 'waiting' || started) return;
          // Started once the promotion waits for it, and killed while it receives the cluster's data.
          started = true;
          cluster.startFromEnv(l3, j.env!);
          setTimeout(() => { void cluster.kill('l3'); }, 150);
        },
      });
      assert.ok(started, `the promotion never waited: ${r.reason}`);
      assert.equal(r.ok, false, r.reason);
      assert.equal(r.refused, true, r.reason);
      assert.equal(r.promoted, null);
      assert.match(r.reason, /not ready within|stopped answering/);
      assert.ok(r.steps.every((s) => !/^promote /.test(s.name)), JSON.stringify(r.steps));
    } finally {
      await port.close();
    }
    const voters = live(cluster);
    await cluster.etcdctl(['endpoint', 'health'], voters.map((m) => m.clientUrl));
    const list = await ctlMembers(cluster, voters);
    assert.equal(list.find((m) => hex(m.id) === id)?.learner, true, 'l3 is still a learner, nothing promoted');
    await cluster.etcdctl(['member', 'remove', id], voters.map((m) => m.clientUrl));
    cluster.members.splice(cluster.members.indexOf(l3), 1);
  });

  it('replaces a killed member end to end: replace, start from the printed env, promote --wait, all voters healthy', async () => {
    const old = cluster.member('m1');
    await cluster.kill('m1');
    // If m1 led, the tool refuses until the others have elected a leader (no list to trust before): wait for it.
    await waitLeader(cluster, live(cluster).filter((m) => m !== old), 20_000);
    const fresh = await cluster.reserveMember('m1b');
    fresh.peerUrl = old.peerUrl; // the hetzner case: the node comes back at the same address
    const r = await runCli(['replace-member', '--member', 'm1', '--name', 'm1b', '--peer-urls', fresh.peerUrl, '--yes', '--json', ...conn], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const j = parse(r.stdout);
    assert.equal(j.ok, true, j.reason);
    assert.ok(j.removed);
    assert.ok(j.steps.some((s) => s.name.startsWith('remove: ')) && j.steps.some((s) => s.name.startsWith('add: ')), JSON.stringify(j.steps));
    assert.equal(j.env!.ETCD_NAME, 'm1b');
    assert.ok(!j.env!.ETCD_INITIAL_CLUSTER.split(',').some((p) => p.startsWith('m1=')), j.env!.ETCD_INITIAL_CLUSTER);
    // By id: etcd lists the new member without a name until it has started.
    assert.ok(j.next!.some((s) => s.includes(`promote-member --member ${j.added!.id} --wait`)), JSON.stringify(j.next));
    cluster.members.splice(cluster.members.indexOf(old), 1);
    cluster.startFromEnv(fresh, j.env!);
    const conn2 = ['--endpoints', live(cluster).map((m) => m.clientUrl).join(','), ...tlsFlags(cluster.tls)];
    const p = await runCli(['promote-member', '--member', hex(j.added!.id), '--wait', '60', '--yes', '--json', ...conn2], { timeoutMs: 120_000 });
    assert.equal(p.code, 0, p.stderr + p.stdout + fresh.log.slice(-5).join('\n'));
    assert.equal(parse(p.stdout).ok, true);
    const members = live(cluster);
    const list = await ctlMembers(cluster, members);
    assert.deepEqual(list.map((m) => m.name).sort(), ['l1', 'm1b', 'm2', 'm3']);
    assert.ok(list.every((m) => m.started && !m.learner), JSON.stringify(list));
    await cluster.etcdctl(['endpoint', 'health'], members.map((m) => m.clientUrl));
  });
});

describe('a voter add that would lose quorum (real etcd, one member: etcd itself would allow 1 -> 2)', () => {
  let cluster: EtcdTestCluster;
  before(async () => { ensureBuilt(); cluster = await EtcdTestCluster.start({ members: 1 }); });
  after(async () => cluster?.close());

  it('--voter is refused with the learner path named; nothing is added', async () => {
    const conn = ['--endpoints', cluster.endpoints.join(','), ...tlsFlags(cluster.tls)];
    const before = await ctlMembers(cluster, live(cluster));
    const r = await runCli(['add-member', '--name', 'n2', '--peer-urls', 'https://127.0.0.1:3', '--voter', '--yes', '--json', ...conn]);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const j = parse(r.stdout);
    assert.equal(j.refused, true);
    const q = j.checks.find((c) => c.name === 'quorum-after');
    assert.ok(q && !q.ok && /as a learner/.test(q.detail), JSON.stringify(j.checks));
    assert.ok(j.checks.find((c) => c.name === 'strict-reconfig')?.ok, 'etcd itself would have taken it');
    assert.deepEqual(await ctlMembers(cluster, live(cluster)), before);
  });
});
