// A real cluster's topology, as the tree's latest ClusterHealth shows it, turned into a simulated cluster:
// the core's specFromHealth carries members, ids, names, learners, the leader, down and never-started
// members over; this adds the network latency to simulate, the etcd version's rules to follow and a
// description of what was imported.
import { ClusterHealth } from '../../core/cluster-model';
import { ClusterSpec } from '../../core/sim/engine';
import type { MeasuredTiming } from '../../core/sim/sim-config';
import { specFromHealth } from '../../core/sim/topology';
import { describeRules, rulesFromVersions, VersionRules } from '../../core/sim/version-rules';

export interface ImportedTopology {
  spec: ClusterSpec;
  /** One-way latency between members to simulate, ms. */
  latencyMs: number;
  /** What was imported, one line per member and one per assumption. */
  notes: string[];
  /** Hex id -> member name (or id when unnamed), for labels. */
  names: Map<string, string>;
  /** The rules of the version the members report (their oldest), else the default version's. */
  rules: VersionRules;
  /** Peer round trips and fsync latencies measured on the cluster (simTimingFromMetrics), when given. */
  measured?: MeasuredTiming;
}

const MIN_LATENCY_MS = 0.2;
const MAX_LATENCY_MS = 50;

/**
 * Half the median status round trip of the members that answered: the tool cannot see peer-to-peer
 * latency, and members usually sit as close to each other as to the operator's machine.
 */
export function estimatePeerLatencyMs(health: ClusterHealth): number {
  const rtts = health.members.map((m) => m.latencyMs).filter((x): x is number => typeof x === 'number' && x > 0).sort((a, b) => a - b);
  if (!rtts.length) return 1;
  const median = rtts[Math.floor((rtts.length - 1) / 2)];
  return Math.round(Math.min(MAX_LATENCY_MS, Math.max(MIN_LATENCY_MS, median / 2)) * 100) / 100;
}

/** `measured`: the cluster's metrics window as simTimingFromMetrics gives it, to rehearse at its own speed. */
export function importTopology(health: ClusterHealth, measured?: MeasuredTiming): ImportedTopology {
  const spec = specFromHealth(health);
  const latencyMs = estimatePeerLatencyMs(health);
  const rules = rulesFromVersions(spec.members.map((m) => m.version));
  const names = new Map<string, string>();
  const notes: string[] = [];
  for (const m of health.members) {
    if (!m.id) {
      notes.push(`${m.endpoint ?? 'a member'} is left out: its id is unknown (the member list could not be read)`);
      continue;
    }
    const name = m.name || m.id;
    names.set(m.id, name);
    const what: string[] = [];
    if (m.isLeader) what.push('leader');
    if (m.isLearner) what.push('learner');
    if (!m.started) what.push('added but never started');
    else if (!m.healthy) what.push(`down in the simulation (${m.error ?? 'unhealthy'})`);
    if (m.status) what.push(`term ${m.status.raftTerm}, applied ${m.status.appliedIndex}`);
    notes.push(`${name} (${m.id})${what.length ? `: ${what.join(', ')}` : ''}`);
  }
  if (spec.leader === null || spec.leader === undefined) notes.push('no healthy leader in the snapshot: the simulation opens with an election');
  const hasMeasured = measured !== undefined && (measured.peerRtt.length > 0 || measured.walFsync.length > 0);
  notes.push(hasMeasured
    ? `peer latency per link from the measured round trips (p99 / 2), disk latency from each member's WAL fsync (${measured!.walFsync.length} member(s)); etcd's default timing (100 ms heartbeat, 1 s election)`
    : `peer latency ${latencyMs} ms (half the median status round trip); etcd's default timing (100 ms heartbeat, 1 s election)`);
  notes.push(describeRules(rules));
  return { spec, latencyMs, notes, names, rules, ...(hasMeasured ? { measured } : {}) };
}
