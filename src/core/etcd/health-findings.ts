// Findings drawn from one live-health refresh: quorum, leader, alarms, lag, learners and endpoint coverage.
import { ClusterHealth, memberLabel, MemberHealth, StrayEndpoint } from '../cluster-model';
import { Finding, finding } from '../findings';
import { shellQuote } from '../format';
import { alarmsFromStatusErrors } from './endpoint-client';
import { maintenanceFindings } from './maintenance-findings';
import { ConnectionProfile } from './profile';

/** Applied index this far behind the leader's raft index is worth a warning. */
export const APPLIED_LAG_WARNING = 1000;
/** etcd's promote check: a learner is ready at 90 % of the leader's progress. */
export const LEARNER_READY_PERCENT = 90;

function strayFinding(s: StrayEndpoint, h: ClusterHealth, cluster: string): Finding {
  const who = (id: string | null) => {
    const m = h.members.find((x) => x.id === id);
    return m ? memberLabel(m) : `member ${id}`;
  };
  switch (s.kind) {
    case 'alias':
      return finding('info', 'endpoint-alias', s.endpoint,
        `Endpoint ${s.endpoint} is an alias of ${who(s.memberId)} (also reached through ${s.aliasOf}); it is counted once.`,
        'Keep one client URL per member in the profile; an alias (localhost beside 127.0.0.1, a VIP, a load balancer) adds no fault tolerance.');
    case 'other-cluster':
      return finding('warning', 'endpoint-other-cluster', s.endpoint,
        `Endpoint ${s.endpoint} answers for another cluster (${s.clusterId}, member ${s.memberId}), not ${h.clusterId ?? 'this one'}.`,
        `Remove it from the profile "${cluster}", or give that cluster a profile of its own.`);
    case 'not-a-member':
      return finding('warning', 'endpoint-not-a-member', s.endpoint,
        `Endpoint ${s.endpoint} answers as member ${s.memberId}, which is not a member of this cluster: removed?`,
        'A removed member keeps running until it is stopped: stop etcd there and remove the endpoint from the profile.');
    default:
      return finding('warning', 'endpoint-unreachable', s.endpoint,
        `Endpoint ${s.endpoint} matches no member's client URL and did not answer (a removed member, or a wrong address?): ${s.error ?? 'no answer'}.`,
        'Check the address, or remove it from the profile if that member is gone.');
  }
}

function hostPort(u: string): string {
  try { const x = new URL(u); return `${x.hostname}:${x.port}`; } catch { return u; }
}

export function healthFindings(h: ClusterHealth, profile: ConnectionProfile, listRead: boolean): Finding[] {
  const out: Finding[] = [];
  const answered = h.members.filter((m) => m.status !== null);
  const cluster = profile.name;

  // Our own settings keep us from talking to any member: say so once, and claim nothing about quorum.
  if (h.connectionProblem) {
    out.push(finding('error', 'cannot-connect', cluster, `${h.connectionProblem[0].toUpperCase()}${h.connectionProblem.slice(1)}.`,
      'Nothing is known about the members: fix the connection settings (endpoints\' scheme, --cacert, --cert/--key) and refresh.'));
    return out;
  }
  if (answered.length === 0) {
    const reasons = [...new Set((h.strayEndpoints ?? []).map((s) => s.error).filter(Boolean))];
    out.push(finding('error', 'no-endpoint-answered', cluster,
      `None of the ${h.endpoints.length} configured endpoint(s) answered${reasons.length ? ` (${reasons.join('; ')})` : ''}. Nothing is known about quorum.`,
      'Check that etcd runs, that the endpoints are the members\' client URLs (https://host:2379), and the TLS files.'));
    return out;
  }
  for (const s of h.strayEndpoints ?? []) out.push(strayFinding(s, h, cluster));
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
  } else if (q.voters === 2 && q.healthy === 2) {
    // Nothing to restore: the size itself is the risk (quorum of 2 is 2), so say why instead of "restore".
    out.push(finding('warning', 'two-voters', cluster,
      'Two voting members, both healthy: quorum needs both, so losing either one stops writes. Two voters tolerate no more failures than one.',
      'Add a third voting member (3 voters survive the loss of one); until then, avoid restarting either member.'));
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
    // Alarms (with the sequence that clears them), db near its quota, space a defragmentation would give back.
    out.push(...maintenanceFindings(m, profile));
    // Alarms carried in `errors` are reported above (per member that raised them), not once per reporter.
    for (const e of (m.status?.errors ?? []).filter((x) => !alarmsFromStatusErrors([x]).length)) {
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
      const pct = m.catchUpPercent;
      const progress = pct === null || pct === undefined ? 'catch-up unknown (no answer from it or the leader)' : `${pct} % caught up with the leader`;
      out.push(finding('info', 'learner-present', who, `${who} is a learner (non-voting), ${progress}.`,
        pct !== null && pct !== undefined && pct >= LEARNER_READY_PERCENT
          ? `It is in sync enough to promote, if its join is meant to finish: "Promote Learner" on its row, or etcd-ops promote-member --member ${shellQuote(m.name || m.id || '')}.`
          : `Give it time to catch up (etcd refuses to promote below 90 %): etcd-ops promote-member --member ${shellQuote(m.name || m.id || '')} --wait 300 promotes it once ready; or remove it if the join was abandoned.`));
    }
    if (m.status && m.readyz?.state === 'failed' && !m.isLearner) {
      out.push(finding('warning', 'member-not-ready', who, `${who} answers but its /readyz fails: ${m.readyz.detail ?? 'no detail'}.`,
        'Read the member\'s log; /readyz fails on a lost quorum, a failed linearizable read or detected data corruption.'));
    }
  }

  out.push(...unstartedFindings(h));

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

/**
 * Members added and never started. A voter of that kind counts towards quorum while it cannot vote, so the
 * cluster tolerates fewer failures than its size says; a learner of that kind blocks every later join
 * (etcd allows one learner).
 */
function unstartedFindings(h: ClusterHealth): Finding[] {
  const out: Finding[] = [];
  const q = h.quorum;
  for (const m of h.members.filter((x) => x.id && !x.started)) {
    const who = memberLabel(m);
    const urls = m.peerURLs.join(', ') || 'no peer URL';
    if (m.isLearner) {
      out.push(finding('warning', 'learner-not-started', who,
        `${who} (${urls}) was added as a learner and has not started: etcd allows one learner, so it blocks every other join.`,
        `Start etcd on that node on an empty data dir with the env its add printed, or remove the entry: etcd-ops remove-member --member ${m.id}.`,
        { command: `etcd-ops remove-member --member ${m.id} --dry-run` }));
    } else {
      out.push(finding('warning', 'stale-unstarted-member', who,
        `${who} (${urls}) was added as a voter and never started: it counts in the quorum of ${q.voters} (needs ${q.needed}) without voting, so the cluster tolerates ${Math.max(0, q.healthy - q.needed)} more failure(s), fewer than ${q.voters} members suggest.`,
        `Start etcd on that node with --initial-cluster-state existing, or remove the entry: etcd-ops remove-member --member ${m.id}.`,
        { command: `etcd-ops remove-member --member ${m.id} --dry-run` }));
    }
  }
  return out;
}
