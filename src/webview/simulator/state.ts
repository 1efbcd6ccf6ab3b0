// What the webview holds of the host's recording: the session, its history up to `end`, the cursor, and
// playback settings. The other parts read and update it; only the host simulates.
import type { EventView, Frame, MessageView, MonteCarloView, OpSummary, ScenarioInfo, SessionInfo } from '../../extension/simulator/protocol';
import { byT, bySent, lastAtOrBefore } from './dom';

export const SANDBOX = 'sandbox';
/** A long sandbox keeps at most this many frames; older history is dropped (the timeline starts later). */
const MAX_FRAMES = 60000;

export const state = {
  scenarios: [] as ScenarioInfo[],
  session: null as SessionInfo | null,
  frames: [] as Frame[],
  messages: [] as MessageView[],
  msgById: new Map<number, MessageView>(),
  /** Longest time a message took to arrive so far, ms. */
  maxFlightMs: 5,
  events: [] as EventView[],
  ops: [] as OpSummary[],
  end: 0,
  done: false,
  cursor: 0,
  playing: false,
  continuePastEnd: false,
  speed: 0.25,
  advancePending: false,
  mcView: null as MonteCarloView | null,
};

/** Forgets everything of the previous session. */
export function resetHistory(cursor: number): void {
  state.frames = [];
  state.messages = [];
  state.msgById.clear();
  state.events = [];
  state.ops = [];
  state.end = 0;
  state.done = false;
  state.continuePastEnd = false;
  state.advancePending = false;
  state.maxFlightMs = 5;
  state.cursor = cursor;
}

export interface HistoryMessage {
  frames: Frame[];
  messages: MessageView[];
  settled: [number, number, boolean][];
  events: EventView[];
  end: number;
  done: boolean;
}

/** Appends a slice of history; returns true when old history was dropped (lists shown must be rebuilt). */
export function addHistory(m: HistoryMessage): boolean {
  for (const f of m.frames) state.frames.push(f);
  for (const msg of m.messages) {
    state.messages.push(msg);
    state.msgById.set(msg.id, msg);
    if (msg.arrive !== null && msg.arrive - msg.sent > state.maxFlightMs) state.maxFlightMs = msg.arrive - msg.sent;
  }
  for (const [id, doneAt, ok] of m.settled) {
    const msg = state.msgById.get(id);
    if (msg) { msg.done = doneAt; msg.ok = ok; }
  }
  for (const e of m.events) state.events.push(e);
  let trimmed = false;
  if (state.frames.length > MAX_FRAMES) {
    trimBefore(state.frames[state.frames.length - MAX_FRAMES / 2].t);
    trimmed = true;
  }
  state.end = Math.max(state.end, m.end);
  state.done = m.done;
  state.advancePending = false;
  return trimmed;
}

/** Forgets history before `t` (keeping the frame in force at `t`), so a sandbox left playing stays light. */
function trimBefore(t: number): void {
  const fi = Math.max(0, lastAtOrBefore(state.frames, t, byT));
  state.frames = state.frames.slice(fi);
  const mi = lastAtOrBefore(state.messages, t - state.maxFlightMs - 1, bySent) + 1;
  for (const m of state.messages.slice(0, mi)) state.msgById.delete(m.id);
  state.messages = state.messages.slice(mi);
  state.events = state.events.slice(lastAtOrBefore(state.events, t, byT) + 1);
  if (state.cursor < state.frames[0].t) state.cursor = state.frames[0].t;
}
