// The simulator's engine: a virtual clock (integer microseconds) and an event queue; it jumps from event to
// event (message delivery, a node's next due tick, a scheduled fault or action) and never steps time.
// It hosts the Raft nodes (raft-node.ts), carries their messages over the simulated network (network.ts),
// applies etcd's server-side rules (etcd-server.ts), measures availability and checks Raft's safety.
// Everything random comes from one seeded generator: the same seed replays the same run, bit for bit.
//
// The layers, one job per file: event-loop.ts (clock, queue, actions), raft-hosting.ts (messages, timers,
// the nodes' callbacks), member-lifecycle.ts (processes: kill, restart, graceful stop), member-storage.ts
// (db sizes, compaction, defragmentation stalls, alarms); this file builds the cluster and adds
// availability, network faults and client requests.
import { AvailabilityMeter } from './availability';
import { EV_DELIVER, EV_WRITE } from './event-loop';
import { applyMeasuredTiming, MeasuredTimingApplied } from './measured-timing';
import { MemberStorage } from './member-storage';
import { CLIENT } from './network';
import { majority } from './quorum';
import { ENTRY_CONF, ENTRY_NORMAL } from './raft-log';
import * as raft from './raft-state';
import { SafetyChecker } from './safety';
import { ClusterSpec, DEFAULT_INDEX, DEFAULT_TERM, memberIdFor, SimOptions } from './sim-config';

// Read once: under a CommonJS transform (tsx in tests and benches) every use of an imported binding is a
// getter call, too slow for the per-event paths below.
const { bit, LEADER, MAX_SLOTS, NONE, PR_SNAPSHOT } = raft;

export { ETCD_DEFAULT_TIMING, memberIdFor, resolveTiming } from './sim-config';
export type { ClusterSpec, MemberSpec, SimMember, SimOptions, SimTiming } from './sim-config';

export class Sim extends MemberStorage {
  readonly meter: AvailabilityMeter;
  /** Time without a spare failure: "writable" here means one more member could fail and writes go on. */
  readonly spareMeter: AvailabilityMeter;
  /** After computeWritable(): the best leader's voters it reaches minus the majority it needs (-1: none). */
  faultTolerance = -1;
  readonly safety: SafetyChecker | null;
  private writeIntervalUs = 0;
  private writeSeq = 0;
  writesProposed = 0;
  writesDropped = 0;
  readonly clusterId: string;
  /** What the measured figures set (options.measured), null when the run uses the scenario's timing. */
  readonly measuredTiming: MeasuredTimingApplied | null;

  constructor(options: SimOptions, spec: ClusterSpec) {
    super(options);
    if (spec.members.length === 0) throw new RangeError('a simulated cluster needs at least one member');
    if (spec.members.length > MAX_SLOTS) throw new RangeError(`at most ${MAX_SLOTS} members can be simulated`);
    const index = spec.index ?? DEFAULT_INDEX;
    const term = spec.term ?? DEFAULT_TERM;
    this.clusterId = memberIdFor(spec.members.map((m) => m.name ?? '').join(','), 'cluster');
    let voters = 0;
    let learners = 0;
    spec.members.forEach((m, slot) => { if (m.learner) learners |= bit(slot); else voters |= bit(slot); });
    let leader = spec.leader ?? null;
    if (leader !== null) {
      const l = spec.members[leader];
      if (!l || l.learner || l.running === false || l.started === false) leader = null;
    }
    for (const [slot, m] of spec.members.entries()) {
      const member = this.addMemberSlot(m);
      const node = this.nodes[slot];
      if (member.started) node.initState(term, index, voters, learners, member.running && leader !== null ? leader : NONE);
    }
    this.measuredTiming = options.measured ? applyMeasuredTiming(this, options.measured) : null;
    this.raiseInitialAlarms();
    this.safety = options.checkSafety === false ? null : new SafetyChecker(index);
    for (const n of this.nodes) if (n.role === LEADER) this.safety?.onLeader(n);
    for (let s = 0; s < this.members.length; s++) this.ensureTimer(s);
    this.meter = new AvailabilityMeter(0, this.computeWritable());
    this.spareMeter = new AvailabilityMeter(0, this.faultTolerance > 0);
    if (options.writeIntervalMs && options.writeIntervalMs > 0) {
      this.writeIntervalUs = Math.round(options.writeIntervalMs * 1000);
      this.queue.push(this.writeIntervalUs, EV_WRITE, 0, 0);
    }
  }

  // ---- availability ----------------------------------------------------------------------------------

