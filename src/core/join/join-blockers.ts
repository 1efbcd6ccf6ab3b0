// What stops a node from joining now, each with what to do about it. Pure over what was read: the live view
// (membership from the leader's list), the node's identity, its data-dir diagnosis and its join config.
import { ClusterHealth, MemberHealth, quorumJudged } from '../cluster-model';
import { Diagnosis } from '../datadir/diagnose';
import { shellQuote } from '../format';
import { sameId } from '../ids';
import { label } from '../ops/member-ref';
import { answeringLeader } from '../ops/transfer-rules';
import { addsMemberAs, distroLabel, JoinDistro, moveAsideCommand, stopCommand } from './distro-steps';

export interface JoinBlocker {
  code: string;
  message: string;
  remediation: string;
  /** The exact command the remediation names, when there is one. */
  command?: string;
}

function blocker(code: string, message: string, remediation: string, command?: string): JoinBlocker {
  return command ? { code, message, remediation, command } : { code, message, remediation };
}

function removeCommand(m: MemberHealth, endpoints: string[]): string {
  return `etcd-ops remove-member --member ${m.id} --endpoints ${shellQuote(endpoints.join(','))}`;
}

/** Whether the cluster can take a member now: reachable, a leader, quorum, and for voter joins quorum after the add. */
export function clusterBlockers(h: ClusterHealth, distro: JoinDistro, list: { ok: boolean; detail: string }): JoinBlocker[] {
  if (!quorumJudged(h)) {
    return [blocker('cluster-unreachable', `No member of the cluster answered${h.connectionProblem ? ` (${h.connectionProblem})` : ''}: nothing about a join can be checked.`,
      'Check --endpoints (every member\'s client URL) and the TLS files, then run join-check again.')];
  }
  const out: JoinBlocker[] = [];
  const q = h.quorum;
  if (!q.ok) {
    out.push(blocker('quorum-lost', `The cluster has no quorum: ${q.healthy} of ${q.voters} voters are healthy and ${q.needed} are needed. A member add is a raft proposal and cannot commit.`,
      'Bring the down members back first (or, if they are gone for good, recover from a snapshot). A join cannot restore quorum.'));
  } else if (!answeringLeader(h)) {
    out.push(blocker('no-leader', 'No member reports an answering leader: a member add cannot commit now.',
      'Wait for an election to settle and run join-check again; if it does not, look at the members\' logs for network problems between them.'));
  }
  if (!list.ok) {
    out.push(blocker('member-list-unavailable', `The member list could not be read through the leader (${list.detail}): stale entries and pending learners cannot be ruled out.`,
      'Run join-check again once the leader answers.'));
  }
  if (q.ok && addsMemberAs(distro) === 'voter') {
    const needed = Math.floor((q.voters + 1) / 2) + 1;
    if (q.healthy < needed) {
      const down = h.members.filter((m) => m.id && !m.isLearner && !m.healthy);
      out.push(blocker('quorum-at-risk',
        `${distroLabel(distro)} adds the new member as a voter: the cluster goes to ${q.voters + 1} voters, needing ${needed}, with only ${q.healthy} healthy until this node starts and catches up. If it never starts, the cluster stays without quorum (the "${q.voters}→${q.voters + 1}" failure).`,
        `First remove or bring back the down member${down.length === 1 ? '' : 's'} ${down.map((m) => label(m)).join(', ')}, so that ${q.voters + 1} voters keep ${needed} healthy.`,
        down.length === 1 ? removeCommand(down[0], h.endpoints) : undefined));
    }
  }
  return out;
}

/** etcd allows one learner at a time by default: one already listed refuses the join's learner add. */
export function learnerBlockers(h: ClusterHealth, distro: JoinDistro, ownId: string | null): JoinBlocker[] {
  return h.members.filter((m) => m.id && m.isLearner && !sameId(m.id, ownId)).map((m) => {
    const state = !m.started ? 'added but never started' : m.healthy ? `started${m.catchUpPercent !== null && m.catchUpPercent !== undefined ? `, ${m.catchUpPercent} % caught up` : ''}` : `started, now unreachable (${m.error ?? 'no answer'})`;
    return blocker('learner-pending',
      `A learner is already pending: ${label(m)} (${state}). etcd allows one learner at a time (--max-learners, default 1), so ${addsMemberAs(distro) === 'learner' ? `${distroLabel(distro)}'s learner add would be refused ("too many learner members in cluster")` : 'a join now leaves two unfinished member changes at once'}.`,
      m.started && m.healthy
        ? `Let it catch up and be promoted first (etcd-ops promote-member --member ${m.id} --wait 300), then join this node.`
        : `Remove the orphaned learner first: removing a learner never touches quorum.`,
      m.started && m.healthy ? undefined : removeCommand(m, h.endpoints));
  });
}

export interface NodeIdentity {
  name: string | null;
  peerURLs: string[];
  /** This node's own member id, from its data dir, when the cluster still lists it (never a stale entry). */
  ownId: string | null;
}

