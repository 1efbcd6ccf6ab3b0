// `etcd-ops status`: one live-health refresh, as JSON or a table. Exit 0 whenever it could report.
import { ClusterHealth, HttpCheck, MemberHealth, quorumJudged } from '../core/cluster-model';
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
    dbSizeQuota: m.status?.dbSizeQuota ?? null, storageVersion: m.status?.storageVersion ?? null,
    downgradeInfo: m.status?.downgradeInfo ?? null, catchUpPercent: m.isLearner ? m.catchUpPercent ?? null : null,
    version: m.status?.version ?? null, latencyMs: m.latencyMs, connectMs: m.connectMs ?? null,
    livez: m.livez ?? null, readyz: m.readyz ?? null, alarms: m.alarms, error: m.error,
    peerURLs: m.peerURLs, clientURLs: m.clientURLs,
  };
}

export function statusJson(h: ClusterHealth) {
  return {
    clusterId: h.clusterId, leader: h.leader,
    // null when nothing was reached: no claim is made about a quorum nobody answered for.
    quorum: quorumJudged(h) ? h.quorum : null,
    connectionProblem: h.connectionProblem ?? null,
    members: h.members.map(memberJson), strayEndpoints: h.strayEndpoints ?? [],
    findings: h.findings, durationMs: h.durationMs,
  };
}

const httpState = (c: HttpCheck | undefined) => (!c ? '?' : c.state === 'absent' ? '-' : c.state);

function roleOf(m: MemberHealth): string {
  if (m.isLeader) return 'leader';
  if (!m.isLearner) return 'follower';
  return m.catchUpPercent === null || m.catchUpPercent === undefined ? 'learner' : `learner ${m.catchUpPercent}%`;
}

function printTable(io: CliIo, h: ClusterHealth): void {
  if (h.connectionProblem) {
    io.out(`cluster unknown · ${h.connectionProblem}`);
    for (const f of h.findings) io.out(`${f.severity.toUpperCase()} ${f.code}: ${f.message}\n  -> ${f.remediation}`);
    return;
  }
  const rows = h.members.map((m) => [
    m.id ?? '?', m.name || '(unstarted)', m.endpoint ?? '-',
    m.healthy ? 'healthy' : 'UNHEALTHY', roleOf(m),
    String(m.status?.raftTerm ?? '-'), String(m.status?.raftIndex ?? '-'), String(m.status?.appliedIndex ?? '-'),
    m.status ? `${formatBytes(m.status.dbSize)}${m.status.dbSizeQuota ? ` / ${formatBytes(m.status.dbSizeQuota)}` : ''}` : '-',
    m.status ? `${m.status.version}${m.status.storageVersion ? ` (storage ${m.status.storageVersion})` : ''}` : '-',
    m.latencyMs !== null ? `${m.latencyMs} ms` : '-', m.connectMs ? `${m.connectMs} ms` : '-',
    m.status ? `${httpState(m.livez)}/${httpState(m.readyz)}` : '-', m.error ?? '',
  ]);
  io.out(table(['ID', 'NAME', 'ENDPOINT', 'HEALTH', 'ROLE', 'TERM', 'RAFT', 'APPLIED', 'DB / QUOTA', 'VERSION', 'LATENCY', 'CONNECT', 'LIVEZ/READYZ', 'ERROR'], rows));
  for (const m of h.members) {
    const d = m.status?.downgradeInfo;
    if (d?.enabled) io.out(`${m.name || m.id}: downgrade to ${d.targetVersion} in progress`);
  }
  for (const s of h.strayEndpoints ?? []) {
    io.out(`endpoint ${s.endpoint}: ${s.kind === 'alias' ? `alias of ${s.memberId} (reached through ${s.aliasOf})` : s.kind === 'other-cluster' ? `answers for another cluster (${s.clusterId})`
      : s.kind === 'not-a-member' ? `answers as ${s.memberId}, not a member: removed?` : `no member, no answer: ${s.error ?? ''}`}`);
  }
  const q = h.quorum;
  io.out(quorumJudged(h)
    ? `\ncluster ${h.clusterId ?? 'unknown'} · leader ${h.leader ?? 'none'} · quorum ${q.healthy}/${q.voters} healthy, ${q.needed} needed: ${q.ok ? 'ok' : 'LOST'}`
    : `\ncluster ${h.clusterId ?? 'unknown'} · no member answered: quorum unknown`);
  for (const f of h.findings) io.out(`${f.severity.toUpperCase()} ${f.code}: ${f.message}\n  -> ${f.remediation}`);
}

export const command = defineCommand({
  summary: 'live health of every member: leader, term, indexes, db size and quota, alarms, latency, /livez and /readyz, quorum',
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
    if (health.connectionProblem) {
      io.err(`etcd-ops status: ${health.connectionProblem}`);
      return 1;
    }
    if (!quorumJudged(health)) {
      const reason = [...health.members.map((m) => m.error), ...(health.strayEndpoints ?? []).map((s) => s.error)].filter(Boolean)[0];
      io.err(`etcd-ops status: no endpoint answered (${reason ?? 'no reason given'})`);
      return 1;
    }
    return 0;
  },
});
