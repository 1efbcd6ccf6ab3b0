// A node's Raft log in compact form: per entry only its term, kind and a 32-bit datum (a write id, or an
// encoded membership change). Entries up to `snapIndex` are compacted into a snapshot, as on a real member.
// The log (with term and vote) is what survives a crash.

export const ENTRY_NORMAL = 0;
export const ENTRY_CONF = 1;
/** A compaction of the key-value store at revision `data` (etcd proposes Compact through raft, too). */
export const ENTRY_COMPACT = 2;

// Membership changes, numbered as etcd's raftpb.ConfChangeType (v1 changes, which is what etcd issues).
export const CONF_ADD_VOTER = 0; // AddNode: add a voter, or promote a learner
export const CONF_REMOVE = 1; // RemoveNode
export const CONF_ADD_LEARNER = 3; // AddLearnerNode

export function encodeConf(op: number, slot: number): number {
  return op * 64 + slot;
}
export function confOp(data: number): number {
  return Math.floor(data / 64);
}
export function confSlot(data: number): number {
  return data % 64;
}

export class RaftLog {
  snapIndex = 0;
  snapTerm = 0;
  /** Number of entries after the snapshot. */
  len = 0;
  terms: Int32Array;
  kinds: Uint8Array;
  datas: Int32Array;

  constructor(capacity = 64) {
    this.terms = new Int32Array(capacity);
    this.kinds = new Uint8Array(capacity);
    this.datas = new Int32Array(capacity);
  }

  lastIndex(): number {
    return this.snapIndex + this.len;
  }

  lastTerm(): number {
    return this.len === 0 ? this.snapTerm : this.terms[this.len - 1];
  }

  /** Term of entry i, or -1 when the entry is compacted away or beyond the end. */
  term(i: number): number {
    if (i === this.snapIndex) return this.snapTerm;
    if (i < this.snapIndex || i > this.snapIndex + this.len) return -1;
    return this.terms[i - this.snapIndex - 1];
  }

  kind(i: number): number {
    return this.kinds[i - this.snapIndex - 1];
  }

  data(i: number): number {
    return this.datas[i - this.snapIndex - 1];
  }

  matchTerm(i: number, t: number): boolean {
    return this.term(i) === t;
  }

  /** Raft's up-to-date rule for votes: a later last term wins, then a longer log. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  append(term: number, kind: number, data: number): number {
    if (this.len === this.terms.length) this.grow();
    this.terms[this.len] = term;
    this.kinds[this.len] = kind;
    this.datas[this.len] = data;
    this.len++;
    return this.snapIndex + this.len;
  }

  /** Drops every entry after index `after` (a conflicting suffix). */
  truncateAfter(after: number): void {
    this.len = Math.max(0, after - this.snapIndex);
  }

  /** Replaces the log by a snapshot at (index, term): what a member does when it installs MsgSnap. */
  restore(index: number, term: number): void {
    this.snapIndex = index;
    this.snapTerm = term;
    this.len = 0;
  }

  /**
   * Drops the entries up to `index` (a member's own snapshot, taken every --snapshot-count applied entries):
   * followers behind it can then only catch up by a snapshot.
   */
  compactTo(index: number): void {
    if (index <= this.snapIndex) return;
    if (index > this.lastIndex()) throw new RangeError(`cannot compact the log past its last index ${this.lastIndex()}`);
    const drop = index - this.snapIndex;
    this.snapTerm = this.terms[drop - 1];
    this.terms.copyWithin(0, drop, this.len);
    this.kinds.copyWithin(0, drop, this.len);
    this.datas.copyWithin(0, drop, this.len);
    this.len -= drop;
    this.snapIndex = index;
  }

  private grow(): void {
    const cap = this.terms.length * 2;
    const t = new Int32Array(cap); t.set(this.terms); this.terms = t;
    const k = new Uint8Array(cap); k.set(this.kinds); this.kinds = k;
    const d = new Int32Array(cap); d.set(this.datas); this.datas = d;
  }
}
