// How one etcd member looks in the tree: icon and colour for health, a one-line description, a tooltip with
// every field, and a contextValue that menus match on ("etcdMember.<role>.<health>").
import * as vscode from 'vscode';
import { ClusterHealth, MemberHealth, memberRole, roleText } from '../../core/cluster-model';
import { formatBytes } from '../../core/format';

export function memberContextValue(m: MemberHealth): string {
  return `etcdMember.${memberRole(m)}.${m.healthy ? 'healthy' : 'unhealthy'}`;
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
    parts.push(`term ${m.status.raftTerm}`, `idx ${m.status.raftIndex}/${m.status.appliedIndex}`, formatBytes(m.status.dbSize));
  }
  if (m.latencyMs !== null) parts.push(`${Math.round(m.latencyMs)} ms`);
  if (m.alarms.length) parts.push(`alarm ${m.alarms.join(',')}`);
  return parts.join(' · ');
}

export function memberTooltip(m: MemberHealth, h: ClusterHealth): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${m.name || '(not started)'}** \`${m.id ?? 'unknown id'}\`${m.isLeader ? ' — $(star-full) leader' : ''}\n\n`);
  const row = (k: string, v: string | number | null | undefined) => md.appendMarkdown(`| ${k} | ${v === null || v === undefined || v === '' ? '—' : String(v).replace(/\|/g, '\\|')} |\n`);
  md.appendMarkdown('| | |\n|---|---|\n');
  row('Health', m.healthy ? 'healthy' : `unhealthy: ${m.error ?? 'no answer'}`);
  row('Role', m.isLearner ? `${roleText(m)} (non-voting)` : memberRole(m));
  row('Endpoint asked', m.endpoint);
  row('Client URLs', m.clientURLs.join(', '));
  row('Peer URLs', m.peerURLs.join(', '));
  row('Raft term', m.status?.raftTerm);
  row('Raft index', m.status?.raftIndex);
  row('Applied index', m.status?.appliedIndex);
  row('Believes leader', m.status?.leader);
  row('DB size', m.status ? `${formatBytes(m.status.dbSize)} (in use ${formatBytes(m.status.dbSizeInUse)})` : null);
  row('Version', m.status?.version);
  row('Alarms', m.alarms.join(', ') || 'none');
  row('Latency', m.latencyMs !== null ? `${m.latencyMs} ms` : null);
  row('Cluster', h.clusterId);
  return md;
}

export function memberTreeItem(m: MemberHealth, h: ClusterHealth): vscode.TreeItem {
  const item = new vscode.TreeItem(m.name || m.id || m.endpoint || 'member', vscode.TreeItemCollapsibleState.None);
  item.id = `member:${h.clusterId ?? '?'}:${m.id ?? m.endpoint}`;
  item.description = memberDescription(m);
  item.tooltip = memberTooltip(m, h);
  item.iconPath = memberIcon(m);
  item.contextValue = memberContextValue(m);
  return item;
}
