// Lets asynchronous code (the ops engine, with its concurrent polling loops) wait in the simulator's
// virtual time. Sleeps and condition waits are parked here; once every task is parked, the simulation runs
// to the earliest wake-up and wakes exactly the tasks due then. Concurrent sleeps therefore overlap in
// virtual time as they would in real time.
//
// "Every task is parked" = the microtask queue has drained. A microtask that schedules process.nextTick
// gets control right after that drain (Node runs next-ticks once V8 has emptied its microtask queue), which
// costs far less than a trip through the event loop. Every YIELD_EVERY rounds the clock goes through
// setImmediate instead, so a long rehearsal never starves timers and I/O (e.g. in the extension host).
import { abortError } from '../port';
import { Sim } from './engine';

/** Drive rounds between two trips through the event loop. */
const YIELD_EVERY = 64;

interface Sleeper {
  at: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

interface Waiter {
  until: number;
  ready: () => boolean;
  resolve: (ok: boolean) => void;
  reject: (err: Error) => void;
}

export class VirtualClock {
  private sleepers: Sleeper[] = [];
  private waiters: Waiter[] = [];
  private scheduled = false;
  /** Drive rounds so far (each one a macrotask hop), for profiling. */
  rounds = 0;

  constructor(private readonly sim: Sim) {}

  now(): number {
    return this.sim.nowMs;
  }

  /** Set when the simulation itself failed (a Raft safety violation is a simulator bug): every wait rejects. */
  failure: Error | null = null;

  /** With a signal, an abort takes the sleep off the clock (so it no longer drives time) and rejects it. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.failure) { reject(this.failure); return; }
      if (signal?.aborted) { reject(abortError(signal)); return; }
      const sleeper: Sleeper = { at: this.sim.nowMs + Math.max(0, ms), resolve, reject };
      this.sleepers.push(sleeper);
      this.onAbort(signal, sleeper, () => { this.sleepers = this.sleepers.filter((s) => s !== sleeper); });
      this.kick();
    });
  }

  /** Resolves true as soon as `ready()` holds (checked after every simulated event), false after `timeoutMs`. */
  waitFor(ready: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve, reject) => {
      if (this.failure) { reject(this.failure); return; }
      if (signal?.aborted) { reject(abortError(signal)); return; }
      const waiter: Waiter = { until: this.sim.nowMs + Math.max(0, timeoutMs), ready, resolve, reject };
      this.waiters.push(waiter);
      this.onAbort(signal, waiter, () => { this.waiters = this.waiters.filter((w) => w !== waiter); });
      this.kick();
    });
  }

  private onAbort(signal: AbortSignal | undefined, parked: Sleeper | Waiter, unpark: () => void): void {
    if (!signal) return;
    const { resolve, reject } = parked as { resolve: (v?: boolean) => void; reject: (err: Error) => void };
    const abort = () => { unpark(); reject(abortError(signal)); };
    signal.addEventListener('abort', abort, { once: true });
    const detach = () => signal.removeEventListener('abort', abort);
    parked.resolve = (v?: boolean) => { detach(); resolve(v); };
    parked.reject = (err: Error) => { detach(); reject(err); };
  }

  /** Nothing parked: no task waits on virtual time. */
  get idle(): boolean {
    return this.sleepers.length === 0 && this.waiters.length === 0;
  }

  private kick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    if (++this.sinceYield >= YIELD_EVERY) {
      this.sinceYield = 0;
      setImmediate(this.driveFn);
    } else {
      queueMicrotask(this.afterDrain);
    }
  }

  private sinceYield = 0;
  private readonly driveFn = () => this.drive();
  private readonly afterDrain = () => process.nextTick(this.driveFn);

  private fail(err: Error): void {
    this.failure = err;
    const parked = [...this.sleepers, ...this.waiters];
    this.sleepers = [];
    this.waiters = [];
    for (const p of parked) p.reject(err);
  }

  private readonly satisfied = (): boolean => {
    for (const w of this.waiters) if (w.ready()) return true;
    return false;
  };

  private drive(): void {
    this.scheduled = false;
    this.rounds++;
    if (this.idle) return;
    if (!this.satisfied()) {
      let next = Infinity;
      for (const s of this.sleepers) if (s.at < next) next = s.at;
      for (const w of this.waiters) if (w.until < next) next = w.until;
      try {
        if (this.waiters.length > 0) this.sim.runUntil(next, this.satisfied);
        else this.sim.runUntil(next);
      } catch (err) {
        this.fail(err as Error);
        return;
      }
    }
    const now = this.sim.nowMs + 1e-9;
    // Take out who is due, in registration order, before waking anyone (wakers may park again at once).
    const due: Sleeper[] = [];
    let keep = 0;
    for (const s of this.sleepers) {
      if (s.at <= now) due.push(s);
      else this.sleepers[keep++] = s;
    }
    this.sleepers.length = keep;
    const woken: Waiter[] = [];
    const results: boolean[] = [];
    keep = 0;
    for (const w of this.waiters) {
      const ok = w.ready();
      if (ok || w.until <= now) { woken.push(w); results.push(ok); } else this.waiters[keep++] = w;
    }
    this.waiters.length = keep;
    for (const s of due) s.resolve();
    for (let i = 0; i < woken.length; i++) woken[i].resolve(results[i]);
    if (!this.idle) this.kick();
  }
}
