// The simulator's trace: one JSON object per line, {t, node, event, term, ...}. `t` is simulated time in ms,
// `node` a member name (null for cluster-wide events such as a partition), `term` the node's Raft term when
// it applies. Notes carry operator-language annotations ("vote refused to m2: leader lease not expired").

export type TraceEventKind =
  | 'become-follower' | 'become-pre-candidate' | 'become-candidate' | 'become-leader'
  | 'crash' | 'restart' | 'start' | 'stop'
  | 'partition' | 'heal' | 'loss' | 'delay'
  | 'conf-change' | 'commit'
  | 'transfer-start' | 'transfer-end'
  | 'op' | 'note';

export interface TraceEvent {
  t: number;
  node: string | null;
  event: TraceEventKind;
  term: number | null;
  /** Words for a human: what happened and why. */
  detail?: string;
  /** The leader the node follows after the event, when it knows one. */
  leader?: string | null;
  /** Raft index for commit and conf-change events. */
  index?: number;
}

export type TraceSink = (e: TraceEvent) => void;

export function traceLine(e: TraceEvent): string {
  return JSON.stringify(e);
}

export function toJsonLines(events: readonly TraceEvent[]): string {
  return events.map(traceLine).join('\n') + (events.length ? '\n' : '');
}

/** Parses JSON lines back (for tools and tests); throws with the line number on bad input. */
export function parseJsonLines(text: string): TraceEvent[] {
  const out: TraceEvent[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let v: unknown;
    try { v = JSON.parse(line); } catch { throw new SyntaxError(`trace line ${i + 1} is not JSON`); }
    const e = v as TraceEvent;
    if (typeof e.t !== 'number' || typeof e.event !== 'string') throw new SyntaxError(`trace line ${i + 1} lacks t or event`);
    out.push(e);
  });
  return out;
}
