// Applying committed entries, as etcd does when it handles raft's Ready: single (v1) membership changes take
// effect here, not when they are appended or committed; a removed leader keeps leading unless StepDownOnRemoval.
import { CONF_ADD_LEARNER, CONF_ADD_VOTER, CONF_REMOVE, confOp, confSlot, ENTRY_CONF } from './raft-log';
import { RaftElection } from './raft-election';
import * as raft from './raft-state';

// Read once: under a CommonJS transform (tsx in tests and benches) every use of an imported binding is a
// getter call, too slow for the per-message paths below.
const { bit, LEADER, MAX_SLOTS, NONE, PR_PROBE } = raft;

export abstract class RaftMembership extends RaftElection {
  private applying = false;

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

  protected applyConfChange(data: number): void {
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
}
