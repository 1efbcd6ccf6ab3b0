// ClusterPort over a real etcd cluster. Each operation goes to a chosen member's own endpoint, never
// through a load balancer: MoveLeader to the leader, removals through a survivor.
import { ClusterHealth, MemberStatus } from '../cluster-model';
import { sameId } from '../ids';
import { ClusterPort, MemberInfo } from '../port';
import { EndpointClient } from './endpoint-client';
import { EndpointPool, refreshCluster } from './live-health';
import { ConnectionProfile } from './profile';

export class EtcdPort implements ClusterPort {
  private readonly pool: EndpointPool;
  private last: ClusterHealth | null = null;

  constructor(readonly profile: ConnectionProfile) {
    this.pool = new EndpointPool(profile);
  }

  get description(): string {
    return `${this.profile.name}: ${this.profile.endpoints.length} endpoint(s)${this.profile.tls?.caFile ? ' (TLS)' : ''}`;
  }

  async snapshot(): Promise<ClusterHealth> {
    this.last = await refreshCluster(this.profile, { pool: this.pool });
    return this.last;
  }

  /** The client for a member id: its client URL as last seen (refreshing once if the member is unknown). */
  private async clientFor(memberId: string): Promise<EndpointClient> {
    let m = this.last?.members.find((x) => sameId(x.id, memberId));
    if (!m) m = (await this.snapshot()).members.find((x) => sameId(x.id, memberId));
    const url = m?.endpoint ?? m?.clientURLs[0];
    if (!url) throw new Error(`member ${memberId} has no client URL this tool can reach`);
    return this.pool.client(url);
  }

  async memberStatus(memberId: string): Promise<MemberStatus> {
    const client = await this.clientFor(memberId);
    const r = await client.status();
    if (!sameId(r.memberId, memberId)) throw new Error(`${client.endpoint} answered as member ${r.memberId}, not ${memberId}`);
    return r.status;
  }

  async memberList(via: string): Promise<MemberInfo[]> {
    return (await (await this.clientFor(via)).memberList()).members;
  }

  async moveLeader(leaderId: string, targetId: string): Promise<void> {
    await (await this.clientFor(leaderId)).moveLeader(targetId);
  }

  async removeMember(memberId: string, via: string): Promise<MemberInfo[]> {
    if (sameId(memberId, via)) throw new Error('refusing to send a removal through the member being removed');
    return (await this.clientFor(via)).removeMember(memberId);
  }

  async addMember(peerURLs: string[], isLearner: boolean, via: string): Promise<MemberInfo> {
    return (await this.clientFor(via)).addMember(peerURLs, isLearner);
  }

  async promoteMember(memberId: string, via: string): Promise<MemberInfo[]> {
    return (await this.clientFor(via)).promoteMember(memberId);
  }

  now(): number {
    return Date.now();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  async close(): Promise<void> {
    this.pool.close();
  }
}
