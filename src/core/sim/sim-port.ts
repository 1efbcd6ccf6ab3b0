// ClusterPort over a simulated cluster, so a rehearsal runs the very plan code (src/core/ops) that later
// acts on the real one. Each call travels the simulated network from the operator's machine: a round trip
// of virtual time, "connection refused" from a stopped member, a timeout from a partitioned one. The server
// side follows etcd 3.4: MoveLeader only on the leader and answered once the leader sees the transferee
// lead (polled every tick); membership changes pass the strict reconfiguration checks, are proposed
// through the member asked and answered once that member applied them; an added member's process is
// started a little later, as an operator would; a removed member stops itself one second after applying
// its removal. Maintenance: Defragment stalls the member asked (no raft, no reads) for a time proportional to
// its db size and answers when done; Compact and Alarm are raft proposals through the member asked, answered
// once it applied them (a Compact) or once the leader confirms (alarm list, disarm). A member busy
// defragmenting answers nothing until it is done. now() and sleep() are virtual time (virtual-clock.ts).
import { ClusterHealth, MemberHealth, MemberStatus, quorumOf } from '../cluster-model';
import { healthFindings } from '../etcd/health-findings';
import { hexToDecimal, sameId } from '../ids';
import { AlarmInfo, CallOptions, ClusterPort, MemberInfo, MemberListOptions, throwIfAborted } from '../port';
import { Sim, SimMember } from './engine';
import { MAINTENANCE_ERRORS } from './member-storage';
import { ETCD_ERRORS, mayAddMember, mayPromoteMember, mayRemoveMember, ReconfigMember, requestTimeoutMs } from './etcd-server';
import { CONF_ADD_LEARNER, CONF_ADD_VOTER, CONF_REMOVE, encodeConf } from './raft-log';
import { bit, LEADER, MAX_SLOTS, NONE } from './raft-node';
import { VirtualClock } from './virtual-clock';

export interface SimPortOptions {
  /** Per-call deadline, ms, as the real port's --timeout (default 2000). */
  callTimeoutMs?: number;
  /** Start an added member's etcd this long after MemberAdd answered (default 1000); null: never. */
  joinStartDelayMs?: number | null;
  /** Deadline of a Defragment call, ms (default 10 minutes, as a defragmentation of a large db takes that long). */
  defragTimeoutMs?: number;
}

export class SimPort implements ClusterPort {
  readonly clock: VirtualClock;
  private readonly callTimeoutMs: number;
  private readonly joinStartDelayMs: number | null;
  private readonly defragTimeoutMs: number;
  private lastList: number[] = [];

  constructor(readonly sim: Sim, options: SimPortOptions = {}) {
    this.clock = new VirtualClock(sim);
    this.callTimeoutMs = options.callTimeoutMs ?? 2000;
    this.joinStartDelayMs = options.joinStartDelayMs === undefined ? 1000 : options.joinStartDelayMs;
    this.defragTimeoutMs = options.defragTimeoutMs ?? 600_000;
    this.lastList = this.sim.members.map((m) => m.slot);
  }

  get description(): string {
    return `simulated ${this.sim.members.filter((m) => !m.removedSelf).length}-member cluster`;
  }

  now(): number {
    return this.sim.nowMs;
  }

  sleep(ms: number, options: CallOptions = {}): Promise<void> {
    return this.clock.sleep(ms, options.signal);
  }

  async close(): Promise<void> {
    /* nothing to release: the simulation stays inspectable */
  }

  // ---- transport -------------------------------------------------------------------------------------

  private get halfRttMs(): number {
    return Math.max(0.05, this.sim.net.latencyMs);
  }

  private slotFor(memberId: string): { slot: number; member: SimMember } {
    let slot = this.sim.members.findIndex((m) => m.id === memberId);
    if (slot < 0) slot = this.sim.members.findIndex((m) => sameId(m.id, memberId));
    if (slot < 0) throw new Error(`member ${memberId} has no client URL this tool can reach`);
    return { slot, member: this.sim.members[slot] };
  }

