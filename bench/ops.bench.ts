// Safe operations against what an operator would otherwise run, on the same real 3-member etcd cluster:
//  1. move-leader wall time: `etcd-ops move-leader --yes` (process) and the engine in-process, vs
//     `etcdctl move-leader`, several rounds with alternating targets.
//  2. leaderless time when the leader is removed: transfer-first (this engine) vs a plain
//     `etcdctl member remove <leader>`. Both measured the same way: every survivor's Status polled every
//     ~10 ms; a moment counts as leaderless when no survivor reports a leader that is still a member (the
//     removed member stops counting once its removal call returned).
import * as path from 'node:path';
import { EndpointClient } from '../src/core/etcd/endpoint-client';
import { EtcdPort } from '../src/core/etcd/etcd-port';
import { loadTls } from '../src/core/etcd/tls';
import { moveLeader } from '../src/core/ops/move-leader';
import { removeMember } from '../src/core/ops/remove-member';
import { EtcdTestCluster, HarnessMember } from '../test/harness/etcd-cluster';
import { addMemberWhenAllowed, ctlLeader, ctlMembers, waitLeader } from '../test/integration/ops-support';
import { median, report, round, timeProcess } from './lib';

const CLI = path.resolve(__dirname, '..', 'dist', 'cli.js');
const POLL_MS = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tlsArgs(c: EtcdTestCluster): string[] {
  return [`--cacert=${c.tls.caFile}`, `--cert=${c.tls.certFile}`, `--key=${c.tls.keyFile}`];
}

async function moveLeaderRounds(cluster: EtcdTestCluster, rounds: number) {
  const members = cluster.members.filter((m) => m.process);
  const endpoints = `--endpoints=${members.map((m) => m.clientUrl).join(',')}`;
  const port = new EtcdPort({ name: 'bench', endpoints: members.map((m) => m.clientUrl), tls: cluster.tls });
  await port.snapshot(); // the extension keeps its connections; in-process means warm
  const times = { etcdctl: [] as number[], cli: [] as number[], inProcess: [] as number[] };
  const nextTarget = async () => {
    const leader = await waitLeader(cluster, members);
    const followers = members.filter((m) => m.name !== leader);
    return followers[Math.floor(Math.random() * followers.length)];
  };
  try {
    for (let i = 0; i < rounds; i++) {
      // Rotate which tool goes first, so none always meets a freshly changed leader.
      const order = [['etcdctl', 'cli', 'inProcess'], ['cli', 'inProcess', 'etcdctl'], ['inProcess', 'etcdctl', 'cli']][i % 3];
      for (const tool of order) {
        const target = await nextTarget();
        const id = (await ctlMembers(cluster, members)).find((m) => m.name === target.name)!.id;
        let ms: number;
        if (tool === 'etcdctl') {
          ms = await timeProcess(cluster.binaries.etcdctl, [endpoints, ...tlsArgs(cluster), 'move-leader', id], { env: cluster.binaries.ctlEnv });
        } else if (tool === 'cli') {
          ms = await timeProcess(process.execPath, [CLI, 'move-leader', '--to', target.name, '--yes', endpoints, ...tlsArgs(cluster)]);
        } else {
          const t = performance.now();
          const r = await moveLeader(port, target.name);
          ms = performance.now() - t;
          if (!r.ok) throw new Error(`in-process move-leader failed: ${r.reason}`);
        }
        if ((await ctlLeader(cluster, members)) !== target.name) throw new Error(`${tool} did not move leadership to ${target.name}`);
        times[tool as keyof typeof times].push(ms);
      }
    }
  } finally {
    await port.close();
  }
  return { etcdctl: median(times.etcdctl), cli: median(times.cli), inProcess: median(times.inProcess) };
}

/** Polls every survivor's own Status and integrates the time no survivor reports a valid leader. */
class LeaderlessMeter {
  private readonly latest = new Map<string, { leader: string | null; at: number }>();
  private running = true;
  private leaderlessMs = 0;
  private removedReturnedAt = Infinity;
  private readonly clients: EndpointClient[];
  private readonly loops: Promise<void>[];

  constructor(cluster: EtcdTestCluster, private readonly survivors: { id: string; url: string }[], private readonly removedId: string) {
    const tls = loadTls(cluster.tls);
    this.clients = survivors.map((s) => new EndpointClient(s.url, tls, 1000));
    this.loops = this.clients.map((c, i) => this.poll(c, survivors[i].id));
    this.loops.push(this.tick());
  }

  removalReturned(): void {
    this.removedReturnedAt = performance.now();
  }

  private async poll(c: EndpointClient, id: string): Promise<void> {
    while (this.running) {
      try { this.latest.set(id, { leader: (await c.status()).status.leader, at: performance.now() }); } catch { /* counts as no report */ }
      await sleep(POLL_MS);
    }
  }

  private led(now: number): boolean {
    for (const s of this.latest.values()) {
      if (!s.leader || now - s.at > 200) continue;
      if (this.survivors.some((x) => x.id === s.leader)) return true;
      if (s.leader === this.removedId && now < this.removedReturnedAt) return true;
    }
    return false;
  }

