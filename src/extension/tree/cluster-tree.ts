// The sidebar tree: cluster -> "etcd members" and "Control plane". Errors are rows, not only pop-ups.
import * as vscode from 'vscode';
import { MemberHealth, quorumJudged } from '../../core/cluster-model';
import { sameId } from '../../core/ids';
import { ClusterEntry, ClusterRegistry, ControlPlaneView } from '../cluster-registry';
import type { MemberNode } from './command-target';
import { memberContextValue, memberTreeItem } from './member-item';

export type TreeNode =
  | { kind: 'cluster'; entry: ClusterEntry }
  | { kind: 'members'; entry: ClusterEntry }
  | { kind: 'member'; entry: ClusterEntry; member: MemberHealth }
  | { kind: 'controlPlane'; entry: ClusterEntry; view: ControlPlaneView }
  | { kind: 'node'; entry: ClusterEntry; node: ControlPlaneView['nodes'][number] }
  | { kind: 'message'; key: string; text: string; icon: string; color?: string; tooltip?: string; description?: string };

export class ClusterTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  /** Member rows last handed to VS Code, by cluster key. */
  private readonly memberNodes = new Map<string, MemberNode[]>();
  /** What the rest of each cluster's rows showed at the last change (see shapeOf). */
  private readonly shapes = new Map<string, string>();

  constructor(private readonly registry: ClusterRegistry) {
    this.subscription = registry.onDidChange((entry) => this.onEntryChanged(entry));
  }

  // VS Code drops the handles of every row below a refreshed row until it has fetched them again, and a menu
  // command run in that window gets no row as argument. So when a refresh changed only member details
  // (latency, indexes, sizes), only those member rows are refreshed, in place: their handles stay valid.
  private onEntryChanged(entry: ClusterEntry | undefined): void {
    if (!entry) { this.changed.fire(undefined); return; }
    const shape = shapeOf(entry);
    const same = shape === this.shapes.get(entry.key);
    this.shapes.set(entry.key, shape);
    const members = this.memberNodes.get(entry.key);
    if (!same || !entry.health || !members?.length) { this.changed.fire(undefined); return; }
    for (const node of members) node.member = entry.health.members.find((m) => sameId(m.id, node.member.id)) ?? node.member;
    this.changed.fire(members);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) return this.registry.list().map((entry) => ({ kind: 'cluster', entry }));
    switch (node.kind) {
      case 'cluster': return clusterChildren(node.entry);
      case 'members': {
        const members = memberChildren(node.entry);
        const memberNodes = members.filter((n): n is MemberNode => n.kind === 'member');
        this.memberNodes.set(node.entry.key, memberNodes);
        return members;
      }
      case 'controlPlane': return controlPlaneChildren(node.entry, node.view);
      default: return [];
    }
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return treeItemOf(node);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** How a row looks. The Kubernetes extension's Cluster Explorer shows the same rows (cluster-explorer/). */
export function treeItemOf(node: TreeNode): vscode.TreeItem {
  switch (node.kind) {
    case 'cluster': return clusterItem(node.entry);
    case 'members': {
      const item = new vscode.TreeItem('etcd members', vscode.TreeItemCollapsibleState.Expanded);
      item.id = `${node.entry.key}/members`;
      item.description = quorumSummary(node.entry);
      item.iconPath = new vscode.ThemeIcon('server-environment');
      item.contextValue = 'etcdMembers';
      return item;
    }
    case 'member': return memberTreeItem(node.member, node.entry.health!);
    case 'controlPlane': {
      const item = new vscode.TreeItem('Control plane', vscode.TreeItemCollapsibleState.Expanded);
      item.id = `${node.entry.key}/controlPlane`;
      item.description = node.view.context;
      item.iconPath = new vscode.ThemeIcon('symbol-namespace');
      return item;
    }
    case 'node': return nodeItem(node.entry, node.node);
    case 'message': {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.id = node.key;
      item.iconPath = new vscode.ThemeIcon(node.icon, node.color ? new vscode.ThemeColor(node.color) : undefined);
      item.tooltip = node.tooltip ?? node.text;
      item.description = node.description;
      item.contextValue = 'etcdMessage';
      return item;
    }
  }
}

/** "2/3 healthy · quorum 2", or "" before the first answer. */
export function quorumSummary(entry: ClusterEntry): string {
  // Nothing reached: no quorum claim (the cannot-connect / no-answer finding row says why).
  if (entry.health && !quorumJudged(entry.health)) return entry.health.connectionProblem ? 'cannot connect' : 'no member answered';
  const q = entry.health?.quorum;
  return q ? `${q.healthy}/${q.voters} healthy · quorum ${q.needed}${q.ok ? '' : ' LOST'}` : '';
}

/** Everything the tree shows of a cluster except member details: when it changes, the whole tree is redrawn. */
function shapeOf(entry: ClusterEntry): string {
  const item = clusterItem(entry);
  const icon = item.iconPath as vscode.ThemeIcon;
  return JSON.stringify([entry.label, item.description, icon.id, icon.color?.id, entry.error, entry.health?.quorum,
    memberChildren(entry).map((n) => (n.kind === 'member' ? [n.member.id, n.member.name, memberContextValue(n.member)] : n.kind === 'message' ? n.key : n.kind)),
    clusterChildren(entry).map((n) => (n.kind === 'message' ? n.text : n.kind)), entry.controlPlane]);
}