  private endpointOf(m: SimMember): string {
    return m.clientURLs[0] ?? `https://10.0.0.${m.slot + 1}:2379`;
  }

  /**
   * The request leg of a call to member `slot`: fails like a real gRPC call when the member cannot answer.
   * A call cancelled (signal aborted) before it arrives never reaches the server.
   */
  private async reach(slot: number, what: string, signal?: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    await this.clock.sleep(this.halfRttMs, signal);
    const m = this.sim.members[slot];
    if (!m.running) throw new Error(`${this.endpointOf(m)}: ${what}: connection refused`);
    if (!this.sim.reachableFromClient(slot)) {
      await this.clock.sleep(this.callTimeoutMs - this.halfRttMs, signal);
      throw new Error(`${this.endpointOf(m)}: ${what}: no answer within ${this.callTimeoutMs} ms`);
    }
    await this.waitOutStall(slot, what, this.callTimeoutMs - this.halfRttMs, signal);
  }

  /** A member busy defragmenting takes the request only when done; past `budgetMs` the call times out. */
  private async waitOutStall(slot: number, what: string, budgetMs: number, signal?: AbortSignal): Promise<void> {
    if (!this.sim.isStalled(slot)) return;
    const done = await this.clock.waitFor(() => !this.sim.isStalled(slot) || !this.sim.members[slot].running, Math.max(0, budgetMs), signal);
    const m = this.sim.members[slot];
    if (!m.running) throw new Error(`${this.endpointOf(m)}: ${what}: connection refused`);
    if (!done) throw new Error(`${this.endpointOf(m)}: ${what}: no answer within ${this.callTimeoutMs} ms`);
  }

  /** The answer's way back; an answer into a partition is lost (so is one the caller cancelled). */
  private async answer(slot: number, what: string, signal?: AbortSignal): Promise<void> {
    await this.clock.sleep(this.halfRttMs, signal);
    if (!this.sim.net.connected(slot, MAX_SLOTS)) {
      throw new Error(`${this.endpointOf(this.sim.members[slot])}: ${what}: no answer within ${this.callTimeoutMs} ms`);
    }
  }

  /** Waits on the server side until `ready`, bounded by the client's deadline. */
  private async serverWait(slot: number, what: string, ready: () => boolean, startedAt: number, signal?: AbortSignal): Promise<void> {
    const left = this.callTimeoutMs - (this.sim.nowMs - startedAt);
    const ok = await this.clock.waitFor(() => ready() || !this.sim.members[slot].running, Math.max(0, left), signal);
    if (!this.sim.members[slot].running) throw new Error(ETCD_ERRORS.stopped);
    if (!ok) throw new Error(`${this.endpointOf(this.sim.members[slot])}: ${what}: no answer within ${this.callTimeoutMs} ms`);
  }

  // ---- reads -----------------------------------------------------------------------------------------

  private statusOf(slot: number): MemberStatus {
    const node = this.sim.nodes[slot];
    const m = this.sim.members[slot];
    const status: MemberStatus = {
      leader: node.lead === NONE ? null : this.sim.members[node.lead].id,
      raftTerm: node.term,
      raftIndex: node.commit,
      appliedIndex: node.applied,
      dbSize: Math.round(m.dbSize),
      dbSizeInUse: Math.round(m.dbSizeInUse),
      version: m.version,
      isLearner: node.isLearner(),
      // Alarms are replicated: every member's Status lists the cluster's, as etcd formats them.
      errors: this.sim.alarmList.map((a) => `memberID:${hexToDecimal(this.sim.members[a.slot].id)} alarm:${a.alarm}`),
    };
    if (!/^3\.[0-5]\./.test(m.version)) status.dbSizeQuota = m.quotaBytes;
    return status;
  }

