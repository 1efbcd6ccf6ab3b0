// The VS Code side of member performance without VS Code: the 30-minute history the panel charts, the tooltip
// rows of a member with figures (escaped like every tooltip row), and the finding rows a window adds to the tree.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyFigures, MemberFigures, metricsFindings, MetricsWindow } from '../../../src/core/metrics';
import { HISTORY_SPAN_MS, PerformanceHistory } from '../../../src/extension/performance/history';
import { findingRows, memberPerformance } from '../../../src/extension/tree/rows';
import { memberTooltipMarkdown } from '../../../src/extension/tree/tooltips';
import type { ClusterEntry } from '../../../src/extension/cluster-registry';
import { health } from '../simulator-panel/health-fixture';

function figures(id: string, name: string, fsync: number, rtt: Record<string, number> = {}): MemberFigures {
  return { ...emptyFigures(id, name, 'https://x', null), walFsyncP50Ms: fsync / 2, walFsyncP99Ms: fsync, walFsyncs: 100, backendCommitP99Ms: 3, backendCommits: 50, peerRttP99Ms: rtt, leaderChanges: 0, proposalsFailed: 0, proposalsPending: 0 };
}

function windowAt(to: number, members: MemberFigures[]): MetricsWindow {
  return { from: to - 10000, to, seconds: 10, members, findings: metricsFindings(members), scrapeMs: 5 };
}

test('history keeps 30 minutes per member, the worst peer RTT, and drops a member gone for the whole span', () => {
  const h = new PerformanceHistory('c');
  const t0 = 1_000_000_000;
  h.add(windowAt(t0, [figures('a', 'm1', 2, { b: 1, c: 7 }), figures('b', 'm2', 30)]));
  h.add(windowAt(t0 + 10000, [figures('a', 'm1', 3, { b: 2 })]));
  let v = h.view();
  assert.deepEqual(v.members.map((m) => [m.name, m.points.length]), [['m1', 2], ['m2', 1]]);
  assert.equal(v.members[0].points[0].peerRttP99Ms, 7);
  assert.equal(v.thresholds.walFsyncP99Ms, 10);
  assert.deepEqual(v.findings, []);
  h.add(windowAt(t0 + HISTORY_SPAN_MS + 5000, [figures('a', 'm1', 40)]));
  v = h.view();
  assert.deepEqual(v.members.map((m) => [m.name, m.points.length]), [['m1', 2]], 'm2 aged out, m1 kept what is inside 30 min');
  assert.deepEqual(v.findings.map((f) => f.code), ['wal-fsync-slow']);
});

test('a member row tooltip shows its figures escaped; a window that crosses a threshold adds a finding row', () => {
  const h = health();
  const m = h.members[0];
  const w = windowAt(Date.now(), [figures(m.id!, m.name, 42, { ['ff|x']: 12.5 }), ...h.members.slice(1).map((x) => figures(x.id!, x.name, 1))]);
  const entry = { key: 'k', label: 'c', health: h, performance: w, error: null } as unknown as ClusterEntry;
  const perf = memberPerformance(entry, m)!;
  assert.equal(perf.figures.walFsyncP99Ms, 42);
  const md = memberTooltipMarkdown(m, h, perf);
  assert.match(md, /WAL fsync p50 · p99 \| 21 ms · 42 ms \\\(100 fsyncs\\\)/);
  assert.match(md, /Peer RTT p99 \| ff\\\|x 12\\\.5 ms/);
  const rows = findingRows(entry).filter((r) => r.kind === 'message' && /slow WAL fsync/.test(r.text));
  assert.equal(rows.length, 1);
  assert.equal(rows[0].kind === 'message' && rows[0].text, `${m.name} (${m.id}): slow WAL fsync (disk)`, 'the row text holds no figure, so a new window does not redraw the tree');
  // No window: no rows, no tooltip figures.
  const bare = { ...entry, performance: null } as ClusterEntry;
  assert.equal(memberPerformance(bare, m), undefined);
  assert.doesNotMatch(memberTooltipMarkdown(m, h), /WAL fsync/);
});
