// Members' processes as etcd runs them: slots for new members, kill, (re)start with adjustTicks, a
// graceful stop that moves leadership first, and which peers a member's transport counts as connected.
import { HEALTH_INTERVAL_MS, requestTimeoutMs } from './etcd-server';
import { RaftHosting } from './raft-hosting';
import { RaftNode } from './raft-node';
import * as raft from './raft-state';
import { DEFAULT_DB_SIZE, DEFAULT_QUOTA_BYTES, MemberSpec, memberIdFor, SimMember } from './sim-config';
import { sampleVersionOf } from './version-rules';

// Read once: under a CommonJS transform (tsx in tests and benches) every use of an imported binding is a
// getter call, too slow for the per-event paths below.
const { bit, LEADER, MAX_SLOTS, NONE } = raft;

export abstract class MemberLifecycle extends RaftHosting {
  abstract readonly clusterId: string;

  protected addMemberSlot(spec: MemberSpec): SimMember {
    const slot = this.members.length;
    if (slot >= MAX_SLOTS) throw new RangeError(`at most ${MAX_SLOTS} members can be simulated`);
    const started = spec.started !== false;
    const plannedName = spec.name || `m${slot + 1}`;
    const member: SimMember = {
      slot,
      id: spec.id ?? memberIdFor(plannedName),
      name: started ? plannedName : '',
      plannedName,
      peerURLs: spec.peerURLs ?? [`https://10.0.0.${slot + 1}:2380`],
      clientURLs: started ? (spec.clientURLs ?? [`https://10.0.0.${slot + 1}:2379`]) : [],
      version: spec.version ?? sampleVersionOf(this.rules),
      dbSize: spec.dbSize ?? DEFAULT_DB_SIZE,
      dbSizeInUse: Math.min(spec.dbSizeInUse ?? Math.round((spec.dbSize ?? DEFAULT_DB_SIZE) * 0.8), spec.dbSize ?? DEFAULT_DB_SIZE),
      quotaBytes: spec.quotaBytes ?? DEFAULT_QUOTA_BYTES,
      diskUs: Math.max(0, Math.round((spec.diskLatencyMs ?? 0) * 1000)),
      diskJitterUs: Math.max(0, Math.round((spec.diskJitterMs ?? 0) * 1000)),
      stalledUntilUs: 0,
      compactRevision: 0,
      running: started && spec.running !== false,
      started,
      startedAtUs: -HEALTH_INTERVAL_MS * 1000,
      stopping: false,
      stopReason: null,
      removedSelf: false,
      removedMask: 0,
    };
    this.members.push(member);
    this.phaseUs[slot] = Math.floor(this.rng.next() * this.tickUs);
    const node = new RaftNode(slot, this.raftConfig, this);
    node.tick = this.tickAt(slot, this.nowUs);
    this.nodes.push(node);
    return member;
  }

  /** A new member slot for an add-member request: not running, no log, not yet in anyone's configuration. */
  newMemberSlot(peerURLs: string[], name?: string): SimMember {
    const slot = this.members.length;
    const label = name ?? `m${slot + 1}`;
    // A fresh member's db is etcd's empty schema (about 20 kB) until a snapshot brings the cluster's.
    return this.addMemberSlot({ name: label, id: memberIdFor(label, `${this.clusterId}/${this.nowUs}`), started: false, peerURLs, dbSize: 20 * 1024, dbSizeInUse: 20 * 1024 });
  }

  slotOf(idOrName: string): number {
    const s = idOrName.toLowerCase().replace(/^0x/, '');
    return this.members.findIndex((m) => m.id === s || m.id === s.replace(/^0+/, '') || m.name === idOrName);
  }


  crash(slot: number): void {
    const m = this.members[slot];
    if (!m.running) return;
    m.running = false;
    m.stopping = false;
    m.stopReason = 'killed';
    this.cancelTimer(slot);
    this.dirty = true;
    this.emit(slot, 'crash', this.nodes[slot].term, {});
  }

  /** A process start after a crash or stop, or the first start of an added member. */
  restart(slot: number): void {
    const m = this.members[slot];
    if (m.running) return;
    if (m.removedSelf) return; // etcd refuses to start a member that applied its own removal
    const first = !m.started;
    m.running = true;
    m.stopping = false;
    m.stopReason = null;
    m.startedAtUs = this.nowUs;
    if (m.clientURLs.length === 0) m.clientURLs = [`https://10.0.0.${slot + 1}:2379`];
    const node = this.nodes[slot];
    this.emit(slot, first ? 'start' : 'restart', node.term, {});
    node.tick = this.tickAt(slot, this.nowUs);
    node.restart();
    this.dirty = true;
    this.adjustTicks(slot, 0);
    this.ensureTimer(slot);
  }

