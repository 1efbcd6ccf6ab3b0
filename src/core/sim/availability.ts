// Measures what an operator feels: the stretches during which no leader could commit a write (no leader,
// a leader that is no longer a member, a leader cut off from its quorum, or one busy transferring), and
// the gaps between committed client writes.

export class AvailabilityMeter {
  private writable: boolean;
  private changedAtUs: number;
  /** Total time without a leader able to commit, µs. */
  unwritableUs = 0;
  longestUnwritableUs = 0;
  /** Number of stretches without a writable leader. */
  outages = 0;
  /** When the cluster last became writable again (µs), null if it never lost writability. */
  recoveredAtUs: number | null = null;
  /** Start of the first stretch without a writable leader (µs), null if none. */
  firstOutageAtUs: number | null = null;
  private lastCommitUs: number;
  longestCommitGapUs = 0;
  writesCommitted = 0;

  constructor(startUs: number, writable: boolean) {
    this.writable = writable;
    this.changedAtUs = startUs;
    this.lastCommitUs = startUs;
    if (!writable) {
      this.outages = 1;
      this.firstOutageAtUs = startUs;
    }
  }

  get isWritable(): boolean {
    return this.writable;
  }

  update(nowUs: number, writable: boolean): void {
    if (writable === this.writable) return;
    if (!writable) {
      this.outages++;
      if (this.firstOutageAtUs === null) this.firstOutageAtUs = nowUs;
    } else {
      this.addOutage(nowUs - this.changedAtUs);
      this.recoveredAtUs = nowUs;
    }
    this.writable = writable;
    this.changedAtUs = nowUs;
  }

  commit(nowUs: number, writes: number): void {
    const gap = nowUs - this.lastCommitUs;
    if (gap > this.longestCommitGapUs) this.longestCommitGapUs = gap;
    this.lastCommitUs = nowUs;
    this.writesCommitted += writes;
  }

  /** Totals up to `nowUs` without changing the state (an open outage counts until now). */
  snapshot(nowUs: number): { unwritableUs: number; longestUnwritableUs: number; longestCommitGapUs: number } {
    let total = this.unwritableUs;
    let longest = this.longestUnwritableUs;
    if (!this.writable) {
      const open = nowUs - this.changedAtUs;
      total += open;
      if (open > longest) longest = open;
    }
    const gap = Math.max(this.longestCommitGapUs, nowUs - this.lastCommitUs);
    return { unwritableUs: total, longestUnwritableUs: longest, longestCommitGapUs: gap };
  }

  private addOutage(us: number): void {
    this.unwritableUs += us;
    if (us > this.longestUnwritableUs) this.longestUnwritableUs = us;
  }
}
