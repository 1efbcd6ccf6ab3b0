// What members store and what maintenance does to it: db size and size in use (writes grow them, a
// compaction frees history, a defragmentation shrinks the file to what is in use), the revision, alarms
// (NOSPACE when a member's db passes its quota, CORRUPT when a scenario says so), and the stall of a
// defragmentation: etcd holds the backend for the whole run, so the member handles no raft message, no tick
// and no read until it ends; a leader stalled past the election timeout loses leadership to an election.
import { AlarmKind } from '../port';
import { MemberLifecycle } from './member-lifecycle';
import { ENTRY_COMPACT, ENTRY_NORMAL } from './raft-log';
import { RaftNode } from './raft-node';

/** Bytes one client write adds to the db (a small key-value pair plus bbolt's overhead). */
export const BYTES_PER_WRITE = 512;

/** Error texts of etcd's maintenance calls (rpctypes). */
export const MAINTENANCE_ERRORS = {
  futureRev: 'etcdserver: mvcc: required revision is a future revision',
  compacted: 'etcdserver: mvcc: required revision has been compacted',
  noSpace: 'etcdserver: mvcc: database space exceeded',
  corrupt: 'etcdserver: corrupt cluster',
} as const;

export interface SimAlarm {
  slot: number;
  alarm: AlarmKind;
}

export abstract class MemberStorage extends MemberLifecycle {
  /** Alarms raised in the cluster (replicated state in etcd; one list here). */
  readonly alarmList: SimAlarm[] = [];
  /** Writes refused because an alarm is raised (etcd answers "database space exceeded"). */
  writesRefused = 0;
  /** Bytes of history each member holds that a compaction would free. */
  private readonly historyBytes: number[] = [];

  /** The member's store revision: in the simulator every applied entry is one revision. */
  revisionOf(slot: number): number {
    return this.nodes[slot].applied;
  }

  isStalled(slot: number): boolean {
    return this.members[slot].stalledUntilUs > this.nowUs;
  }

  /** Time a defragmentation of this member's db takes, ms. */
  defragMs(slot: number): number {
    return (this.members[slot].dbSize / this.storage.defragBytesPerSec) * 1000;
  }

  /**
   * Starts a defragmentation of member `slot` (a running, not already busy member); returns when it ends, ms.
   * Ticks missed meanwhile are dropped (Go's ticker does that), so the member resumes where it paused.
   */
  defragment(slot: number): number {
    const m = this.members[slot];
    if (!m.running) throw new Error(`${m.name || m.id} is not running`);
    if (this.isStalled(slot)) throw new Error(`${m.name || m.id} is already defragmenting`);
    const stallUs = Math.max(1, Math.round(this.defragMs(slot) * 1000));
    const startedUs = this.nowUs;
    const node = this.nodes[slot];
    const tickBefore = this.tickAt(slot, startedUs);
    m.stalledUntilUs = startedUs + stallUs;
    this.dirty = true;
    this.emit(slot, 'op', node.term, { detail: `defragmentation of ${Math.round(m.dbSize / 1048576)} MiB: stalled for ${Math.round(stallUs / 1000)} ms` });
    this.schedule(m.stalledUntilUs / 1000, () => {
      if (m.stalledUntilUs !== startedUs + stallUs) return; // the process was killed meanwhile
      m.stalledUntilUs = 0;
      m.dbSize = Math.max(m.dbSizeInUse, 1);
      const skipped = this.tickAt(slot, this.nowUs) - tickBefore;
      node.electionResetTick += skipped;
      node.heartbeatResetTick += skipped;
      this.dirty = true;
      this.emit(slot, 'note', node.term, { detail: `defragmentation done: db ${Math.round(m.dbSize / 1048576)} MiB` });
      if (m.running) this.settle(slot);
    });
    return m.stalledUntilUs / 1000;
  }

  override crash(slot: number): void {
    this.members[slot].stalledUntilUs = 0; // a kill ends a defragmentation (bbolt keeps the old file)
    super.crash(slot);
  }

