// One member's Raft state, as the layers of the Raft state machine share it: persistent state, membership
// masks, timers as tick numbers, the leader's per-follower progress arrays, and what the node needs from
// its host. The behaviour is layered on top: raft-replication.ts, raft-election.ts, raft-membership.ts,
// raft-node.ts (message dispatch, timers, setup).
import type { Msg } from './messages';
import { RaftLog } from './raft-log';

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
export const PR_PROBE = 0;
export const PR_REPLICATE = 1;
export const PR_SNAPSHOT = 2;
export const PROGRESS_STATE_NAMES = ['StateProbe', 'StateReplicate', 'StateSnapshot'] as const;

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
  note(node: RaftState, text: string): void;
  /** Role, term or known leader changed. */
  onRole(node: RaftState, previousRole: number, previousTerm: number): void;
  onCommit(node: RaftState, previousCommit: number): void;
  /** Entry `index` was applied (membership changes are already in effect). */
  onApply(node: RaftState, index: number): void;
  /** A snapshot replaced the node's log and state up to `index`. */
  onSnapshot(node: RaftState, index: number): void;
  /** A leadership transfer started or ended on this leader. */
  onTransfer(node: RaftState): void;
}

export function bit(slot: number): number {
  return 1 << slot;
}
/** State shared by every layer of the node; the host sets `tick` before each call. */
export abstract class RaftState {
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
  protected readonly buf = new ArrayBuffer(MAX_SLOTS * (8 + 4 + 4 + 4 + 1 + 1 + 1 + 1));
  protected readonly scratch = new Float64Array(this.buf, 0, MAX_SLOTS);
  readonly match = new Int32Array(this.buf, MAX_SLOTS * 8, MAX_SLOTS);
  readonly next = new Int32Array(this.buf, MAX_SLOTS * 12, MAX_SLOTS);
  readonly pendingSnap = new Int32Array(this.buf, MAX_SLOTS * 16, MAX_SLOTS);
  readonly prState = new Uint8Array(this.buf, MAX_SLOTS * 20, MAX_SLOTS);
  readonly recentActive = new Uint8Array(this.buf, MAX_SLOTS * 21, MAX_SLOTS);
  readonly probeSent = new Uint8Array(this.buf, MAX_SLOTS * 22, MAX_SLOTS);
  /** Votes received in the current (pre-)campaign: 1 granted, -1 rejected, 0 unknown. */
  readonly votes = new Int8Array(this.buf, MAX_SLOTS * 23, MAX_SLOTS);

  constructor(readonly slot: number, readonly cfg: RaftConfig, protected readonly host: RaftHost) {
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

  protected respond(to: number, type: number, term: number, index: number, reject: boolean, hint: number): void {
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
