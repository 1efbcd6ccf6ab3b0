// @etcd-compat: also runs on etcd 3.4, 3.5 and 3.7 (scripts/test.mjs)
// `etcd-ops join-check` against real TLS etcd: the target is a live voter chosen from health (never a
// killed member), and the join is blocked by what would really break it: a removed member's old data dir,
// another cluster's data dir, a stale entry holding the node's peer URL, a pending learner, a voter join that
// would lose quorum, a k3s config.yaml naming a dead server, lost quorum. Checked against etcdctl's view.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkJoin, JoinCheckOptions } from '../../src/core/join/join-check';
import { ensureBuilt, runCli, tlsFlags } from '../harness/cli';
import { DataDirFixtures, hashDir, makeDataDirFixtures } from '../harness/datadirs';
import { DistroTree, rancherServer } from '../harness/distro-trees';
import { EtcdTestCluster, freePort } from '../harness/etcd-cluster';
import { ctlLeader, ctlMembers, idOf, live, portFor, waitLeader } from './ops-support';

const TIMEOUT = 5000;
/** A filesystem root with no k3s/RKE2 config: this machine's own /etc must not decide a test. */
const NO_CONFIG_ROOT = path.join(os.tmpdir(), 'etcd-ops-join-no-such-root');

async function check(cluster: EtcdTestCluster, options: Partial<JoinCheckOptions> & { distro: JoinCheckOptions['distro'] }) {
  const port = portFor(cluster, cluster.members, TIMEOUT);
  try {
    return await checkJoin(port, { timeoutMs: TIMEOUT, root: NO_CONFIG_ROOT, ...options });
  } finally {
    await port.close();
  }
}

function codes(r: { blockers: { code: string }[] }): string[] {
  return r.blockers.map((b) => b.code);
}

