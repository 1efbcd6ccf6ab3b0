// The sidebar tree: cluster -> "etcd members" and "Control plane". Errors are rows, not only pop-ups.
import * as vscode from 'vscode';
import { sameId } from '../../core/ids';
import { ClusterEntry, ClusterRegistry, ControlPlaneView } from '../cluster-registry';
import type { MemberNode } from './command-target';
import { memberContextValue, memberTreeItem } from './member-item';
import { clusterChildren, clusterNode, controlPlaneChildren, memberChildren, memberPerformance, quorumSummary, TreeNode } from './rows';
import { lastRefreshText } from '../status-text';
import { nodeTooltipMarkdown } from './tooltips';

export { errorRows, findingRows, memberChildren, quorumSummary } from './rows';
export type { TreeNode } from './rows';

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
    if (!node) return this.registry.list().map(clusterNode);
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
    const item = treeItemOf(node);
    // A cluster row is redrawn only when what it shows changes (see onEntryChanged), so its tooltip, which says
    // when the cluster was last refreshed, is written on hover (resolveTreeItem) instead.
    if (node.kind === 'cluster') item.tooltip = undefined;
    return item;
  }

  resolveTreeItem(item: vscode.TreeItem, node: TreeNode): vscode.TreeItem {
    if (node.kind === 'cluster') item.tooltip = clusterTooltip(node.entry);
    return item;
  }

  /** Only cluster rows are revealed ("Show Cluster"): they are the roots. */
  getParent(_node: TreeNode): TreeNode | undefined {
    return undefined;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** How a row looks. The Kubernetes extension's Cluster Explorer shows the same rows (cluster-explorer/). */
export function treeItemOf(node: TreeNode): vscode.TreeItem {
  switch (node.kind) {
    case 'cluster': return clusterItem(node.entry, node.id);
    case 'members': {
      const item = new vscode.TreeItem('etcd members', vscode.TreeItemCollapsibleState.Expanded);
      item.id = node.id;
      item.description = quorumSummary(node.entry);
      item.iconPath = new vscode.ThemeIcon('server-environment');
      item.contextValue = 'etcdMembers';
      return item;
    }
    case 'member': return memberTreeItem(node.member, node.entry.health!, node.id, memberPerformance(node.entry, node.member));
    case 'controlPlane': {
      const item = new vscode.TreeItem('Control plane', vscode.TreeItemCollapsibleState.Expanded);
      item.id = node.id;
      item.description = node.view.context;
      item.iconPath = new vscode.ThemeIcon('symbol-namespace');
      return item;
    }
    case 'node': return nodeItem(node.entry, node.node, node.id);
    case 'message': {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.id = node.id;
      item.iconPath = new vscode.ThemeIcon(node.icon, node.color ? new vscode.ThemeColor(node.color) : undefined);
      item.tooltip = node.tooltip ?? node.text;
      item.description = node.description;
      item.contextValue = node.alarm ? `etcdAlarm.${node.alarm.alarm}` : 'etcdMessage';
      return item;
    }
  }
}

/** Everything the tree shows of a cluster except member details: when it changes, the whole tree is redrawn. */
function shapeOf(entry: ClusterEntry): string {
  const item = clusterItem(entry);
  const icon = item.iconPath as vscode.ThemeIcon;
  return JSON.stringify([entry.label, item.description, icon.id, icon.color?.id, entry.error, entry.health?.quorum,
    memberChildren(entry).map((n) => (n.kind === 'member' ? [n.member.id, n.member.name, memberContextValue(n.member)] : n.kind === 'message' ? n.id : n.kind)),
    clusterChildren(entry).map((n) => (n.kind === 'message' ? n.text : n.kind)), entry.controlPlane]);
}

export function clusterItem(entry: ClusterEntry, id = clusterNode(entry).id): vscode.TreeItem {
  const item = new vscode.TreeItem(entry.label, vscode.TreeItemCollapsibleState.Expanded);
  item.id = id;
  const h = entry.health;
  const leader = h?.members.find((m) => m.isLeader);
  item.description = entry.error ? 'error'
    : !h ? 'connecting…'
      : `${entry.simulated ? 'simulated · ' : ''}leader ${leader?.name || h.leader || 'none'}`;
  const ok = h && h.quorum.ok && h.leader;
  item.iconPath = new vscode.ThemeIcon(entry.simulated ? 'beaker' : 'database',
    new vscode.ThemeColor(entry.error || (h && !h.connectionProblem && !h.quorum.ok) ? 'charts.red' : ok && h.quorum.healthy > h.quorum.needed ? 'charts.green' : 'charts.yellow'));
  item.tooltip = clusterTooltip(entry);
  item.contextValue = entry.simulated ? 'etcdCluster.simulated' : 'etcdCluster';
  return item;
}

/** Plain text: which cluster, and when it was last refreshed (as of now). */
function clusterTooltip(entry: ClusterEntry): string {
  const what = entry.simulated ? `${entry.label}: simulated cluster (no real etcd)` : `${entry.label}: ${entry.profile?.endpoints.join(', ')}`;
  return `${what}\n${lastRefreshText(entry, Date.now())}`;
}

function nodeItem(entry: ClusterEntry, node: ControlPlaneView['nodes'][number], id: string): vscode.TreeItem {
  const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.None);
  item.id = id;
  const member = entry.health?.members.find((m) => sameId(m.id, node.memberId));
  const ready = node.ready === true && node.problems.length === 0;
  item.iconPath = new vscode.ThemeIcon('vm', new vscode.ThemeColor(node.ready === false ? 'charts.red' : ready ? 'charts.green' : 'charts.yellow'));
  item.description = [node.roles.join(','), node.ready === null ? 'Ready unknown' : node.ready ? 'Ready' : 'NotReady', ...node.problems,
    member ? `etcd ${member.name || member.id}` : node.memberId ? `etcd ${node.memberId}` : ''].filter(Boolean).join(' · ');
  const md = new vscode.MarkdownString(nodeTooltipMarkdown(node, member), false);
  md.isTrusted = false;
  item.tooltip = md;
  item.contextValue = `controlPlaneNode.${node.ready ? 'ready' : 'notReady'}`;
  return item;
}
