// Markdown tooltips of member and node rows, as text without VS Code (member-item.ts and cluster-tree.ts wrap
// them in an untrusted MarkdownString without theme icons: VS Code finds "$(icon)" in the rendered text, after
// markdown escapes are gone). Names, errors, URLs and notes come from the network or disk: each is escaped, so a
// member named "[x](command:…)" shows as that text and never as a link, HTML or extra table cells.
import type { ClusterHealth, MemberHealth } from '../../core/cluster-model';
import { memberRole, roleText } from '../../core/cluster-model';
import { formatBytes } from '../../core/format';
import type { MemberFigures } from '../../core/metrics';

/** Literal text in markdown: every ASCII punctuation backslash-escaped (CommonMark allows it for all of them), one line. */
export function escapeMarkdown(value: unknown): string {
  return String(value).replace(/\r\n?|\n/g, ' ').replace(/[!-/:-@[-`{-~]/g, '\\$&');
}

/** A member id as code when it is the hex etcd prints, else as plain escaped text. */
function idMarkdown(id: string | null): string {
  if (id === null) return 'unknown id';
  return /^[0-9a-fA-F]{1,16}$/.test(id) ? `\`${id}\`` : escapeMarkdown(id);
}

type Cell = string | number | null | undefined;
const cell = (v: Cell) => (v === null || v === undefined || v === '' ? '—' : escapeMarkdown(v));

function table(rows: [string, Cell][]): string {
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${cell(v)} |`)].join('\n') + '\n';
}

/** Rows only some servers have (3.5.11+ health endpoints, 3.6+ Status fields) or only some refreshes: shown when present. */
function versionedRows(m: MemberHealth): [string, Cell][] {
  const rows: [string, Cell][] = [
    ['Storage version', m.status?.storageVersion],
    ['DB quota', m.status?.dbSizeQuota ? formatBytes(m.status.dbSizeQuota) : null],
    ['Downgrade', m.status?.downgradeInfo?.enabled ? `enabled, to ${m.status.downgradeInfo.targetVersion}` : null],
    ['/livez · /readyz', m.livez || m.readyz ? `${m.livez?.state ?? '—'} · ${m.readyz?.state ?? '—'}` : null],
    ['Connect', m.connectMs ? `${m.connectMs} ms (this refresh opened the connection)` : null],
  ];
  return rows.filter(([, v]) => v !== null && v !== undefined && v !== '');
}

/** The background sampler's figures for this member over its latest window (ms), when it has them. */
export interface MemberPerformance {
  figures: MemberFigures;
  windowSeconds: number;
}

function performanceRows(p: MemberPerformance | undefined): [string, Cell][] {
  if (!p) return [];
  const f = p.figures;
  if (f.error !== null) return [['Metrics', `unavailable: ${f.error}`]];
  const ms = (v: number | null) => (v === null ? null : `${v} ms`);
  const rtt = Object.entries(f.peerRttP99Ms).map(([peer, v]) => `${peer} ${v} ms`).join(', ');
  return [
    ['Metrics window', `${p.windowSeconds} s`],
    ['WAL fsync p50 · p99', f.walFsyncP99Ms === null ? null : `${ms(f.walFsyncP50Ms) ?? '—'} · ${ms(f.walFsyncP99Ms)} (${f.walFsyncs} fsyncs)`],
    ['Backend commit p99', ms(f.backendCommitP99Ms)],
    ['Peer RTT p99', rtt || null],
    ['Leader changes', f.leaderChanges],
    ['Proposals failed · pending', f.proposalsFailed === null && f.proposalsPending === null ? null : `${f.proposalsFailed ?? '—'} · ${f.proposalsPending ?? '—'}`],
    ['Slow applies · read-index', f.slowApplies === null ? null : `${f.slowApplies} · ${f.slowReadIndexes ?? '—'}`],
  ].filter(([, v]) => v !== null && v !== undefined && v !== '') as [string, Cell][];
}

export function memberTooltipMarkdown(m: MemberHealth, h: ClusterHealth, performance?: MemberPerformance): string {
  const head = `**${m.name ? escapeMarkdown(m.name) : '(not started)'}** ${idMarkdown(m.id)}${m.isLeader ? ' — ★ leader' : ''}\n\n`;
  return head + table([
    ['Health', m.healthy ? 'healthy' : `unhealthy: ${m.error ?? 'no answer'}`],
    ['Role', m.isLearner ? `${roleText(m)} (non-voting)` : memberRole(m)],
    ['Endpoint asked', m.endpoint],
    ['Client URLs', m.clientURLs.join(', ')],
    ['Peer URLs', m.peerURLs.join(', ')],
    ['Raft term', m.status?.raftTerm],
    ['Raft index', m.status?.raftIndex],
    ['Applied index', m.status?.appliedIndex],
    ['Believes leader', m.status?.leader],
    ['DB size', m.status ? `${formatBytes(m.status.dbSize)} (in use ${formatBytes(m.status.dbSizeInUse)})` : null],
    ['Version', m.status?.version],
    ['Alarms', m.alarms.join(', ') || 'none'],
    ['Latency', m.latencyMs !== null ? `${m.latencyMs} ms` : null],
    ['Cluster', h.clusterId],
    ...versionedRows(m),
    ...performanceRows(performance),
  ]);
}

export interface NodeTooltipInput {
  name: string;
  roles: string[];
  kubeletVersion: string;
  addresses: string[];
  problems: string[];
  notes: string[];
  memberId: string | null;
}

export function nodeTooltipMarkdown(node: NodeTooltipInput, member: MemberHealth | undefined): string {
  const lines = [
    `**${escapeMarkdown(node.name)}**`, '',
    `- Roles: ${escapeMarkdown(node.roles.join(', ') || 'none')}`,
    `- Kubelet: ${escapeMarkdown(node.kubeletVersion)}`,
    `- Addresses: ${escapeMarkdown(node.addresses.join(', '))}`,
    `- etcd member: ${member ? `${escapeMarkdown(member.name)} (${idMarkdown(member.id)}), ${member.healthy ? 'healthy' : 'unhealthy'}` : node.memberId ? idMarkdown(node.memberId) : 'not linked'}`,
    ...[...node.problems, ...node.notes].map((n) => `- ${escapeMarkdown(n)}`),
  ];
  return lines.join('\n') + '\n';
}