  override hardStop(slot: number, reason: string): void {
    this.members[slot].stalledUntilUs = 0;
    super.hardStop(slot, reason);
  }

  /** A Compact request through member `slot` (raft forwards it to the leader); false when raft drops it. */
  proposeCompaction(slot: number, revision: number): boolean {
    const node = this.nodes[slot];
    if (!this.members[slot].running || this.isStalled(slot)) return false;
    node.tick = this.tickAt(slot, this.nowUs);
    const ok = node.propose(ENTRY_COMPACT, revision);
    this.settle(slot);
    return ok;
  }

  // ---- alarms ----------------------------------------------------------------------------------------

  hasAlarm(slot: number, alarm: AlarmKind): boolean {
    return this.alarmList.some((a) => a.slot === slot && a.alarm === alarm);
  }

  /** Some alarm makes etcd refuse writes (NOSPACE: "database space exceeded"; CORRUPT: everything). */
  writesBlocked(): boolean {
    return this.alarmList.length > 0;
  }

  raiseAlarm(slot: number, alarm: AlarmKind): void {
    if (this.hasAlarm(slot, alarm)) return;
    this.alarmList.push({ slot, alarm });
    this.dirty = true;
    const m = this.members[slot];
    this.emit(slot, 'note', this.nodes[slot].term, { detail: `alarm ${alarm} raised by ${m.name || m.id}${alarm === 'NOSPACE' ? `: db ${Math.round(m.dbSize / 1048576)} MiB over its quota of ${Math.round(m.quotaBytes / 1048576)} MiB` : ''}` });
  }

  /** Disarms one alarm; etcd does it even when the cause remains (the next write over quota raises it again). */
  disarm(slot: number, alarm: AlarmKind): boolean {
    const i = this.alarmList.findIndex((a) => a.slot === slot && a.alarm === alarm);
    if (i < 0) return false;
    this.alarmList.splice(i, 1);
    this.dirty = true;
    this.emit(slot, 'note', this.nodes[slot].term, { detail: `alarm ${alarm} of ${this.members[slot].name || this.members[slot].id} disarmed` });
    return true;
  }

  /** Members whose db is already over quota at the start raise NOSPACE. */
  protected raiseInitialAlarms(): void {
    for (const m of this.members) if (m.started && m.dbSize >= m.quotaBytes) this.raiseAlarm(m.slot, 'NOSPACE');
  }

  // ---- what applying an entry does to the store ------------------------------------------------------

  override onApply(node: RaftNode, index: number): void {
    super.onApply(node, index);
    const kind = node.log.kind(index);
    if (kind === ENTRY_NORMAL) {
      if (node.log.data(index) > 0) this.storeWrite(node.slot);
    } else if (kind === ENTRY_COMPACT) {
      this.storeCompact(node.slot, node.log.data(index));
    }
  }

  private storeWrite(slot: number): void {
    const m = this.members[slot];
    m.dbSizeInUse += BYTES_PER_WRITE;
    if (m.dbSizeInUse > m.dbSize) m.dbSize = m.dbSizeInUse; // no free page left: the file grows
    this.historyBytes[slot] = (this.historyBytes[slot] ?? 0) + BYTES_PER_WRITE;
    if (m.dbSize >= m.quotaBytes && !this.hasAlarm(slot, 'NOSPACE')) this.raiseAlarm(slot, 'NOSPACE');
  }

  private storeCompact(slot: number, revision: number): void {
    const m = this.members[slot];
    if (revision <= m.compactRevision) return;
    // The history between the last compaction and this one is freed (its pages stay in the file).
    const freed = Math.min(this.historyBytes[slot] ?? 0, BYTES_PER_WRITE * (revision - m.compactRevision));
    this.historyBytes[slot] = (this.historyBytes[slot] ?? 0) - freed;
    m.dbSizeInUse = Math.max(0, m.dbSizeInUse - freed);
    m.compactRevision = revision;
  }
}
