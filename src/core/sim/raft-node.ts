// One member's Raft state machine, following etcd's raft (etcd-io/raft, the library etcd 3.4+ runs):
// pre-vote, check-quorum with its leader lease, log replication with probe/replicate/snapshot flow states,
// commit by majority of the current term only, leader transfer via MsgTimeoutNow, single (v1) membership
// changes, learners that never campaign and whose votes are never asked for.
//
// Time is counted in ticks as in etcd (one tick = one heartbeat interval). The node does not tick itself:
// the host sets `tick` (the current tick number) before every call and calls onTimer() when dueTick() is
// reached. Elapsed counters are derived (tick - resetTick), so the simulator only wakes a node when
// something is due instead of stepping every node every tick.
import { Msg, MAX_ENTRIES_PER_MSG, MSG_APP, MSG_APP_RESP, MSG_HEARTBEAT, MSG_HEARTBEAT_RESP, MSG_PRE_VOTE,
  MSG_PRE_VOTE_RESP, MSG_PROP, MSG_SNAP, MSG_TIMEOUT_NOW, MSG_VOTE, MSG_VOTE_RESP } from './messages';
import { committedIndexInPlace, majority } from './quorum';
import { CONF_ADD_LEARNER, CONF_ADD_VOTER, CONF_REMOVE, confOp, confSlot, ENTRY_CONF, ENTRY_NORMAL, RaftLog } from './raft-log';

export const FOLLOWER = 0;
export const PRE_CANDIDATE = 1;
export const CANDIDATE = 2;
export const LEADER = 3;
export const ROLE_NAMES = ['follower', 'pre-candidate', 'candidate', 'leader'] as const;
export type RoleName = typeof ROLE_NAMES[number];

export const NONE = -1;
/** Member slots per simulated cluster (membership is kept in 32-bit masks). */
export const MAX_SLOTS = 30;

// Progress (flow control) states of a follower as the leader tracks it.
const PR_PROBE = 0;
const PR_REPLICATE = 1;
const PR_SNAPSHOT = 2;
export const PROGRESS_STATE_NAMES = ['StateProbe', 'StateReplicate', 'StateSnapshot'] as const;

// Campaign kinds, as raft's campaignPreElection / campaignElection / campaignTransfer.
const CAMPAIGN_PRE_ELECTION = 0;
const CAMPAIGN_ELECTION = 1;
const CAMPAIGN_TRANSFER = 2;

export interface RaftConfig {
  /** Election timeout in ticks (etcd: --election-timeout / --heartbeat-interval, 10 by default). */
  electionTicks: number;
  /** Heartbeat interval in ticks; etcd always uses 1. */
  heartbeatTicks: number;
  preVote: boolean;
  checkQuorum: boolean;
  /** raft's StepDownOnRemoval: a leader that applies its own removal steps down. Off in the etcd releases in use. */
  stepDownOnRemoval: boolean;
}

/** What the node needs from its surroundings: a message pool and network, randomness, observers. */
export interface RaftHost {
  newMsg(): Msg;
  /** Takes ownership of the message. */
  send(m: Msg): void;
  random(): number;
  /** True when someone listens to note(): annotations are built only then. */
  readonly tracing: boolean;
  note(node: RaftNode, text: string): void;
  /** Role, term or known leader changed. */
  onRole(node: RaftNode, previousRole: number, previousTerm: number): void;
  onCommit(node: RaftNode, previousCommit: number): void;
  /** Entry `index` was applied (membership changes are already in effect). */
  onApply(node: RaftNode, index: number): void;
  /** A snapshot replaced the node's log and state up to `index`. */
  onSnapshot(node: RaftNode, index: number): void;
  /** A leadership transfer started or ended on this leader. */
  onTransfer(node: RaftNode): void;
}

export function bit(slot: number): number {
  return 1 << slot;
}

