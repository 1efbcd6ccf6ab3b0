// The simulator's engine: a virtual clock (integer microseconds) and an event queue; it jumps from event to
// event (message delivery, a node's next due tick, a scheduled fault or action) and never steps time.
// It hosts the Raft nodes (raft-node.ts), carries their messages over the simulated network (network.ts),
// applies etcd's server-side rules (etcd-server.ts), measures availability and checks Raft's safety.
// Everything random comes from one seeded generator: the same seed replays the same run, bit for bit.
import { AvailabilityMeter } from './availability';
import { HEALTH_INTERVAL_MS, REMOVED_STOP_TICKS, ETCD_ERRORS, requestTimeoutMs, validateTiming } from './etcd-server';
import { EventQueue } from './event-queue';
import { Msg, MsgPool, MSG_SNAP } from './messages';
import { CLIENT, DEFAULT_NETWORK, Network, NetworkOptions } from './network';
import { Prng } from './prng';
import { majority } from './quorum';
import { CONF_REMOVE, confOp, confSlot, ENTRY_CONF, ENTRY_NORMAL } from './raft-log';
import { bit, CANDIDATE, LEADER, MAX_SLOTS, NONE, RaftConfig, RaftHost, RaftNode, ROLE_NAMES } from './raft-node';
import { SafetyChecker } from './safety';
import { TraceEvent, TraceEventKind, TraceSink } from './trace';

export interface SimTiming {
  heartbeatMs: number;
  electionMs: number;
  preVote: boolean;
  checkQuorum: boolean;
  /** raft's StepDownOnRemoval; etcd 3.4/3.5 do not set it. */
  stepDownOnRemoval: boolean;
}

/** etcd's defaults: 100 ms heartbeat, 1000 ms election timeout; pre-vote and check-quorum on (3.4+). */
export const ETCD_DEFAULT_TIMING: SimTiming = {
  heartbeatMs: 100, electionMs: 1000, preVote: true, checkQuorum: true, stepDownOnRemoval: false,
};

export interface MemberSpec {
  name?: string;
  /** Hex member id; derived from the name when absent. */
  id?: string;
  learner?: boolean;
  /** Process running at the start (default true). */
  running?: boolean;
  /** Has published its name, i.e. has run at least once (default true). False = added but never started. */
  started?: boolean;
  peerURLs?: string[];
  clientURLs?: string[];
  version?: string;
  dbSize?: number;
}

export interface ClusterSpec {
  members: MemberSpec[];
  /** Slot of the leader at the start; null or absent = no leader yet (an election follows). */
  leader?: number | null;
  term?: number;
  /** Raft index every started member has applied at the start. */
  index?: number;
}

export interface SimOptions {
  seed: number;
  timing?: Partial<SimTiming>;
  network?: Partial<NetworkOptions>;
  /** Check Raft's safety properties as the run goes (throws SafetyViolation). Default true. */
  checkSafety?: boolean;
  /** A client write every this many ms, sent to a random member the client reaches (0 = none). */
  writeIntervalMs?: number;
  /** Message pool; runs done one after another may share one (then call dispose() at the end). */
  pool?: MsgPool;
}

export interface SimMember {
  slot: number;
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  version: string;
  dbSize: number;
  running: boolean;
  /** etcd's "started": the member has published its name. */
  started: boolean;
  startedAtUs: number;
  /** A stop is scheduled (removal, graceful stop in progress). */
  stopping: boolean;
  stopReason: string | null;
  /** The member applied its own removal. */
  removedSelf: boolean;
  /** Slots this member knows as removed; its transport rejects their messages. */
  removedMask: number;
  /** The name it will publish once started. */
  plannedName: string;
}

const EV_DELIVER = 1;
const EV_TIMER = 2;
const EV_ACTION = 3;
const EV_WRITE = 4;
const EV_SNAP_FAILED = 5;

const DEFAULT_INDEX = 1000;
const DEFAULT_TERM = 2;
const DEFAULT_DB_SIZE = 20 * 1024 * 1024;

const idCache = new Map<string, string>();

/** A stable, etcd-looking 64-bit hex id for a member name (FNV-1a). */
export function memberIdFor(name: string, salt = ''): string {
  const key = `${salt}/${name}`;
  const cached = idCache.get(key);
  if (cached !== undefined) return cached;
  if (idCache.size > 10000) idCache.clear();
  const id = fnv1a64(key);
  idCache.set(key, id);
  return id;
}

function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const ch of text) {
    h ^= BigInt(ch.codePointAt(0) ?? 0);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return (h === 0n ? 1n : h).toString(16);
}

export function resolveTiming(partial: Partial<SimTiming> = {}): SimTiming {
  const t = { ...ETCD_DEFAULT_TIMING, ...Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) };
  validateTiming(t.heartbeatMs, t.electionMs);
  return t;
}