  private listOf(slot: number): MemberInfo[] {
    const node = this.sim.nodes[slot];
    const out: MemberInfo[] = [];
    const mask = node.voters | node.learners;
    for (let s = 0; s < this.sim.members.length; s++) {
      if ((mask & bit(s)) === 0) continue;
      const m = this.sim.members[s];
      out.push({ id: m.id, name: m.name, peerURLs: [...m.peerURLs], clientURLs: m.started ? [...m.clientURLs] : [], isLearner: node.isLearner(s) });
    }
    return out;
  }

  /**
   * A read answered from the member's state: one round trip of virtual time (the state is read as the answer
   * leaves, half a round trip before it arrives; the difference is below what any caller can observe).
   */
  private async read<T>(slot: number, what: string, fn: () => T, signal?: AbortSignal): Promise<T> {
    throwIfAborted(signal);
    await this.clock.sleep(2 * this.halfRttMs, signal);
    const m = this.sim.members[slot];
    if (!m.running) throw new Error(`${this.endpointOf(m)}: ${what}: connection refused`);
    if (!this.sim.reachableFromClient(slot)) {
      await this.clock.sleep(Math.max(0, this.callTimeoutMs - 2 * this.halfRttMs), signal);
      throw new Error(`${this.endpointOf(m)}: ${what}: no answer within ${this.callTimeoutMs} ms`);
    }
    await this.waitOutStall(slot, what, this.callTimeoutMs - 2 * this.halfRttMs, signal);
    return fn();
  }

  async memberStatus(memberId: string, options: CallOptions = {}): Promise<MemberStatus> {
    const { slot } = this.slotFor(memberId);
    return this.read(slot, 'status', () => this.statusOf(slot), options.signal);
  }

  /**
   * A linearizable list (etcd >= 3.5) is confirmed with the leader first: the membership the leader has
   * applied, or a timeout when the member sees no leader. A 3.4 member ignores the flag.
   */
  async memberList(via: string, options: MemberListOptions = {}): Promise<MemberInfo[]> {
    const { slot, member } = this.slotFor(via);
    const confirms = options.linearizable && !/^3\.[0-4]\./.test(member.version);
    if (!confirms) return this.read(slot, 'member list', () => this.listOf(slot), options.signal);
    const startedAt = this.sim.nowMs;
    await this.reach(slot, 'member list', options.signal);
    const lead = this.sim.nodes[slot].lead;
    const leaderReachable = () => lead !== NONE && this.sim.members[lead].running && this.sim.net.connected(slot, lead);
    if (!leaderReachable()) {
      await this.clock.sleep(Math.max(0, this.callTimeoutMs - (this.sim.nowMs - startedAt)), options.signal);
      throw new Error(`${this.endpointOf(member)}: member list: ${ETCD_ERRORS.requestTimeout}`);
    }
    const list = this.listOf(lead);
    await this.answer(slot, 'member list', options.signal);
    return list;
  }

