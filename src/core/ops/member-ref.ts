// Finding the member an operator meant (name, hex id as etcdctl prints it, or etcd3's decimal) and
// describing members the way the rest of the product does.
import { ClusterHealth, MemberHealth } from '../cluster-model';
import { parseMemberId, sameId } from '../ids';
import { MemberInfo } from '../port';

export type Resolution =
  | { member: MemberHealth; error?: undefined }
  | { member?: undefined; error: string };

/** Members with a known id: the ones an operation can name. */
export function knownMembers(h: ClusterHealth): MemberHealth[] {
  return h.members.filter((m) => m.id !== null);
}

export function resolveMember(h: ClusterHealth, input: string): Resolution {
  const wanted = input.trim();
  const members = knownMembers(h);
  if (!wanted) return { error: 'no member given' };
  // A name wins over an id: names like "abc" are also valid hex.
  const byName = members.filter((m) => m.name === wanted);
  if (byName.length === 1) return { member: byName[0] };
  if (byName.length > 1) return { error: `${byName.length} members are named "${wanted}": give the hex id instead` };
  const id = parseMemberId(wanted);
  const byId = id ? members.find((m) => sameId(m.id, id)) : undefined;
  if (byId) return { member: byId };
  const known = members.map((m) => `${m.name || '(unstarted)'} ${m.id}`).join(', ');
  // etcd lists a member without a name until its process starts: the one meant may be among those.
  const unnamed = members.filter((m) => !m.name).map((m) => m.id);
  const hint = unnamed.length ? `; a member that has not started has no name yet: give its id (${unnamed.join(', ')})` : '';
  return { error: `no member "${wanted}" in this cluster (members: ${known || 'none could be read'})${hint}` };
}

/**
 * The member with exactly this id (hex as the tree and etcdctl show it). Names are not looked at: a member
 * may be named like another member's id.
 */
export function resolveMemberById(h: ClusterHealth, id: string): Resolution {
  const wanted = id.trim();
  const m = wanted ? knownMembers(h).find((x) => sameId(x.id, wanted)) : undefined;
  if (m) return { member: m };
  const known = knownMembers(h).map((x) => `${x.name || '(unstarted)'} ${x.id}`).join(', ');
  return { error: `no member with id ${wanted || '(none)'} in this cluster (members: ${known || 'none could be read'})` };
}

/** "m2 (8e9e05c52164694d)", or the id alone for a member that never started. */
export function label(m: Pick<MemberHealth, 'id' | 'name'> | undefined | null): string {
  if (!m) return 'unknown member';
  return m.name ? `${m.name} (${m.id})` : `unstarted member ${m.id}`;
}

/** Short form for sentences that already said which member: the name, else the id. */
export function shortName(m: Pick<MemberHealth, 'id' | 'name'> | undefined | null): string {
  return m?.name || m?.id || 'unknown member';
}

export function findById(h: ClusterHealth, id: string | null | undefined): MemberHealth | undefined {
  return id ? h.members.find((m) => sameId(m.id, id)) : undefined;
}

export function memberInfos(h: ClusterHealth): MemberInfo[] {
  return knownMembers(h).map((m) => ({
    id: m.id as string, name: m.name, peerURLs: m.peerURLs, clientURLs: m.clientURLs, isLearner: m.isLearner,
  }));
}

/** How far the member's applied index trails the leader's, null when either did not answer. */
export function appliedLag(leader: MemberHealth | undefined, m: MemberHealth): number | null {
  if (!leader?.status || !m.status) return null;
  return Math.max(0, leader.status.appliedIndex - m.status.appliedIndex);
}