export class RaftNode {
  // Persistent state (survives a crash): term, vote, log; etcd also persists the commit index.
  term = 0;
  vote = NONE;
  readonly log = new RaftLog();
  commit = 0;
  // Volatile state.
  role = FOLLOWER;
  lead = NONE;
  applied = 0;
  /** Membership as applied by this node: bit masks of slots. */
  voters = 0;
  learners = 0;
  /** Current tick number, set by the host before each call. */
  tick = 0;
  electionResetTick = 0;
  heartbeatResetTick = 0;
  randomizedTimeout: number;
  leadTransferee = NONE;
  pendingConfIndex = 0;
  // Per-peer arrays share one buffer (one allocation per node). Leader's view of each follower:
  private readonly buf = new ArrayBuffer(MAX_SLOTS * (8 + 4 + 4 + 4 + 1 + 1 + 1 + 1));
  private readonly scratch = new Float64Array(this.buf, 0, MAX_SLOTS);
  readonly match = new Int32Array(this.buf, MAX_SLOTS * 8, MAX_SLOTS);
  readonly next = new Int32Array(this.buf, MAX_SLOTS * 12, MAX_SLOTS);
  readonly pendingSnap = new Int32Array(this.buf, MAX_SLOTS * 16, MAX_SLOTS);
  readonly prState = new Uint8Array(this.buf, MAX_SLOTS * 20, MAX_SLOTS);
  readonly recentActive = new Uint8Array(this.buf, MAX_SLOTS * 21, MAX_SLOTS);
  readonly probeSent = new Uint8Array(this.buf, MAX_SLOTS * 22, MAX_SLOTS);
  /** Votes received in the current (pre-)campaign: 1 granted, -1 rejected, 0 unknown. */
  readonly votes = new Int8Array(this.buf, MAX_SLOTS * 23, MAX_SLOTS);
  private applying = false;

  constructor(readonly slot: number, readonly cfg: RaftConfig, private readonly host: RaftHost) {
    this.randomizedTimeout = cfg.electionTicks;
  }

  // ---- derived state -------------------------------------------------------------------------------

  isVoter(slot = this.slot): boolean {
    return (this.voters & bit(slot)) !== 0;
  }

  isLearner(slot = this.slot): boolean {
    return (this.learners & bit(slot)) !== 0;
  }

  /** raft's promotable(): only a voter in its own configuration may campaign. */
  promotable(): boolean {
    return this.isVoter();
  }

  electionElapsed(): number {
    return this.tick - this.electionResetTick;
  }

  /** The tick at which onTimer() has something to do (Infinity: nothing, e.g. a learner's election timer). */
  dueTick(): number {
    if (this.role === LEADER) {
      return Math.min(this.heartbeatResetTick + this.cfg.heartbeatTicks, this.electionResetTick + this.cfg.electionTicks);
    }
    return this.promotable() ? this.electionResetTick + this.randomizedTimeout : Infinity;
  }

  // ---- timers (raft's tickElection / tickHeartbeat) --------------------------------------------------

  onTimer(): void {
    if (this.role === LEADER) {
      if (this.tick - this.electionResetTick >= this.cfg.electionTicks) {
        this.electionResetTick = this.tick;
        if (this.cfg.checkQuorum) this.checkQuorum();
        if (this.role === LEADER && this.leadTransferee !== NONE) {
          if (this.host.tracing) this.host.note(this, `transfer to slot ${this.leadTransferee} aborted after an election timeout`);
          this.abortLeaderTransfer();
        }
      }
      if (this.role !== LEADER) return;
      if (this.tick - this.heartbeatResetTick >= this.cfg.heartbeatTicks) {
        this.heartbeatResetTick = this.tick;
        this.bcastHeartbeat();
      }
      return;
    }
    if (this.promotable() && this.tick - this.electionResetTick >= this.randomizedTimeout) {
      this.electionResetTick = this.tick;
      this.hup(false);
    }
  }

  private checkQuorum(): void {
    let active = 0;
    let voters = 0;
    for (let i = 0; i < MAX_SLOTS; i++) {
      if ((this.voters & bit(i)) === 0) continue;
      voters++;
      if (i === this.slot || this.recentActive[i] === 1) active++;
    }
    for (let i = 0; i < MAX_SLOTS; i++) if (i !== this.slot) this.recentActive[i] = 0;
    if (active < majority(voters)) {
      if (this.host.tracing) this.host.note(this, 'stepped down: a quorum was not active during the last election timeout (check-quorum)');
      this.becomeFollower(this.term, NONE);
    }
  }

  // ---- role changes --------------------------------------------------------------------------------

  private resetTerm(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionResetTick = this.tick;
    this.heartbeatResetTick = this.tick;
    this.randomizedTimeout = this.cfg.electionTicks + Math.floor(this.host.random() * this.cfg.electionTicks);
    if (this.leadTransferee !== NONE) this.abortLeaderTransfer();
    this.votes.fill(0);
  }