  /**
   * etcd's adjustTicks: a single-member cluster fast-forwards its election ticks at once; otherwise, once
   * more than one peer is connected (checked every 50 ms for up to 5 s), it advances electionTicks - 2.
   */
  private adjustTicks(slot: number, attempt: number): void {
    const node = this.nodes[slot];
    const members = node.voters | node.learners;
    let count = 0;
    for (let s = 0; s < MAX_SLOTS; s++) if ((members & bit(s)) !== 0) count++;
    if (count === 1 && attempt === 0) {
      this.advanceTicks(slot, this.electionTicks - 1);
      return;
    }
    if (attempt >= 100) return;
    this.after(50, () => {
      if (!this.members[slot].running) return;
      let active = 0;
      for (let s = 0; s < this.members.length; s++) {
        if (s !== slot && this.members[s].running && this.net.connected(slot, s)) active++;
      }
      if (active > 1) this.advanceTicks(slot, this.electionTicks - 2);
      else this.adjustTicks(slot, attempt + 1);
    });
  }

  private advanceTicks(slot: number, ticks: number): void {
    const node = this.nodes[slot];
    if (node.role === LEADER || ticks <= 0) return;
    node.electionResetTick -= ticks;
    this.ensureTimer(slot);
  }

  /** Stops a member's process now. */
  hardStop(slot: number, reason: string): void {
    const m = this.members[slot];
    m.stopping = false;
    if (!m.running) return;
    m.running = false;
    m.stopReason = reason;
    this.cancelTimer(slot);
    this.dirty = true;
    this.emit(slot, 'stop', this.nodes[slot].term, { detail: reason });
  }

  /**
   * A graceful stop (SIGTERM): etcd's Stop() first moves leadership to the longest-connected voter and waits
   * for the move (up to ReqTimeout), then stops. A kill (crash) skips all of that.
   */
  gracefulStop(slot: number, onStopped?: () => void): void {
    const m = this.members[slot];
    if (!m.running || m.stopping) { onStopped?.(); return; }
    const node = this.nodes[slot];
    const target = node.role === LEADER ? this.longestConnectedVoter(slot) : NONE;
    if (target === NONE) {
      this.hardStop(slot, 'stopped');
      onStopped?.();
      return;
    }
    m.stopping = true;
    this.emit(slot, 'op', node.term, { detail: `graceful stop: moving leadership to ${this.members[target].name} first` });
    node.tick = this.tickAt(slot, this.nowUs);
    node.transferLeadership(target);
    this.ensureTimer(slot);
    const deadline = this.nowMs + requestTimeoutMs(this.timing.electionMs);
    const poll = () => {
      if (!m.running) { onStopped?.(); return; }
      if (node.lead === target || this.nowMs >= deadline) {
        this.hardStop(slot, 'stopped');
        onStopped?.();
        return;
      }
      this.after(this.timing.heartbeatMs, poll);
    };
    this.after(this.timing.heartbeatMs, poll);
  }

  /** etcd's longestConnected: the running, reachable voter whose connection is oldest. */
  longestConnectedVoter(slot: number): number {
    const node = this.nodes[slot];
    let best = NONE;
    let bestSince = Infinity;
    for (let s = 0; s < this.members.length; s++) {
      if (s === slot || (node.voters & bit(s)) === 0) continue;
      const since = this.activeSinceUs(slot, s);
      if (since !== null && since < bestSince) { best = s; bestSince = since; }
    }
    return best;
  }

  /** When slot `from`'s transport became connected to `to` (µs), null if it is not connected. */
  activeSinceUs(from: number, to: number): number | null {
    const a = this.members[from];
    const b = this.members[to];
    if (!a.running || !b.running || !this.net.connected(from, to)) return null;
    if ((b.removedMask & bit(from)) !== 0) return null;
    return Math.max(a.startedAtUs, b.startedAtUs, this.net.linkSince(from, to));
  }

  /** etcd's isConnectedSince(now - HealthInterval). */
  connectedForHealthInterval(from: number, to: number): boolean {
    const since = this.activeSinceUs(from, to);
    return since !== null && since <= this.nowUs - HEALTH_INTERVAL_MS * 1000;
  }
}