/** etcd refuses member changes for 5 s after a peer (re)connects: retry that refusal only. */
async function ctlWhenAllowed(cluster: EtcdTestCluster, args: string[]): Promise<string> {
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      return await cluster.etcdctl(args, live(cluster).map((m) => m.clientUrl));
    } catch (err) {
      if (!/unhealthy cluster|not enough started/.test((err as Error).message) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

describe('join-check on a live cluster (real etcd, TLS)', { timeout: 240000 }, () => {
  let cluster: EtcdTestCluster;
  let conn: string[];
  let root: string;
  before(async () => {
    ensureBuilt();
    cluster = await EtcdTestCluster.start({ members: 3 });
    conn = ['--endpoints', cluster.endpoints.join(','), ...tlsFlags(cluster.tls), '--timeout', String(TIMEOUT)];
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'etcd-ops-join-'));
  });
  after(async () => {
    await cluster?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('usage errors exit 2 at once, before connecting to anything', async () => {
    // An address that never answers: a command that connected would wait out its timeout.
    const nowhere = ['--endpoints', 'https://10.255.255.1:2379', '--timeout', '20000'];
    const cases: [string[], RegExp][] = [
      [['--bogus', ...nowhere], /unknown flag --bogus/],
      [['--distro', 'openshift', ...nowhere], /--distro must be k3s, rke2, k0s, kubeadm or etcd/],
      [['--peer-urls', 'not-a-url', ...nowhere], /--peer-urls: "not-a-url" is not a peer URL/],
      [['--peer-urls', 'https://10.0.0.5', ...nowhere], /is not a peer URL/],
      [['--pki', path.join(root, 'missing'), ...nowhere], /--pki .*: not a directory/],
      [['--name', 'x'], /--endpoints is required/],
      [['extra', ...nowhere], /unexpected argument "extra"/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['join-check', ...args], { env: { ETCDCTL_ENDPOINTS: '' } });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
      assert.ok(r.ms < 15000, `${args.join(' ')} took ${r.ms} ms: it must not wait for the network`);
    }
  });

  it('ready with member 1 killed: the target is a live, caught-up voter, a follower rather than the leader, never m1', async () => {
    const m1Id = await idOf(cluster, 'm1', cluster.members);
    await cluster.kill('m1');
    const survivors = live(cluster);
    const leader = await waitLeader(cluster, survivors);
    const peer = `https://127.0.0.1:${await freePort()}`;
    const r = await runCli(['join-check', '--json', '--distro', 'etcd', '--name', 'm9', '--peer-urls', peer, ...conn]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out).sort(), ['blockers', 'distro', 'ready', 'steps', 'target']);
    assert.equal(out.ready, true);
    assert.deepEqual(out.blockers, []);
    assert.equal(out.distro, 'etcd');
    const members = await ctlMembers(cluster, survivors);
    const target = members.find((m) => BigInt(`0x${m.id}`).toString(16) === out.target.id);
    assert.ok(target, `target ${out.target.id} is a member per etcdctl`);
    assert.notEqual(out.target.id, m1Id, 'the killed m1 is never the target');
    assert.ok(target.started && !target.learner, 'a started voter');
    assert.ok(survivors.some((m) => m.name === out.target.name && m.clientUrl === out.target.clientURL), 'a running member');
    assert.notEqual(out.target.name, leader, 'with a caught-up follower there, the leader is not loaded with the join');
    assert.equal(out.target.joinAddress, out.target.clientURL, 'plain etcd joins through the client URL');
    assert.match(out.target.why, /follower/);
    const commands = out.steps.map((s: { command?: string }) => s.command ?? '');
    assert.ok(commands.some((c: string) => c.startsWith(`etcd-ops add-member --name m9 --peer-urls ${peer}`)), commands.join('\n'));
    assert.ok(commands.some((c: string) => c.startsWith('etcd-ops promote-member --member m9 --wait')));
    assert.equal(await ctlLeader(cluster, survivors), leader, 'join-check moved nothing');
    assert.equal((await ctlMembers(cluster, survivors)).length, 3, 'join-check added nothing');

    // Repeated, with k3s's address: the choice follows health, so m1 is never it.
    for (let i = 0; i < 3; i++) {
      const k = await check(cluster, { distro: 'k3s' });
      assert.notEqual(k.target?.id, m1Id);
      assert.ok(k.target && survivors.some((m) => m.name === k.target!.name));
      assert.equal(k.target.joinAddress, 'https://127.0.0.1:9345');
    }
  });

  it('k0s adds a voter: with m1 down, 3 -> 4 voters would need 3 healthy of which there are 2: quorum-at-risk', async () => {
    const m1Id = await idOf(cluster, 'm1', live(cluster));
    const r = await check(cluster, { distro: 'k0s' });
    assert.equal(r.ready, false);
    const b = r.blockers.find((x) => x.code === 'quorum-at-risk');
    assert.ok(b, codes(r).join(','));
    assert.match(b.message, /4 voters, needing 3, with only 2 healthy/);
    assert.match(b.command ?? '', new RegExp(`remove-member --member ${m1Id}`));
    // The same cluster is ready for a learner join (k3s adds a learner and promotes it once caught up).
    assert.deepEqual(codes(await check(cluster, { distro: 'k3s' })), []);
  });

  it('a k3s config.yaml whose server: is dead blocks; one that answers does not; cluster-init without server: blocks', async () => {
    const config = path.join(root, 'etc', 'rancher', 'k3s', 'config.yaml');
    fs.mkdirSync(path.dirname(config), { recursive: true });
    const deadPort = await freePort();
    fs.writeFileSync(config, `server: https://127.0.0.1:${deadPort}\ntoken: secret\n`);
    const dead = await check(cluster, { distro: 'k3s', root });
    const b = dead.blockers.find((x) => x.code === 'join-config-dead-server');
    assert.ok(b, codes(dead).join(','));
    assert.match(b.message, new RegExp(`server: https://127.0.0.1:${deadPort}, which does not answer \\(connection refused\\)`));
    assert.match(b.remediation, new RegExp(`Point server: at ${dead.target!.joinAddress!.replace(/\./g, '\\.')}`));
    assert.ok(!JSON.stringify(dead).includes('secret'), 'the token never reaches the output');

    const supervisor = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => supervisor.listen(0, '127.0.0.1', resolve));
    try {
      fs.writeFileSync(config, `server: https://127.0.0.1:${(supervisor.address() as net.AddressInfo).port}\n`);
      const alive = await check(cluster, { distro: 'k3s', root });
      assert.deepEqual(codes(alive), []);
      assert.equal(alive.ready, true);
    } finally {
      supervisor.close();
    }
    fs.writeFileSync(config, 'cluster-init: true\n');
    assert.deepEqual(codes(await check(cluster, { distro: 'k3s', root })), ['join-config-bootstraps']);
    fs.rmSync(path.join(root, 'etc'), { recursive: true });
  });

  it('a k3s node found under --root (no --distro): its dead server: and its certificates-only data dir block, as a process', async () => {
    const tree = rancherServer(new DistroTree(), { memberName: 'node-4', ip: '10.9.0.4', server: `https://127.0.0.1:${await freePort()}` });
    try {
      const r = await runCli(['join-check', '--json', '--root', tree.root, ...conn]);
      assert.equal(r.code, 1, r.stderr + r.stdout);
      const out = JSON.parse(r.stdout);
      assert.equal(out.distro, 'k3s');
      assert.deepEqual(out.blockers.map((b: { code: string }) => b.code).sort(), ['datadir-certs-only', 'join-config-dead-server']);
      const pki = tree.p('/var/lib/rancher/k3s/server/tls/etcd');
      const certs = out.blockers.find((b: { code: string }) => b.code === 'datadir-certs-only');
      assert.equal(certs.command, `systemctl stop k3s && mv ${pki} ${pki}.bak-$(date +%Y%m%d%H%M%S)`);
      assert.ok(out.steps.some((s: { command?: string }) => s.command === `mv ${pki} ${pki}.bak-$(date +%Y%m%d%H%M%S)`));
      assert.ok(out.steps.some((s: { text: string }) => s.text.includes(`set "server: ${out.target.joinAddress}"`)));
      assert.ok(!r.stdout.includes('K10f00d'), 'the join token in config.yaml never reaches the output');
      assert.ok(fs.existsSync(pki) && fs.existsSync(tree.p('/etc/rancher/k3s/config.yaml')), 'nothing was moved');
    } finally {
      tree.cleanup();
    }
  });

  it('a learner added with this node\'s peer URL that never started: stale-member-entry and learner-pending, exit 1', async () => {
    await cluster.restart('m1');
    const peer = `https://127.0.0.1:${await freePort()}`;
    await ctlWhenAllowed(cluster, ['member', 'add', 'ghost', '--learner', `--peer-urls=${peer}`]);
    const ghost = (await ctlMembers(cluster, live(cluster))).find((m) => !m.started);
    assert.ok(ghost, 'etcdctl lists the unstarted learner');
    const ghostId = BigInt(`0x${ghost.id}`).toString(16);
    try {
      const r = await runCli(['join-check', '--json', '--name', 'm9', '--peer-urls', peer, ...conn]);
      assert.equal(r.code, 1, r.stderr + r.stdout);
      const out = JSON.parse(r.stdout);
      assert.equal(out.ready, false);
      assert.deepEqual(out.blockers.map((b: { code: string }) => b.code).sort(), ['learner-pending', 'stale-member-entry']);
      const stale = out.blockers.find((b: { code: string }) => b.code === 'stale-member-entry');
      assert.match(stale.message, new RegExp(`unstarted member ${ghostId} \\(learner, added but never started\\) already holds the peer URL ${peer}`));
      assert.match(stale.command, new RegExp(`^etcd-ops remove-member --member ${ghostId} --endpoints `));
      for (const b of out.blockers) assert.ok(b.code && b.message && b.remediation, JSON.stringify(b));
      assert.match(r.stderr, /not ready: .*stale-member-entry/);
      // Another peer URL: only the pending learner blocks.
      const other = await check(cluster, { distro: 'etcd', name: 'm9', peerURLs: [`https://127.0.0.1:${await freePort()}`] });
      assert.deepEqual(codes(other), ['learner-pending']);
    } finally {
      await ctlWhenAllowed(cluster, ['member', 'remove', ghost.id]);
    }
    assert.equal((await ctlMembers(cluster, live(cluster))).length, 3);
  });

  it('quorum lost (2 of 3 killed): blocked, no target', async () => {
    await cluster.kill('m1');
    await cluster.kill('m2');
    const r = await check(cluster, { distro: 'etcd' });
    assert.equal(r.ready, false);
    assert.equal(r.target, null);
    assert.ok(codes(r).includes('quorum-lost'), codes(r).join(','));
    assert.ok(codes(r).includes('no-target'), codes(r).join(','));
  });
});

