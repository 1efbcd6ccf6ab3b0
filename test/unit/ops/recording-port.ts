// A ClusterPort that passes every call to a real port (SimPort or EtcdPort) unchanged and records when it
// was made, on the port's own clock: tests compare those times with the time an operation returned.
import { ClusterHealth, MemberStatus } from '../../../src/core/cluster-model';
import { AlarmInfo, CallOptions, ClusterPort, MemberInfo, MemberListOptions } from '../../../src/core/port';

export interface RecordedCall {
  method: 'snapshot' | 'memberStatus' | 'memberList' | 'moveLeader' | 'removeMember' | 'addMember' | 'promoteMember'
    | 'defragment' | 'compact' | 'alarms' | 'disarmAlarm';
  at: number;
  args: string[];
  /** How the call ended: 'ok', or the error's message. Unset while pending. */
  outcome?: string;
}

export class RecordingPort implements ClusterPort {
  readonly calls: RecordedCall[] = [];

  constructor(readonly inner: ClusterPort) {}

  get description(): string {
    return this.inner.description;
  }

  private async record<T>(method: RecordedCall['method'], args: string[], call: () => Promise<T>): Promise<T> {
    const entry: RecordedCall = { method, at: this.inner.now(), args };
    this.calls.push(entry);
    try {
      const value = await call();
      entry.outcome = 'ok';
      return value;
    } catch (err) {
      entry.outcome = (err as Error).message;
      throw err;
    }
  }

  /** Calls that act on the cluster (MoveLeader, member changes). */
  actions(): RecordedCall[] {
    return this.calls.filter((c) => c.method === 'moveLeader' || c.method === 'removeMember' || c.method === 'addMember' || c.method === 'promoteMember'
      || c.method === 'defragment' || c.method === 'compact' || c.method === 'disarmAlarm');
  }

  snapshot(): Promise<ClusterHealth> {
    return this.record('snapshot', [], () => this.inner.snapshot());
  }

  memberStatus(memberId: string, options?: CallOptions): Promise<MemberStatus> {
    return this.record('memberStatus', [memberId], () => this.inner.memberStatus(memberId, options));
  }

  memberList(via: string, options?: MemberListOptions): Promise<MemberInfo[]> {
    return this.record('memberList', [via, options?.linearizable ? 'linearizable' : 'serializable'], () => this.inner.memberList(via, options));
  }

  moveLeader(leaderId: string, targetId: string, options?: CallOptions): Promise<void> {
    return this.record('moveLeader', [leaderId, targetId], () => this.inner.moveLeader(leaderId, targetId, options));
  }

  removeMember(memberId: string, via: string, options?: CallOptions): Promise<MemberInfo[]> {
    return this.record('removeMember', [memberId, via], () => this.inner.removeMember(memberId, via, options));
  }

  addMember(peerURLs: string[], isLearner: boolean, via: string, options?: CallOptions): Promise<MemberInfo> {
    return this.record('addMember', [...peerURLs, String(isLearner), via], () => this.inner.addMember(peerURLs, isLearner, via, options));
  }

  promoteMember(memberId: string, via: string, options?: CallOptions): Promise<MemberInfo[]> {
    return this.record('promoteMember', [memberId, via], () => this.inner.promoteMember(memberId, via, options));
  }

  defragment(memberId: string, options?: CallOptions): Promise<void> {
    return this.record('defragment', [memberId], () => this.inner.defragment(memberId, options));
  }

  compact(revision: number, via: string, options?: CallOptions): Promise<void> {
    return this.record('compact', [String(revision), via], () => this.inner.compact(revision, via, options));
  }

  alarms(via: string, options?: CallOptions): Promise<AlarmInfo[]> {
    return this.record('alarms', [via], () => this.inner.alarms(via, options));
  }

  disarmAlarm(alarm: AlarmInfo, via: string, options?: CallOptions): Promise<AlarmInfo[]> {
    return this.record('disarmAlarm', [alarm.memberId, alarm.alarm, via], () => this.inner.disarmAlarm(alarm, via, options));
  }

  now(): number {
    return this.inner.now();
  }

  sleep(ms: number, options?: CallOptions): Promise<void> {
    return this.inner.sleep(ms, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