  becomeFollower(term: number, lead: number): void {
    const prevRole = this.role;
    const prevTerm = this.term;
    this.resetTerm(term);
    this.lead = lead;
    this.role = FOLLOWER;
    this.host.onRole(this, prevRole, prevTerm);
  }

  private becomePreCandidate(): void {
    const prevRole = this.role;
    // Pre-vote changes neither term nor vote: a partitioned node cannot inflate terms.
    this.votes.fill(0);
    this.lead = NONE;
    this.role = PRE_CANDIDATE;
    this.host.onRole(this, prevRole, this.term);
  }

  private becomeCandidate(): void {
    const prevRole = this.role;
    const prevTerm = this.term;
    this.resetTerm(this.term + 1);
    this.vote = this.slot;
    this.role = CANDIDATE;
    this.host.onRole(this, prevRole, prevTerm);
  }

  private becomeLeader(): void {
    const prevRole = this.role;
    this.resetTerm(this.term);
    this.role = LEADER;
    this.lead = this.slot;
    const last = this.log.lastIndex();
    for (let i = 0; i < MAX_SLOTS; i++) {
      this.match[i] = 0;
      this.next[i] = last + 1;
      this.prState[i] = PR_PROBE;
      this.recentActive[i] = 0;
      this.probeSent[i] = 0;
      this.pendingSnap[i] = 0;
    }
    this.match[this.slot] = last;
    this.recentActive[this.slot] = 1;
    // Conservatively forbid a membership change until everything up to here is applied.
    this.pendingConfIndex = last;
    this.host.onRole(this, prevRole, this.term);
    this.appendEntry(ENTRY_NORMAL, 0);
  }

  /** Raft's Campaign / MsgHup. `transfer` = campaign on MsgTimeoutNow (skips pre-vote, overrides leases). */
  hup(transfer: boolean): void {
    if (this.role === LEADER) return;
    if (!this.promotable()) {
      if (this.host.tracing) this.host.note(this, 'is unpromotable and can not campaign');
      return;
    }
    if (transfer) this.campaign(CAMPAIGN_TRANSFER);
    else this.campaign(this.cfg.preVote ? CAMPAIGN_PRE_ELECTION : CAMPAIGN_ELECTION);
  }

