// One operation in progress: its result being filled in, its deadline, its steps with timings, progress
// events and cancellation. Every wait uses the port's clock, so the simulator can run it in virtual time.
// One AbortSignal covers the run: each step and each bounded wait gets a child of it, aborted when the step
// or wait ends, and the whole run's is aborted when the operation returns. Every port call and sleep takes
// one of them, so nothing the operation started can send anything after its result.
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
  /** Aborted when the step ends (done, failed or past its bound): pass it to every call the step makes. */
  signal: AbortSignal;
}

/** An action that was sent and whose outcome is not known yet: it may still be applied. */
export interface PendingAction {
  kind: 'remove' | 'transfer' | 'defrag' | 'compact' | 'disarm' | 'add' | 'promote';
  /** "the removal of m3" */
  what: string;
  /** "etcdctl member list" */
  checkWith: string;
}

export type ResolvedOptions = Required<Pick<OpOptions, 'dryRun' | 'deadlineMs' | 'stepTimeoutMs' | 'maxLagEntries' | 'pollMs'>> & OpOptions;

/** A child of `parent`: aborted with it, or on its own. */
export function childSignal(parent: AbortSignal): AbortController {
  const child = new AbortController();
  if (parent.aborted) { child.abort(parent.reason); return child; }
  const onAbort = () => child.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  child.signal.addEventListener('abort', () => parent.removeEventListener('abort', onAbort), { once: true });
  return child;
}

function ended(reason: string): Error {
  const err = new Error(reason);
  err.name = 'AbortError';
  return err;
}

export class OpRun {
  readonly result: OpResult;
  readonly options: ResolvedOptions;
  private deadline: number;
  private readonly controller = new AbortController();
  /** Set once a step that changes the cluster has been sent: from then on nothing is "refused". */
  changed = false;
  /** The action sent last whose answer never came (or came too late to count); null once it is known. */
  pending: PendingAction | null = null;
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
    // Until the confirmation, this bounds the reads and checks; confirmed() starts the deadline afresh.
    this.deadline = startedAt + this.options.deadlineMs;
    this.result = {
      op, target, targetId: null, targetName: null, dryRun: this.options.dryRun, ok: false, refused: false,
      cancelled: false, reason: '', plan: [], checks: [], steps: [], leaderBefore: null, leaderAfter: null,
      leaderTransferredTo: null, removed: null, membersBefore: [], membersAfter: null, startedAt, durationMs: 0,
    };
  }

  /** Aborted when the operation returns, whatever the outcome. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  now(): number {
    return this.port.now();
  }

  /** The operator confirmed: the deadline runs from now (the prompt may have taken minutes). */
  confirmed(): void {
    this.result.confirmedAt = this.port.now();
    this.deadline = this.port.now() + this.options.deadlineMs;
  }

  /** Milliseconds left before the operation's deadline (never negative). */
  remaining(): number {
    return Math.max(0, this.deadline - this.port.now());
  }

  /** A step's budget: its own bound, never past the operation's deadline. */
  budget(ms = this.options.stepTimeoutMs): number {
    return Math.min(ms, this.remaining());
  }

  /**
   * The bound of the one look taken after the deadline when an action's outcome is unknown: enough for one
   * call to answer, never more than a step.
   */
  graceMs(): number {
    return Math.min(this.options.stepTimeoutMs, 5000);
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

  /**
   * Runs one step with a bounded time, timing it and reporting progress. Failures are rethrown. When the
   * step ends, its signal is aborted: a step past its bound stops its calls, sleeps and retries there.
   */
  async step<T>(name: string, fn: (note: StepNote) => Promise<T>, timeoutMs = this.options.stepTimeoutMs, pastDeadline = false): Promise<T> {
    this.options.onProgress?.({ kind: 'step-started', step: name });
    const started = this.port.now();
    const scope = childSignal(this.signal);
    const note: StepNote = { detail: '', signal: scope.signal };
    const finish = (status: OpStep['status'], detail: string) => {
      const step: OpStep = { name, status, detail, ms: Math.round(this.port.now() - started) };
      this.result.steps.push(step);
      this.options.onProgress?.({ kind: 'step-finished', step });
    };
    try {
      const bound = pastDeadline ? timeoutMs : this.budget(timeoutMs);
      const value = await this.within(() => fn(note), bound, name, { signal: scope.signal, pastDeadline });
      finish('done', note.detail);
      return value;
    } catch (err) {
      finish('failed', note.detail ? `${note.detail}; ${(err as Error).message}` : (err as Error).message);
      throw err;
    } finally {
      scope.abort(ended(`step "${name}" ended`));
    }
  }

  skip(name: string, detail: string): void {
    const step: OpStep = { name, status: 'skipped', detail, ms: 0 };
    this.result.steps.push(step);
    this.options.onProgress?.({ kind: 'step-finished', step });
  }

  /**
   * Runs `work` at most `ms` (and never past the deadline, unless `pastDeadline`). `work` gets a signal that
   * is aborted when the bound is hit or the work is over, so a call still pending is cancelled and nothing
   * it would do next happens.
   */
  async within<T>(work: (signal: AbortSignal) => Promise<T>, ms: number, what: string,
    options: { signal?: AbortSignal; pastDeadline?: boolean } = {}): Promise<T> {
    const scope = childSignal(options.signal ?? this.signal);
    const bound = options.pastDeadline ? ms : Math.min(ms, this.remaining());
    const timer = new AbortController();
    try {
      const p = work(scope.signal);
      const timedOut = Symbol('timeout');
      const outcome = await Promise.race([
        p,
        this.port.sleep(Math.max(0, bound), { signal: timer.signal }).then(() => timedOut, () => new Promise<never>(() => {})),
      ]);
      if (outcome === timedOut) {
        p.catch(() => { /* ended below: its rejection is the abort */ });
        throw new StepTimeout(!options.pastDeadline && this.remaining() <= 0
          ? `${what}: the operation's deadline (${formatMs(this.options.deadlineMs)}) was reached`
          : `${what}: no result within ${formatMs(ms)}`);
      }
      return outcome as T;
    } finally {
      timer.abort();
      scope.abort(ended(`${what}: ended`));
    }
  }

  /** Sleeps up to `ms`, cut short by the deadline; returns false when the deadline left no time. */
  async pause(ms: number, signal: AbortSignal = this.signal): Promise<boolean> {
    const t = Math.min(ms, this.remaining());
    if (t <= 0) return false;
    await this.port.sleep(t, { signal });
    return true;
  }

  /** Closes the result: outcome, reason, duration. Ends everything the run still has pending. */
  finish(outcome: { ok: true; reason: string } | { error: unknown }): OpResult {
    const r = this.result;
    if ('ok' in outcome) {
      r.ok = true;
      r.reason = outcome.reason;
    } else {
      const err = outcome.error;
      r.ok = false;
      const message = (err as Error)?.message ?? String(err);
      if (this.pending) {
        r.outcomeUnknown = true;
        r.reason = `outcome unknown: ${this.pending.what} may still be applied; check with ${this.pending.checkWith} (${message})`;
      } else {
        r.reason = message;
      }
      if (err instanceof OpStop) {
        r.refused = err.refused && !this.changed;
        r.cancelled = err.cancelled;
      }
    }
    r.durationMs = Math.round(this.port.now() - r.startedAt);
    this.close();
    return r;
  }

  /** Aborts the run's signal (idempotent): called when the operation returns. */
  close(): void {
    if (!this.controller.signal.aborted) this.controller.abort(ended('the operation returned'));
  }
}
