// What the ops integration tests check the engine against: etcdctl's own view of the cluster (member list,
// who leads), asked of the members that are still running. Never the product's code.
import { EtcdPort } from '../../src/core/etcd/etcd-port';
import { EtcdTestCluster, HarnessMember } from '../harness/etcd-cluster';

export interface CtlMember {
  id: string;
  name: string;
  started: boolean;
  learner: boolean;
  clientUrl: string;
}

/** Running members not in `gone` (names removed from the cluster by a test). */
export function live(cluster: EtcdTestCluster, gone: Set<string> = new Set()): HarnessMember[] {
  return cluster.members.filter((m) => m.process && !gone.has(m.name));
}

export function portFor(cluster: EtcdTestCluster, members: HarnessMember[] = cluster.members, timeoutMs = 2000): EtcdPort {
  return new EtcdPort({ name: 'test', endpoints: members.map((m) => m.clientUrl), tls: cluster.tls, timeoutMs });
}

/** `etcdctl member list` (simple format: id, status, name, peer URLs, client URLs, is learner). */
export async function ctlMembers(cluster: EtcdTestCluster, via: HarnessMember[]): Promise<CtlMember[]> {
  const out = await cluster.etcdctl(['member', 'list'], via.map((m) => m.clientUrl));
  return out.trim().split('\n').filter(Boolean).map((line) => {
    const [id, status, name, , client, learner] = line.split(', ');
    return { id, name, started: status === 'started', learner: learner === 'true', clientUrl: client };
  });
}

/** The leader's member name according to `etcdctl endpoint status` of the given members; null if none leads. */
export async function ctlLeader(cluster: EtcdTestCluster, via: HarnessMember[]): Promise<string | null> {
  const rows = await cluster.endpointStatus(via.map((m) => m.clientUrl), 8000);
  const leaderRow = rows.find((r) => r.leaderId !== '' && r.memberId === r.leaderId);
  if (!leaderRow) return null;
  return cluster.members.find((m) => m.clientUrl === leaderRow.endpoint)?.name ?? null;
}

/** Waits until etcdctl, asked through `via`, names a leader among `via`; returns its name. */
export async function waitLeader(cluster: EtcdTestCluster, via: HarnessMember[], timeoutMs = 15000): Promise<string> {
  let name: string | null = null;
  await cluster.waitUntil(async () => {
    name = await ctlLeader(cluster, via);
    return name !== null && via.some((m) => m.name === name);
  }, timeoutMs, `a leader among ${via.map((m) => m.name).join(', ')}`);
  return name as unknown as string;
}

/** etcd's member id (hex, no padding) of a harness member, from etcdctl. */
export async function idOf(cluster: EtcdTestCluster, name: string, via: HarnessMember[]): Promise<string> {
  const m = (await ctlMembers(cluster, via)).find((x) => x.name === name);
  if (!m) throw new Error(`etcdctl lists no member ${name}`);
  return BigInt(`0x${m.id}`).toString(16);
}

/**
 * harness addMember, retried while etcd's strict check refuses ("unhealthy cluster": a member connected
 * less than 5 s ago, e.g. right after the cluster or a member started).
 */
export async function addMemberWhenAllowed(cluster: EtcdTestCluster, options: { learner?: boolean } = {}, timeoutMs = 15000): Promise<HarnessMember> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await cluster.addMember(options);
    } catch (err) {
      if (!/unhealthy cluster/.test((err as Error).message) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** mulberry32: tiny, seedable, good enough to pick faults. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Fault = 'none' | 'kill' | 'stop';

/**
 * Runs `op` while a fault (none, kill -9 or SIGSTOP, drawn from `random`) hits one of `candidates` at a random
 * moment before `maxDelayMs`. Stopped members run again once `op` has returned; killed ones stay down and are
 * named in `down`, so the caller can count them as the injector's doing, not the tool's.
 */
export async function underRandomFault<R>(cluster: EtcdTestCluster, random: () => number, candidates: readonly HarnessMember[],
  maxDelayMs: number, op: () => Promise<R>): Promise<{ r: R; took: number; fault: Fault; what: string; down: Set<string> }> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const fault = pick(['none', 'kill', 'kill', 'stop', 'stop'] as const satisfies readonly Fault[]);
  const victim = pick(candidates);
  const delayMs = Math.floor(random() * maxDelayMs);
  const down = new Set<string>();
  const timer = fault === 'none' ? undefined : setTimeout(() => {
    down.add(victim.name);
    if (fault === 'kill') void cluster.kill(victim.name);
    else cluster.pause(victim.name);
  }, delayMs);
  const started = Date.now();
  let r: R;
  try {
    r = await op();
  } finally {
    clearTimeout(timer);
  }
  const took = Date.now() - started;
  if (fault === 'stop') { for (const name of down) cluster.resume(name); down.clear(); }
  return { r, took, fault, what: `${fault} ${victim.name} at ${delayMs} ms`, down };
}
