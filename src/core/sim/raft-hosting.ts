// Hosting the Raft nodes: carries their messages over the simulated network (delivery, loss, a removed
// member turned away), wakes each node at its next due tick (one live timer per node), applies what they
// commit, and answers their RaftHost callbacks (membership bookkeeping, counters, safety checks, trace).
import { AvailabilityMeter } from './availability';
import { ETCD_ERRORS, REMOVED_STOP_TICKS } from './etcd-server';
import * as loop from './event-loop';
import { EventLoop } from './event-loop';
import { Msg, MsgPool, MSG_APP_RESP, MSG_SNAP, MSG_VOTE_RESP } from './messages';
import { DEFAULT_NETWORK, Network } from './network';
import { Prng } from './prng';
import { CONF_REMOVE, confOp, confSlot, ENTRY_CONF } from './raft-log';
import { RaftConfig, RaftHost, RaftNode } from './raft-node';
import * as raft from './raft-state';
import { SafetyChecker } from './safety';
import { DEFAULT_STORAGE, resolveTiming, SimMember, SimOptions, SimTiming, StorageOptions } from './sim-config';
import { TraceEvent, TraceEventKind, TraceSink } from './trace';
import { defaultRules, VersionRules } from './version-rules';

// Read once: under a CommonJS transform (tsx in tests and benches) every use of an imported binding is a
// getter call, too slow for the per-event paths below.
const { EV_DELIVER, EV_SNAP_FAILED, EV_TIMER, EV_WRITE } = loop;
const { bit, CANDIDATE, LEADER, MAX_SLOTS, NONE, ROLE_NAMES } = raft;
const SNAP = MSG_SNAP;
const PR_SNAPSHOT_STATE = raft.PR_SNAPSHOT;
const APP_RESP = MSG_APP_RESP;
const VOTE_RESP = MSG_VOTE_RESP;

export abstract class RaftHosting extends EventLoop implements RaftHost {
  /** The etcd version's rules this cluster follows. */
  readonly rules: VersionRules;
  readonly timing: SimTiming;
  readonly tickUs: number;
  readonly raftConfig: RaftConfig;
  readonly rng: Prng;
  readonly net: Network;
  readonly pool: MsgPool;
  readonly storage: StorageOptions;
  readonly nodes: RaftNode[] = [];
  readonly members: SimMember[] = [];
  abstract readonly meter: AvailabilityMeter;
  abstract readonly safety: SafetyChecker | null;
  protected readonly phaseUs = new Float64Array(MAX_SLOTS);
  private readonly timerAt = new Float64Array(MAX_SLOTS).fill(Infinity);
  private readonly timerGen = new Int32Array(MAX_SLOTS);
  private readonly removedAtIndex = new Float64Array(MAX_SLOTS).fill(Infinity);
  /** Size of the db file in the last snapshot sent to each slot: what it holds once the snapshot lands. */
  private readonly snapBytesTo = new Float64Array(MAX_SLOTS);
  private readonly snapInUseTo = new Float64Array(MAX_SLOTS);
  /** Snapshots sent and installed (for rehearsal reports). */
  snapshotsSent = 0;
  snapshotsInstalled = 0;
  private lastConfTraced = 0;
  protected dirty = false;
  private sink: TraceSink | null = null;
  tracing = false;
  /** Recorder hooks (trace.ts / recorder.ts); null in normal runs so the hot path pays one check. */
  onMessageSent: ((m: Msg, deliverAtUs: number) => void) | null = null;
  onMessageDone: ((m: Msg, delivered: boolean) => void) | null = null;
  // Counters.
  delivered = 0;
  dropped = 0;
  leaderElections = 0;
  campaigns = 0;

