// Log replication, the leader's and the follower's side: proposals, MsgApp / heartbeats with probe /
// replicate / snapshot flow control, snapshots, and commit by a majority of current-term entries only.
import { MAX_ENTRIES_PER_MSG, Msg, MSG_APP, MSG_APP_RESP, MSG_HEARTBEAT, MSG_HEARTBEAT_RESP, MSG_PROP, MSG_SNAP } from './messages';
import { committedIndexInPlace } from './quorum';
import { ENTRY_CONF, ENTRY_NORMAL } from './raft-log';
import { RaftState, SafetyViolation } from './raft-state';
import * as raft from './raft-state';

// Read once: under a CommonJS transform (tsx in tests and benches) every use of an imported binding is a
// getter call, too slow for the per-message paths below.
const { bit, FOLLOWER, LEADER, MAX_SLOTS, NONE, PR_PROBE, PR_REPLICATE, PR_SNAPSHOT } = raft;

export abstract class RaftReplication extends RaftState {
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

  protected leaderPropose(kind: number, data: number): boolean {
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

  protected appendEntry(kind: number, data: number): void {
    const li = this.log.append(this.term, kind, data);
    this.match[this.slot] = li;
    this.next[this.slot] = li + 1;
    this.maybeCommit();
  }

  // ---- replication (follower) ----------------------------------------------------------------------

  protected handleAppend(m: Msg): void {
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

  protected handleHeartbeat(m: Msg): void {
    this.commitTo(m.commit);
    this.respond(m.from, MSG_HEARTBEAT_RESP, this.term, 0, false, 0);
  }

  protected handleSnapshot(m: Msg): void {
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

  protected isPaused(to: number): boolean {
    const st = this.prState[to];
    return st === PR_SNAPSHOT || (st === PR_PROBE && this.probeSent[to] === 1);
  }

  protected becomeProbe(to: number): void {
    if (this.prState[to] === PR_SNAPSHOT) this.next[to] = Math.max(this.match[to] + 1, this.pendingSnap[to] + 1);
    else this.next[to] = this.match[to] + 1;
    this.prState[to] = PR_PROBE;
    this.probeSent[to] = 0;
    this.pendingSnap[to] = 0;
  }

  protected becomeReplicate(to: number): void {
    this.prState[to] = PR_REPLICATE;
    this.next[to] = this.match[to] + 1;
    this.probeSent[to] = 0;
  }

  protected maybeUpdate(to: number, n: number): boolean {
    let updated = false;
    if (this.match[to] < n) {
      this.match[to] = n;
      updated = true;
      this.probeSent[to] = 0;
    }
    if (this.next[to] < n + 1) this.next[to] = n + 1;
    return updated;
  }

  protected maybeDecrTo(to: number, rejected: number, hint: number): boolean {
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

  protected bcastAppend(): void {
    const members = this.voters | this.learners;
    for (let i = 0; i < MAX_SLOTS; i++) {
      if (i !== this.slot && (members & bit(i)) !== 0) this.maybeSendAppend(i, true);
    }
  }

  protected bcastHeartbeat(): void {
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
  protected maybeSendAppend(to: number, sendIfEmpty: boolean): boolean {
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

  protected sendSnapshot(to: number): void {
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

  protected maybeCommit(): boolean {
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

  protected commitTo(c: number): void {
    if (c <= this.commit) return;
    if (c > this.log.lastIndex()) {
      throw new SafetyViolation(`slot ${this.slot}: asked to commit ${c} beyond its last index ${this.log.lastIndex()}`);
    }
    const prev = this.commit;
    this.commit = c;
    this.host.onCommit(this, prev);
  }

}