  private campaign(kind: number): void {
    let voteType: number;
    let term: number;
    if (kind === CAMPAIGN_PRE_ELECTION) {
      this.becomePreCandidate();
      voteType = MSG_PRE_VOTE;
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = MSG_VOTE;
      term = this.term;
    }
    if (this.poll(this.slot, true) === 1) {
      // A single voter wins at once.
      if (kind === CAMPAIGN_PRE_ELECTION) this.campaign(CAMPAIGN_ELECTION);
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (let i = 0; i < MAX_SLOTS; i++) {
      if (i === this.slot || (this.voters & bit(i)) === 0) continue;
      const m = this.host.newMsg();
      m.type = voteType;
      m.from = this.slot;
      m.to = i;
      m.term = term;
      m.index = lastIndex;
      m.logTerm = lastTerm;
      m.force = kind === CAMPAIGN_TRANSFER;
      this.host.send(m);
    }
  }

  /** Records a vote; returns 1 won, -1 lost, 0 pending. Only voters in this node's configuration count. */
  private poll(from: number, granted: boolean): number {
    if (this.votes[from] === 0) this.votes[from] = granted ? 1 : -1;
    let n = 0;
    let yes = 0;
    let no = 0;
    for (let i = 0; i < MAX_SLOTS; i++) {
      if ((this.voters & bit(i)) === 0) continue;
      n++;
      if (this.votes[i] === 1) yes++;
      else if (this.votes[i] === -1) no++;
    }
    const q = majority(n);
    if (yes >= q) return 1;
    if (n - no < q) return -1;
    return 0;
  }

  forgetLeader(): void {
    if (this.role === FOLLOWER && this.lead !== NONE) {
      const prevRole = this.role;
      this.lead = NONE;
      this.host.onRole(this, prevRole, this.term);
    }
  }

  // ---- proposals -----------------------------------------------------------------------------------

  /**
   * A client proposal arriving at this node: appended if leader, forwarded to the leader if follower.
   * Returns false when raft drops it (no leader known, candidate, removed leader, transfer in progress).
   */
  propose(kind: number, data: number): boolean {
    if (this.role === LEADER) return this.leaderPropose(kind, data);
    if (this.role !== FOLLOWER || this.lead === NONE) return false;
    const m = this.host.newMsg().withEntries();
    m.type = MSG_PROP;
    m.from = this.slot;
    m.to = this.lead;
    m.nEnt = 1;
    m.entTerm[0] = 0;
    m.entKind[0] = kind;
    m.entData[0] = data;
    this.host.send(m);
    return true;
  }

  private leaderPropose(kind: number, data: number): boolean {
    if (((this.voters | this.learners) & bit(this.slot)) === 0) {
      if (this.host.tracing) this.host.note(this, 'proposal dropped: this leader is no longer a member');
      return false;
    }
    if (this.leadTransferee !== NONE) {
      if (this.host.tracing) this.host.note(this, 'proposal dropped: leadership transfer in progress');
      return false;
    }
    if (kind === ENTRY_CONF) {
      if (this.pendingConfIndex > this.applied) {
        // raft turns a second pending membership change into an empty entry; etcd's caller then times out.
        if (this.host.tracing) this.host.note(this, 'membership change ignored: another one is not yet applied');
        kind = ENTRY_NORMAL;
        data = 0;
      } else {
        this.pendingConfIndex = this.log.lastIndex() + 1;
      }
    }
    this.appendEntry(kind, data);
    this.bcastAppend();
    return true;
  }

  private appendEntry(kind: number, data: number): void {
    const li = this.log.append(this.term, kind, data);
    this.match[this.slot] = li;
    this.next[this.slot] = li + 1;
    this.maybeCommit();
  }

  /** MoveLeader as etcd's server issues it, on the leader only: raft's MsgTransferLeader. */
  transferLeadership(transferee: number): void {
    if (this.role === LEADER) this.leaderTransfer(transferee);
  }

  private leaderTransfer(transferee: number): void {
    if (((this.voters | this.learners) & bit(transferee)) === 0) return;
    if (this.isLearner(transferee)) {
      if (this.host.tracing) this.host.note(this, 'transfer ignored: the transferee is a learner');
      return;
    }
    if (this.leadTransferee !== NONE) {
      if (this.leadTransferee === transferee) return;
      this.abortLeaderTransfer();
    }
    if (transferee === this.slot) return;
    // The transfer must finish within one election timeout.
    this.electionResetTick = this.tick;
    this.leadTransferee = transferee;
    this.host.onTransfer(this);
    if (this.match[transferee] === this.log.lastIndex()) this.sendTimeoutNow(transferee);
    else this.maybeSendAppend(transferee, true);
  }

  private abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
    this.host.onTransfer(this);
  }

  private sendTimeoutNow(to: number): void {
    if (this.host.tracing) this.host.note(this, `transferee slot ${to} is caught up: sending MsgTimeoutNow`);
    const m = this.host.newMsg();
    m.type = MSG_TIMEOUT_NOW;
    m.from = this.slot;
    m.to = to;
    m.term = this.term;
    this.host.send(m);
  }

  // ---- message handling (raft's Step) --------------------------------------------------------------