  /** Timing, randomness, message pool and network, made in this order (the seed's draws depend on it). */
  constructor(options: SimOptions) {
    super();
    this.rules = options.rules ?? defaultRules();
    this.timing = resolveTiming(options.timing, this.rules);
    this.tickUs = Math.round(this.timing.heartbeatMs * 1000);
    this.raftConfig = {
      electionTicks: Math.max(1, Math.floor(this.timing.electionMs / this.timing.heartbeatMs)),
      heartbeatTicks: 1,
      preVote: this.timing.preVote,
      checkQuorum: this.timing.checkQuorum,
      stepDownOnRemoval: this.timing.stepDownOnRemoval,
    };
    this.rng = new Prng(options.seed);
    this.pool = options.pool ?? new MsgPool();
    this.net = new Network({ ...DEFAULT_NETWORK, ...options.network }, this.rng);
    this.storage = { ...DEFAULT_STORAGE, snapshotCount: this.rules.snapshotCount, ...definedOnly(options.storage) };
    if (!(this.storage.snapshotCount >= 1) || !(this.storage.catchUpEntries >= 0)) throw new RangeError('snapshotCount must be >= 1 and catchUpEntries >= 0');
    if (!(this.storage.snapshotBytesPerSec > 0) || !(this.storage.defragBytesPerSec > 0)) throw new RangeError('snapshot and defragmentation speeds must be > 0 bytes/s');
  }

  /** Stops a member's process now. */
  abstract hardStop(slot: number, reason: string): void;
  /** True when some leader could commit a write right now. */
  abstract computeWritable(): boolean;
  protected abstract clientWrite(): void;

  get electionTicks(): number {
    return this.raftConfig.electionTicks;
  }

  /** The tick number of slot's ticker at time t: members' tickers are not aligned, as on real machines. */
  protected tickAt(slot: number, tUs: number): number {
    return Math.floor((tUs - this.phaseUs[slot]) / this.tickUs);
  }

  protected dispatch(kind: number, a: number, b: number): void {
    switch (kind) {
      case EV_DELIVER: this.deliver(this.pool.all[a]); break;
      case EV_TIMER: this.fireTimer(a, b); break;
      case EV_WRITE: this.clientWrite(); break;
      case EV_SNAP_FAILED: {
        const leader = this.nodes[a];
        if (this.members[a].running) leader.snapshotFailed(b);
        this.dirty = true;
        break;
      }
      default: break;
    }
  }

  protected afterEvent(): void {
    if (this.dirty) {
      this.dirty = false;
      this.meter.update(this.nowUs, this.computeWritable());
    }
  }

  // ---- messages ------------------------------------------------------------------------------------

  newMsg(): Msg {
    return this.pool.get();
  }

  send(m: Msg): void {
    let sentUs = this.nowUs;
    const type = m.type;
    // An acknowledgement or a vote leaves once the entries (or the vote) are fsynced to the WAL.
    if (type === APP_RESP || type === VOTE_RESP) sentUs += this.fsyncUs(m.from);
    let t = this.net.deliveryTime(m.from, m.to, sentUs);
    // A snapshot is the whole db file on its own connection: it takes its size over the transfer speed, and
    // the heartbeats behind it on the stream are not held up.
    if (type === SNAP) this.dirty = true; // the follower waits for it: no acknowledgement from it meanwhile
    if (type === SNAP && t >= 0) {
      const bytes = this.members[m.from].dbSize;
      this.snapBytesTo[m.to] = bytes;
      this.snapInUseTo[m.to] = this.members[m.from].dbSizeInUse;
      this.snapshotsSent++;
      t += this.snapshotTransferUs(bytes);
    }
    if (this.onMessageSent !== null) this.onMessageSent(m, t);
    if (t < 0) {
      this.drop(m);
      return;
    }
    this.queue.push(t, EV_DELIVER, m.id, 0);
  }

  /** Time to ship a snapshot of `bytes` to a follower, µs. */
  snapshotTransferUs(bytes: number): number {
    return Math.round((bytes / this.storage.snapshotBytesPerSec) * 1e6);
  }

  private fsyncUs(slot: number): number {
    const m = this.members[slot];
    return m.diskJitterUs > 0 ? m.diskUs + Math.floor(this.rng.next() * m.diskJitterUs) : m.diskUs;
  }