  /** Every member's status in parallel plus the member list, as the real port's refresh does. */
  async snapshot(): Promise<ClusterHealth> {
    const startedAt = this.sim.nowMs;
    const sim = this.sim;
    // One round trip (state read as the answers leave); a partitioned member makes the refresh wait out its deadline.
    await this.clock.sleep(2 * this.halfRttMs);
    const answering = sim.members.filter((m) => sim.reachableFromClient(m.slot) && !sim.isStalled(m.slot));
    const statuses = new Map<number, MemberStatus>();
    for (const m of answering) statuses.set(m.slot, this.statusOf(m.slot));
    // The member list as the most up-to-date answering member sees it (the leader when it answers).
    let viewer = -1;
    for (const m of answering) {
      const n = sim.nodes[m.slot];
      if (!m.started) continue;
      if (viewer < 0 || (n.role === LEADER && sim.nodes[viewer].role !== LEADER)
        || (sim.nodes[viewer].role !== LEADER && n.applied > sim.nodes[viewer].applied)) viewer = m.slot;
    }
    const listRead = viewer >= 0;
    let slots: number[];
    const learnerView = new Map<number, boolean>();
    if (listRead) {
      const node = sim.nodes[viewer];
      slots = [];
      for (let s = 0; s < sim.members.length; s++) {
        if (((node.voters | node.learners) & bit(s)) === 0) continue;
        slots.push(s);
        learnerView.set(s, node.isLearner(s));
      }
      this.lastList = slots;
    } else {
      slots = this.lastList;
    }
    const partitioned = sim.members.some((m) => m.running && (!sim.reachableFromClient(m.slot) || sim.isStalled(m.slot)) && slots.includes(m.slot));
    if (partitioned) await this.clock.sleep(this.callTimeoutMs - 2 * this.halfRttMs);

    let leader: string | null = null;
    let leaderTerm = -1;
    for (const [slot] of statuses) {
      const n = sim.nodes[slot];
      if (n.role === LEADER && n.term > leaderTerm && slots.includes(slot)) { leader = sim.members[slot].id; leaderTerm = n.term; }
    }
    const members: MemberHealth[] = slots.map((s) => {
      const m = sim.members[s];
      const status = statuses.get(s) ?? null;
      const reachable = status !== null;
      const own = sim.alarmList.filter((a) => a.slot === s).map((a) => a.alarm as string);
      const blocking = sim.alarmList.map((a) => a.alarm);
      const error = reachable ? (blocking.length ? `alarm active: ${[...new Set(blocking)].join(', ')}` : null)
        : !m.started ? 'never started'
          : !m.running ? `${this.endpointOf(m)}: status: connection refused${m.stopReason && m.stopReason !== 'killed' ? ` (${m.stopReason})` : ''}`
            : `${this.endpointOf(m)}: status: no answer within ${this.callTimeoutMs} ms`;
      return {
        id: m.id,
        name: m.name,
        peerURLs: [...m.peerURLs],
        clientURLs: m.started ? [...m.clientURLs] : [],
        isLearner: learnerView.get(s) ?? status?.isLearner ?? false,
        started: m.started,
        endpoint: m.started ? this.endpointOf(m) : null,
        healthy: reachable && m.started && blocking.length === 0,
        isLeader: leader !== null && m.id === leader,
        latencyMs: reachable ? Math.round(2 * this.halfRttMs * 100) / 100 : null,
        error,
        status,
        alarms: own,
      };
    });
    // A learner's progress as the real refresh computes it: its applied index against the leader's commit.
    const leaderIndex = members.find((m) => m.isLeader)?.status?.raftIndex;
    for (const m of members) {
      if (m.isLearner) m.catchUpPercent = m.status && leaderIndex ? Math.min(100, Math.floor((m.status.appliedIndex / leaderIndex) * 100)) : null;
    }
    const endpoints = sim.members.filter((m) => m.started && slots.includes(m.slot)).map((m) => this.endpointOf(m));
    const health: ClusterHealth = {
      clusterId: sim.clusterId,
      leader,
      members,
      quorum: quorumOf(members),
      findings: [],
      endpoints,
      takenAt: startedAt,
      durationMs: Math.round((sim.nowMs - startedAt) * 100) / 100,
    };
    health.findings = healthFindings(health, { name: 'simulated cluster', endpoints }, listRead);
    return health;
  }

  // ---- leadership ------------------------------------------------------------------------------------

