// Polls every watched member's own status (not through the leader: it must answer while there is none)
// and keeps the latest answer of each. Used to verify a transfer ("at least two members report the new
// leader"), to find who leads after a failure, and to measure how long the survivors saw no valid leader.
import { MemberStatus } from '../cluster-model';
import { sameId } from '../ids';
import { ClusterPort } from '../port';
import { childSignal } from './op-run';

interface Sample {
  status: MemberStatus | null;
  error: string | null;
  at: number;
}

export class LeaderWatch {
  private readonly samples = new Map<string, Sample>();
  private readonly removing = new Set<string>();
  private running = false;
  /** Ends every poll and sleep of the watch: on stop(), or when the operation's signal is aborted. */
  private scope: AbortController | null = null;
  private leaderlessMs = 0;
  private lastTick: number | null = null;
  private lastLed = true;
  private startedAt = 0;
  /** A member's answer older than this no longer counts (a stopped member keeps its last answer forever). */
  private readonly staleMs: number;

  constructor(private readonly port: ClusterPort, private readonly memberIds: string[], private readonly pollMs: number,
    private readonly signal: AbortSignal = new AbortController().signal) {
    this.staleMs = Math.max(300, pollMs * 10);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.scope = childSignal(this.signal);
    this.scope.signal.addEventListener('abort', () => { this.running = false; }, { once: true });
    this.startedAt = this.port.now();
    for (const id of this.memberIds) void this.pollLoop(id);
    void this.tickLoop();
  }

  /** Stops polling: calls in flight are cancelled, sleeps end. */
  stop(): void {
    this.running = false;
    this.scope?.abort();
  }

  /** From now on `id` is on its way out: its reports no longer count, and it is no longer a valid leader. */
  markRemoving(id: string): void {
    this.removing.add(id);
  }

  private async pollLoop(id: string): Promise<void> {
    const signal = this.scope!.signal;
    while (this.running) {
      try {
        const status = await this.port.memberStatus(id, { signal });
        if (this.running) this.samples.set(id, { status, error: null, at: this.port.now() });
      } catch (err) {
        if (this.running) this.samples.set(id, { status: null, error: (err as Error).message, at: this.port.now() });
      }
      if (this.running) await this.port.sleep(this.pollMs, { signal }).catch(() => {});
    }
  }

  /**
   * Accumulates leaderless time between ticks, counting once every member answered (or failed) once, or
   * once a stopped member's silence has gone on long enough to be stale anyway.
   */
  private async tickLoop(): Promise<void> {
    const signal = this.scope!.signal;
    while (this.running) {
      this.tick();
      await this.port.sleep(this.pollMs, { signal }).catch(() => {});
    }
    this.tick();
  }

  private tick(): void {
    const now = this.port.now();
    if (this.lastTick === null) {
      if (this.samples.size < this.memberIds.length && now - this.startedAt < this.staleMs) return;
    } else if (!this.lastLed) {
      this.leaderlessMs += now - this.lastTick;
    }
    this.lastTick = now;
    this.lastLed = this.validLeader() !== null;
  }

  /** Latest answers newer than the stale limit (and not older than `since`, when given). */
  private fresh(since = -Infinity): [string, MemberStatus][] {
    const cutoff = Math.max(since, this.port.now() - this.staleMs);
    const out: [string, MemberStatus][] = [];
    for (const [id, s] of this.samples) if (s.status && s.at >= cutoff) out.push([id, s.status]);
    return out;
  }

  private isRemoving(id: string): boolean {
    for (const r of this.removing) if (sameId(r, id)) return true;
    return false;
  }

  /** How many members, by their latest fresh answer, follow (or are) `leaderId`. */
  reporting(leaderId: string, since?: number): number {
    return this.fresh(since).filter(([, s]) => sameId(s.leader, leaderId)).length;
  }

  /** The leader most fresh answers name, with how many name it; null when none names one. */
  currentLeader(since?: number): { id: string; reporters: number; answering: number } | null {
    const fresh = this.fresh(since);
    const votes = new Map<string, number>();
    for (const [, s] of fresh) if (s.leader) votes.set(s.leader, (votes.get(s.leader) ?? 0) + 1);
    let best: { id: string; reporters: number; answering: number } | null = null;
    for (const [id, n] of votes) if (!best || n > best.reporters) best = { id, reporters: n, answering: fresh.length };
    return best;
  }

  /** A leader reported by a surviving member that is itself a watched member not being removed. */
  validLeader(): string | null {
    for (const [id, s] of this.fresh()) {
      if (this.isRemoving(id) || !s.leader) continue;
      if (this.memberIds.some((m) => sameId(m, s.leader)) && !this.isRemoving(s.leader)) return s.leader;
    }
    return null;
  }

  /** Leaderless time seen so far (see tick). */
  leaderless(): number {
    return Math.round(this.leaderlessMs);
  }

  /** Waits until `ready()` holds, polling at the watch's pace; false when `ms` passed first. */
  async waitFor(ready: () => boolean, ms: number, signal: AbortSignal = this.signal): Promise<boolean> {
    const until = this.port.now() + ms;
    for (;;) {
      if (ready()) return true;
      if (this.port.now() >= until) return false;
      await this.port.sleep(Math.min(this.pollMs, Math.max(1, until - this.port.now())), { signal });
    }
  }
}
