// Histograms and counters between two scrapes: bucket deltas over the window (never since process start) and
// quantiles from them, the way Prometheus' histogram_quantile interpolates inside a bucket.
import { ParsedMetrics, Sample } from './prom-text';

export interface Histogram {
  /** Upper bounds (seconds), ascending, +Inf last; `counts` are cumulative as exposed. */
  bounds: number[];
  counts: number[];
  count: number;
  sum: number;
}

function matches(s: Sample, filter: Record<string, string>): boolean {
  return Object.entries(filter).every(([k, v]) => s.labels[k] === v);
}

/** The histogram `name` whose labels include `filter`; buckets of every other label combination are summed. */
export function histogramOf(m: ParsedMetrics, name: string, filter: Record<string, string> = {}): Histogram | null {
  const byBound = new Map<number, number>();
  let count = 0;
  let sum = 0;
  let seen = false;
  for (const s of m.samples) {
    if (!s.name.startsWith(name) || !matches(s, filter)) continue;
    if (s.name === `${name}_bucket`) {
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      if (Number.isNaN(le)) continue;
      byBound.set(le, (byBound.get(le) ?? 0) + s.value);
      seen = true;
    } else if (s.name === `${name}_count`) count += s.value;
    else if (s.name === `${name}_sum`) sum += s.value;
  }
  if (!seen) return null;
  const bounds = [...byBound.keys()].sort((a, b) => a - b);
  return { bounds, counts: bounds.map((b) => byBound.get(b)!), count, sum };
}

/** Label values of `label` on the histogram's buckets (e.g. every peer id in `To`). */
export function labelValues(m: ParsedMetrics, sampleName: string, label: string): string[] {
  const values = new Set<string>();
  for (const s of m.samples) if (s.name === sampleName && s.labels[label] !== undefined) values.add(s.labels[label]);
  return [...values].sort();
}

/**
 * What happened between `before` and `after`. A counter that went down means the process restarted inside the
 * window: then everything `after` counted is recent. Without a `before` there is no window, and a bucket layout
 * that changed cannot be compared: null.
 */
export function histogramDelta(before: Histogram | null, after: Histogram | null): Histogram | null {
  if (!after || !before) return null;
  const sameLayout = before.bounds.length === after.bounds.length && before.bounds.every((b, i) => b === after.bounds[i]);
  if (!sameLayout) return null;
  const counts = after.counts.map((c, i) => c - before.counts[i]);
  if (counts.some((c) => c < 0) || after.count < before.count) return after;
  return { bounds: after.bounds, counts, count: after.count - before.count, sum: after.sum - before.sum };
}

/** The q-quantile (0..1) in seconds from cumulative bucket counts; null when the window saw no observation. */
export function quantile(h: Histogram | null, q: number): number | null {
  if (!h || h.bounds.length === 0) return null;
  const total = h.counts[h.counts.length - 1];
  if (!(total > 0)) return null;
  const rank = q * total;
  for (let i = 0; i < h.bounds.length; i++) {
    if (h.counts[i] < rank) continue;
    const upper = h.bounds[i];
    // In the +Inf bucket the best honest answer is the largest finite bound.
    if (upper === Infinity) return i > 0 ? h.bounds[i - 1] : null;
    const lower = i > 0 ? h.bounds[i - 1] : 0;
    const below = i > 0 ? h.counts[i - 1] : 0;
    const inBucket = h.counts[i] - below;
    return inBucket > 0 ? lower + (upper - lower) * ((rank - below) / inBucket) : upper;
  }
  return h.bounds[h.bounds.length - 1] === Infinity ? h.bounds[h.bounds.length - 2] ?? null : h.bounds[h.bounds.length - 1];
}

/** A single-valued metric (gauge or counter) summed over label combinations matching `filter`; null if absent. */
export function scalarOf(m: ParsedMetrics, name: string, filter: Record<string, string> = {}): number | null {
  let found = false;
  let total = 0;
  for (const s of m.samples) {
    if (s.name === name && matches(s, filter)) { found = true; total += s.value; }
  }
  return found ? total : null;
}

/** Increase of a counter over the window; a reset (restart) counts what the new process saw. */
export function counterDelta(before: number | null, after: number | null): number | null {
  if (after === null || before === null) return null;
  if (after < before) return after;
  return after - before;
}
