// One member's Raft state machine, following etcd's raft (etcd-io/raft, the library etcd 3.4+ runs):
// pre-vote, check-quorum with its leader lease, log replication with probe/replicate/snapshot flow states,
// commit by majority of the current term only, leader transfer via MsgTimeoutNow, single (v1) membership
// changes, learners that never campaign and whose votes are never asked for.
//
// Time is counted in ticks as in etcd (one tick = one heartbeat interval). The node does not tick itself:
// the host sets `tick` (the current tick number) before every call and calls onTimer() when dueTick() is
// reached. Elapsed counters are derived (tick - resetTick), so the simulator only wakes a node when
//
// The layers, one job per file: raft-state.ts (state and host), raft-replication.ts, raft-election.ts,
// raft-membership.ts; this file dispatches messages (raft's Step), runs the timers and sets the node up.
import { Msg, MSG_APP, MSG_APP_RESP, MSG_HEARTBEAT, MSG_HEARTBEAT_RESP, MSG_PRE_VOTE, MSG_PRE_VOTE_RESP, MSG_PROP, MSG_SNAP,
  MSG_TIMEOUT_NOW, MSG_VOTE, MSG_VOTE_RESP } from './messages';
import { CAMPAIGN_ELECTION } from './raft-election';
import { RaftMembership } from './raft-membership';
import * as raft from './raft-state';

// Read once: under a CommonJS transform (tsx in tests and benches) every use of an imported binding is a
// getter call, too slow for the per-message paths below.
const { bit, FOLLOWER, LEADER, MAX_SLOTS, NONE, PR_PROBE, PR_REPLICATE, PR_SNAPSHOT, PRE_CANDIDATE } = raft;

export { bit, CANDIDATE, FOLLOWER, LEADER, MAX_SLOTS, NONE, PRE_CANDIDATE, PROGRESS_STATE_NAMES, ROLE_NAMES, roleName,
  SafetyViolation } from './raft-state';
export type { RaftConfig, RaftHost, RaftState, RoleName } from './raft-state';

export class RaftNode extends RaftMembership {
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

  protected stepLeader(m: Msg): void {
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

  protected stepCandidate(m: Msg): void {
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

  protected stepFollower(m: Msg): void {
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

  protected setLead(lead: number): void {
    if (this.lead !== lead) {
      this.lead = lead;
      this.host.onRole(this, this.role, this.term);
    }
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
