// Findings drawn from one live-health refresh: quorum, leader, alarms, lag, learners and endpoint coverage.
import { ClusterHealth, memberLabel } from '../cluster-model';
import { Finding, finding } from '../findings';
import { ConnectionProfile } from './profile';

/** Applied index this far behind the leader's raft index is worth a warning. */
export const APPLIED_LAG_WARNING = 1000;

function hostPort(u: string): string {
  try { const x = new URL(u); return `${x.hostname}:${x.port}`; } catch { return u; }
}

export function healthFindings(h: ClusterHealth, profile: ConnectionProfile, listRead: boolean): Finding[] {
  const out: Finding[] = [];
  const answered = h.members.filter((m) => m.status !== null);
  const cluster = profile.name;

  if (answered.length === 0) {
    out.push(finding('error', 'no-endpoint-answered', cluster,
      `None of the ${h.endpoints.length} configured endpoint(s) answered.`,
      'Check that etcd runs, that the endpoints are the members\' client URLs (https://host:2379), and the TLS files.'));
    return out;
  }
  if (!listRead) {
    out.push(finding('warning', 'member-list-unavailable', cluster, 'No member answered the member list request.',
      'Members are shown from the endpoints alone; check the member list permissions and health.'));
  }
  if (!h.leader) {
    out.push(finding('error', 'no-leader', cluster, 'No member reports a leader: the cluster cannot commit writes.',
      'Check that a majority of voting members run and reach each other on their peer URLs; look at their logs for elections.'));
  }
  const q = h.quorum;
  if (!q.ok) {
    out.push(finding('error', 'quorum-lost', cluster,
      `Quorum lost: ${q.healthy} of ${q.voters} voting members healthy, ${q.needed} needed.`,
      'Bring members back before anything else; do not remove or add members until quorum is restored.'));
  } else if (q.voters > 1 && q.healthy === q.needed) {
    out.push(finding('warning', 'quorum-at-risk', cluster,
      `Quorum at risk: ${q.healthy} of ${q.voters} voting members healthy, exactly the ${q.needed} needed. One more failure stops writes.`,
      'Restore the unhealthy member(s) before any maintenance; postpone removals and restarts.'));
  } else if (q.voters === 1) {
    out.push(finding('info', 'single-voter', cluster, 'A single voting member: no fault tolerance.',
      'Add members (3 or 5 voters) for a control plane that survives a node loss.'));
  }

  const leader = h.members.find((m) => m.isLeader);
  for (const m of h.members) {
    const who = memberLabel(m);
    if (!m.healthy) {
      out.push(finding(m.status ? 'warning' : 'error', 'member-unhealthy', who, `${who} is unhealthy: ${m.error ?? 'no answer'}.`,
        m.started ? 'Check the member\'s process, disk and network; its log tells why it does not answer.'
          : 'The member was added but never started: start etcd on it with --initial-cluster-state existing, or remove the member.'));
    }
    for (const alarm of m.alarms) {
      out.push(finding('error', `alarm-${alarm.toLowerCase()}`, who, `${alarm} alarm active on ${who}.`,
        alarm === 'NOSPACE'
          ? 'Compact and defragment (etcdctl compact, etcdctl defrag), raise --quota-backend-bytes if needed, then etcdctl alarm disarm.'
          : 'Stop the member, restore it from a healthy member\'s snapshot or replace it, then disarm the alarm.',
        { command: alarm === 'NOSPACE' ? 'etcdctl alarm disarm' : undefined }));
    }
    for (const e of m.status?.errors ?? []) {
      out.push(finding('warning', 'member-reports-error', who, `${who} reports: ${e}`, 'Read the member\'s log around this error.'));
    }
    if (leader?.status && m.status && m !== leader) {
      const lag = leader.status.raftIndex - m.status.appliedIndex;
      if (lag > APPLIED_LAG_WARNING) {
        out.push(finding('warning', 'applied-lag', who, `${who} has applied ${lag} entries fewer than the leader has.`,
          'Give it time to catch up before moving leadership to it or removing another member; check its disk latency.'));
      }
    }
    if (m.isLearner) {
      out.push(finding('info', 'learner-present', who, `${who} is a learner (non-voting).`,
        'Promote it once it has caught up (etcdctl member promote), or remove it if the join was abandoned.'));
    }
  }

  // The k3s failure: a config that names one etcd endpoint fails as soon as that node is down.
  const voters = h.members.filter((m) => !m.isLearner).length;
  if (h.endpoints.length === 1 && voters > 1) {
    out.push(finding('warning', 'single-endpoint-config', cluster,
      `The profile names a single endpoint (${h.endpoints[0]}) for a ${voters}-member cluster: when that member is down, nothing can be reached.`,
      `List every member's client URL: ${h.members.flatMap((m) => m.clientURLs).join(',')}`,
      profile.configFiles?.[0] ? { file: { path: profile.configFiles[0] } } : {}));
  }
  const configured = new Set(h.endpoints.map(hostPort));
  for (const m of h.members) {
    if (m.clientURLs.length && m.started && !m.clientURLs.some((u) => configured.has(hostPort(u)))) {
      out.push(finding('info', 'member-not-in-endpoints', memberLabel(m),
        `${memberLabel(m)} (${m.clientURLs.join(', ')}) is not among the configured endpoints.`,
        'Add its client URL to the profile so the tool (and your tooling) never depends on fewer members than exist.'));
    }
  }
  return out;
}
