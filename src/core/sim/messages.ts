// Raft messages, pooled: a run allocates a few dozen Msg objects once and reuses them, so delivering a
// message never creates garbage. Types are numbered as in etcd's raftpb where they exist there.

export const MSG_PROP = 2;
export const MSG_APP = 3;
export const MSG_APP_RESP = 4;
export const MSG_VOTE = 5;
export const MSG_VOTE_RESP = 6;
export const MSG_SNAP = 7;
export const MSG_HEARTBEAT = 8;
export const MSG_HEARTBEAT_RESP = 9;
export const MSG_TRANSFER_LEADER = 13;
export const MSG_TIMEOUT_NOW = 14;
export const MSG_PRE_VOTE = 17;
export const MSG_PRE_VOTE_RESP = 18;

const NAMES: Record<number, string> = {
  [MSG_PROP]: 'MsgProp', [MSG_APP]: 'MsgApp', [MSG_APP_RESP]: 'MsgAppResp', [MSG_VOTE]: 'MsgVote',
  [MSG_VOTE_RESP]: 'MsgVoteResp', [MSG_SNAP]: 'MsgSnap', [MSG_HEARTBEAT]: 'MsgHeartbeat',
  [MSG_HEARTBEAT_RESP]: 'MsgHeartbeatResp', [MSG_TRANSFER_LEADER]: 'MsgTransferLeader',
  [MSG_TIMEOUT_NOW]: 'MsgTimeoutNow', [MSG_PRE_VOTE]: 'MsgPreVote', [MSG_PRE_VOTE_RESP]: 'MsgPreVoteResp',
};

export function msgTypeName(type: number): string {
  return NAMES[type] ?? `Msg${type}`;
}

/** Most entries one MsgApp carries (etcd bounds it by bytes; a count is enough here). */
export const MAX_ENTRIES_PER_MSG = 64;

export class Msg {
  /** Slot in the pool; the event queue refers to messages by it. */
  readonly id: number;
  type = 0;
  from = -1;
  to = -1;
  term = 0;
  logTerm = 0;
  index = 0;
  commit = 0;
  reject = false;
  rejectHint = 0;
  /** Vote requests sent on MsgTimeoutNow: they bypass the leader lease (etcd's campaignTransfer). */
  force = false;
  nEnt = 0;
  /** Entry buffers, allocated the first time this pooled message carries entries (most never do). */
  entTerm: Int32Array = NO_ENTRIES;
  entKind: Uint8Array = NO_KINDS;
  entData: Int32Array = NO_ENTRIES;
  // MsgSnap: the snapshot's index, term and membership (bit masks of slots).
  snapIndex = 0;
  snapTerm = 0;
  snapVoters = 0;
  snapLearners = 0;

  constructor(id: number) {
    this.id = id;
  }

  /** Makes room for entries; call before writing entTerm/entKind/entData. */
  withEntries(): this {
    if (this.entTerm === NO_ENTRIES) {
      this.entTerm = new Int32Array(MAX_ENTRIES_PER_MSG);
      this.entKind = new Uint8Array(MAX_ENTRIES_PER_MSG);
      this.entData = new Int32Array(MAX_ENTRIES_PER_MSG);
    }
    return this;
  }
}

const NO_ENTRIES = new Int32Array(0);
const NO_KINDS = new Uint8Array(0);

/**
 * Pool of messages. One pool may serve many simulations in turn (Monte-Carlo runs share one); a message's id
 * indexes `all`, so the event queue can refer to it by number.
 */
export class MsgPool {
  /** The pool Monte-Carlo runs share unless given their own. */
  static readonly shared = new MsgPool();
  readonly all: Msg[] = [];
  private free: Msg[] = [];

  get(): Msg {
    const m = this.free.pop();
    if (m === undefined) {
      const fresh = new Msg(this.all.length);
      this.all.push(fresh);
      return fresh;
    }
    m.term = 0; m.logTerm = 0; m.index = 0; m.commit = 0; m.reject = false; m.rejectHint = 0;
    m.force = false; m.nEnt = 0;
    return m;
  }

  release(m: Msg): void {
    this.free.push(m);
  }

  /** Messages currently handed out (in flight or being built). */
  inUse(): number {
    return this.all.length - this.free.length;
  }
}