export function clusterItem(entry: ClusterEntry): vscode.TreeItem {
  const item = new vscode.TreeItem(entry.label, vscode.TreeItemCollapsibleState.Expanded);
  item.id = entry.key;
  const h = entry.health;
  const leader = h?.members.find((m) => m.isLeader);
  item.description = entry.error ? 'error'
    : !h ? 'connecting…'
      : `${entry.simulated ? 'simulated · ' : ''}leader ${leader?.name || h.leader || 'none'}`;
  const ok = h && h.quorum.ok && h.leader;
  item.iconPath = new vscode.ThemeIcon(entry.simulated ? 'beaker' : 'database',
    new vscode.ThemeColor(entry.error || (h && !h.connectionProblem && !h.quorum.ok) ? 'charts.red' : ok && h.quorum.healthy > h.quorum.needed ? 'charts.green' : 'charts.yellow'));
  item.tooltip = entry.simulated ? `${entry.label}: simulated cluster (no real etcd)` : `${entry.label}: ${entry.profile?.endpoints.join(', ')}`;
  item.contextValue = entry.simulated ? 'etcdCluster.simulated' : 'etcdCluster';
  return item;
}

function clusterChildren(entry: ClusterEntry): TreeNode[] {
  const out: TreeNode[] = [...errorRows(entry), { kind: 'members', entry }];
  if (entry.controlPlane) out.push({ kind: 'controlPlane', entry, view: entry.controlPlane });
  return [...out, ...findingRows(entry)];
}

/** Why the last refresh failed as a whole, as a row. */
export function errorRows(entry: ClusterEntry): TreeNode[] {
  return entry.error ? [{ kind: 'message', key: `${entry.key}/error`, text: entry.error, icon: 'error', color: 'charts.red', tooltip: entry.error }] : [];
}

/** Findings worth a row of their own (an unhealthy member already shows on its own row). */
export function findingRows(entry: ClusterEntry): TreeNode[] {
  const serious = entry.health?.findings.filter((f) => f.severity !== 'info' && f.code !== 'member-unhealthy') ?? [];
  return serious.map((f) => ({
    kind: 'message', key: `${entry.key}/finding/${f.code}/${f.subject}`, text: f.message, icon: f.severity === 'error' ? 'error' : 'warning',
    color: f.severity === 'error' ? 'charts.red' : 'charts.yellow', tooltip: `${f.message}\n\nWhat to do: ${f.remediation}`,
  }));
}

/** Member rows, leader first; a placeholder until the first answer. */
export function memberChildren(entry: ClusterEntry): TreeNode[] {
  if (!entry.health) {
    return entry.error ? [] : [{ kind: 'message', key: `${entry.key}/loading`, text: 'Asking every member…', icon: 'loading~spin' }];
  }
  const members = [...entry.health.members].sort((a, b) => Number(b.isLeader) - Number(a.isLeader) || a.name.localeCompare(b.name));
  return members.map((member) => ({ kind: 'member', entry, member }));
}

function controlPlaneChildren(entry: ClusterEntry, view: ControlPlaneView): TreeNode[] {
  if (view.error) return [{ kind: 'message', key: `${entry.key}/cp-error`, text: view.error, icon: 'error', color: 'charts.red' }];
  if (!view.nodes.length) return [{ kind: 'message', key: `${entry.key}/cp-empty`, text: 'No control-plane nodes', icon: 'info' }];
  return view.nodes.map((node) => ({ kind: 'node', entry, node }));
}

function nodeItem(entry: ClusterEntry, node: ControlPlaneView['nodes'][number]): vscode.TreeItem {
  const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
  item.id = `${entry.key}/node/${node.name}`;
  const member = entry.health?.members.find((m) => sameId(m.id, node.memberId));
  const ready = node.ready === true && node.problems.length === 0;
  item.iconPath = new vscode.ThemeIcon('vm', new vscode.ThemeColor(node.ready === false ? 'charts.red' : ready ? 'charts.green' : 'charts.yellow'));
  item.description = [node.roles.join(','), node.ready === null ? 'Ready unknown' : node.ready ? 'Ready' : 'NotReady', ...node.problems,
    member ? `etcd ${member.name || member.id}` : node.memberId ? `etcd ${node.memberId}` : ''].filter(Boolean).join(' · ');
  const md = new vscode.MarkdownString(`**${node.name}**\n\n`);
  md.appendMarkdown(`- Roles: ${node.roles.join(', ') || 'none'}\n- Kubelet: ${node.kubeletVersion}\n- Addresses: ${node.addresses.join(', ')}\n`);
  md.appendMarkdown(`- etcd member: ${member ? `${member.name} (${member.id}), ${member.healthy ? 'healthy' : 'unhealthy'}` : node.memberId ?? 'not linked'}\n`);
  for (const n of [...node.problems, ...node.notes]) md.appendMarkdown(`- ${n}\n`);
  item.tooltip = md;
  item.contextValue = `controlPlaneNode.${node.ready ? 'ready' : 'notReady'}`;
  return item;
}
