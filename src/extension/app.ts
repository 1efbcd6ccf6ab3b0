// What every feature module of the VS Code layer gets: the registry, the audit log and the tree view.
import * as vscode from 'vscode';
import { ClusterRegistry } from './cluster-registry';
import { Settings } from './settings';
import { TreeNode } from './tree/cluster-tree';

export interface App {
  context: vscode.ExtensionContext;
  registry: ClusterRegistry;
  /** Audit trail of operations and refresh problems ("etcd Ops" output channel). */
  log: vscode.LogOutputChannel;
  treeView: vscode.TreeView<TreeNode>;
  settings(): Settings;
}
