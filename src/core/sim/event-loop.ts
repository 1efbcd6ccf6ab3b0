// The simulator's clock and event loop: virtual time in integer microseconds, one event queue, and the
// actions scheduled on it. It jumps from event to event and never steps time; what an event means is the
// subclass's business (dispatch), except scheduled actions, which run here.
import { EventQueue } from './event-queue';

export const EV_DELIVER = 1;
export const EV_TIMER = 2;
export const EV_ACTION = 3;
export const EV_WRITE = 4;
export const EV_SNAP_FAILED = 5;

export abstract class EventLoop {
  nowUs = 0;
  readonly queue = new EventQueue(128);
  protected readonly actions: ((() => void) | null)[] = [];
  protected readonly freeActions: number[] = [];
  events = 0;

  /** Handles one event other than a scheduled action. */
  protected abstract dispatch(kind: number, a: number, b: number): void;
  /** Runs after every event (e.g. to measure what it changed). */
  protected abstract afterEvent(): void;

  get nowMs(): number {
    return this.nowUs / 1000;
  }

  /** Processes every event up to `untilMs` (or until `stop` returns true); returns whether `stop` ended it. */
  runUntil(untilMs: number, stop?: () => boolean): boolean {
    const untilUs = Math.ceil(untilMs * 1000 - 1e-6);
    while (this.queue.size > 0 && this.queue.peekTime() <= untilUs) {
      this.processNext();
      if (stop !== undefined && stop()) return true;
    }
    if (untilUs > this.nowUs) this.nowUs = untilUs;
    return false;
  }

  runFor(ms: number, stop?: () => boolean): boolean {
    return this.runUntil(this.nowMs + ms, stop);
  }

  /** Processes exactly one event; false when nothing is scheduled. For step-by-step viewers. */
  step(): boolean {
    if (this.queue.size === 0) return false;
    this.processNext();
    return true;
  }

  private processNext(): void {
    const q = this.queue;
    const id = q.pop();
    const t = q.time[id];
    const kind = q.kind[id];
    const a = q.a[id];
    const b = q.b[id];
    q.release(id);
    this.nowUs = t;
    this.events++;
    if (kind === EV_ACTION) {
      const fn = this.actions[a];
      this.actions[a] = null;
      this.freeActions.push(a);
      if (fn) fn();
    } else {
      this.dispatch(kind, a, b);
    }
    this.afterEvent();
  }

  /** Runs `fn` at simulated time `atMs` (not before now). */
  schedule(atMs: number, fn: () => void): void {
    const id = this.freeActions.length ? this.freeActions.pop()! : this.actions.length;
    this.actions[id] = fn;
    this.queue.push(Math.max(this.nowUs, Math.round(atMs * 1000)), EV_ACTION, id, 0);
  }

  after(ms: number, fn: () => void): void {
    this.schedule(this.nowMs + ms, fn);
  }
}
