// A step-able recording of one simulation, for viewers (the simulator panel) and tests: every trace event,
// every message with its send time, planned arrival and fate, and the members' state now.
//
//   const sim = new Sim({ seed: 7 }, { members: [{}, {}, {}], leader: 0 });
//   const rec = new SimRecorder(sim);
//   while (rec.step() && sim.nowMs < 5000) { draw(rec.nodes(), rec.inFlightAt(sim.nowMs)); }
//   rec.events            // TraceEvent[] so far; rec.messages: MessageRecord[]
//
// The engine has one trace sink and one pair of message hooks: a recorder takes them over until detach().
import { Sim } from './engine';
import { Msg, msgTypeName } from './messages';
import { LEADER, NONE, roleName, RoleName } from './raft-node';
import { TraceEvent } from './trace';

export interface MessageRecord {
  from: string;
  to: string;
  type: string;
  term: number;
  /** Entries carried (MsgApp, MsgProp). */
  entries: number;
  reject: boolean;
  sentAt: number;
  /** Planned arrival (ms); null when the network lost it at once. */
  deliverAt: number | null;
  /** true delivered, false dropped (partition, crash, loss, removed sender); null while in flight. */
  delivered: boolean | null;
}

export interface NodeView {
  name: string;
  id: string;
  role: RoleName | 'down';
  term: number;
  leader: string | null;
  commit: number;
  applied: number;
  lastIndex: number;
  isLearner: boolean;
  /** In its own view of the membership (false once it applied its removal, or before it joined). */
  isMember: boolean;
}

export class SimRecorder {
  readonly events: TraceEvent[] = [];
  readonly messages: MessageRecord[] = [];
  private readonly open = new Map<number, MessageRecord>();

  constructor(readonly sim: Sim, options: { messages?: boolean } = {}) {
    sim.setTracer((e) => this.events.push(e));
    if (options.messages !== false) {
      sim.onMessageSent = (m, at) => this.sent(m, at);
      sim.onMessageDone = (m, ok) => this.done(m, ok);
    }
  }

  private name(slot: number): string {
    const m = this.sim.members[slot];
    return m ? (m.name || m.plannedName) : `#${slot}`;
  }

  private sent(m: Msg, deliverAtUs: number): void {
    const rec: MessageRecord = {
      from: this.name(m.from), to: this.name(m.to), type: msgTypeName(m.type), term: m.term, entries: m.nEnt,
      reject: m.reject, sentAt: this.sim.nowMs, deliverAt: deliverAtUs < 0 ? null : deliverAtUs / 1000, delivered: null,
    };
    this.messages.push(rec);
    if (deliverAtUs >= 0) this.open.set(m.id, rec);
  }

  private done(m: Msg, ok: boolean): void {
    const rec = this.open.get(m.id);
    if (rec) {
      rec.delivered = ok;
      this.open.delete(m.id);
    } else if (!ok) {
      // lost when sent: already recorded with deliverAt null
      const last = this.messages[this.messages.length - 1];
      if (last && last.delivered === null && last.deliverAt === null) last.delivered = false;
    }
  }

  /** Processes one event; false when nothing is left to simulate. */
  step(): boolean {
    return this.sim.step();
  }

  runUntil(ms: number): void {
    this.sim.runUntil(ms);
  }

  /** Messages on the wire at time `ms`. */
  inFlightAt(ms: number): MessageRecord[] {
    return this.messages.filter((r) => r.sentAt <= ms && r.deliverAt !== null && r.deliverAt > ms);
  }

  eventsBetween(fromMs: number, toMs: number): TraceEvent[] {
    return this.events.filter((e) => e.t >= fromMs && e.t < toMs);
  }

  /** Every member's state now. */
  nodes(): NodeView[] {
    return this.sim.members.map((m, slot) => {
      const n = this.sim.nodes[slot];
      return {
        name: this.name(slot),
        id: m.id,
        role: m.running ? roleName(n.role) : 'down',
        term: n.term,
        leader: n.lead === NONE ? null : this.name(n.lead),
        commit: n.commit,
        applied: n.applied,
        lastIndex: n.log.lastIndex(),
        isLearner: n.isLearner(),
        isMember: ((n.voters | n.learners) & (1 << slot)) !== 0,
      };
    });
  }

  /** The member that leads and can commit now, if any. */
  leader(): string | null {
    const s = this.sim.writableLeader();
    return s === NONE || this.sim.nodes[s].role !== LEADER ? null : this.name(s);
  }

  /** Gives the engine's hooks back. */
  detach(): void {
    this.sim.setTracer(null);
    this.sim.onMessageSent = null;
    this.sim.onMessageDone = null;
  }
}