  async moveLeader(leaderId: string, targetId: string, options: CallOptions = {}): Promise<void> {
    const signal = options.signal;
    const { slot } = this.slotFor(leaderId);
    const startedAt = this.sim.nowMs;
    await this.reach(slot, 'move leader', signal);
    const node = this.sim.nodes[slot];
    if (node.role !== LEADER) throw new Error(ETCD_ERRORS.notLeader);
    const target = this.sim.members.findIndex((m) => sameId(m.id, targetId));
    if (target < 0 || ((node.voters | node.learners) & bit(target)) === 0 || node.isLearner(target)) {
      throw new Error(ETCD_ERRORS.badTransferee);
    }
    this.sim.emit(slot, 'op', node.term, { detail: `MoveLeader to ${this.sim.members[target].name || targetId}` });
    this.sim.transferLeadership(slot, target);
    // etcd's MoveLeader checks every tick whether this member sees the transferee lead.
    const tickMs = this.sim.timing.heartbeatMs;
    while (node.lead !== target) {
      if (!this.sim.members[slot].running) throw new Error(ETCD_ERRORS.stopped);
      if (this.sim.nowMs - startedAt + tickMs > this.callTimeoutMs) {
        await this.clock.sleep(Math.max(0, this.callTimeoutMs - (this.sim.nowMs - startedAt)), signal);
        throw new Error(`${this.endpointOf(this.sim.members[slot])}: move leader: no answer within ${this.callTimeoutMs} ms`);
      }
      await this.clock.sleep(tickMs, signal);
    }
    await this.answer(slot, 'move leader', signal);
  }

  // ---- membership ------------------------------------------------------------------------------------

  /** The members as server `slot` knows them, with its transport's view, for the strict checks. */
  private reconfigView(slot: number): ReconfigMember[] {
    const node = this.sim.nodes[slot];
    const out: ReconfigMember[] = [];
    for (let s = 0; s < this.sim.members.length; s++) {
      if (((node.voters | node.learners) & bit(s)) === 0) continue;
      out.push({
        slot: s,
        isLearner: node.isLearner(s),
        started: this.sim.members[s].started,
        connected: s === slot || this.sim.connectedForHealthInterval(slot, s),
      });
    }
    return out;
  }

  private propose(slot: number, data: number): void {
    if (!this.sim.proposeConfChange(slot, data)) throw new Error('raft proposal dropped');
  }

  async removeMember(memberId: string, via: string, options: CallOptions = {}): Promise<MemberInfo[]> {
    const signal = options.signal;
    const v = this.slotFor(via).slot;
    const startedAt = this.sim.nowMs;
    await this.reach(v, 'member remove', signal);
    const node = this.sim.nodes[v];
    const target = this.sim.members.findIndex((m) => sameId(m.id, memberId));
    if (target < 0 || ((node.voters | node.learners) & bit(target)) === 0) {
      throw new Error(target >= 0 && (this.sim.members[v].removedMask & bit(target)) !== 0 ? ETCD_ERRORS.idRemoved : ETCD_ERRORS.memberNotFound);
    }
    const refusal = mayRemoveMember(this.reconfigView(v), v, target, this.sim.rules);
    if (refusal) throw new Error(refusal);
    this.sim.emit(v, 'op', node.term, { detail: `MemberRemove ${this.sim.members[target].name || memberId} through ${this.sim.members[v].name}` });
    this.propose(v, encodeConf(CONF_REMOVE, target));
    await this.serverWait(v, 'member remove', () => ((node.voters | node.learners) & bit(target)) === 0, startedAt, signal);
    const list = this.listOf(v);
    await this.answer(v, 'member remove', signal);
    return list;
  }

