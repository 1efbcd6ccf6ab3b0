// One operation in progress: its result being filled in, its deadline, its steps with timings, progress
// events and cancellation. Every wait uses the port's clock, so the simulator can run it in virtual time.
import { formatMs } from '../format';
import { ClusterPort } from '../port';
import { blockingChecks, DEFAULTS, OpCheck, OpKind, OpOptions, OpResult, OpStep } from './types';

/** Ends the operation early; `refused` when nothing was attempted. */
export class OpStop extends Error {
  constructor(message: string, readonly refused: boolean, readonly cancelled = false) {
    super(message);
  }
}

export class StepTimeout extends Error {}

export interface StepNote {
  /** What the step did, in words; set by the step as it learns more. */
  detail: string;
}

export type ResolvedOptions = Required<Pick<OpOptions, 'dryRun' | 'deadlineMs' | 'stepTimeoutMs' | 'maxLagEntries' | 'pollMs'>> & OpOptions;

export class OpRun {
  readonly result: OpResult;
  readonly options: ResolvedOptions;
  private readonly deadline: number;
  /** Set once a step that changes the cluster has been sent: from then on nothing is "refused". */
  changed = false;
  /** What the operation changed so far, in words, for a cancellation or failure report. */
  private readonly changes: string[] = [];

  constructor(readonly port: ClusterPort, op: OpKind, target: string, options: OpOptions) {
    this.options = {
      ...options,
      dryRun: options.dryRun ?? false,
      deadlineMs: options.deadlineMs ?? DEFAULTS.deadlineMs,
      stepTimeoutMs: options.stepTimeoutMs ?? DEFAULTS.stepTimeoutMs,
      maxLagEntries: options.maxLagEntries ?? DEFAULTS.maxLagEntries,
      pollMs: options.pollMs ?? DEFAULTS.pollMs,
    };
    const startedAt = port.now();
    this.deadline = startedAt + this.options.deadlineMs;
    this.result = {
      op, target, targetId: null, targetName: null, dryRun: this.options.dryRun, ok: false, refused: false,
      cancelled: false, reason: '', plan: [], checks: [], steps: [], leaderBefore: null, leaderAfter: null,
      leaderTransferredTo: null, removed: null, membersBefore: [], membersAfter: null, startedAt, durationMs: 0,
    };
  }

  now(): number {
    return this.port.now();
  }

  /** Milliseconds left before the operation's deadline (never negative). */
  remaining(): number {
    return Math.max(0, this.deadline - this.port.now());
  }

  /** A step's budget: its own bound, never past the operation's deadline. */
  budget(ms = this.options.stepTimeoutMs): number {
    return Math.min(ms, this.remaining());
  }

  waiting(message: string): void {
    this.options.onProgress?.({ kind: 'waiting', message: `waiting for: ${message}` });
  }

  get cancelRequested(): boolean {
    return Boolean(this.options.signal?.aborted);
  }

  /** Stops before the next change if the caller cancelled; says what had already been done. */
  checkCancel(before: string): void {
    if (!this.cancelRequested) return;
    const done = this.changed ? `; already done: ${this.doneSoFar()}` : '; nothing was changed';
    throw new OpStop(`cancelled before ${before}${done}`, !this.changed, true);
  }

  noteChange(what: string): void {
    this.changed = true;
    this.changes.push(what);
  }

  doneSoFar(): string {
    return this.changes.length ? this.changes.join('; ') : 'nothing';
  }

  addChecks(checks: OpCheck[]): void {
    this.result.checks.push(...checks);
  }

  /** Refuses when any blocking check failed, naming them all. */
  refuseOnFailedChecks(): void {
    const failed = blockingChecks(this.result.checks);
    if (failed.length) throw new OpStop(`refused: ${failed.map((c) => c.detail).join('; ')}`, true);
  }

  /** Runs one step with a bounded time, timing it and reporting progress. Failures are rethrown. */
  async step<T>(name: string, fn: (note: StepNote) => Promise<T>, timeoutMs = this.options.stepTimeoutMs): Promise<T> {
    this.options.onProgress?.({ kind: 'step-started', step: name });
    const started = this.port.now();
    const note: StepNote = { detail: '' };
    const finish = (status: OpStep['status'], detail: string) => {
      const step: OpStep = { name, status, detail, ms: Math.round(this.port.now() - started) };
      this.result.steps.push(step);
      this.options.onProgress?.({ kind: 'step-finished', step });
    };
    try {
      const value = await this.within(fn(note), this.budget(timeoutMs), name);
      finish('done', note.detail);
      return value;
    } catch (err) {
      finish('failed', note.detail ? `${note.detail}; ${(err as Error).message}` : (err as Error).message);
      throw err;
    }
  }

  skip(name: string, detail: string): void {
    const step: OpStep = { name, status: 'skipped', detail, ms: 0 };
    this.result.steps.push(step);
    this.options.onProgress?.({ kind: 'step-finished', step });
  }

  /**
   * Waits for `p` at most `ms` (and never past the deadline). Polls in short sleeps (the port's clock has
   * no cancellable timer) so nothing outlives the operation by more than a slice. The promise is not cancelled: etcd calls carry their own deadline.
   */
  async within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
    let settled = false;
    const done = p.then(() => { settled = true; }, () => { settled = true; });
    const until = this.port.now() + Math.min(ms, this.remaining());
    while (!settled) {
      const left = until - this.port.now();
      if (left <= 0) {
        throw new StepTimeout(this.remaining() <= 0
          ? `${what}: the operation's deadline (${formatMs(this.options.deadlineMs)}) was reached`
          : `${what}: no result within ${formatMs(ms)}`);
      }
      // Short slices: a pending slice outlives the call by at most this long (and delays a CLI's exit).
      await Promise.race([done, this.port.sleep(Math.min(left, 15))]);
    }
    return p;
  }

  /** Sleeps up to `ms`, cut short by the deadline; returns false when the deadline left no time. */
  async pause(ms: number): Promise<boolean> {
    const t = Math.min(ms, this.remaining());
    if (t <= 0) return false;
    await this.port.sleep(t);
    return true;
  }

  /** Closes the result: outcome, reason, duration. */
  finish(outcome: { ok: true; reason: string } | { error: unknown }): OpResult {
    const r = this.result;
    if ('ok' in outcome) {
      r.ok = true;
      r.reason = outcome.reason;
    } else {
      const err = outcome.error;
      r.ok = false;
      r.reason = (err as Error)?.message ?? String(err);
      if (err instanceof OpStop) {
        r.refused = err.refused && !this.changed;
        r.cancelled = err.cancelled;
      }
    }
    r.durationMs = Math.round(this.port.now() - r.startedAt);
    return r;
  }
}
