// "etcd 3/3 · leader m2": the cluster's health at a glance; warning when quorum is at risk. When nothing could
// be reached there is no quorum to show: our own connection settings (a warning, not a red cluster), or no
// member answering at all. No vscode import, so it is tested without VS Code.
import { quorumJudged } from '../core/cluster-model';
import type { ClusterEntry } from './cluster-registry';

export function statusText(entry: ClusterEntry): { text: string; severity: 'ok' | 'warning' | 'error' } {
  const h = entry.health;
  if (entry.error) return { text: '$(error) etcd: error', severity: 'error' };
  if (!h) return { text: '$(sync~spin) etcd', severity: 'ok' };
  if (h.connectionProblem) return { text: '$(debug-disconnect) etcd: cannot connect', severity: 'warning' };
  if (!quorumJudged(h)) return { text: '$(error) etcd: no member answers', severity: 'error' };
  const leader = h.members.find((m) => m.isLeader);
  const q = h.quorum;
  const text = `etcd ${q.healthy}/${q.voters} · leader ${leader?.name || h.leader || 'none'}`;
  if (!q.ok || !h.leader) return { text: `$(error) ${text}`, severity: 'error' };
  if (q.voters > 1 && q.healthy <= q.needed) return { text: `$(warning) ${text}`, severity: 'warning' };
  return { text: `$(database) ${text}`, severity: 'ok' };
}
