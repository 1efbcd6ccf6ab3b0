// Records a Sim as it runs, for the panel to play back: a frame after every event that changed something
// visible, every Raft message with its send, planned arrival and fate, and the annotated trace events.
// It hooks the engine's public seams only (trace sink, message hooks, runUntil), so it records the same run
// whoever drives the simulation: the session's own chunks or the virtual clock under the ops engine.
import { Sim } from '../../core/sim/engine';
import { Msg, msgTypeName } from '../../core/sim/messages';
import { TraceEvent } from '../../core/sim/trace';
import { captureFrame, Frame, sameFrame } from './frames';

export interface MessageView {
  /** Unique within a recording. */
  id: number;
  from: number;
  to: number;
  type: string;
  term: number;
  /** Entries carried (MsgApp). */
  entries: number;
  reject: boolean;
  /** Sent at, ms of virtual time. */
  sent: number;
  /** Planned arrival, null when the network lost it on the way out. */
  arrive: number | null;
  /** When it was delivered or dropped; null while in flight. */
  done: number | null;
  /** Delivered (true) or dropped at the receiver / lost (false); null while in flight. */
  ok: boolean | null;
}

export interface EventView extends TraceEvent {
  /** Position in the recording, for stable keys in the panel. */
  seq: number;
}

/** What was recorded since the last drain. */
export interface HistoryDelta {
  frames: Frame[];
  messages: MessageView[];
  /** Messages sent earlier that have since been delivered or dropped: [id, done, ok]. */
  settled: [number, number, boolean][];
  events: EventView[];
}

export class Recorder {
  private frames: Frame[] = [];
  private messages: MessageView[] = [];
  private settled: [number, number, boolean][] = [];
  private events: EventView[] = [];
  private readonly inFlight = new Map<number, MessageView>();
  private readonly pendingIds = new Set<number>();
  private last: Frame | null = null;
  private nextMessage = 0;
  private nextEvent = 0;
  /** Extra trace consumers (the session's own bookkeeping). */
  private readonly listeners: ((e: TraceEvent) => void)[] = [];

  constructor(private readonly sim: Sim) {
    sim.setTracer((e) => this.onTrace(e));
    sim.onMessageSent = (m, deliverAtUs) => this.onSent(m, deliverAtUs);
    sim.onMessageDone = (m, delivered) => this.onDone(m, delivered);
    const runUntil = sim.runUntil.bind(sim);
    // A frame after every processed event, whoever drives the simulation.
    sim.runUntil = (untilMs: number, stop?: () => boolean) => runUntil(untilMs, () => {
      this.capture();
      return stop !== undefined && stop();
    });
    this.capture();
  }

  onTraceEvent(listener: (e: TraceEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Keeps a frame of the current state if it differs from the last one kept. */
  capture(): void {
    const f = captureFrame(this.sim);
    if (this.last && sameFrame(this.last, f)) return;
    if (this.last && this.last.t === f.t && this.frames.length && this.frames[this.frames.length - 1] === this.last) {
      // Several changes at one instant: keep only the final state of that instant.
      this.frames[this.frames.length - 1] = f;
    } else {
      this.frames.push(f);
    }
    this.last = f;
  }

  private onTrace(e: TraceEvent): void {
    this.events.push({ ...e, seq: this.nextEvent++ });
    for (const l of this.listeners) l(e);
  }

  private onSent(m: Msg, deliverAtUs: number): void {
    const view: MessageView = {
      id: this.nextMessage++,
      from: m.from,
      to: m.to,
      type: msgTypeName(m.type),
      term: m.term,
      entries: m.nEnt,
      reject: m.reject,
      sent: this.sim.nowMs,
      arrive: deliverAtUs < 0 ? null : deliverAtUs / 1000,
      done: null,
      ok: null,
    };
    this.messages.push(view);
    this.pendingIds.add(view.id);
    this.inFlight.set(m.id, view);
  }

  private onDone(m: Msg, delivered: boolean): void {
    const view = this.inFlight.get(m.id);
    if (!view) return;
    this.inFlight.delete(m.id);
    // A message still waiting in this delta carries its own fate; one already handed out is left as it was
    // handed out, and its fate goes in the next delta as an update.
    if (this.pendingIds.has(view.id)) {
      view.done = this.sim.nowMs;
      view.ok = delivered;
    } else {
      this.settled.push([view.id, this.sim.nowMs, delivered]);
    }
  }

  /** Messages sent and not yet delivered or dropped. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Hands over what was recorded since the last call. */
  drain(): HistoryDelta {
    this.capture();
    const delta: HistoryDelta = { frames: this.frames, messages: this.messages, settled: this.settled, events: this.events };
    this.frames = [];
    this.messages = [];
    this.settled = [];
    this.events = [];
    this.pendingIds.clear();
    return delta;
  }

  /** Stops recording and releases the hooks (the Sim stays usable). */
  detach(): void {
    this.sim.setTracer(null);
    this.sim.onMessageSent = null;
    this.sim.onMessageDone = null;
    delete (this.sim as { runUntil?: unknown }).runUntil;
  }
}