/** A member entry that already holds this node's name or peer URL: etcd refuses a second peer URL, and a name twice confuses every tool. */
export function staleEntryBlockers(h: ClusterHealth, node: NodeIdentity): JoinBlocker[] {
  const out: JoinBlocker[] = [];
  for (const m of h.members) {
    if (!m.id || sameId(m.id, node.ownId)) continue;
    const sharedUrls = m.peerURLs.filter((u) => node.peerURLs.includes(u));
    const sameName = Boolean(node.name && m.name === node.name);
    if (!sharedUrls.length && !sameName) continue;
    const what = [sameName ? `the name "${node.name}"` : '', sharedUrls.length ? `the peer URL ${sharedUrls.join(', ')}` : ''].filter(Boolean).join(' and ');
    const state = !m.started ? 'added but never started' : m.healthy ? 'started and healthy' : `started, now down (${m.error ?? 'no answer'})`;
    const live = m.started && m.healthy;
    out.push(blocker('stale-member-entry',
      `Member ${label(m)} (${m.isLearner ? 'learner' : 'voter'}, ${state}) already holds ${what}.`
        + (sharedUrls.length ? ' etcd refuses to add a member whose peer URL is taken ("Peer URLs already exists").' : ' A second member of that name makes k3s, k0s and operators act on the wrong one.'),
      live
        ? `It is running: if it is this node under an old identity, stop it and remove member ${m.id} first; if it is another node, give this one its own ${sameName ? 'name' : 'peer URL'}.`
        : `If it is left over from an earlier attempt, remove ${m.id} first${m.isLearner ? ' (a learner: quorum is not touched)' : ' (the removal checks quorum before it acts)'}, then join.`
          + (m.started ? '' : ' If it was added for this node just now, the join is under way: start this node with the environment that add printed instead of joining again.'),
      removeCommand(m, h.endpoints)));
  }
  return out;
}

function moveAsideRemedy(distro: JoinDistro, dir: string, why: string): { remediation: string; command: string } {
  const command = `${stopCommand(distro)} && ${moveAsideCommand(dir)}`;
  return { remediation: `${why} Stop ${distroLabel(distro)} and move ${dir} aside (keep it as a backup), then join on an empty data dir.`, command };
}

/** What the node's data dir says about joining as it is (the diagnosis compared with the leader's list). */
export function dataDirBlockers(d: Diagnosis, distro: JoinDistro, pkiDir: string | null): JoinBlocker[] {
  const dir = d.dataDir;
  const stateFinding = d.findings.find((f) => f.code === `state-${d.state}`);
  const said = stateFinding ? stateFinding.message : `${dir} is ${d.state}.`;
  switch (d.state) {
    case 'fresh':
      return [];
    case 'joined':
      return [blocker('datadir-joined', `${said} This node is already a member: joining again would add a second member for it.`,
        `Do not join: start ${distroLabel(distro)} on this data dir as it is. To rebuild this node instead, remove member ${d.memberId} first (etcd-ops remove-member --member ${d.memberId}), and only then move the data dir aside.`)];
    case 'learner':
      return [blocker('datadir-learner', `${said}`,
        `Do not join again: start ${distroLabel(distro)} on this data dir and let the learner catch up, then promote it (etcd-ops promote-member --member ${d.memberId} --wait 300).`)];
    case 'certs-only': {
      const certs = pkiDir ?? '<certificate dir>';
      return [blocker('datadir-certs-only', said,
        `Certificates from a join that never finished must not be taken for a finished join. Stop ${distroLabel(distro)} and move ${certs} aside so the join starts clean and fetches them again.`,
        `${stopCommand(distro)} && ${moveAsideCommand(certs)}`)];
    }
    case 'removed':
    case 'foreign-cluster':
    case 'db-without-wal':
    case 'corrupt': {
      const why: Record<string, string> = {
        removed: 'etcd refuses to start a removed member on its old data ("the member has been permanently removed from the cluster").',
        'foreign-cluster': 'Started here, etcd belongs to the other cluster: refused by the peers ("cluster ID mismatch") or a split brain.',
        'db-without-wal': 'etcd would bootstrap again here: a new one-member cluster (split brain) or a fresh member on top of old data.',
        corrupt: 'etcd cannot start on it as it is.',
      };
      const r = moveAsideRemedy(distro, dir, why[d.state]);
      return [blocker(`datadir-${d.state}`, said, r.remediation, r.command)];
    }
  }
}

/** What the k3s/RKE2 join config says, as read from the node and probed. */
export interface JoinConfigFacts {
  file: string;
  /** The `server:` URL, when set. */
  server: string | null;
  clusterInit: boolean;
  /** Result of the probe of `server:`: null when not probed. */
  reachable: { ok: boolean; detail: string } | null;
  /** The member `server:` names, when its host is one member's alone. */
  member: MemberHealth | null;
}

export function joinConfigBlockers(c: JoinConfigFacts, distro: JoinDistro, target: { joinAddress: string | null } | null): JoinBlocker[] {
  const point = target?.joinAddress ? `Point server: at ${target.joinAddress}, a live voter chosen from health (or at a registration address that reaches every server).` : 'Point server: at a live server.';
  if (!c.server) {
    return c.clusterInit
      ? [blocker('join-config-bootstraps', `${c.file} sets cluster-init: true and no server: started like this, ${distroLabel(distro)} bootstraps a new etcd cluster on this node instead of joining (the "recreated the cluster" failure).`,
        `Remove cluster-init from ${c.file}. ${point}`)]
      : [];
  }
  const out: JoinBlocker[] = [];
  if (c.member && (!c.member.started || !c.member.healthy)) {
    out.push(blocker('join-config-dead-server', `${c.file} sets server: ${c.server}, which is member ${label(c.member)}: it is down (${c.member.error ?? 'not started'}). The join would fail or hang there.`, point));
  } else if (c.reachable && !c.reachable.ok) {
    out.push(blocker('join-config-dead-server', `${c.file} sets server: ${c.server}, which does not answer (${c.reachable.detail}). The join would fail or hang there.`, point));
  }
  return out;
}
