// What the simulator panel draws of one moment: every member's role, term, indexes, the tail of its Raft log,
// its process state and which side of a partition it is on. Built from a running Sim, compared field by
// field so a recording keeps a frame only when something visible changed. No vscode import: unit-tested.
import { Sim } from '../../core/sim/engine';
import { ENTRY_CONF } from '../../core/sim/raft-log';
import { bit, NONE, ROLE_NAMES } from '../../core/sim/raft-node';

/** Entries of each member's log the panel shows (the newest ones). */
export const LOG_WINDOW = 10;

export type NodeState = 'running' | 'down' | 'stopping' | 'removed' | 'unstarted';

export interface NodeView {
  slot: number;
  name: string;
  id: string;
  role: typeof ROLE_NAMES[number];
  state: NodeState;
  learner: boolean;
  term: number;
  /** Name of the leader this member follows, null when it knows none. */
  lead: string | null;
  commit: number;
  applied: number;
  /** Last log index. */
  last: number;
  /** First index of `logTerms` (the window ends at `last`). */
  logStart: number;
  /** Term of each entry in the window, oldest first. */
  logTerms: number[];
  /** Offsets within the window of membership-change entries. */
  logConf: number[];
  /** Partition group; members talk only within their group. */
  group: number;
  /** Name of the member a leadership transfer is under way to. */
  transferee: string | null;
  /** Busy defragmenting until this time (ms): no raft message, no tick, no read meanwhile; null when not. */
  busyUntil: number | null;
  /** db file size and the part in use, MiB (one decimal). */
  dbMiB: number;
  dbInUseMiB: number;
}

export interface Frame {
  /** Virtual time, ms. */
  t: number;
  nodes: NodeView[];
  /** Some leader can commit writes right now. */
  writable: boolean;
}

function nodeState(sim: Sim, slot: number): NodeState {
  const m = sim.members[slot];
  const removedByPeers = sim.members.some((o) => (o.removedMask & bit(slot)) !== 0);
  if (m.removedSelf || (removedByPeers && !m.running)) return 'removed';
  if (!m.started && !m.running) return 'unstarted';
  if (!m.running) return 'down';
  return m.stopping ? 'stopping' : 'running';
}

export function nodeView(sim: Sim, slot: number): NodeView {
  const node = sim.nodes[slot];
  const m = sim.members[slot];
  const log = node.log;
  const last = log.lastIndex();
  const first = Math.max(log.snapIndex + 1, last - LOG_WINDOW + 1);
  const logTerms: number[] = [];
  const logConf: number[] = [];
  for (let i = first; i <= last; i++) {
    logTerms.push(log.term(i));
    if (log.kind(i) === ENTRY_CONF) logConf.push(i - first);
  }
  const name = m.name || m.plannedName;
  return {
    slot,
    name,
    id: m.id,
    role: ROLE_NAMES[node.role],
    state: nodeState(sim, slot),
    learner: node.isLearner(),
    term: node.term,
    lead: node.lead === NONE ? null : (sim.members[node.lead]?.name || sim.members[node.lead]?.plannedName || null),
    commit: node.commit,
    applied: node.applied,
    last,
    logStart: first,
    logTerms,
    logConf,
    group: sim.net.group[slot],
    transferee: node.leadTransferee === NONE ? null : (sim.members[node.leadTransferee]?.name || null),
    busyUntil: sim.isStalled(slot) ? m.stalledUntilUs / 1000 : null,
    dbMiB: Math.round(m.dbSize / 104857.6) / 10,
    dbInUseMiB: Math.round(m.dbSizeInUse / 104857.6) / 10,
  };
}

export function captureFrame(sim: Sim): Frame {
  const nodes: NodeView[] = [];
  for (let s = 0; s < sim.members.length; s++) nodes.push(nodeView(sim, s));
  return { t: sim.nowMs, nodes, writable: sim.meter.isWritable };
}

function sameNode(a: NodeView, b: NodeView): boolean {
  if (a.role !== b.role || a.state !== b.state || a.term !== b.term || a.lead !== b.lead || a.commit !== b.commit
    || a.applied !== b.applied || a.last !== b.last || a.group !== b.group || a.learner !== b.learner
    || a.transferee !== b.transferee || a.name !== b.name || a.logStart !== b.logStart
    || a.busyUntil !== b.busyUntil || a.dbMiB !== b.dbMiB
    || a.logTerms.length !== b.logTerms.length) return false;
  for (let i = 0; i < a.logTerms.length; i++) if (a.logTerms[i] !== b.logTerms[i]) return false;
  return true;
}

/** True when the two frames would draw the same (time aside). */
export function sameFrame(a: Frame, b: Frame): boolean {
  if (a.writable !== b.writable || a.nodes.length !== b.nodes.length) return false;
  for (let i = 0; i < a.nodes.length; i++) if (!sameNode(a.nodes[i], b.nodes[i])) return false;
  return true;
}

/** The latest frame at or before `t` (frames sorted by time), or null before the first one. */
export function frameAt(frames: readonly Frame[], t: number): Frame | null {
  let lo = 0;
  let hi = frames.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (frames[mid].t <= t) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return found < 0 ? null : frames[found];
}