describe('join-check on real data dirs (removed, foreign cluster, joined; pending learner)', { timeout: 240000 }, () => {
  let fx: DataDirFixtures;
  before(async () => { fx = await makeDataDirFixtures(); });
  after(async () => { await fx?.close(); });

  const running = () => fx.cluster.members.filter((m) => m.process);
  const inspect = async (dataDir: string, distro: JoinCheckOptions['distro']) => {
    const before = hashDir(dataDir);
    const port = portFor(fx.cluster, running(), TIMEOUT);
    try {
      return await checkJoin(port, { distro, dataDir, timeoutMs: TIMEOUT, root: NO_CONFIG_ROOT });
    } finally {
      await port.close();
      assert.equal(hashDir(dataDir), before, `join-check changed ${dataDir}`);
    }
  };

  it('a removed member\'s old data dir: move it aside, with the exact command for the distro', async () => {
    const r = await inspect(fx.dirs.removed, 'k3s');
    assert.equal(r.ready, false);
    const b = r.blockers.find((x) => x.code === 'datadir-removed');
    assert.ok(b, codes(r).join(','));
    assert.equal(b.command, `systemctl stop k3s && mv ${fx.dirs.removed} ${fx.dirs.removed}.bak-$(date +%Y%m%d%H%M%S)`);
    assert.match(b.message, new RegExp(`member ${fx.ids.removed}`));
    assert.ok(r.steps[1].command?.startsWith(`mv ${fx.dirs.removed} `), 'the steps start by moving it aside');
  });

  it('another cluster\'s data dir: datadir-foreign-cluster', async () => {
    const r = await inspect(fx.dirs.foreign, 'kubeadm');
    const b = r.blockers.find((x) => x.code === 'datadir-foreign-cluster');
    assert.ok(b, codes(r).join(','));
    assert.match(b.message, new RegExp(fx.ids.foreignCluster));
    assert.equal(b.command, `systemctl stop kubelet && mv ${fx.dirs.foreign} ${fx.dirs.foreign}.bak-$(date +%Y%m%d%H%M%S)`);
    assert.match(r.steps.find((s) => s.command?.startsWith('kubeadm join'))!.command!, new RegExp(`^kubeadm join ${r.target!.joinAddress} .*--control-plane`));
  });

  it('a data dir that is still a member: datadir-joined, not a second member', async () => {
    const r = await inspect(fx.dirs.joined, 'etcd');
    assert.ok(codes(r).includes('datadir-joined'), codes(r).join(','));
    assert.ok(!codes(r).includes('stale-member-entry'), 'its own entry is not a stale one');
  });

  it('the stopped learner m4 is pending: learner-pending with the command to remove it', async () => {
    const r = await inspect(fx.dirs.fresh, 'etcd');
    const b = r.blockers.find((x) => x.code === 'learner-pending');
    assert.ok(b, codes(r).join(','));
    assert.match(b.message, new RegExp(`\\(${fx.ids.learner}\\) \\(started, now unreachable`));
    assert.match(b.command ?? '', new RegExp(`remove-member --member ${fx.ids.learner}`));
    assert.ok(r.target && running().some((m) => m.name === r.target!.name));
  });
});
