// What the maintenance tests check the engine against, never the product's code: etcdctl's alarm list and
// endpoint status (db sizes), a raw etcd3 client to fill the db, and an independent leader poller.
import { Etcd3 } from 'etcd3';
import { loadTls } from '../../src/core/etcd/tls';
import { EtcdTestCluster, HarnessMember } from '../harness/etcd-cluster';

export function rawClient(cluster: EtcdTestCluster, endpoint: string | string[], timeoutMs = 10_000): Etcd3 {
  const tls = loadTls(cluster.tls)!;
  return new Etcd3({ hosts: endpoint, credentials: { rootCertificate: tls.rootCertificate!, certChain: tls.certChain, privateKey: tls.privateKey },
    defaultCallOptions: () => ({ deadline: Date.now() + timeoutMs }) });
}

/**
 * Overwrites a few keys with large values until etcd refuses with "database space exceeded" (NOSPACE).
 * Old revisions pile up, so a compaction plus a defragmentation gives the space back. Returns the puts made.
 */
export async function fillUntilNospace(cluster: EtcdTestCluster, valueBytes = 256 * 1024, maxPuts = 2000): Promise<number> {
  const client = rawClient(cluster, cluster.endpoints[0]);
  try {
    for (let i = 0; i < maxPuts; i++) {
      try {
        await client.put(`fill/${i % 4}`).value(Buffer.alloc(valueBytes, i % 251));
      } catch (err) {
        if (/database space exceeded|no space/i.test((err as Error).message)) return i;
        throw err;
      }
    }
    throw new Error(`no NOSPACE after ${maxPuts} puts`);
  } finally {
    client.close();
  }
}

/** Writes `count` revisions of ~`valueBytes` each over a few keys (old revisions for a compaction to drop). */
export async function churn(cluster: EtcdTestCluster, count: number, valueBytes: number): Promise<void> {
  const client = rawClient(cluster, cluster.endpoints[0], 60_000);
  try {
    for (let i = 0; i < count; i += 8) {
      await Promise.all(Array.from({ length: Math.min(8, count - i) }, (_, j) => client.put(`churn/${(i + j) % 16}`).value(Buffer.alloc(valueBytes, (i + j) % 251))));
    }
  } finally {
    client.close();
  }
}

/** `etcdctl alarm list` lines, e.g. ["memberID:123 alarm:NOSPACE"]. */
export async function ctlAlarms(cluster: EtcdTestCluster, via: HarnessMember[] = cluster.members): Promise<string[]> {
  const out = await cluster.etcdctl(['alarm', 'list'], via.map((m) => m.clientUrl));
  return out.split('\n').map((l) => l.trim()).filter(Boolean);
}

/** DB size per member name, from `etcdctl endpoint status -w fields`. */
export async function ctlDbSizes(cluster: EtcdTestCluster, via: HarnessMember[] = cluster.members): Promise<Map<string, number>> {
  const out = await cluster.etcdctl(['endpoint', 'status', '-w', 'fields'], via.map((m) => m.clientUrl));
  const sizes = new Map<string, number>();
  for (const block of out.split(/\n\s*\n/)) {
    const endpoint = /^"Endpoint" : "(.*)"$/m.exec(block)?.[1];
    const size = /^"DBSize" : (\d+)$/m.exec(block)?.[1];
    const m = cluster.members.find((x) => x.clientUrl === endpoint);
    if (m && size) sizes.set(m.name, Number(size));
  }
  return sizes;
}

/**
 * Asks every member's Status every `everyMs` through its own raw client and records which leaders were
 * reported and for how long no answering member reported one.
 */
export class LeaderPoller {
  readonly leaders = new Set<string>();
  leaderlessMs = 0;
  polls = 0;
  private running = true;
  private readonly clients: Etcd3[];
  private loop: Promise<void>;

  constructor(cluster: EtcdTestCluster, everyMs = 50) {
    this.clients = cluster.members.filter((m) => m.process).map((m) => rawClient(cluster, m.clientUrl, 1000));
    this.loop = this.run(everyMs);
  }

  private async run(everyMs: number): Promise<void> {
    let last = Date.now();
    while (this.running) {
      const answers = await Promise.all(this.clients.map((c) => c.maintenance.status().then((s) => s.leader, () => null)));
      const now = Date.now();
      const led = answers.filter((l): l is string => l !== null && l !== '0');
      for (const l of led) this.leaders.add(BigInt(l).toString(16));
      if (!led.length) this.leaderlessMs += now - last;
      last = now;
      this.polls++;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    for (const c of this.clients) c.close();
  }
}
