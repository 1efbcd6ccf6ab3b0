// The embedded simulated cluster the tree can attach to as if it were live: a SimPort whose virtual time
// keeps up with the wall clock. Before each call it runs the simulation forward by the real time elapsed
// since the last one (in slices, never blocking the host for long), so terms, indexes and db size move as
// on a live cluster. Operations from the tree (transfer, remove) run on it through the same ops engine,
// in virtual time: their sleeps take no real time, and the clock carries on from where they left it.
// No vscode import.
import { ClusterHealth, MemberStatus } from '../../core/cluster-model';
import { AlarmInfo, CallOptions, ClusterPort, MemberInfo, MemberListOptions } from '../../core/port';
import { Sim } from '../../core/sim/engine';
import { SimPort } from '../../core/sim/sim-port';

export interface EmbeddedClusterOptions {
  members: number;
  seed?: number;
  /** Client writes, ms apart (default 250): the indexes move. */
  writeIntervalMs?: number;
  /** Wall clock, injectable for tests (default Date.now). */
  wallClock?: () => number;
}

/** At most this much real time is simulated on one catch-up; a longer absence is skipped over. */
export const MAX_CATCH_UP_MS = 60_000;
/** Slice of simulated time between yields to the host while catching up. */
const SLICE_MS = 2_000;

export class EmbeddedClusterPort implements ClusterPort {
  readonly sim: Sim;
  private readonly inner: SimPort;
  private readonly wall: () => number;
  /** Virtual time minus wall time at the last catch-up. */
  private offset: number;
  private catchingUp: Promise<void> | null = null;

  constructor(options: EmbeddedClusterOptions) {
    const n = Math.max(1, Math.min(9, Math.floor(options.members)));
    this.sim = new Sim({ seed: options.seed ?? 1, writeIntervalMs: options.writeIntervalMs ?? 250 },
      { members: Array.from({ length: n }, (_, i) => ({ name: `member-${i + 1}` })), leader: 0 });
    this.inner = new SimPort(this.sim);
    this.wall = options.wallClock ?? Date.now;
    this.offset = this.sim.nowMs - this.wall();
  }

  get description(): string {
    return `${this.inner.description} (embedded, runs with the wall clock)`;
  }

  /** Runs the simulation forward to "now" unless an operation is using its virtual clock. */
  catchUp(): Promise<void> {
    this.catchingUp ??= this.doCatchUp().finally(() => { this.catchingUp = null; });
    return this.catchingUp;
  }

  private async doCatchUp(): Promise<void> {
    // An operation in progress owns the clock: its sleeps advance virtual time, not the wall.
    if (!this.inner.clock.idle) return;
    let target = this.wall() + this.offset;
    if (target - this.sim.nowMs > MAX_CATCH_UP_MS) target = this.sim.nowMs + MAX_CATCH_UP_MS;
    while (this.sim.nowMs < target && this.inner.clock.idle) {
      this.sim.runUntil(Math.min(target, this.sim.nowMs + SLICE_MS));
      if (this.sim.nowMs < target) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    // Never back in time, and time an operation consumed is not paid back by freezing the cluster.
    this.offset = this.sim.nowMs - this.wall();
  }

  async snapshot(): Promise<ClusterHealth> {
    await this.catchUp();
    // The tree and the rehearsal show when health was read: wall time here, as for a real cluster.
    return { ...(await this.inner.snapshot()), takenAt: this.wall() };
  }

  async memberStatus(memberId: string, options?: CallOptions): Promise<MemberStatus> {
    await this.catchUp();
    return this.inner.memberStatus(memberId, options);
  }

  async memberList(via: string, options?: MemberListOptions): Promise<MemberInfo[]> {
    await this.catchUp();
    return this.inner.memberList(via, options);
  }

  async moveLeader(leaderId: string, targetId: string, options?: CallOptions): Promise<void> {
    await this.catchUp();
    return this.inner.moveLeader(leaderId, targetId, options);
  }

  async removeMember(memberId: string, via: string, options?: CallOptions): Promise<MemberInfo[]> {
    await this.catchUp();
    return this.inner.removeMember(memberId, via, options);
  }

  async addMember(peerURLs: string[], isLearner: boolean, via: string, options?: CallOptions): Promise<MemberInfo> {
    await this.catchUp();
    return this.inner.addMember(peerURLs, isLearner, via, options);
  }

  async promoteMember(memberId: string, via: string, options?: CallOptions): Promise<MemberInfo[]> {
    await this.catchUp();
    return this.inner.promoteMember(memberId, via, options);
  }

  async defragment(memberId: string, options?: CallOptions): Promise<void> {
    await this.catchUp();
    return this.inner.defragment(memberId, options);
  }

  async compact(revision: number, via: string, options?: CallOptions): Promise<void> {
    await this.catchUp();
    return this.inner.compact(revision, via, options);
  }

  async alarms(via: string, options?: CallOptions): Promise<AlarmInfo[]> {
    await this.catchUp();
    return this.inner.alarms(via, options);
  }

  async disarmAlarm(alarm: AlarmInfo, via: string, options?: CallOptions): Promise<AlarmInfo[]> {
    await this.catchUp();
    return this.inner.disarmAlarm(alarm, via, options);
  }

  now(): number {
    return this.inner.now();
  }

  sleep(ms: number, options?: CallOptions): Promise<void> {
    return this.inner.sleep(ms, options);
  }

  async close(): Promise<void> {
    await this.inner.close();
  }
}