export class Sim implements RaftHost {
  nowUs = 0;
  readonly timing: SimTiming;
  readonly tickUs: number;
  readonly raftConfig: RaftConfig;
  readonly rng: Prng;
  readonly net: Network;
  readonly queue = new EventQueue(128);
  readonly pool: MsgPool;
  readonly nodes: RaftNode[] = [];
  readonly members: SimMember[] = [];
  readonly meter: AvailabilityMeter;
  readonly safety: SafetyChecker | null;
  private readonly phaseUs = new Float64Array(MAX_SLOTS);
  private readonly timerAt = new Float64Array(MAX_SLOTS).fill(Infinity);
  private readonly timerGen = new Int32Array(MAX_SLOTS);
  private readonly removedAtIndex = new Float64Array(MAX_SLOTS).fill(Infinity);
  private readonly actions: ((() => void) | null)[] = [];
  private readonly freeActions: number[] = [];
  private writeIntervalUs = 0;
  private writeSeq = 0;
  private lastConfTraced = 0;
  private dirty = false;
  private sink: TraceSink | null = null;
  tracing = false;
  /** Recorder hooks (trace.ts / recorder.ts); null in normal runs so the hot path pays one check. */
  onMessageSent: ((m: Msg, deliverAtUs: number) => void) | null = null;
  onMessageDone: ((m: Msg, delivered: boolean) => void) | null = null;
  // Counters.
  delivered = 0;
  dropped = 0;
  events = 0;
  leaderElections = 0;
  campaigns = 0;
  writesProposed = 0;
  writesDropped = 0;
  readonly clusterId: string;

  constructor(options: SimOptions, spec: ClusterSpec) {
    this.timing = resolveTiming(options.timing);
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
    this.safety = options.checkSafety === false ? null : new SafetyChecker(index);
    for (const n of this.nodes) if (n.role === LEADER) this.safety?.onLeader(n);
    for (let s = 0; s < this.members.length; s++) this.ensureTimer(s);
    this.meter = new AvailabilityMeter(0, this.computeWritable());
    if (options.writeIntervalMs && options.writeIntervalMs > 0) {
      this.writeIntervalUs = Math.round(options.writeIntervalMs * 1000);
      this.queue.push(this.writeIntervalUs, EV_WRITE, 0, 0);
    }
  }

  // ---- clock ---------------------------------------------------------------------------------------

  get nowMs(): number {
    return this.nowUs / 1000;
  }

  get electionTicks(): number {
    return this.raftConfig.electionTicks;
  }

  /** The tick number of slot's ticker at time t: members' tickers are not aligned, as on real machines. */
  private tickAt(slot: number, tUs: number): number {
    return Math.floor((tUs - this.phaseUs[slot]) / this.tickUs);
  }

  /** Processes every event up to `untilMs` (or until `stop` returns true); returns whether `stop` ended it. */
  runUntil(untilMs: number, stop?: () => boolean): boolean {
    const untilUs = Math.ceil(untilMs * 1000 - 1e-6);
    while (this.queue.size > 0 && this.queue.peekTime() <= untilUs) {
      this.processNext();
      if (stop !== undefined && stop()) return true;
    }
    if (untilUs > this.nowUs) this.nowUs = untilUs;
    return false;
  }

  runFor(ms: number, stop?: () => boolean): boolean {
    return this.runUntil(this.nowMs + ms, stop);
  }

  /** Processes exactly one event; false when nothing is scheduled. For step-by-step viewers. */
  step(): boolean {
    if (this.queue.size === 0) return false;
    this.processNext();
    return true;
  }

  private processNext(): void {
    const q = this.queue;
    const id = q.pop();
    const t = q.time[id];
    const kind = q.kind[id];
    const a = q.a[id];
    const b = q.b[id];
    q.release(id);
    this.nowUs = t;
    this.events++;
    switch (kind) {
      case EV_DELIVER: this.deliver(this.pool.all[a]); break;
      case EV_TIMER: this.fireTimer(a, b); break;
      case EV_ACTION: {
        const fn = this.actions[a];
        this.actions[a] = null;
        this.freeActions.push(a);
        if (fn) fn();
        break;
      }
      case EV_WRITE: this.clientWrite(); break;
      case EV_SNAP_FAILED: {
        const leader = this.nodes[a];
        if (this.members[a].running) leader.snapshotFailed(b);
        break;
      }
      default: break;
    }
    if (this.dirty) {
      this.dirty = false;
      this.meter.update(this.nowUs, this.computeWritable());
    }
  }

  /** Runs `fn` at simulated time `atMs` (not before now). */
  schedule(atMs: number, fn: () => void): void {
    const id = this.freeActions.length ? this.freeActions.pop()! : this.actions.length;
    this.actions[id] = fn;
    this.queue.push(Math.max(this.nowUs, Math.round(atMs * 1000)), EV_ACTION, id, 0);
  }

  after(ms: number, fn: () => void): void {
    this.schedule(this.nowMs + ms, fn);
  }

  // ---- messages ------------------------------------------------------------------------------------

  newMsg(): Msg {
    return this.pool.get();
  }

  send(m: Msg): void {
    const t = this.net.deliveryTime(m.from, m.to, this.nowUs);
    if (this.onMessageSent !== null) this.onMessageSent(m, t);
    if (t < 0) {
      this.drop(m);
      return;
    }
    this.queue.push(t, EV_DELIVER, m.id, 0);
  }

