// Which rows the tree shows under each cluster, and their ids, without VS Code (cluster-tree.ts renders them).
// VS Code wants every id unique in a view: one duplicate and it refuses the rows ("Element with id … is already
// registered"). Ids therefore start with the cluster's key (one per profile, even when two profiles reach the same
// cluster or share endpoints), are built from escaped parts, and are made unique among their siblings.
import { memberLabel, type MemberHealth, quorumJudged } from '../../core/cluster-model';
import { sameId } from '../../core/ids';
import { METRICS_FINDING_TITLES } from '../../core/metrics/findings';
import type { MemberPerformance } from './tooltips';
import type { ClusterEntry, ControlPlaneView } from '../cluster-registry';

export type TreeNode = { id: string } & (
  | { kind: 'cluster'; entry: ClusterEntry }
  | { kind: 'members'; entry: ClusterEntry }
  | { kind: 'member'; entry: ClusterEntry; member: MemberHealth }
  | { kind: 'controlPlane'; entry: ClusterEntry; view: ControlPlaneView }
  | { kind: 'node'; entry: ClusterEntry; node: ControlPlaneView['nodes'][number] }
  | { kind: 'message'; text: string; icon: string; color?: string; tooltip?: string; description?: string;
      /** An alarm finding's row: the member that raised it, for "Disarm Alarm". */
      alarm?: { entry: ClusterEntry; memberId: string; alarm: string } });

/** An id from parts that may hold any text: escaped, so different parts never give the same id. */
export function rowId(...parts: string[]): string {
  return parts.map((p) => encodeURIComponent(p)).join('/');
}

/** Siblings with the same id (two findings with one code and subject, members etcd reports twice) get a suffix. */
export function uniqueIds<T extends TreeNode>(rows: T[]): T[] {
  const seen = new Map<string, number>();
  return rows.map((row) => {
    const n = (seen.get(row.id) ?? 0) + 1;
    seen.set(row.id, n);
    return n === 1 ? row : { ...row, id: `${row.id}#${n}` };
  });
}

/** A member row's id within its cluster: its id, else the endpoint it was asked at, else its name. */
export function memberRowId(entry: ClusterEntry, m: MemberHealth): string {
  return rowId(entry.key, 'member', m.id ? `id:${m.id}` : m.endpoint ? `endpoint:${m.endpoint}` : `name:${m.name}`);
}

export function clusterNode(entry: ClusterEntry): TreeNode {
  return { kind: 'cluster', id: rowId(entry.key), entry };
}

export function clusterChildren(entry: ClusterEntry): TreeNode[] {
  const out: TreeNode[] = [...errorRows(entry), { kind: 'members', id: rowId(entry.key, 'members'), entry }];
  if (entry.controlPlane) out.push({ kind: 'controlPlane', id: rowId(entry.key, 'controlPlane'), entry, view: entry.controlPlane });
  return uniqueIds([...out, ...findingRows(entry)]);
}

/** Why the last refresh failed as a whole, as a row. */
export function errorRows(entry: ClusterEntry): TreeNode[] {
  return entry.error ? [{ kind: 'message', id: rowId(entry.key, 'error'), text: entry.error, icon: 'error', color: 'charts.red', tooltip: entry.error }] : [];
}

/** The background sampler's figures for a member row's tooltip. */
export function memberPerformance(entry: ClusterEntry, m: MemberHealth): MemberPerformance | undefined {
  const w = entry.performance;
  const figures = w?.members.find((f) => (m.id ? sameId(f.id, m.id) : f.name === m.name));
  return w && figures ? { figures, windowSeconds: w.seconds } : undefined;
}

/**
 * Findings worth a row of their own (an unhealthy member already shows on its own row), health first, then the
 * metrics findings that crossed a threshold (a member without metrics shows that in its tooltip).
 */
export function findingRows(entry: ClusterEntry): TreeNode[] {
  const serious = entry.health?.findings.filter((f) => f.severity !== 'info' && f.code !== 'member-unhealthy') ?? [];
  return uniqueIds([...serious.map((f): TreeNode => ({
    kind: 'message', id: rowId(entry.key, 'finding', f.code, f.subject), text: f.message, icon: f.severity === 'error' ? 'error' : 'warning',
    color: f.severity === 'error' ? 'charts.red' : 'charts.yellow', tooltip: `${f.message}\n\nWhat to do: ${f.remediation}`,
    ...alarmOf(entry, f.code, f.subject),
  })), ...metricsFindingRows(entry)]);
}