  async addMember(peerURLs: string[], isLearner: boolean, via: string, options: CallOptions = {}): Promise<MemberInfo> {
    const signal = options.signal;
    const v = this.slotFor(via).slot;
    const startedAt = this.sim.nowMs;
    await this.reach(v, 'member add', signal);
    const node = this.sim.nodes[v];
    const known = this.sim.members.filter((m) => ((node.voters | node.learners) & bit(m.slot)) !== 0);
    if (known.some((m) => m.peerURLs.some((u) => peerURLs.includes(u)))) throw new Error(ETCD_ERRORS.peerURLExists);
    const refusal = mayAddMember(this.reconfigView(v), v, isLearner, this.sim.rules);
    if (refusal) throw new Error(refusal);
    if (this.sim.members.length >= MAX_SLOTS) throw new Error(`the simulator holds at most ${MAX_SLOTS} members`);
    const added = this.sim.newMemberSlot(peerURLs);
    this.sim.emit(v, 'op', node.term, { detail: `MemberAdd ${added.plannedName}${isLearner ? ' as learner' : ''} through ${this.sim.members[v].name}` });
    this.propose(v, encodeConf(isLearner ? CONF_ADD_LEARNER : CONF_ADD_VOTER, added.slot));
    await this.serverWait(v, 'member add', () => ((node.voters | node.learners) & bit(added.slot)) !== 0, startedAt, signal);
    if (this.joinStartDelayMs !== null) this.sim.after(this.joinStartDelayMs, () => this.sim.restart(added.slot));
    await this.answer(v, 'member add', signal);
    return { id: added.id, name: '', peerURLs: [...peerURLs], clientURLs: [], isLearner };
  }

  async promoteMember(memberId: string, via: string, options: CallOptions = {}): Promise<MemberInfo[]> {
    const signal = options.signal;
    const v = this.slotFor(via).slot;
    const startedAt = this.sim.nowMs;
    await this.reach(v, 'member promote', signal);
    // Only the leader knows how far a learner got: etcd forwards the request to it.
    const lead = this.sim.nodes[v].lead;
    if (lead === NONE || !this.sim.members[lead].running || !this.sim.net.connected(v, lead)) throw new Error('etcdserver: no leader');
    const leader = this.sim.nodes[lead];
    const target = this.sim.members.findIndex((m) => sameId(m.id, memberId));
    if (target < 0) throw new Error(ETCD_ERRORS.memberNotFound);
    const refusal = mayPromoteMember(this.reconfigView(lead), target, leader.match[target], leader.log.lastIndex(), this.sim.rules);
    if (refusal) throw new Error(refusal);
    this.sim.emit(lead, 'op', leader.term, { detail: `MemberPromote ${this.sim.members[target].name || memberId}` });
    this.propose(lead, encodeConf(CONF_ADD_VOTER, target));
    const node = this.sim.nodes[v];
    await this.serverWait(v, 'member promote', () => node.isVoter(target), startedAt, signal);
    const list = this.listOf(v);
    await this.answer(v, 'member promote', signal);
    return list;
  }

  // ---- maintenance -----------------------------------------------------------------------------------

  /** The leader member `v` follows, when it is running, reachable from `v` and not busy; else NONE. */
  private usableLeaderOf(v: number): number {
    const lead = this.sim.nodes[v].lead;
    if (lead === NONE || !this.sim.members[lead].running || this.sim.isStalled(lead)) return NONE;
    return lead === v || this.sim.net.connected(v, lead) ? lead : NONE;
  }

  /** A raft proposal needs a leader: the server waits for one within the client's deadline. */
  private async leaderFor(v: number, what: string, startedAt: number, signal?: AbortSignal): Promise<number> {
    await this.serverWait(v, what, () => this.usableLeaderOf(v) !== NONE, startedAt, signal);
    return this.usableLeaderOf(v);
  }