  private deliver(m: Msg): void {
    const to = m.to;
    const from = m.from;
    const member = this.members[to];
    if (!member.running || !this.net.connected(from, to)) {
      this.drop(m);
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
    node.step(m);
    this.delivered++;
    if (this.onMessageDone !== null) this.onMessageDone(m, true);
    this.pool.release(m);
    this.settle(to);
  }

  private drop(m: Msg): void {
    this.dropped++;
    // etcd's transport reports a snapshot it could not send, so raft goes back to probing.
    if (m.type === MSG_SNAP) this.queue.push(this.nowUs + 2 * Math.round(this.net.latencyMs * 1000) + 1, EV_SNAP_FAILED, m.from, m.to);
    if (this.onMessageDone !== null) this.onMessageDone(m, false);
    this.pool.release(m);
  }

  /** A peer's transport answered "removed member": a member that missed its own removal stops (etcd: errMemberRemoved). */
  private rejectRemovedSender(slot: number): void {
    const m = this.members[slot];
    if (m.running && !m.stopping && !m.removedSelf) {
      m.stopping = true;
      this.after(0, () => this.hardStop(slot, ETCD_ERRORS.removed));
    }
  }

  // ---- timers --------------------------------------------------------------------------------------

  /** Makes sure the node is woken at its next due tick; at most one live timer per node. */
  private ensureTimer(slot: number): void {
    if (!this.members[slot].running) return;
    const due = this.nodes[slot].dueTick();
    if (due === Infinity) return;
    let t = this.phaseUs[slot] + due * this.tickUs;
    if (t < this.nowUs) t = this.nowUs;
    if (this.timerAt[slot] <= t) return;
    this.timerAt[slot] = t;
    this.queue.push(t, EV_TIMER, slot, ++this.timerGen[slot]);
  }

  private fireTimer(slot: number, gen: number): void {
    if (gen !== this.timerGen[slot] || !this.members[slot].running) return;
    this.timerAt[slot] = Infinity;
    const node = this.nodes[slot];
    node.tick = this.tickAt(slot, this.nowUs);
    if (node.tick >= node.dueTick()) node.onTimer();
    this.settle(slot);
  }

  /** After any call into a node: apply what it committed (etcd's Ready handling), re-arm its timer. */
  private settle(slot: number): void {
    const node = this.nodes[slot];
    if (node.applied < node.commit) node.advanceApplied();
    this.ensureTimer(slot);
  }

  private cancelTimer(slot: number): void {
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

  private confApplied(node: RaftNode, index: number): void {
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

  private markStarted(slot: number): void {
    const m = this.members[slot];
    m.started = true;
    if (!m.name) m.name = m.plannedName;
    this.dirty = true;
  }

  // ---- availability ----------------------------------------------------------------------------------

  /**
   * True when some running leader, still a voting member and not busy transferring, has a majority of its
   * voters running, reachable and in its term: it could commit a write right now.
   */
  computeWritable(): boolean {
    for (let s = 0; s < this.members.length; s++) {
      if (!this.members[s].running) continue;
      const n = this.nodes[s];
      if (n.role !== LEADER || !n.isVoter() || n.leadTransferee !== NONE) continue;
      let voters = 0;
      let reach = 0;
      for (let v = 0; v < this.members.length; v++) {
        if ((n.voters & bit(v)) === 0) continue;
        voters++;
        if (v === s) { reach++; continue; }
        const peer = this.members[v];
        if (peer.running && this.net.connected(s, v) && this.nodes[v].term === n.term && (peer.removedMask & bit(s)) === 0) reach++;
      }
      if (reach >= majority(voters)) return true;
    }
    return false;
  }

  /** The member that can commit writes now, if any. */
  writableLeader(): number {
    for (let s = 0; s < this.members.length; s++) {
      const n = this.nodes[s];
      if (this.members[s].running && n.role === LEADER && n.isVoter()) return s;
    }
    return NONE;
  }

  // ---- members and faults ----------------------------------------------------------------------------

  private addMemberSlot(spec: MemberSpec): SimMember {
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
      version: spec.version ?? '3.4.23',
      dbSize: spec.dbSize ?? DEFAULT_DB_SIZE,
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
    return this.addMemberSlot({ name: label, id: memberIdFor(label, `${this.clusterId}/${this.nowUs}`), started: false, peerURLs });
  }

  slotOf(idOrName: string): number {
    const s = idOrName.toLowerCase().replace(/^0x/, '');
    return this.members.findIndex((m) => m.id === s || m.id === s.replace(/^0+/, '') || m.name === idOrName);
  }

  leaderSlot(): number {
    return this.writableLeader();
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

  private clientWrite(): void {
    this.queue.push(this.nowUs + this.writeIntervalUs, EV_WRITE, 0, 0);
    const n = this.members.length;
    const start = this.rng.int(n);
    for (let k = 0; k < n; k++) {
      const s = (start + k) % n;
      if (!this.reachableFromClient(s) || !this.members[s].started) continue;
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
