// Who leads: check-quorum, role changes, (pre-)campaigns and vote counting, and leadership transfer
// (catch-up, MsgTimeoutNow, abort after an election timeout), after etcd-io/raft.
import { MSG_PRE_VOTE, MSG_TIMEOUT_NOW, MSG_VOTE } from './messages';
import { majority } from './quorum';
import { ENTRY_NORMAL } from './raft-log';
import { RaftReplication } from './raft-replication';
import * as raft from './raft-state';

// Read once: under a CommonJS transform (tsx in tests and benches) every use of an imported binding is a
// getter call, too slow for the per-message paths below.
const { bit, CANDIDATE, FOLLOWER, LEADER, MAX_SLOTS, NONE, PR_PROBE, PRE_CANDIDATE } = raft;

// Campaign kinds, as raft's campaignPreElection / campaignElection / campaignTransfer.
export const CAMPAIGN_PRE_ELECTION = 0;
export const CAMPAIGN_ELECTION = 1;
export const CAMPAIGN_TRANSFER = 2;

export abstract class RaftElection extends RaftReplication {
  protected checkQuorum(): void {
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

  protected resetTerm(term: number): void {
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

  protected becomePreCandidate(): void {
    const prevRole = this.role;
    // Pre-vote changes neither term nor vote: a partitioned node cannot inflate terms.
    this.votes.fill(0);
    this.lead = NONE;
    this.role = PRE_CANDIDATE;
    this.host.onRole(this, prevRole, this.term);
  }

  protected becomeCandidate(): void {
    const prevRole = this.role;
    const prevTerm = this.term;
    this.resetTerm(this.term + 1);
    this.vote = this.slot;
    this.role = CANDIDATE;
    this.host.onRole(this, prevRole, prevTerm);
  }

  protected becomeLeader(): void {
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

  protected campaign(kind: number): void {
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
  protected poll(from: number, granted: boolean): number {
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

  // ---- leadership transfer ---------------------------------------------------------------------------

  /** MoveLeader as etcd's server issues it, on the leader only: raft's MsgTransferLeader. */
  transferLeadership(transferee: number): void {
    if (this.role === LEADER) this.leaderTransfer(transferee);
  }

  protected leaderTransfer(transferee: number): void {
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

  protected abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
    this.host.onTransfer(this);
  }

  protected sendTimeoutNow(to: number): void {
    if (this.host.tracing) this.host.note(this, `transferee slot ${to} is caught up: sending MsgTimeoutNow`);
    const m = this.host.newMsg();
    m.type = MSG_TIMEOUT_NOW;
    m.from = this.slot;
    m.to = to;
    m.term = this.term;
    this.host.send(m);
  }
}
