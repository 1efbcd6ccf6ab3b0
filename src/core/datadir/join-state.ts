// Decides, from etcd's own data (never from certificates alone: see the k0s failure in DESIGN.md), what a
// node's etcd data dir means for joining: fresh, certs only, db without WAL, joined, learner, removed,
// member of another cluster, or corrupt. Every state comes with findings that say what to do next.
import { Finding, finding } from '../findings';
import { sameId } from '../ids';
import { distroFromPath } from '../certs/layouts';
import { DataDirFacts, snapDbName } from './inspect';
import { ConfChange } from './raftpb';
import { WalContents } from './wal';

export type JoinState = 'fresh' | 'certs-only' | 'db-without-wal' | 'joined' | 'learner' | 'removed' | 'foreign-cluster' | 'corrupt';

/** What the live cluster says, as far as it could be asked. Ids are hex. */
export interface LiveView {
  clusterId: string | null;
  members: { id: string; name: string; isLearner: boolean }[];
}

/** Certificates found for this node (k0s used to decide "joined" from these). */
export interface PkiSummary {
  dir: string;
  certFiles: string[];
}

export interface ClassifyInput {
  facts: DataDirFacts;
  pki?: PkiSummary | null;
  live?: LiveView | null;
  /** Why there is no live view (no endpoints given, none answered), for the finding that says so. */
  liveUnavailableReason?: string | null;
}

export interface JoinDiagnosis {
  state: JoinState;
  memberId: string | null;
  clusterId: string | null;
  findings: Finding[];
}

interface SelfInfo { name: string | null; peerURLs: string[]; clientURLs: string[] }

function selfInfo(facts: DataDirFacts, memberId: string | null): SelfInfo {
  const db = facts.db?.members?.find((m) => m.id === memberId);
  const fromWal = [...((facts.wal ?? facts.walPartial)?.confChanges ?? [])].reverse()
    .find((c) => c.member && c.changes.some((ch) => ch.nodeId === memberId && ch.kind !== 'remove'))?.member;
  return {
    name: db?.name || fromWal?.name || facts.layout.memberName || null,
    peerURLs: db?.peerURLs.length ? db.peerURLs : fromWal?.peerURLs ?? [],
    clientURLs: db?.clientURLs.length ? db.clientURLs : fromWal?.clientURLs ?? [],
  };
}

export function selfUrls(facts: DataDirFacts): SelfInfo {
  return selfInfo(facts, (facts.wal ?? facts.walPartial)?.memberId ?? null);
}