  protected deliver(m: Msg): void {
    const to = m.to;
    const from = m.from;
    const member = this.members[to];
    if (!member.running || !this.net.connected(from, to)) {
      this.drop(m);
      return;
    }
    if (member.stalledUntilUs > this.nowUs) {
      // Busy (defragmenting): the message waits in the transport until the member handles raft again.
      this.queue.push(member.stalledUntilUs, EV_DELIVER, m.id, 0);
      return;
    }
    if ((member.removedMask & bit(from)) !== 0 && !this.members[from].removedSelf) {
      // A member that missed its own removal is turned away ("removed member") and stops. One that applied
      // its removal is winding down: as measured on etcd 3.4, its heartbeats still reach the followers (so
      // they elect nobody) until it stops, 10 ticks after applying the removal.
      this.rejectRemovedSender(from);
      this.drop(m);
      return;
    }
    const node = this.nodes[to];
    node.tick = this.tickAt(to, this.nowUs);
    // A follower leaving the snapshot state counts towards the quorum again (computeWritable).
    const snapState = node.prState[from] === PR_SNAPSHOT_STATE;
    node.step(m);
    if (snapState && node.prState[from] !== PR_SNAPSHOT_STATE) this.dirty = true;
    this.delivered++;
    if (this.onMessageDone !== null) this.onMessageDone(m, true);
    this.pool.release(m);
    this.settle(to);
  }

  protected drop(m: Msg): void {
    this.dropped++;
    // etcd's transport reports a snapshot it could not send, so raft goes back to probing.
    if (m.type === MSG_SNAP) this.queue.push(this.nowUs + 2 * Math.round(this.net.latencyMs * 1000) + 1, EV_SNAP_FAILED, m.from, m.to);
    if (this.onMessageDone !== null) this.onMessageDone(m, false);
    this.pool.release(m);
  }

  /** A peer's transport answered "removed member": a member that missed its own removal stops (etcd: errMemberRemoved). */
  protected rejectRemovedSender(slot: number): void {
    const m = this.members[slot];
    if (m.running && !m.stopping && !m.removedSelf) {
      m.stopping = true;
      this.after(0, () => this.hardStop(slot, ETCD_ERRORS.removed));
    }
  }

  // ---- timers --------------------------------------------------------------------------------------

  /** Makes sure the node is woken at its next due tick; at most one live timer per node. */
  protected ensureTimer(slot: number): void {
    if (!this.members[slot].running) return;
    const due = this.nodes[slot].dueTick();
    if (due === Infinity) return;
    let t = this.phaseUs[slot] + due * this.tickUs;
    if (t < this.nowUs) t = this.nowUs;
    const stalledUntil = this.members[slot].stalledUntilUs;
    if (t < stalledUntil) t = stalledUntil;
    if (this.timerAt[slot] <= t) return;
    this.timerAt[slot] = t;
    this.queue.push(t, EV_TIMER, slot, ++this.timerGen[slot]);
  }

  protected fireTimer(slot: number, gen: number): void {
    if (gen !== this.timerGen[slot] || !this.members[slot].running) return;
    this.timerAt[slot] = Infinity;
    if (this.members[slot].stalledUntilUs > this.nowUs) {
      this.ensureTimer(slot);
      return;
    }
    const node = this.nodes[slot];
    node.tick = this.tickAt(slot, this.nowUs);
    if (node.tick >= node.dueTick()) node.onTimer();
    this.settle(slot);
  }

  /** After any call into a node: apply what it committed (etcd's Ready handling), re-arm its timer. */
  protected settle(slot: number): void {
    const node = this.nodes[slot];
    if (node.applied < node.commit) node.advanceApplied();
    // etcd's snapshot every --snapshot-count applied entries, keeping SnapshotCatchUpEntries in the log.
    const log = node.log;
    if (node.applied - log.snapIndex > this.storage.snapshotCount) {
      const to = node.applied - this.storage.catchUpEntries;
      if (to > log.snapIndex) log.compactTo(to);
    }
    this.ensureTimer(slot);
  }

  protected cancelTimer(slot: number): void {
    this.timerGen[slot]++;
    this.timerAt[slot] = Infinity;
  }

  // ---- RaftHost callbacks --------------------------------------------------------------------------

  random(): number {
    return this.rng.next();
  }

  note(node: RaftNode, text: string): void {
    if (this.sink === null) return;
    const named = text.replace(/slot (\d+)/g, (_, s: string) => this.members[Number(s)]?.name || `member ${s}`);
    this.emit(node.slot, 'note', node.term, { detail: named });
  }

