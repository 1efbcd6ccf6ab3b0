// The "etcd" folder under a context in the Kubernetes extension's Cluster Explorer: the same member rows and
// health as our own tree (tree/cluster-tree.ts draws both), for the cluster tied to that kube context.
import * as vscode from 'vscode';
import type { ClusterExplorerV1 } from 'vscode-kubernetes-tools-api';
import { ClusterEntry, ClusterRegistry } from '../cluster-registry';
import { clusterItem, quorumSummary, TreeNode, treeItemOf } from '../tree/cluster-tree';
import { explorerFolderRows, explorerRowId } from '../tree/rows';

type ExplorerNode = ClusterExplorerV1.Node;

/** Tree item ids must be unique in the whole Cluster Explorer, where one cluster may show under several contexts. */
const scopedId = explorerRowId;

/** One of our rows as a Cluster Explorer node (its id already scoped by context). It keeps the row's fields, so a menu command run on it finds the member. */
function rowNode(row: TreeNode): ExplorerNode & TreeNode {
  return { ...row, getChildren: async () => [], getTreeItem: () => treeItemOf(row) };
}

/** A row that says what is missing and, when there is one, runs the command that fixes it. */
function actionNode(context: string, key: string, label: string, icon: string, command?: vscode.Command): ExplorerNode {
  return {
    getChildren: async () => [],
    getTreeItem: () => {
      const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
      item.id = scopedId(context, key);
      item.iconPath = new vscode.ThemeIcon(icon);
      item.command = command;
      item.contextValue = 'etcdMessage';
      return item;
    },
  };
}

function notConnected(context: string, why: string): ExplorerNode[] {
  return [
    actionNode(context, 'why', why, 'info'),
    actionNode(context, 'add', 'Add etcd endpoints for this context…', 'add',
      { command: 'etcdOps.addEndpoints', title: 'Add etcd Endpoints…', arguments: [context] }),
    actionNode(context, 'detect', 'Detect etcd on this machine…', 'search', { command: 'etcdOps.detectLocal', title: 'Detect' }),
  ];
}

export interface EtcdFolderOptions {
  /** Health older than this is refreshed when the folder is expanded (our own view may be closed). */
  staleAfterMs(): number;
}

export function etcdFolder(context: string, registry: ClusterRegistry, options: EtcdFolderOptions): ExplorerNode {
  return {
    getTreeItem: () => folderItem(context, registry.forKubeContext(context)),
    getChildren: async () => {
      const entry = registry.forKubeContext(context);
      if (!entry) return notConnected(context, `No etcd cluster is tied to context ${context}`);
      if (!entry.port) return notConnected(context, `etcd endpoints of ${context} are not known`);
      const health = entry.health;
      if (!health || Date.now() - health.takenAt > options.staleAfterMs()) await registry.refresh(entry);
      return explorerFolderRows(context, entry).map(rowNode);
    },
  };
}

function folderItem(context: string, entry: ClusterEntry | undefined): vscode.TreeItem {
  const item = new vscode.TreeItem('etcd', vscode.TreeItemCollapsibleState.Collapsed);
  item.id = scopedId(context, 'folder');
  item.contextValue = 'etcdOps.explorerFolder';
  if (!entry?.port) {
    item.description = 'not connected';
    item.iconPath = new vscode.ThemeIcon('database');
    item.tooltip = `etcd Ops has no etcd endpoints for context ${context}`;
    return item;
  }
  const cluster = clusterItem(entry);
  item.iconPath = cluster.iconPath;
  item.tooltip = cluster.tooltip;
  // What matters first, as the row is narrow: "leader m1 · 3/3 healthy · quorum 2 · local etcd" ("error · …", "connecting… · …").
  item.description = [cluster.description, entry.error ? '' : quorumSummary(entry), entry.label].filter(Boolean).join(' · ');
  return item;
}
