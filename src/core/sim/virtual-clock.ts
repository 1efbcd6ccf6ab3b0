// Lets asynchronous code (the ops engine, with its concurrent polling loops) wait in the simulator's
// virtual time. Sleeps and condition waits are parked here; once every task is parked, the simulation runs
// to the earliest wake-up and wakes exactly the tasks due then. Concurrent sleeps therefore overlap in
// virtual time as they would in real time.
//
// "Every task is parked" = the microtask queue has drained. A microtask that schedules process.nextTick
// gets control right after that drain (Node runs next-ticks once V8 has emptied its microtask queue), which
// costs far less than a trip through the event loop. Every YIELD_EVERY rounds the clock goes through
// setImmediate instead, so a long rehearsal never starves timers and I/O (e.g. in the extension host).
import { Sim } from './engine';

/** Drive rounds between two trips through the event loop. */
const YIELD_EVERY = 64;

interface Sleeper {
  at: number;
  resolve: () => void;
}

interface Waiter {
  until: number;
  ready: () => boolean;
  resolve: (ok: boolean) => void;
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

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleepers.push({ at: this.sim.nowMs + Math.max(0, ms), resolve });
      this.kick();
    });
  }

  /** Resolves true as soon as `ready()` holds (checked after every simulated event), false after `timeoutMs`. */
  waitFor(ready: () => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      this.waiters.push({ until: this.sim.nowMs + Math.max(0, timeoutMs), ready, resolve });
      this.kick();
    });
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

  private drive(): void {
    this.scheduled = false;
    this.rounds++;
    if (this.idle) return;
    const satisfied = () => {
      for (const w of this.waiters) if (w.ready()) return true;
      return false;
    };
    if (!satisfied()) {
      let next = Infinity;
      for (const s of this.sleepers) if (s.at < next) next = s.at;
      for (const w of this.waiters) if (w.until < next) next = w.until;
      if (this.waiters.length > 0) this.sim.runUntil(next, satisfied);
      else this.sim.runUntil(next);
    }
    const now = this.sim.nowMs + 1e-9;
    const due = this.sleepers.filter((s) => s.at <= now);
    if (due.length) this.sleepers = this.sleepers.filter((s) => s.at > now);
    const woken: [Waiter, boolean][] = [];
    this.waiters = this.waiters.filter((w) => {
      if (w.ready()) { woken.push([w, true]); return false; }
      if (w.until <= now) { woken.push([w, false]); return false; }
      return true;
    });
    for (const s of due) s.resolve();
    for (const [w, ok] of woken) w.resolve(ok);
    if (!this.idle) this.kick();
  }
}
