// How one etcd member looks in the tree: icon and colour for health, a one-line description, a tooltip with
// every field, and a contextValue that menus match on ("etcdMember.<role>.<health>").
import * as vscode from 'vscode';
import { ClusterHealth, MemberHealth, memberRole, roleText } from '../../core/cluster-model';
import { LEARNER_READY_PERCENT } from '../../core/etcd/health-findings';
import { formatBytes } from '../../core/format';
import { MemberPerformance, memberTooltipMarkdown } from './tooltips';

export function memberContextValue(m: MemberHealth): string {
  // ".ready": a learner etcd would promote now (menus offer "Promote Learner" on it).
  const ready = m.isLearner && m.healthy && (m.catchUpPercent ?? 0) >= LEARNER_READY_PERCENT ? '.ready' : '';
  return `etcdMember.${memberRole(m)}.${m.healthy ? 'healthy' : 'unhealthy'}${ready}`;
}

function memberIcon(m: MemberHealth): vscode.ThemeIcon {
  if (!m.healthy) return new vscode.ThemeIcon(m.started ? 'error' : 'circle-outline', new vscode.ThemeColor(m.started ? 'charts.red' : 'charts.yellow'));
  if (m.isLeader) return new vscode.ThemeIcon('star-full', new vscode.ThemeColor('charts.green'));
  if (m.isLearner) return new vscode.ThemeIcon('mortar-board', new vscode.ThemeColor('charts.blue'));
  return new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('charts.green'));
}

export function memberDescription(m: MemberHealth): string {
  const parts: string[] = [];
  const role = memberRole(m);
  if (role !== 'follower') parts.push(roleText(m));
  if (!m.healthy) parts.push(m.error ? m.error.replace(/^[a-z ]+: /, '') : 'unhealthy');
  if (m.status) {
    parts.push(`term ${m.status.raftTerm}`, `idx ${m.status.raftIndex}/${m.status.appliedIndex}`,
      `db ${formatBytes(m.status.dbSize)} / ${formatBytes(m.status.dbSizeInUse)} in use`);
  }
  if (m.latencyMs !== null) parts.push(`${Math.round(m.latencyMs)} ms`);
  if (m.alarms.length) parts.push(`alarm ${m.alarms.join(',')}`);
  return parts.join(' · ');
}

/** Markdown that renders no link, icon or HTML from what members report (tooltips.ts escapes it; no theme icons). */
export function memberTooltip(m: MemberHealth, h: ClusterHealth, performance?: MemberPerformance): vscode.MarkdownString {
  const md = new vscode.MarkdownString(memberTooltipMarkdown(m, h, performance), false);
  md.isTrusted = false;
  return md;
}

/** `id` comes from rows.ts: unique in the view, scoped by the cluster's key. */
export function memberTreeItem(m: MemberHealth, h: ClusterHealth, id: string, performance?: MemberPerformance): vscode.TreeItem {
  const item = new vscode.TreeItem(m.name || m.id || m.endpoint || 'member', vscode.TreeItemCollapsibleState.None);
  item.id = id;
  item.description = memberDescription(m);
  item.tooltip = memberTooltip(m, h, performance);
  item.iconPath = memberIcon(m);
  item.contextValue = memberContextValue(m);
  return item;
}
