// Merges history deltas between two posts to the webview: the simulation produces many small slices, the
// webview is better served by a few larger messages. A message's fate learnt within the same batch is
// written into the message itself instead of being sent as a separate update.
import { HistoryDelta, MessageView } from './recorder';

export class HistoryBatcher {
  private frames: HistoryDelta['frames'] = [];
  private messages: MessageView[] = [];
  private byId = new Map<number, MessageView>();
  private settled: HistoryDelta['settled'] = [];
  private events: HistoryDelta['events'] = [];

  add(delta: HistoryDelta): void {
    this.frames.push(...delta.frames);
    for (const m of delta.messages) {
      const copy = { ...m };
      this.messages.push(copy);
      this.byId.set(copy.id, copy);
    }
    for (const [id, done, ok] of delta.settled) {
      const m = this.byId.get(id);
      if (m) { m.done = done; m.ok = ok; } else this.settled.push([id, done, ok]);
    }
    this.events.push(...delta.events);
  }

  get empty(): boolean {
    return !this.frames.length && !this.messages.length && !this.settled.length && !this.events.length;
  }

  take(): HistoryDelta {
    const out = { frames: this.frames, messages: this.messages, settled: this.settled, events: this.events };
    this.frames = [];
    this.messages = [];
    this.byId = new Map();
    this.settled = [];
    this.events = [];
    return out;
  }
}