  private async tick(): Promise<void> {
    let last = performance.now();
    while (this.running) {
      await sleep(POLL_MS / 2);
      const now = performance.now();
      if (!this.led(now)) this.leaderlessMs += now - last;
      last = now;
    }
  }

  /** Waits until a survivor reports a survivor as leader (at most `ms`), then stops and returns the total. */
  async finish(ms = 10_000): Promise<number> {
    const until = performance.now() + ms;
    while (performance.now() < until && !this.led(performance.now())) await sleep(POLL_MS);
    await sleep(50);
    this.running = false;
    await Promise.all(this.loops);
    for (const c of this.clients) c.close();
    return this.leaderlessMs;
  }
}

async function removeLeaderRound(cluster: EtcdTestCluster, gone: Set<string>, mode: 'plain' | 'transfer-first'): Promise<number> {
  const members = () => cluster.members.filter((m) => m.process && !gone.has(m.name));
  while (members().length < 3) await addMemberWhenAllowed(cluster, {}, 30_000);
  await cluster.waitHealthy(members());
  // etcd refuses reconfiguration until every member has been connected for 5 s; wait that out so both
  // modes measure the removal itself, not the strict check.
  await sleep(5500);
  const leaderName = await waitLeader(cluster, members());
  const list = await ctlMembers(cluster, members());
  const hex = (name: string) => BigInt(`0x${list.find((m) => m.name === name)!.id}`).toString(16);
  const leader = cluster.member(leaderName);
  const survivors: HarnessMember[] = members().filter((m) => m !== leader);
  const meter = new LeaderlessMeter(cluster, survivors.map((m) => ({ id: hex(m.name), url: m.clientUrl })), hex(leaderName));
  await sleep(100); // every survivor answered at least once
  if (mode === 'plain') {
    const live = members().map((m) => m.clientUrl);
    await cluster.etcdctl(['member', 'remove', list.find((m) => m.name === leaderName)!.id], live);
    meter.removalReturned();
  } else {
    const port = new EtcdPort({ name: 'bench', endpoints: members().map((m) => m.clientUrl), tls: cluster.tls });
    try {
      const r = await removeMember(port, leaderName, {
        onProgress: (e) => { if (e.kind === 'step-finished' && e.step.name.startsWith(`remove ${leaderName} via`)) meter.removalReturned(); },
      });
      if (!r.ok) throw new Error(`transfer-first removal failed: ${r.reason}`);
    } finally {
      await port.close();
    }
  }
  const ms = await meter.finish();
  gone.add(leaderName);
  if (leader.process) await cluster.kill(leaderName);
  return ms;
}

async function main() {
  const quick = process.env.BENCH_QUICK === '1';
  const cluster = await EtcdTestCluster.start({ members: 3 });
  let move;
  const plain: number[] = [];
  const transferFirst: number[] = [];
  try {
    move = await moveLeaderRounds(cluster, quick ? 3 : 6);
    const gone = new Set<string>();
    for (let i = 0; i < (quick ? 1 : 3); i++) {
      plain.push(await removeLeaderRound(cluster, gone, 'plain'));
      transferFirst.push(await removeLeaderRound(cluster, gone, 'transfer-first'));
    }
  } finally {
    await cluster.close();
  }
  const json = {
    moveLeaderEtcdctlMs: round(move.etcdctl), moveLeaderCliMs: round(move.cli), moveLeaderInProcessMs: round(move.inProcess),
    moveLeaderCliRatio: round(move.cli / move.etcdctl, 2), moveLeaderInProcessRatio: round(move.inProcess / move.etcdctl, 2),
    leaderlessPlainMs: round(median(plain)), leaderlessTransferFirstMs: round(median(transferFirst)),
    leaderlessRatio: round(median(transferFirst) / median(plain), 3),
    leaderlessPlainRoundsMs: plain.map((x) => round(x)), leaderlessTransferFirstRoundsMs: transferFirst.map((x) => round(x)),
  };
  report('ops', [
    ['etcdctl move-leader (median)', `${json.moveLeaderEtcdctlMs} ms`],
    ['etcd-ops move-leader --yes, process', `${json.moveLeaderCliMs} ms = ${json.moveLeaderCliRatio}x etcdctl (goal <= 2.5)`],
    ['engine moveLeader, in-process', `${json.moveLeaderInProcessMs} ms = ${json.moveLeaderInProcessRatio}x etcdctl (goal <= 1.0)`],
    ['leaderless, etcdctl member remove <leader>', `${json.leaderlessPlainMs} ms (rounds ${json.leaderlessPlainRoundsMs.join(', ')})`],
    ['leaderless, transfer-first removal', `${json.leaderlessTransferFirstMs} ms (rounds ${json.leaderlessTransferFirstRoundsMs.join(', ')})`],
    ['  ratio (goal <= 0.2)', `${json.leaderlessRatio}x`],
  ], json);
}

main().catch((err) => { console.error(err); process.exit(1); });