/**
 * Metrics findings as rows whose text holds no figure: a window every 10 s would otherwise change the rows'
 * text and redraw the whole tree (dropping the row handles menu commands need). The figures are in the member
 * tooltips and the Member Performance panel.
 */
function metricsFindingRows(entry: ClusterEntry): TreeNode[] {
  const findings = entry.performance?.findings.filter((f) => f.severity !== 'info' && f.code !== 'metrics-unreachable') ?? [];
  return findings.map((f): TreeNode => ({
    kind: 'message', id: rowId(entry.key, 'metrics', f.code, f.subject), text: `${f.subject}: ${METRICS_FINDING_TITLES[f.code] ?? f.code}`,
    icon: f.severity === 'error' ? 'error' : 'warning', color: f.severity === 'error' ? 'charts.red' : 'charts.yellow',
    tooltip: `What to do: ${f.remediation}\n\nThe figures: the member's tooltip and etcd Ops: Member Performance.`,
  }));
}

/** The member behind an alarm finding (its subject is the member's label), so the row can offer "Disarm Alarm". */
function alarmOf(entry: ClusterEntry, code: string, subject: string): { alarm?: { entry: ClusterEntry; memberId: string; alarm: string } } {
  const alarm = /^alarm-(nospace|corrupt)$/.exec(code)?.[1]?.toUpperCase();
  const m = alarm ? entry.health?.members.find((x) => x.id && x.alarms.includes(alarm) && memberLabel(x) === subject) : undefined;
  return alarm && m ? { alarm: { entry, memberId: m.id as string, alarm } } : {};
}

/** Member rows, leader first; a placeholder until the first answer. */
export function memberChildren(entry: ClusterEntry): TreeNode[] {
  if (!entry.health) {
    return entry.error ? [] : [{ kind: 'message', id: rowId(entry.key, 'loading'), text: 'Asking every member…', icon: 'loading~spin' }];
  }
  const members = [...entry.health.members].sort((a, b) => Number(b.isLeader) - Number(a.isLeader) || a.name.localeCompare(b.name));
  return uniqueIds(members.map((member): TreeNode => ({ kind: 'member', id: memberRowId(entry, member), entry, member })));
}

export function controlPlaneChildren(entry: ClusterEntry, view: ControlPlaneView): TreeNode[] {
  if (view.error) return [{ kind: 'message', id: rowId(entry.key, 'cp-error'), text: view.error, icon: 'error', color: 'charts.red' }];
  if (!view.nodes.length) return [{ kind: 'message', id: rowId(entry.key, 'cp-empty'), text: 'No control-plane nodes', icon: 'info' }];
  return uniqueIds(view.nodes.map((node): TreeNode => ({ kind: 'node', id: rowId(entry.key, 'node', node.name), entry, node })));
}

/** "2/3 healthy · quorum 2", or "" before the first answer. */
export function quorumSummary(entry: ClusterEntry): string {
  // Nothing reached: no quorum claim (the cannot-connect / no-answer finding row says why).
  if (entry.health && !quorumJudged(entry.health)) return entry.health.connectionProblem ? 'cannot connect' : 'no member answered';
  const q = entry.health?.quorum;
  return q ? `${q.healthy}/${q.voters} healthy · quorum ${q.needed}${q.ok ? '' : ' LOST'}` : '';
}

/**
 * Ids in the Kubernetes extension's Cluster Explorer: unique in the whole Explorer, where one cluster may show
 * under several contexts, so each of our rows there is scoped by its context.
 */
export function explorerRowId(context: string, id: string): string {
  return rowId('etcdOps', 'explorer', context, id);
}

/** The rows of a context's etcd folder in the Cluster Explorer, with their Explorer ids. */
export function explorerFolderRows(context: string, entry: ClusterEntry): TreeNode[] {
  return uniqueIds([...errorRows(entry), ...memberChildren(entry), ...findingRows(entry)]).map((row) => ({ ...row, id: explorerRowId(context, row.id) }));
}