function quote(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Shell steps shared by every "start over as a new member" remediation. */
function rejoinSteps(dir: string, self: SelfInfo, memberId: string | null, stillListed: boolean): { text: string; command: string } {
  const name = self.name ?? '<member-name>';
  const peer = self.peerURLs[0] ?? 'https://<this-node-ip>:2380';
  const distro = distroFromPath(`${dir}/`);
  const moveAside = `mv ${quote(dir)} ${quote(dir)}.bak-$(date +%Y%m%d%H%M%S)`;
  const parts = [
    `Stop etcd on this node, keep the data dir as a backup by moving it aside (${moveAside}),`,
    stillListed && memberId ? `remove the stale member from a healthy member (etcdctl member remove ${memberId}),` : '',
    `add it back as a new member from a healthy member (etcdctl member add ${name} --peer-urls=${peer}),`,
    'then start etcd here with an empty data dir, --initial-cluster-state existing and the --initial-cluster line that member add printed.',
  ].filter(Boolean);
  if (distro === 'k3s' || distro === 'rke2') {
    parts.push(`${distro === 'k3s' ? 'k3s' : 'RKE2'} does the add itself: with the data dir moved aside, starting the server with its join token adds it back as a learner and promotes it.`);
  }
  const command = [moveAside, stillListed && memberId ? `etcdctl member remove ${memberId}` : '', `etcdctl member add ${quote(name)} --peer-urls=${quote(peer)}`]
    .filter(Boolean).join(' && ');
  return { text: parts.join(' '), command };
}

interface Corruption { code: string; message: string; file?: string }

/** What lies behind a damaged WAL frame, and what etcd's start-up repair will do with it. */
function damageMessage(wal: WalContents, facts: DataDirFacts): string {
  const d = wal.damage!;
  const rules = facts.schema?.bootRules;
  // etcd 3.4 refuses a frame of 10 MiB or more before reading it ("max entry size limit exceeded").
  const refuses34 = d.claimedBytes >= 10 * 1024 * 1024 && (rules === undefined || rules === '3.4');
  const behind = d.recordsBehind
    ? ` holding ${d.recordsBehind} valid record(s)${d.lastIndexBehind !== null ? ` up to entry ${d.lastIndexBehind}` : ''}${d.hardStateBehind ? ` and a hard state with commit ${d.hardStateBehind.commit} (term ${d.hardStateBehind.term})` : ''}`
    : '';
  const kept = `entries up to ${wal.lastIndex} and ${wal.hardState ? `the hard state commit ${wal.hardState.commit} (term ${wal.hardState.term})` : 'no hard state'} from before it`;
  return `The WAL is damaged at byte ${d.offset} of ${d.file} (${d.reason}), with ${d.bytesBehind} bytes of written data behind it${behind}: this is not a torn write, which only leaves zeroed sectors at the very end. `
    + (d.claimedBytes === 0
      ? `On start etcd stops reading at byte ${d.offset} and zeroes the rest of the segment, so the member loses its newest hard state and every entry after the damage, and restarts with ${kept}.`
      : `On start etcd${refuses34 ? ' 3.5 and later' : ''} truncates the segment at byte ${d.offset} (keeping a .broken copy), so the member loses its newest hard state and every entry after the damage, and restarts with ${kept}.`
        + (refuses34 ? ' etcd 3.4 refuses to start on it instead ("wal: max entry size limit exceeded").' : ''));
}

/** What would stop etcd from starting on this dir, as etcd itself checks at boot. */
function corruptions(facts: DataDirFacts): Corruption[] {
  const out: Corruption[] = [];
  const { wal, layout, db } = facts;
  if (facts.walError) out.push({ code: `wal-${facts.walError.code}`, message: `The WAL cannot be read: ${facts.walError.message}.`, file: facts.walError.file });
  if (facts.dbError) out.push({ code: `db-${facts.dbError.code}`, message: `The db cannot be read: ${facts.dbError.message}.`, file: facts.dbError.file });
  if (!wal) return out;
  if (wal.damage) out.push({ code: 'wal-damaged-frame', message: damageMessage(wal, facts), file: wal.damage.file });
  if (!wal.memberId) out.push({ code: 'wal-no-metadata', message: 'The WAL has no metadata record, so etcd cannot tell which member and cluster it belongs to.', file: layout.walDir });
  const snapIndex = facts.bootSnapshot?.index ?? 0;
  const snapTerm = facts.bootSnapshot?.term ?? 0;
  const first = layout.walFiles[0];
  if (first && first.index > BigInt(snapIndex)) {
    out.push({ code: 'wal-missing-segment', message: `etcd must replay the WAL from index ${snapIndex}${facts.bootSnapshot ? ` (snapshot ${facts.bootSnapshot.file})` : ' (no usable snapshot)'}, but the oldest WAL segment starts at index ${first.index}.`, file: layout.walDir });
  } else if (!wal.snapshots.some((s) => s.index === snapIndex && s.term === snapTerm)) {
    out.push({ code: 'wal-snapshot-not-found', message: `The WAL has no snapshot marker for index ${snapIndex} term ${snapTerm}, the snapshot etcd would start from (etcd: "snapshot not found").`, file: layout.walDir });
  }
  const gap = wal.gaps.find((g) => g.index > Math.max(snapIndex, g.previous ?? 0) + 1);
  if (gap) out.push({ code: 'wal-entry-gap', message: `WAL entries jump from index ${gap.previous} to ${gap.index} after the snapshot at ${snapIndex}: entries are missing.`, file: layout.walDir });
  const raftLast = Math.max(snapIndex, wal.lastIndex);
  if (wal.hardState && wal.hardState.commit > raftLast) {
    out.push({ code: 'commit-beyond-log', message: `The hard state says index ${wal.hardState.commit} is committed but the log ends at ${raftLast}: raft panics with "tocommit(${wal.hardState.commit}) is out of range [lastIndex(${raftLast})]. Was the raft log corrupted, truncated, or lost?"`, file: layout.walDir });
  }
  if (layout.dbSize === null && snapIndex > 0 && !layout.snapDbFiles.includes(snapDbName(snapIndex))) {
    out.push({ code: 'db-missing', message: `The db (member/snap/db) is missing; etcd would need the key space as of snapshot index ${snapIndex} and has no copy of it.`, file: layout.dbFile });
  }
  if (db && facts.bootSnapshot && (db.consistentIndex ?? 0) < snapIndex && !layout.snapDbFiles.includes(snapDbName(snapIndex))) {
    out.push({ code: 'db-behind-snapshot', message: `The db has applied up to index ${db.consistentIndex ?? 0}, older than the snapshot at ${snapIndex}, and the matching ${snapDbName(snapIndex)} is not there: etcd fails with "failed to find database snapshot file".`, file: layout.dbFile });
  }
  return out;
}

/** Conf changes at or below the hard state's commit index: only those took effect. */
function committedChanges(wal: WalContents | null): ConfChange[] {
  const commit = wal?.hardState?.commit ?? 0;
  return (wal?.confChanges ?? []).filter((c) => c.index <= commit);
}

/**
 * Raft's role of each member as this dir last knew it: the db's applied conf state (3.5+) or the boot
 * snapshot's, then the committed conf changes after it.
 */
function raftRoles(facts: DataDirFacts): { roles: Map<string, 'voter' | 'learner' | 'removed'>; source: string } | null {
  const base = facts.db?.confState ?? facts.bootSnapshot?.confState ?? null;
  const baseIndex = facts.db?.confState ? facts.db.consistentIndex ?? 0 : facts.bootSnapshot?.index ?? 0;
  const changes = committedChanges(facts.wal).filter((c) => c.index > baseIndex);
  if (!base && !changes.length) return null;
  const roles = new Map<string, 'voter' | 'learner' | 'removed'>();
  for (const v of base?.voters ?? []) roles.set(v, 'voter');
  for (const l of base?.learners ?? []) roles.set(l, 'learner');
  for (const c of changes) {
    for (const ch of c.changes) {
      if (!ch.nodeId) continue;
      if (ch.kind === 'add') roles.set(ch.nodeId, 'voter');
      else if (ch.kind === 'add-learner') roles.set(ch.nodeId, 'learner');
      else if (ch.kind === 'remove') roles.set(ch.nodeId, 'removed');
    }
  }
  const source = [facts.db?.confState ? 'the db\'s meta/confState' : facts.bootSnapshot ? 'the snapshot\'s conf state' : '', changes.length ? 'committed conf changes in the WAL' : '']
    .filter(Boolean).join(' and ');
  return { roles, source };
}

/**
 * Members the db calls learners while raft, at the same applied index, counts them as voters (the 3.5
 * promotion-not-persisted bug). Only the db's own conf state (or a snapshot it has applied) is compared:
 * a promotion committed but not applied yet is replayed at start and is no bug.
 */
function staleLearnerFlags(facts: DataDirFacts): { id: string; name: string; why: string }[] {
  const db = facts.db;
  if (!db?.members) return [];
  const snap = facts.bootSnapshot && (db.consistentIndex ?? 0) >= facts.bootSnapshot.index ? facts.bootSnapshot : null;
  const voters = db.confState?.voters ?? snap?.confState.voters ?? [];
  const why = db.confState ? 'the db\'s meta/confState' : 'the snapshot\'s conf state';
  return db.members.filter((m) => m.isLearner && voters.includes(m.id)).map((m) => ({ id: m.id, name: m.name, why }));
}

/** Findings that hold whatever the state: torn tail, broken snap files, db problems, alarms, k3s tombstone. */
function sideFindings(facts: DataDirFacts, memberId: string | null): Finding[] {
  const out: Finding[] = [];
  const { wal, layout, db } = facts;
  if (wal?.tornTail) {
    out.push(finding('warning', 'wal-torn-tail', wal.tornTail.file,
      `The last WAL segment ends with a partially written record at byte ${wal.tornTail.offset} (${wal.tornTail.reason}), as after a crash or power loss.`,
      'Nothing to do if etcd is running: it is still writing here. Otherwise etcd truncates the partial record when it starts (keeping a .broken copy); the record was never acknowledged.',
      { file: { path: wal.tornTail.file } }));
  }
  const v37 = facts.schema?.bootRules === '3.7';
  for (const s of facts.snaps.filter((x) => x.error)) {
    out.push(v37
      ? finding('info', 'snap-unreadable', s.file, `Snapshot file cannot be read: ${s.error!.message}.`,
        `The db's schema is ${facts.schema!.version}: etcd 3.7 starts from the WAL's snapshot records and does not read snap files, so this does not stop the member. Keep a copy if you will run an older etcd on this dir.`,
        { file: { path: s.file } })
      : finding('warning', 'snap-unreadable', s.file, `Snapshot file cannot be used: ${s.error!.message}.`,
        'etcd renames it to .broken and falls back to an older snapshot. Keep a copy for analysis; if every snapshot is broken, treat the member as corrupt.',
        { file: { path: s.file } }));
  }
  for (const e of facts.walOldProblems) {
    const start = layout.walFiles[facts.walStartSegment]?.name ?? 'the newest segment';
    out.push(finding('warning', 'wal-old-segment-damaged', e.file,
      `An older WAL segment has a record etcd cannot decode: ${e.message}. etcd starts reading records at ${start}, the segment holding its snapshot (index ${facts.bootSnapshot?.index ?? 0}), so this does not stop the member.`,
      'Keep a copy for analysis. etcd deletes old segments itself as snapshots advance (--max-wals); do not delete WAL files by hand.',
      { file: { path: e.file } }));
  }
  for (const m of staleLearnerFlags(facts)) {
    const under36 = facts.schema?.bootRules === '3.5' || facts.schema?.bootRules === '3.4';
    out.push(finding('warning', 'db-stale-learner-flag', layout.dbFile,
      `The db's members bucket marks ${m.name || '(unnamed)'} ${m.id} a learner, but raft's configuration has it as a voter (${m.why}): etcd 3.5.1–3.5.23 could promote a learner without writing the promotion to the db. `
        + (under36 ? 'etcd 3.6 and later read membership from the db, so after an upgrade they count it as a learner and can refuse to start ("too many learner members in cluster").'
          : 'This etcd reads membership from the db, so it counts the member as a learner.'),
      under36 ? 'Before upgrading to 3.6, start this member once with etcd 3.5.24 or later: at start it copies the promotion from the v2 store into the db. Then check that `etcdctl member list` shows IsLearner false for it.'
        : 'Compare with `etcdctl member list -w table` on a healthy member; if the cluster lists it as a voter, replace this member (remove, move the data dir aside, add it back) so its db is rebuilt from the leader.',
      { file: { path: layout.dbFile } }));
  }
  for (const p of db?.problems ?? []) {
    out.push(finding('warning', 'db-unexpected-entry', layout.dbFile, `Unexpected db entry: ${p}.`, 'Compare with `etcdctl member list` from a healthy member; a member list that differs means this db is not trustworthy.', { file: { path: layout.dbFile } }));
  }
  for (const a of db?.alarms ?? []) {
    if (a.alarm === 'NOSPACE') {
      out.push(finding('error', 'alarm-nospace', a.memberId, `The db records a NOSPACE alarm for member ${a.memberId}: the cluster accepts only reads and deletes.`,
        'Compact and defragment to get under the quota (or raise --quota-backend-bytes), then disarm the alarm.',
        { command: 'etcdctl compact $(etcdctl endpoint status -w json | grep -o \'"revision":[0-9]*\' | head -1 | cut -d: -f2) && etcdctl defrag && etcdctl alarm disarm' }));
    } else if (a.alarm === 'CORRUPT') {
      out.push(finding('error', 'alarm-corrupt', a.memberId, `The db records a CORRUPT alarm for member ${a.memberId}: its data diverged from the other members.`,
        `Replace member ${a.memberId}: remove it, move its data dir aside, add it back as a new member.`));
    }
  }
  if (layout.tombstone) {
    out.push(finding('info', 'k3s-tombstone', layout.root, 'A k3s/RKE2 tombstone file is present: at its next start the server moves this data dir aside and joins again.',
      'Expected after the node was removed from the cluster; nothing to do unless that is not what you want (then delete the tombstone file before starting).'));
  }
  if (!db && facts.layout.dbSize === null && wal && (facts.bootSnapshot?.index ?? 0) === 0 && memberId) {
    out.push(finding('warning', 'db-missing-rebuildable', layout.dbFile, 'The db (member/snap/db) is missing but the WAL holds the whole log from index 0: etcd rebuilds the key space by replaying it.',
      'Let etcd start and check `etcdctl endpoint status` for this member; if the db was deleted on purpose to save space, that was not safe on a member with snapshots.'));
  }
  return out;
}

export function classifyJoinState(input: ClassifyInput): JoinDiagnosis {
  const { facts } = input;
  const { layout, wal, db } = facts;
  const live = input.live ?? null;
  const dir = layout.root;
  const memberId = (wal ?? facts.walPartial)?.memberId ?? null;
  const clusterId = (wal ?? facts.walPartial)?.clusterId ?? null;
  const findings: Finding[] = [];
  const result = (state: JoinState): JoinDiagnosis => ({ state, memberId, clusterId, findings: [...findings, ...sideFindings(facts, memberId)] });
  const self = selfInfo(facts, memberId);
  const liveSelf = live?.members.find((m) => sameId(m.id, memberId)) ?? null;
  const hasCerts = Boolean(input.pki && input.pki.certFiles.length);

  // No WAL (corrupt WAL files still count as a WAL: etcd would try to use them).
  if (!layout.walFiles.length) {
    const hasDb = layout.dbSize !== null;
    const hasSnap = layout.snapFiles.length > 0;
    if (hasDb || hasSnap) {
      const what = [hasDb ? `a db (${layout.dbSize} bytes)` : '', hasSnap ? `${layout.snapFiles.length} snap file(s)` : ''].filter(Boolean).join(' and ');
      const steps = rejoinSteps(dir, self, null, false);
      findings.push(finding('error', 'state-db-without-wal', dir,
        `${dir} holds ${what} but no WAL. etcd decides "already bootstrapped" from WAL files only, so it will bootstrap again here: with --initial-cluster-state new it creates a new one-member cluster (split brain), with existing it joins as a fresh member. A tool that judges from the db (as k0s does) believes this node already joined.`
          + (db?.members?.length ? ` The db lists members ${db.members.map((m) => `${m.name || '(unnamed)'} ${m.id}`).join(', ')}.` : ''),
        `Do not start etcd on this dir as it is. ${steps.text}`, { command: steps.command }));
      return result('db-without-wal');
    }
    if (hasCerts) {
      const steps = rejoinSteps(dir, self, null, false);
      findings.push(finding('warning', 'state-certs-only', input.pki!.dir,
        `Certificates are present (${input.pki!.certFiles.length} file(s) in ${input.pki!.dir}) but etcd has no data in ${dir}: this node got its certificates but never completed joining. Older k0s decided "already joined" from pki/ca.crt and then bootstrapped a new one-member cluster here (split brain).`,
        `Join it explicitly: ${steps.text.replace(/^Stop etcd on this node, keep the data dir as a backup by moving it aside \([^)]*\), /, '')} For k0s, upgrade to a release that decides from etcd's data and re-run the join with a controller token.`,
        { command: `etcdctl member add ${quote(self.name ?? '<member-name>')} --peer-urls=${quote(self.peerURLs[0] ?? 'https://<this-node-ip>:2380')}` }));
      return result('certs-only');
    }
    findings.push(finding('info', 'state-fresh', dir,
      `${dir} holds no etcd data: etcd will bootstrap here${layout.walTmpFiles.length ? ' (only preallocated WAL files are present)' : ''}.`,
      'To join an existing cluster, add the member first from a healthy member (etcdctl member add <name> --peer-urls=<peer-url>) and start with --initial-cluster-state existing. Use --initial-cluster-state new only when creating a cluster.',
      { command: 'etcdctl member add <member-name> --peer-urls=https://<this-node-ip>:2380' }));
    return result('fresh');
  }

  const bad = corruptions(facts);
  if (bad.length) {
    const steps = rejoinSteps(dir, self, memberId, !live || Boolean(liveSelf));
    for (const c of bad) {
      findings.push(finding('error', c.code, c.file ?? dir, c.message,
        `Do not start etcd on this dir. Keep a copy for analysis (cp -a), then replace the member: ${steps.text} If this was the only member, restore from a backup with etcdctl snapshot restore instead.`,
        { command: steps.command, ...(c.file ? { file: { path: c.file } } : {}) }));
    }
    findings.unshift(finding('error', 'state-corrupt', dir, `The data dir of member ${memberId ?? '(unknown)'} is damaged: ${bad.map((b) => b.code).join(', ')}.`,
      'See the findings below for each problem; the member must be replaced or restored.'));
    return result('corrupt');
  }

  const removedInDb = Boolean(memberId && db?.removedMembers.includes(memberId));
  const committed = committedChanges(wal);
  const removedInWal = committed.some((c) => c.changes.some((ch) => ch.kind === 'remove' && ch.nodeId === memberId));
  const commit = wal?.hardState?.commit ?? 0;
  const pendingRemoval = (wal?.confChanges ?? []).find((c) => c.index > commit && c.changes.some((ch) => ch.kind === 'remove' && ch.nodeId === memberId));
  const lastSelfChange = [...committed].reverse().flatMap((c) => c.changes).find((ch) => ch.nodeId === memberId);
  const raftRole = memberId ? raftRoles(facts)?.roles.get(memberId) : undefined;
  const learnerLocally = raftRole === 'voter' ? false : raftRole === 'learner'
    || Boolean(db?.members?.find((m) => m.id === memberId)?.isLearner) || lastSelfChange?.kind === 'add-learner';
  const summary = `member ${memberId}${self.name ? ` (${self.name})` : ''} of cluster ${clusterId}, last entry ${wal!.lastIndex} (term ${wal!.lastTerm}), commit ${wal!.hardState?.commit ?? 0}`;

  if (!live) {
    findings.push(finding('info', 'live-view-unavailable', dir,
      `No live view of the cluster${input.liveUnavailableReason ? ` (${input.liveUnavailableReason})` : ''}: could not check that cluster ${clusterId} is the running cluster, nor that member ${memberId} is still a member of it.`,
      'Run the diagnosis again with --endpoints listing every member\'s client URL (and --cacert/--cert/--key) to compare with the live cluster.'));
  }

  if (live && live.clusterId && clusterId && !sameId(live.clusterId, clusterId)) {
    const steps = rejoinSteps(dir, self, memberId, false);
    findings.push(finding('error', 'state-foreign-cluster', dir,
      `This data dir belongs to cluster ${clusterId}, but the live cluster is ${live.clusterId}: started here, etcd would either be refused by the peers ("cluster ID mismatch") or run as a separate cluster (split brain). This happens when a node bootstrapped its own cluster instead of joining.`,
      `Check first that --endpoints point at the cluster this node should join. Then: ${steps.text}`, { command: steps.command }));
    return result('foreign-cluster');
  }

  if (pendingRemoval) {
    findings.push(finding('warning', 'wal-uncommitted-removal', dir,
      `The WAL holds a removal of member ${memberId} at index ${pendingRemoval.index}, above its commit index ${commit}: it was proposed but this member never learned that it was committed (a leader may have crashed right after proposing it).`,
      'It does not count as a removal. Check `etcdctl member list` on a healthy member: if the member is still listed, it stays a member; if not, it was removed after all.'));
  }
  const notInLive = Boolean(live && !liveSelf);
  // A live member list that still holds the member outweighs what its own (possibly stale) data says.
  if (liveSelf && (removedInDb || removedInWal)) {
    findings.push(finding('warning', 'removed-locally-listed-live', dir,
      `This member's own data says it was removed (${removedInDb ? 'its db lists it in members_removed' : 'its WAL holds a committed removal'}), but the live cluster still lists ${memberId}.`,
      'Trust the live member list. Check that --endpoints reach the cluster this node belongs to; if they do, the member may restart on this dir.'));
  }
  if (!liveSelf && (removedInDb || removedInWal || notInLive)) {
    const why = [
      removedInDb ? 'its own db lists it in members_removed' : '',
      removedInWal ? 'its WAL holds the conf change that removed it' : '',
      notInLive ? `the live cluster${live!.clusterId ? ` ${live!.clusterId}` : ''} does not list it${live!.clusterId ? '' : ' (the live cluster id is unknown, so this may also be another cluster)'}` : '',
    ].filter(Boolean).join('; ');
    const reAdded = live?.members.find((m) => self.name && m.name === self.name && !sameId(m.id, memberId));
    const steps = rejoinSteps(dir, self, memberId, false);
    findings.push(finding('error', 'state-removed', dir,
      `${summary} was removed from the cluster (${why}). etcd refuses to start with it ("the member has been permanently removed from the cluster").`
        + (reAdded ? ` The live cluster has a member with the same name, ${reAdded.name}, under a new id ${reAdded.id}: this node was added again but still has the old data dir.` : ''),
      reAdded
        ? `Stop etcd, move this data dir aside (it belongs to the old id ${memberId}) and start with an empty data dir and --initial-cluster-state existing, so it joins as ${reAdded.id}.`
        : steps.text,
      { command: reAdded ? `mv ${quote(dir)} ${quote(dir)}.bak-$(date +%Y%m%d%H%M%S)` : steps.command }));
    return result('removed');
  }

  const learner = liveSelf ? liveSelf.isLearner : learnerLocally;
  if (learner) {
    findings.push(finding('warning', 'state-learner', dir,
      `${summary} is a learner (non-voting)${liveSelf ? ' according to the live cluster' : ' according to its own data'}: it receives the log but does not count for quorum, and etcd allows one learner at a time.`,
      'Once it has caught up (its raft index in `etcdctl endpoint status` close to the leader\'s), promote it. k3s and RKE2 promote their learners themselves; a learner that stays one for minutes is not catching up (check its log and network to the leader).',
      { command: `etcdctl member promote ${memberId}` }));
    return result('learner');
  }

  findings.push(finding('info', 'state-joined', dir,
    `${summary}${live ? ', listed as a voting member by the live cluster' : ''}.`,
    live ? 'Nothing to do: etcd restarts here with its own identity (--initial-cluster flags are ignored once a WAL exists).'
      : 'Nothing to do from the data dir alone; confirm with --endpoints that the cluster still lists this member.'));
  if (liveSelf && self.name && liveSelf.name && liveSelf.name !== self.name) {
    findings.push(finding('warning', 'member-name-differs', dir, `The live cluster calls member ${memberId} "${liveSelf.name}", the local data "${self.name}".`,
      'Harmless for etcd, but tools matching members by name (k3s node-name annotations, k0s EtcdMember) may act on the wrong one; make the names agree.'));
  }
  return result('joined');
}
