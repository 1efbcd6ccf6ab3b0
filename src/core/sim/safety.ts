// Raft's safety properties (Ongaro's thesis, figure 3.2), checked while a simulation runs:
// Election Safety (at most one leader per term), Leader Completeness (a leader holds every entry committed
// in an earlier term: a leader of an older term can still emerge late, e.g. from vote answers a member busy
// defragmenting handles seconds later, and is deposed as soon as it meets the newer term), State Machine Safety (every member applies the same entry at a given index), and Log Matching
// (same index and term => identical prefix), the last checked across all pairs on demand.
import { RaftState, SafetyViolation } from './raft-state';

export class SafetyChecker {
  private readonly leaderOfTerm = new Map<number, number>();
  private committedTerm: Int32Array = new Int32Array(256);
  /** Term of the member that first committed each entry: the term in which it was committed. */
  private committedIn: Int32Array = new Int32Array(256);
  private appliedTerm: Int32Array = new Int32Array(256);
  private appliedData: Int32Array = new Int32Array(256);
  private appliedKind: Uint8Array = new Uint8Array(256);
  private maxCommitted: number;
  checks = 0;

  /** `base`: the lowest snapshot index any member starts from; entries at or below it are not tracked. */
  constructor(private readonly base: number) {
    this.maxCommitted = base;
    this.committedTerm.fill(-1);
    this.appliedTerm.fill(-1);
  }

  private ensure(index: number): void {
    const need = index - this.base + 1;
    if (need <= this.committedTerm.length) return;
    let cap = this.committedTerm.length;
    while (cap < need) cap *= 2;
    const grow = (old: Int32Array, fillWith: number) => { const n = new Int32Array(cap).fill(fillWith); n.set(old); return n; };
    this.committedTerm = grow(this.committedTerm, -1);
    this.committedIn = grow(this.committedIn, 0);
    this.appliedTerm = grow(this.appliedTerm, -1);
    this.appliedData = grow(this.appliedData, 0);
    const k = new Uint8Array(cap); k.set(this.appliedKind); this.appliedKind = k;
  }

  onLeader(node: RaftState): void {
    this.checks++;
    const prev = this.leaderOfTerm.get(node.term);
    if (prev !== undefined && prev !== node.slot) {
      throw new SafetyViolation(`election safety: slots ${prev} and ${node.slot} both leader in term ${node.term}`);
    }
    this.leaderOfTerm.set(node.term, node.slot);
    const from = Math.max(node.log.snapIndex, this.base) + 1;
    for (let i = from; i <= this.maxCommitted; i++) {
      const t = this.committedTerm[i - this.base];
      if (t >= 0 && this.committedIn[i - this.base] < node.term && node.log.term(i) !== t) {
        throw new SafetyViolation(`leader completeness: new leader slot ${node.slot} (term ${node.term}) lacks committed entry ${i} of term ${t}`);
      }
    }
  }

  onCommit(node: RaftState, previous: number): void {
    this.checks++;
    const log = node.log;
    for (let i = Math.max(previous, log.snapIndex, this.base) + 1; i <= node.commit; i++) {
      this.ensure(i);
      const t = log.term(i);
      const known = this.committedTerm[i - this.base];
      if (known === -1) {
        this.committedTerm[i - this.base] = t;
        this.committedIn[i - this.base] = node.term;
      }
      else if (known !== t) throw new SafetyViolation(`entry ${i} committed with term ${known} and with term ${t}`);
    }
    if (node.commit > this.maxCommitted) this.maxCommitted = node.commit;
  }

  onApply(node: RaftState, index: number): void {
    if (index <= this.base) return;
    this.ensure(index);
    const k = index - this.base;
    const log = node.log;
    const t = log.term(index);
    if (this.appliedTerm[k] === -1) {
      this.appliedTerm[k] = t;
      this.appliedData[k] = log.data(index);
      this.appliedKind[k] = log.kind(index);
    } else if (this.appliedTerm[k] !== t || this.appliedData[k] !== log.data(index) || this.appliedKind[k] !== log.kind(index)) {
      throw new SafetyViolation(`state machine safety: slot ${node.slot} applied a different entry at index ${index}`);
    }
  }

  /** Log Matching over every pair of logs: once two logs agree on (index, term), they agree on all before. */
  checkLogMatching(nodes: readonly RaftState[]): void {
    for (let a = 0; a < nodes.length; a++) {
      for (let b = a + 1; b < nodes.length; b++) {
        const la = nodes[a].log;
        const lb = nodes[b].log;
        const lo = Math.max(la.snapIndex, lb.snapIndex);
        let i = Math.min(la.lastIndex(), lb.lastIndex());
        while (i > lo && la.term(i) !== lb.term(i)) i--;
        for (; i > lo; i--) {
          if (la.term(i) !== lb.term(i) || la.data(i) !== lb.data(i) || la.kind(i) !== lb.kind(i)) {
            throw new SafetyViolation(`log matching: slots ${a} and ${b} differ at index ${i} below a matching entry`);
          }
        }
        this.checks++;
      }
    }
  }
}