  onRole(node: RaftNode, previousRole: number, previousTerm: number): void {
    this.dirty = true;
    if (node.role === LEADER && previousRole !== LEADER) {
      this.leaderElections++;
      this.safety?.onLeader(node);
    }
    if (node.role === CANDIDATE && (previousRole !== CANDIDATE || previousTerm !== node.term)) this.campaigns++;
    if (this.sink !== null && (node.role !== previousRole || node.term !== previousTerm)) {
      const kind = `become-${ROLE_NAMES[node.role]}` as TraceEventKind;
      this.emit(node.slot, kind, node.term, { leader: node.lead === NONE ? null : this.members[node.lead]?.name ?? null });
    }
  }

  onCommit(node: RaftNode, previous: number): void {
    this.safety?.onCommit(node, previous);
    if (node.role === LEADER) {
      this.meter.commit(this.nowUs, node.commit - previous);
      if (this.sink !== null) this.emit(node.slot, 'commit', node.term, { index: node.commit });
    }
  }

  onApply(node: RaftNode, index: number): void {
    this.safety?.onApply(node, index);
    const member = this.members[node.slot];
    if (!member.started && member.running) this.markStarted(node.slot);
    if (node.log.kind(index) === ENTRY_CONF) this.confApplied(node, index);
  }

  onSnapshot(node: RaftNode, index: number): void {
    const member = this.members[node.slot];
    let removed = 0;
    for (let s = 0; s < MAX_SLOTS; s++) if (this.removedAtIndex[s] <= index && s !== node.slot) removed |= bit(s);
    member.removedMask |= removed;
    // The db file arrived with the snapshot.
    const bytes = this.snapBytesTo[node.slot];
    if (bytes > 0) {
      member.dbSize = bytes;
      member.dbSizeInUse = this.snapInUseTo[node.slot];
    }
    this.snapshotsInstalled++;
    if (!member.started && member.running) this.markStarted(node.slot);
    this.dirty = true;
  }

  onTransfer(node: RaftNode): void {
    this.dirty = true;
    if (this.sink !== null) {
      const to = node.leadTransferee;
      if (to !== NONE) this.emit(node.slot, 'transfer-start', node.term, { detail: `leadership transfer to ${this.members[to].name} started` });
      else this.emit(node.slot, 'transfer-end', node.term, { detail: 'leadership transfer ended' });
    }
  }

  protected confApplied(node: RaftNode, index: number): void {
    this.dirty = true;
    const data = node.log.data(index);
    const op = confOp(data);
    const target = confSlot(data);
    const member = this.members[node.slot];
    if (op === CONF_REMOVE) {
      if (this.removedAtIndex[target] > index) this.removedAtIndex[target] = index;
      if (target === node.slot) {
        member.removedSelf = true;
        if (member.running && !member.stopping) {
          member.stopping = true;
          this.emit(node.slot, 'note', node.term, { detail: `applied its own removal: stops in ${REMOVED_STOP_TICKS} ticks` });
          this.after(REMOVED_STOP_TICKS * this.tickUs / 1000, () => this.hardStop(node.slot, ETCD_ERRORS.removed));
        }
      } else {
        member.removedMask |= bit(target);
      }
    }
    if (this.sink !== null && index > this.lastConfTraced) {
      this.lastConfTraced = index;
      const what = op === CONF_REMOVE ? 'remove' : op === 0 ? (node.isVoter(target) ? 'add voter / promote' : 'add') : 'add learner';
      this.emit(node.slot, 'conf-change', node.term, { index, detail: `${what} ${this.members[target].name || this.members[target].id}` });
    }
  }

  protected markStarted(slot: number): void {
    const m = this.members[slot];
    m.started = true;
    if (!m.name) m.name = m.plannedName;
    this.dirty = true;
  }

  // ---- trace -----------------------------------------------------------------------------------------

  setTracer(sink: TraceSink | null): void {
    this.sink = sink;
    this.tracing = sink !== null;
  }

  emit(slot: number | null, event: TraceEventKind, term: number | null, extra: Partial<TraceEvent>): void {
    if (this.sink === null) return;
    const node = slot === null ? null : (this.members[slot]?.name || this.members[slot]?.id || `#${slot}`);
    this.sink({ t: this.nowUs / 1000, node, event, term, ...extra });
  }
}

function definedOnly<T extends object>(o: Partial<T> | undefined): Partial<T> {
  return o ? Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T> : {};
}