  /**
   * Defragment, asked at the member itself: it is stalled (no raft message, no tick, no read) for its db size
   * over the defragmentation speed, then its file shrinks to the size in use. A second request waits for the
   * first. The call's deadline is `defragTimeoutMs`; a defragmentation past it goes on on the server.
   */
  async defragment(memberId: string, options: CallOptions = {}): Promise<void> {
    const signal = options.signal;
    const { slot, member } = this.slotFor(memberId);
    const startedAt = this.sim.nowMs;
    throwIfAborted(signal);
    await this.clock.sleep(this.halfRttMs, signal);
    if (!member.running) throw new Error(`${this.endpointOf(member)}: defragment: connection refused`);
    if (!this.sim.reachableFromClient(slot)) {
      await this.clock.sleep(this.defragTimeoutMs - this.halfRttMs, signal);
      throw new Error(`${this.endpointOf(member)}: defragment: no answer within ${this.defragTimeoutMs} ms`);
    }
    const left = () => Math.max(0, this.defragTimeoutMs - (this.sim.nowMs - startedAt));
    const idle = () => !this.sim.isStalled(slot) || !member.running;
    if (!idle()) await this.clock.waitFor(idle, left(), signal);
    if (!member.running) throw new Error(ETCD_ERRORS.stopped);
    if (this.sim.isStalled(slot)) throw new Error(`${this.endpointOf(member)}: defragment: no answer within ${this.defragTimeoutMs} ms`);
    this.sim.defragment(slot);
    const done = await this.clock.waitFor(idle, left(), signal);
    if (!member.running) throw new Error(ETCD_ERRORS.stopped);
    if (!done) throw new Error(`${this.endpointOf(member)}: defragment: no answer within ${this.defragTimeoutMs} ms`);
    await this.answer(slot, 'defragment', signal);
  }

  /** Compact at `revision` through `via`, physical: answered once `via` has applied it. */
  async compact(revision: number, via: string, options: CallOptions = {}): Promise<void> {
    const signal = options.signal;
    const v = this.slotFor(via).slot;
    const startedAt = this.sim.nowMs;
    await this.reach(v, 'compact', signal);
    const lead = await this.leaderFor(v, 'compact', startedAt, signal);
    if (!Number.isInteger(revision) || revision > this.sim.revisionOf(lead)) throw new Error(MAINTENANCE_ERRORS.futureRev);
    const member = this.sim.members[v];
    if (revision <= member.compactRevision) throw new Error(MAINTENANCE_ERRORS.compacted);
    this.sim.emit(v, 'op', this.sim.nodes[v].term, { detail: `Compact at revision ${revision} through ${member.name}` });
    if (!this.sim.proposeCompaction(v, revision)) throw new Error('raft proposal dropped');
    await this.serverWait(v, 'compact', () => member.compactRevision >= revision, startedAt, signal);
    await this.answer(v, 'compact', signal);
  }

  private alarmInfos(): AlarmInfo[] {
    return this.sim.alarmList.map((a) => ({ memberId: this.sim.members[a.slot].id, alarm: a.alarm }));
  }

  /** The cluster's alarms (a raft round in etcd: it needs a leader). */
  async alarms(via: string, options: CallOptions = {}): Promise<AlarmInfo[]> {
    const v = this.slotFor(via).slot;
    const startedAt = this.sim.nowMs;
    await this.reach(v, 'alarm list', options.signal);
    await this.leaderFor(v, 'alarm list', startedAt, options.signal);
    const list = this.alarmInfos();
    await this.answer(v, 'alarm list', options.signal);
    return list;
  }

  /** Disarms one alarm, whatever its cause (as etcd does); resolves to the alarms still raised. */
  async disarmAlarm(alarm: AlarmInfo, via: string, options: CallOptions = {}): Promise<AlarmInfo[]> {
    const v = this.slotFor(via).slot;
    const startedAt = this.sim.nowMs;
    await this.reach(v, 'alarm disarm', options.signal);
    await this.leaderFor(v, 'alarm disarm', startedAt, options.signal);
    const target = this.sim.members.findIndex((m) => sameId(m.id, alarm.memberId));
    if (target >= 0) {
      this.sim.emit(v, 'op', this.sim.nodes[v].term, { detail: `Alarm disarm ${alarm.alarm} of ${this.sim.members[target].name || alarm.memberId}` });
      this.sim.disarm(target, alarm.alarm);
    }
    const list = this.alarmInfos();
    await this.answer(v, 'alarm disarm', options.signal);
    return list;
  }

  /** etcd's own bound on a proposal (ReqTimeout), for callers that want to mirror it. */
  get requestTimeoutMs(): number {
    return requestTimeoutMs(this.sim.timing.electionMs);
  }
}