  step(m: Msg): void {
    if (m.type === MSG_PROP) {
      // Proposals carry no term: they are local to whoever holds them.
      for (let i = 0; i < m.nEnt; i++) this.propose(m.entKind[i], m.entData[i]);
      return;
    }
    if (m.term > this.term) {
      if (m.type === MSG_VOTE || m.type === MSG_PRE_VOTE) {
        const inLease = this.cfg.checkQuorum && this.lead !== NONE && this.electionElapsed() < this.cfg.electionTicks;
        if (!m.force && inLease) {
          if (this.host.tracing) this.host.note(this, `vote refused to slot ${m.from}: leader lease not expired`);
          return;
        }
      }
      if (m.type === MSG_PRE_VOTE || (m.type === MSG_PRE_VOTE_RESP && !m.reject)) {
        // Pre-votes never move terms.
      } else if (m.type === MSG_APP || m.type === MSG_HEARTBEAT || m.type === MSG_SNAP) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === MSG_HEARTBEAT || m.type === MSG_APP)) {
        // Tell a stale leader about the newer term, so it steps down instead of being ignored forever.
        this.respond(m.from, MSG_APP_RESP, this.term, 0, false, 0);
      } else if (m.type === MSG_PRE_VOTE) {
        this.respond(m.from, MSG_PRE_VOTE_RESP, this.term, 0, true, 0);
      }
      return;
    }

    if (m.type === MSG_VOTE || m.type === MSG_PRE_VOTE) {
      const canVote = this.vote === m.from || (this.vote === NONE && this.lead === NONE)
        || (m.type === MSG_PRE_VOTE && m.term > this.term);
      const respType = m.type === MSG_VOTE ? MSG_VOTE_RESP : MSG_PRE_VOTE_RESP;
      if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
        this.respond(m.from, respType, m.term, 0, false, 0);
        if (m.type === MSG_VOTE) {
          this.electionResetTick = this.tick;
          this.vote = m.from;
        }
      } else {
        if (this.host.tracing) {
          this.host.note(this, `${m.type === MSG_VOTE ? 'vote' : 'pre-vote'} refused to slot ${m.from}: ${canVote
            ? 'its log is behind' : 'already voted or following a leader in this term'}`);
        }
        this.respond(m.from, respType, this.term, 0, true, 0);
      }
      return;
    }

    switch (this.role) {
      case LEADER: this.stepLeader(m); break;
      case FOLLOWER: this.stepFollower(m); break;
      default: this.stepCandidate(m); break;
    }
  }

  private respond(to: number, type: number, term: number, index: number, reject: boolean, hint: number): void {
    const r = this.host.newMsg();
    r.type = type;
    r.from = this.slot;
    r.to = to;
    r.term = term;
    r.index = index;
    r.reject = reject;
    r.rejectHint = hint;
    this.host.send(r);
  }

  private stepLeader(m: Msg): void {
    const from = m.from;
    if (((this.voters | this.learners) & bit(from)) === 0) return; // no progress for a non-member
    if (m.type === MSG_APP_RESP) {
      this.recentActive[from] = 1;
      if (m.reject) {
        if (this.maybeDecrTo(from, m.index, m.rejectHint)) {
          if (this.prState[from] === PR_REPLICATE) this.becomeProbe(from);
          this.maybeSendAppend(from, true);
        }
        return;
      }
      const oldPaused = this.isPaused(from);
      if (this.maybeUpdate(from, m.index)) {
        const st = this.prState[from];
        if (st === PR_PROBE) this.becomeReplicate(from);
        else if (st === PR_SNAPSHOT && this.match[from] >= this.pendingSnap[from]) this.becomeProbe(from);
        if (this.maybeCommit()) this.bcastAppend();
        else if (oldPaused) this.maybeSendAppend(from, true);
        while (this.role === LEADER && this.maybeSendAppend(from, false)) { /* send what remains */ }
        if (from === this.leadTransferee && this.match[from] === this.log.lastIndex()) this.sendTimeoutNow(from);
      }
    } else if (m.type === MSG_HEARTBEAT_RESP) {
      this.recentActive[from] = 1;
      this.probeSent[from] = 0;
      if (this.match[from] < this.log.lastIndex()) this.maybeSendAppend(from, true);
    }
  }

  private stepCandidate(m: Msg): void {
    switch (m.type) {
      case MSG_APP:
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        return;
      case MSG_HEARTBEAT:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MSG_SNAP:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case MSG_PRE_VOTE_RESP:
      case MSG_VOTE_RESP: {
        const mine = this.role === PRE_CANDIDATE ? MSG_PRE_VOTE_RESP : MSG_VOTE_RESP;
        if (m.type !== mine) return;
        const res = this.poll(m.from, !m.reject);
        if (res === 1) {
          if (this.role === PRE_CANDIDATE) this.campaign(CAMPAIGN_ELECTION);
          else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (res === -1) {
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
      default:
        return;
    }
  }

  private stepFollower(m: Msg): void {
    switch (m.type) {
      case MSG_APP:
        this.electionResetTick = this.tick;
        this.setLead(m.from);
        this.handleAppend(m);
        return;
      case MSG_HEARTBEAT:
        this.electionResetTick = this.tick;
        this.setLead(m.from);
        this.handleHeartbeat(m);
        return;
      case MSG_SNAP:
        this.electionResetTick = this.tick;
        this.setLead(m.from);
        this.handleSnapshot(m);
        return;
      case MSG_TIMEOUT_NOW:
        if (this.host.tracing) this.host.note(this, `received MsgTimeoutNow from slot ${m.from}: campaigning at once`);
        this.hup(true);
        return;
      default:
        return;
    }
  }

  private setLead(lead: number): void {
    if (this.lead !== lead) {
      this.lead = lead;
      this.host.onRole(this, this.role, this.term);
    }
  }

  private handleAppend(m: Msg): void {
    if (m.index < this.commit) {
      this.respond(m.from, MSG_APP_RESP, this.term, this.commit, false, 0);
      return;
    }
    const log = this.log;
    if (!log.matchTerm(m.index, m.logTerm)) {
      if (this.host.tracing) this.host.note(this, `rejected MsgApp at index ${m.index}: log does not match`);
      this.respond(m.from, MSG_APP_RESP, this.term, m.index, true, log.lastIndex());
      return;
    }
    const lastNew = m.index + m.nEnt;
    // Find the first entry that is new or conflicts.
    let k = 0;
    while (k < m.nEnt && log.term(m.index + 1 + k) === m.entTerm[k]) k++;
    if (k < m.nEnt) {
      const at = m.index + 1 + k;
      if (at <= this.commit) throw new SafetyViolation(`slot ${this.slot}: entry ${at} conflicts with committed entry`);
      log.truncateAfter(at - 1);
      for (; k < m.nEnt; k++) log.append(m.entTerm[k], m.entKind[k], m.entData[k]);
    }
    this.commitTo(Math.min(m.commit, lastNew));
    this.respond(m.from, MSG_APP_RESP, this.term, lastNew, false, 0);
  }

  private handleHeartbeat(m: Msg): void {
    this.commitTo(m.commit);
    this.respond(m.from, MSG_HEARTBEAT_RESP, this.term, 0, false, 0);
  }

  private handleSnapshot(m: Msg): void {
    if (m.snapIndex <= this.commit) {
      this.respond(m.from, MSG_APP_RESP, this.term, this.commit, false, 0);
      return;
    }
    if (this.log.matchTerm(m.snapIndex, m.snapTerm)) {
      // Already have the entries: fast-forward the commit index instead.
      this.commitTo(m.snapIndex);
      this.respond(m.from, MSG_APP_RESP, this.term, this.commit, false, 0);
      return;
    }
    this.log.restore(m.snapIndex, m.snapTerm);
    this.voters = m.snapVoters;
    this.learners = m.snapLearners;
    const prev = this.commit;
    this.commit = m.snapIndex;
    this.applied = m.snapIndex;
    this.host.onCommit(this, prev);
    this.host.onSnapshot(this, m.snapIndex);
    this.respond(m.from, MSG_APP_RESP, this.term, this.log.lastIndex(), false, 0);
  }

  // ---- replication (leader) ------------------------------------------------------------------------

  private isPaused(to: number): boolean {
    const st = this.prState[to];
    return st === PR_SNAPSHOT || (st === PR_PROBE && this.probeSent[to] === 1);
  }

  private becomeProbe(to: number): void {
    if (this.prState[to] === PR_SNAPSHOT) this.next[to] = Math.max(this.match[to] + 1, this.pendingSnap[to] + 1);
    else this.next[to] = this.match[to] + 1;
    this.prState[to] = PR_PROBE;
    this.probeSent[to] = 0;
    this.pendingSnap[to] = 0;
  }

  private becomeReplicate(to: number): void {
    this.prState[to] = PR_REPLICATE;
    this.next[to] = this.match[to] + 1;
    this.probeSent[to] = 0;
  }

  private maybeUpdate(to: number, n: number): boolean {
    let updated = false;
    if (this.match[to] < n) {
      this.match[to] = n;
      updated = true;
      this.probeSent[to] = 0;
    }
    if (this.next[to] < n + 1) this.next[to] = n + 1;
    return updated;
  }

  private maybeDecrTo(to: number, rejected: number, hint: number): boolean {
    if (this.prState[to] === PR_REPLICATE) {
      if (rejected <= this.match[to]) return false; // stale
      this.next[to] = this.match[to] + 1;
      return true;
    }
    if (this.next[to] - 1 !== rejected) return false; // stale
    this.next[to] = Math.max(Math.min(rejected, hint + 1), 1);
    this.probeSent[to] = 0;
    return true;
  }

  private bcastAppend(): void {
    const members = this.voters | this.learners;
    for (let i = 0; i < MAX_SLOTS; i++) {
      if (i !== this.slot && (members & bit(i)) !== 0) this.maybeSendAppend(i, true);
    }
  }

  private bcastHeartbeat(): void {
    const members = this.voters | this.learners;
    for (let i = 0; i < MAX_SLOTS; i++) {
      if (i === this.slot || (members & bit(i)) === 0) continue;
      const m = this.host.newMsg();
      m.type = MSG_HEARTBEAT;
      m.from = this.slot;
      m.to = i;
      m.term = this.term;
      // Never tell a follower to commit past what it is known to have.
      m.commit = Math.min(this.match[i], this.commit);
      this.host.send(m);
    }
  }

  /** Sends entries (or a snapshot) to `to` unless its flow is paused; returns whether anything was sent. */
  private maybeSendAppend(to: number, sendIfEmpty: boolean): boolean {
    if (this.isPaused(to)) return false;
    const log = this.log;
    if (this.next[to] > log.lastIndex() + 1) this.next[to] = log.lastIndex() + 1;
    const prevIndex = this.next[to] - 1;
    const prevTerm = log.term(prevIndex);
    if (prevTerm < 0) {
      this.sendSnapshot(to);
      return true;
    }
    const n = Math.min(log.lastIndex() - prevIndex, MAX_ENTRIES_PER_MSG);
    if (n <= 0 && !sendIfEmpty) return false;
    const m = this.host.newMsg();
    m.type = MSG_APP;
    m.from = this.slot;
    m.to = to;
    m.term = this.term;
    m.index = prevIndex;
    m.logTerm = prevTerm;
    m.commit = this.commit;
    if (n > 0) {
      m.withEntries();
      const base = prevIndex - log.snapIndex; // array offset of entry prevIndex+1
      for (let k = 0; k < n; k++) {
        m.entTerm[k] = log.terms[base + k];
        m.entKind[k] = log.kinds[base + k];
        m.entData[k] = log.datas[base + k];
      }
      m.nEnt = n;
      if (this.prState[to] === PR_REPLICATE) this.next[to] = prevIndex + n + 1;
      else this.probeSent[to] = 1;
    }
    this.host.send(m);
    return true;
  }

  private sendSnapshot(to: number): void {
    // etcd sends its latest snapshot of the applied state, membership included.
    const idx = this.applied;
    const m = this.host.newMsg();
    m.type = MSG_SNAP;
    m.from = this.slot;
    m.to = to;
    m.term = this.term;
    m.snapIndex = idx;
    m.snapTerm = this.log.term(idx);
    m.snapVoters = this.voters;
    m.snapLearners = this.learners;
    this.prState[to] = PR_SNAPSHOT;
    this.pendingSnap[to] = idx;
    if (this.host.tracing) this.host.note(this, `sending snapshot at index ${idx} to slot ${to}`);
    this.host.send(m);
  }

  /** The transport reports a snapshot that could not be delivered: probe again (raft's MsgSnapStatus reject). */
  snapshotFailed(to: number): void {
    if (this.role === LEADER && this.prState[to] === PR_SNAPSHOT) {
      this.pendingSnap[to] = 0;
      this.becomeProbe(to);
      this.probeSent[to] = 1; // wait for the next heartbeat response before trying again
    }
  }

  private maybeCommit(): boolean {
    let n = 0;
    for (let i = 0; i < MAX_SLOTS; i++) {
      if ((this.voters & bit(i)) !== 0) this.scratch[n++] = this.match[i];
    }
    const mci = committedIndexInPlace(this.scratch, n);
    // Only entries of the current term are committed by counting replicas (Raft §5.4.2).
    if (mci > this.commit && this.log.term(mci) === this.term) {
      this.commitTo(mci);
      return true;
    }
    return false;
  }

  private commitTo(c: number): void {
    if (c <= this.commit) return;
    if (c > this.log.lastIndex()) {
      throw new SafetyViolation(`slot ${this.slot}: asked to commit ${c} beyond its last index ${this.log.lastIndex()}`);
    }
    const prev = this.commit;
    this.commit = c;
    this.host.onCommit(this, prev);
  }

  /**
   * Applies committed entries, as etcd does when it handles raft's Ready (the host calls this after each
   * step); membership changes take effect here, not when they are appended or committed.
   */
  advanceApplied(): void {
    if (this.applying) return;
    this.applying = true;
    try {
      while (this.applied < this.commit) {
        const i = ++this.applied;
        if (this.log.kind(i) === ENTRY_CONF) this.applyConfChange(this.log.data(i));
        this.host.onApply(this, i);
      }
    } finally {
      this.applying = false;
    }
  }

  private applyConfChange(data: number): void {
    const op = confOp(data);
    const s = confSlot(data);
    const b = bit(s);
    const wasMember = ((this.voters | this.learners) & b) !== 0;
    if (op === CONF_ADD_VOTER) {
      this.voters |= b;
      this.learners &= ~b;
    } else if (op === CONF_ADD_LEARNER) {
      if ((this.voters & b) === 0) this.learners |= b; // v1 cannot demote a voter
    } else if (op === CONF_REMOVE) {
      this.voters &= ~b;
      this.learners &= ~b;
    }
    if (this.role !== LEADER) return;
    if (!wasMember && ((this.voters | this.learners) & b) !== 0 && s !== this.slot) {
      // New follower: probe from the last index; count it as active so check-quorum does not trip at once.
      this.match[s] = 0;
      this.next[s] = Math.max(this.log.lastIndex(), 1);
      this.prState[s] = PR_PROBE;
      this.probeSent[s] = 0;
      this.recentActive[s] = 1;
    }
    if (!this.isVoter()) {
      // Removed (or demoted) leader. etcd's raft keeps leading unless StepDownOnRemoval is set.
      if (this.cfg.stepDownOnRemoval) {
        if (this.host.tracing) this.host.note(this, 'stepping down: this leader applied its own removal');
        this.becomeFollower(this.term, NONE);
      }
      return;
    }
    if (this.voters === 0) return;
    if (this.maybeCommit()) this.bcastAppend();
    else {
      const members = this.voters | this.learners;
      for (let i = 0; i < MAX_SLOTS; i++) {
        if (i !== this.slot && (members & bit(i)) !== 0) this.maybeSendAppend(i, false);
      }
    }
    if (this.leadTransferee !== NONE && (this.voters & bit(this.leadTransferee)) === 0) this.abortLeaderTransfer();
  }

  // ---- setup, crash and restart ---------------------------------------------------------------------

  /**
   * Puts the node in a steady state, as found in a running cluster: log compacted at `index` (all of it
   * committed and applied) in term `term`, following `lead` (or leading, when lead is this node).
   */
  initState(term: number, index: number, voters: number, learners: number, lead: number): void {
    this.term = term;
    this.vote = lead;
    this.log.restore(index, term);
    this.commit = index;
    this.applied = index;
    this.voters = voters;
    this.learners = learners;
    this.lead = lead;
    this.electionResetTick = this.tick;
    this.heartbeatResetTick = this.tick;
    this.randomizedTimeout = this.cfg.electionTicks + Math.floor(this.host.random() * this.cfg.electionTicks);
    if (lead !== this.slot) {
      this.role = FOLLOWER;
      return;
    }
    this.role = LEADER;
    for (let i = 0; i < MAX_SLOTS; i++) {
      this.match[i] = index;
      this.next[i] = index + 1;
      this.prState[i] = PR_REPLICATE;
      this.recentActive[i] = 1;
      this.probeSent[i] = 0;
      this.pendingSnap[i] = 0;
    }
    this.pendingConfIndex = index;
  }


  /**
   * A process restart: term, vote, log and commit index were persisted; everything else starts afresh.
   * Entries up to the commit index are re-applied from the log, as etcd replays its WAL.
   */
  restart(): void {
    const prevRole = this.role;
    const prevTerm = this.term;
    this.role = FOLLOWER;
    this.lead = NONE;
    this.leadTransferee = NONE;
    this.electionResetTick = this.tick;
    this.heartbeatResetTick = this.tick;
    this.randomizedTimeout = this.cfg.electionTicks + Math.floor(this.host.random() * this.cfg.electionTicks);
    this.votes.fill(0);
    this.host.onRole(this, prevRole, prevTerm);
  }
}

/** A broken Raft safety property: always a bug in the simulator, never an expected outcome. */
export class SafetyViolation extends Error {
  constructor(message: string) {
    super(`raft safety violation: ${message}`);
    this.name = 'SafetyViolation';
  }
}

export function roleName(role: number): RoleName {
  return ROLE_NAMES[role];
}
