// `etcd-ops status`: one live-health refresh, as JSON or a table. Exit 0 whenever it could report.
import { ClusterHealth, MemberHealth } from '../core/cluster-model';
import { refreshCluster } from '../core/etcd/live-health';
import { formatBytes } from '../core/format';
import { defineCommand } from './command';
import { CONNECTION_OPTIONS, profileFromFlags } from './connection-flags';
import { CliIo, printJson, table } from './output';

export function memberJson(m: MemberHealth) {
  return {
    id: m.id, name: m.name, endpoint: m.endpoint, healthy: m.healthy, isLeader: m.isLeader, isLearner: m.isLearner,
    started: m.started, raftTerm: m.status?.raftTerm ?? null, raftIndex: m.status?.raftIndex ?? null,
    appliedIndex: m.status?.appliedIndex ?? null, dbSize: m.status?.dbSize ?? null, dbSizeInUse: m.status?.dbSizeInUse ?? null,
    version: m.status?.version ?? null, latencyMs: m.latencyMs, alarms: m.alarms, error: m.error,
    peerURLs: m.peerURLs, clientURLs: m.clientURLs,
  };
}

export function statusJson(h: ClusterHealth) {
  return {
    clusterId: h.clusterId, leader: h.leader, quorum: h.quorum, members: h.members.map(memberJson),
    findings: h.findings, durationMs: h.durationMs,
  };
}

function printTable(io: CliIo, h: ClusterHealth): void {
  const rows = h.members.map((m) => [
    m.id ?? '?', m.name || '(unstarted)', m.endpoint ?? '-',
    m.healthy ? 'healthy' : 'UNHEALTHY', m.isLeader ? 'leader' : m.isLearner ? 'learner' : 'follower',
    String(m.status?.raftTerm ?? '-'), String(m.status?.raftIndex ?? '-'), String(m.status?.appliedIndex ?? '-'),
    m.status ? formatBytes(m.status.dbSize) : '-', m.latencyMs !== null ? `${m.latencyMs} ms` : '-', m.error ?? '',
  ]);
  io.out(table(['ID', 'NAME', 'ENDPOINT', 'HEALTH', 'ROLE', 'TERM', 'RAFT', 'APPLIED', 'DB', 'LATENCY', 'ERROR'], rows));
  const q = h.quorum;
  io.out(`\ncluster ${h.clusterId ?? 'unknown'} · leader ${h.leader ?? 'none'} · quorum ${q.healthy}/${q.voters} healthy, ${q.needed} needed: ${q.ok ? 'ok' : 'LOST'}`);
  for (const f of h.findings) io.out(`${f.severity.toUpperCase()} ${f.code}: ${f.message}\n  -> ${f.remediation}`);
}

export const command = defineCommand({
  summary: 'live health of every member: leader, term, indexes, db size, alarms, latency, quorum',
  synopsis: '--endpoints URL[,URL...] [--cacert FILE --cert FILE --key FILE] [--timeout MS] [--json]',
  description: `Asks every endpoint in parallel for its status (read-only: monitoring never writes to the cluster)
and prints one row per member with the cluster's quorum.`,
  options: {
    json: { type: 'boolean', help: 'print the result as JSON' },
    ...CONNECTION_OPTIONS,
  },
  footer: 'Exit: 0 when it could report (even with members down), 1 when no endpoint answered, 2 usage error.',
  async run({ values }, io) {
    const health = await refreshCluster(profileFromFlags(values));
    if (values.json) printJson(io, statusJson(health));
    else printTable(io, health);
    if (health.members.every((m) => m.status === null)) {
      io.err(`etcd-ops status: no endpoint answered (${health.members.map((m) => m.error).filter(Boolean)[0] ?? 'no reason given'})`);
      return 1;
    }
    return 0;
  },
});
