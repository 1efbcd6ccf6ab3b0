// ClusterPort over a real etcd cluster. Each operation goes to a chosen member's own endpoint, never
// through a load balancer: MoveLeader to the leader, removals through a survivor.
import { ClusterHealth, MemberStatus } from '../cluster-model';
import { sameId } from '../ids';
import { setTimeout as delay } from 'node:timers/promises';
import { AlarmInfo, AlarmKind, abortError, CallOptions, ClusterPort, isAbortError, MemberInfo, MemberListOptions, throwIfAborted } from '../port';
import { Alarm, EndpointClient } from './endpoint-client';
import { EndpointPool, refreshCluster } from './live-health';
import { ConnectionProfile } from './profile';

/**
 * A defragmentation copies the member's whole db, minutes for a few GB on a slow disk: its own bound, far
 * above a plain call's. The operation's step bound (and its signal) ends the wait sooner when it is shorter.
 */
export const DEFRAG_CALL_TIMEOUT_MS = 10 * 60_000;
/** A physical compaction answers once the compacted revisions are removed from the db: seconds to minutes. */
export const COMPACT_CALL_TIMEOUT_MS = 5 * 60_000;

/** Alarms of the kinds the port names; anything else etcd may add is not silently mislabelled. */
function knownAlarms(list: Alarm[]): AlarmInfo[] {
  return list.filter((a): a is { memberId: string; alarm: AlarmKind } => a.memberId !== null && (a.alarm === 'NOSPACE' || a.alarm === 'CORRUPT'));
}

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

  /**
   * The client for a member id: its client URL as last seen (refreshing once if the member is unknown).
   * Checked against the signal after that refresh too: an aborted operation sends nothing more.
   */
  private async clientFor(memberId: string, signal?: AbortSignal): Promise<EndpointClient> {
    throwIfAborted(signal);
    let m = this.last?.members.find((x) => sameId(x.id, memberId));
    if (!m) m = (await this.snapshot()).members.find((x) => sameId(x.id, memberId));
    throwIfAborted(signal);
    const url = m?.endpoint ?? m?.clientURLs[0];
    if (!url) throw new Error(`member ${memberId} has no client URL this tool can reach`);
    return this.pool.client(url);
  }

  async memberStatus(memberId: string, options: CallOptions = {}): Promise<MemberStatus> {
    const client = await this.clientFor(memberId, options.signal);
    const r = await client.status(options.signal);
    if (!sameId(r.memberId, memberId)) throw new Error(`${client.endpoint} answered as member ${r.memberId}, not ${memberId}`);
    return r.status;
  }

  async memberList(via: string, options: MemberListOptions = {}): Promise<MemberInfo[]> {
    const client = await this.clientFor(via, options.signal);
    return (await client.memberList({ linearizable: options.linearizable, signal: options.signal })).members;
  }

  async moveLeader(leaderId: string, targetId: string, options: CallOptions = {}): Promise<void> {
    await (await this.clientFor(leaderId, options.signal)).moveLeader(targetId, options.signal);
  }

  async removeMember(memberId: string, via: string, options: CallOptions = {}): Promise<MemberInfo[]> {
    if (sameId(memberId, via)) throw new Error('refusing to send a removal through the member being removed');
    return (await this.clientFor(via, options.signal)).removeMember(memberId, options.signal);
  }

  async addMember(peerURLs: string[], isLearner: boolean, via: string, options: CallOptions = {}): Promise<MemberInfo> {
    return (await this.clientFor(via, options.signal)).addMember(peerURLs, isLearner, options.signal);
  }

  async promoteMember(memberId: string, via: string, options: CallOptions = {}): Promise<MemberInfo[]> {
    return (await this.clientFor(via, options.signal)).promoteMember(memberId, options.signal);
  }

  async defragment(memberId: string, options: CallOptions = {}): Promise<void> {
    const client = await this.clientFor(memberId, options.signal);
    await client.defragment(DEFRAG_CALL_TIMEOUT_MS, options.signal);
  }

  async compact(revision: number, via: string, options: CallOptions = {}): Promise<void> {
    await (await this.clientFor(via, options.signal)).compact(revision, COMPACT_CALL_TIMEOUT_MS, options.signal);
  }

  async alarms(via: string, options: CallOptions = {}): Promise<AlarmInfo[]> {
    return knownAlarms(await (await this.clientFor(via, options.signal)).alarms(options.signal));
  }

  async disarmAlarm(alarm: AlarmInfo, via: string, options: CallOptions = {}): Promise<AlarmInfo[]> {
    return knownAlarms(await (await this.clientFor(via, options.signal)).disarmAlarm(alarm.memberId, alarm.alarm, options.signal));
  }

  now(): number {
    return Date.now();
  }

  async sleep(ms: number, options: CallOptions = {}): Promise<void> {
    try {
      await delay(ms, undefined, { signal: options.signal });
    } catch (err) {
      throw isAbortError(err) ? abortError(options.signal) : err;
    }
  }

  async close(): Promise<void> {
    this.pool.close();
  }
}