  /**
   * True when some running leader, still a voting member and not busy transferring, has a majority of its
   * voters running, reachable and in its term: it could commit a write right now. A member busy with a
   * defragmentation neither leads nor acknowledges meanwhile; nor does one still waiting for its snapshot.
   */
  computeWritable(): boolean {
    const now = this.nowUs;
    let best = -1;
    for (let s = 0; s < this.members.length; s++) {
      if (!this.members[s].running || this.members[s].stalledUntilUs > now) continue;
      const n = this.nodes[s];
      if (n.role !== LEADER || !n.isVoter() || n.leadTransferee !== NONE) continue;
      let voters = 0;
      let reach = 0;
      for (let v = 0; v < this.members.length; v++) {
        if ((n.voters & bit(v)) === 0) continue;
        voters++;
        if (v === s) { reach++; continue; }
        const peer = this.members[v];
        // A voter waiting for a snapshot cannot acknowledge new entries: it adds nothing to the quorum yet.
        if (peer.running && peer.stalledUntilUs <= now && n.prState[v] !== PR_SNAPSHOT && this.net.connected(s, v) && this.nodes[v].term === n.term && (peer.removedMask & bit(s)) === 0) reach++;
      }
      if (reach - majority(voters) > best) best = reach - majority(voters);
    }
    this.faultTolerance = best;
    return best >= 0;
  }

  protected override afterEvent(): void {
    if (this.dirty) {
      this.dirty = false;
      const writable = this.computeWritable();
      this.meter.update(this.nowUs, writable);
      this.spareMeter.update(this.nowUs, this.faultTolerance > 0);
    }
  }

  /** The member that can commit writes now, if any. */
  writableLeader(): number {
    for (let s = 0; s < this.members.length; s++) {
      const n = this.nodes[s];
      if (this.members[s].running && n.role === LEADER && n.isVoter()) return s;
    }
    return NONE;
  }

  leaderSlot(): number {
    return this.writableLeader();
  }
  /**
   * Splits the network: each listed group of slots becomes its own partition; unlisted members share one
   * more partition. The operator's client stays with group `clientGroup` (default: the first).
   */
  partition(groups: number[][], clientGroup = 0): void {
    const assign = new Int32Array(MAX_SLOTS + 1);
    groups.forEach((g, i) => { for (const s of g) assign[s] = i + 1; });
    assign[CLIENT] = clientGroup >= 0 && clientGroup < groups.length ? clientGroup + 1 : 0;
    if (this.net.setGroups(assign, this.nowUs)) this.dirty = true;
    this.emit(null, 'partition', null, {
      detail: groups.map((g) => g.map((s) => this.members[s]?.name ?? `#${s}`).join('+')).join(' | '),
    });
  }

  heal(): void {
    if (this.net.heal(this.nowUs)) this.dirty = true;
    this.emit(null, 'heal', null, {});
  }

  setLoss(rate: number): void {
    this.net.loss = Math.min(1, Math.max(0, rate));
    this.emit(null, 'loss', null, { detail: `message loss ${Math.round(this.net.loss * 100)} %` });
  }

  /** Slower (or faster) network from now on: one-way latency plus uniform jitter, ms. */
  setDelay(latencyMs: number, jitterMs: number): void {
    this.net.setDelay(latencyMs, jitterMs);
    this.emit(null, 'delay', null, { detail: `message delay ${latencyMs} ms + up to ${jitterMs} ms` });
  }

  /** Is the member's client port reachable from the operator's machine? */
  reachableFromClient(slot: number): boolean {
    return this.members[slot].running && this.net.connected(CLIENT, slot);
  }

  /** A client write arriving at member `slot`; false when raft drops it. */
  propose(slot: number, data: number): boolean {
    const node = this.nodes[slot];
    if (!this.members[slot].running) return false;
    node.tick = this.tickAt(slot, this.nowUs);
    const ok = node.propose(ENTRY_NORMAL, data);
    this.settle(slot);
    return ok;
  }

  /** A membership change proposed through member `slot` (its raft forwards it to the leader). */
  proposeConfChange(slot: number, data: number): boolean {
    const node = this.nodes[slot];
    if (!this.members[slot].running) return false;
    node.tick = this.tickAt(slot, this.nowUs);
    const ok = node.propose(ENTRY_CONF, data);
    this.settle(slot);
    return ok;
  }

  /** MoveLeader's raft step on the leader `slot`. */
  transferLeadership(slot: number, target: number): void {
    const node = this.nodes[slot];
    node.tick = this.tickAt(slot, this.nowUs);
    node.transferLeadership(target);
    this.settle(slot);
  }

  protected clientWrite(): void {
    this.queue.push(this.nowUs + this.writeIntervalUs, EV_WRITE, 0, 0);
    const n = this.members.length;
    const start = this.rng.int(n);
    if (this.writesBlocked()) {
      this.writesRefused++;
      return;
    }
    for (let k = 0; k < n; k++) {
      const s = (start + k) % n;
      if (!this.reachableFromClient(s) || !this.members[s].started || this.members[s].stalledUntilUs > this.nowUs) continue;
      this.writesProposed++;
      if (!this.propose(s, ++this.writeSeq)) this.writesDropped++;
      return;
    }
    this.writesDropped++;
  }

  /** Ends the simulation: returns messages still in flight to the pool and drops every pending event. */
  dispose(): void {
    const q = this.queue;
    while (q.size > 0) {
      const id = q.pop();
      if (q.kind[id] === EV_DELIVER) this.pool.release(this.pool.all[q.a[id]]);
      q.release(id);
    }
    this.actions.length = 0;
    this.freeActions.length = 0;
  }
}
