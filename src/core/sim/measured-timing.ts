// A rehearsal at the cluster's own speed: the peer round trips and WAL fsync latencies measured from its
// metrics (src/core/metrics) become the simulated network delay per link and each member's disk latency.
// Round trips are the p99 etcd exports (it samples them every 30 s and gives no median), so the links run
// at their slow end; fsyncs run at their median with random extra time up to their p99.
import { sameId } from '../ids';
import type { MemberFigures } from '../metrics/figures';
import { pairRtts } from '../metrics/findings';
import type { MemberLifecycle } from './member-lifecycle';
import type { MeasuredTiming } from './sim-config';

/** The figures a rehearsal needs, from one metrics window's per-member figures (members without figures are left out). */
export function simTimingFromMetrics(members: readonly MemberFigures[]): MeasuredTiming {
  const answered = members.filter((m) => m.error === null && m.id);
  const peerRtt = [...pairRtts(answered).values()].filter((p) => Number.isFinite(p.ms) && p.ms >= 0)
    .map((p) => ({ a: p.a, b: p.b, rttMs: p.ms }));
  const walFsync = answered.flatMap((m) => {
    const p50 = m.walFsyncP50Ms ?? m.walFsyncP99Ms;
    const p99 = m.walFsyncP99Ms ?? m.walFsyncP50Ms;
    if (p50 === null || p99 === null) return [];
    return [{ id: m.id as string, p50Ms: p50, p99Ms: Math.max(p50, p99) }];
  });
  return { peerRtt, walFsync };
}

/** What a simulated cluster took from measured timing: links and disks set, ids it does not have. */
export interface MeasuredTimingApplied {
  /** One-way delay given to each link, ms, by member names "a|b". */
  links: Record<string, number>;
  /** Disk latency per member name, ms (median and p99). */
  disks: Record<string, { p50Ms: number; p99Ms: number }>;
  /** Ids in the figures that are no member of the simulated cluster. */
  unknownIds: string[];
}

/**
 * Sets the measured figures on a simulated cluster: the smallest one-way delay becomes the base latency and
 * every other link gets its difference on top (so a `delay` step still slows every link); each member's
 * acknowledgements wait for its fsync.
 */
export function applyMeasuredTiming(sim: MemberLifecycle, measured: MeasuredTiming): MeasuredTimingApplied {
  const slotOf = (id: string) => sim.members.findIndex((m) => sameId(m.id, id));
  const name = (slot: number) => sim.members[slot].name || sim.members[slot].plannedName;
  const unknown = new Set<string>();
  const links: { a: number; b: number; oneWayMs: number }[] = [];
  for (const p of measured.peerRtt) {
    const a = slotOf(p.a);
    const b = slotOf(p.b);
    if (a < 0) unknown.add(p.a);
    if (b < 0) unknown.add(p.b);
    if (a < 0 || b < 0 || a === b || !(p.rttMs >= 0)) continue;
    links.push({ a, b, oneWayMs: p.rttMs / 2 });
  }
  const applied: MeasuredTimingApplied = { links: {}, disks: {}, unknownIds: [] };
  if (links.length > 0) {
    const base = Math.min(...links.map((l) => l.oneWayMs));
    sim.net.setDelay(base, sim.net.jitterMs);
    for (const l of links) {
      sim.net.setLinkExtra(l.a, l.b, l.oneWayMs - base);
      applied.links[`${name(l.a)}|${name(l.b)}`] = Math.round(l.oneWayMs * 1000) / 1000;
    }
  }
  for (const d of measured.walFsync) {
    const s = slotOf(d.id);
    if (s < 0) { unknown.add(d.id); continue; }
    if (!(d.p50Ms >= 0) || !(d.p99Ms >= 0)) continue;
    const m = sim.members[s];
    m.diskUs = Math.round(d.p50Ms * 1000);
    m.diskJitterUs = Math.max(0, Math.round((d.p99Ms - d.p50Ms) * 1000));
    applied.disks[name(s)] = { p50Ms: d.p50Ms, p99Ms: Math.max(d.p50Ms, d.p99Ms) };
  }
  applied.unknownIds = [...unknown];
  return applied;
}
