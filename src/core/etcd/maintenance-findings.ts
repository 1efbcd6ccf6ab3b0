// Findings about one member's db and alarms, from the refresh's Status answers (nothing more is asked):
// space a defragmentation would give back, a db near its quota (80 %, 95 %), alarms with the sequence that
// clears them. Called per member where the health findings are made.
import { memberLabel, MemberHealth } from '../cluster-model';
import { Finding, finding } from '../findings';
import { formatBytes } from '../format';
import { corruptAdvice, DISARM_MAX_QUOTA_SHARE, NOSPACE_SEQUENCE, quotaOf } from '../ops/maintenance-rules';
import { ConnectionProfile } from './profile';

/** Share of the backend quota at which the db size is worth a warning (where NOSPACE may be disarmed again), and an error. */
export const QUOTA_WARNING = DISARM_MAX_QUOTA_SHARE;
export const QUOTA_ERROR = 0.95;
/** Free pages inside the db worth a defragmentation: at least this much, and this share of the file. */
export const FRAGMENTED_MIN_BYTES = 100 * 1024 * 1024;
export const FRAGMENTED_SHARE = 0.5;

const defragCommand = (m: MemberHealth) => `etcd-ops defrag --member ${m.name || m.id} --yes`;

function reclaimable(m: MemberHealth): number {
  return m.status ? Math.max(0, m.status.dbSize - m.status.dbSizeInUse) : 0;
}

function quotaFinding(m: MemberHealth, profile: ConnectionProfile): Finding | null {
  if (!m.status || m.status.dbSize <= 0) return null;
  const quota = quotaOf(m, profile.quotaBackendBytes);
  const share = m.status.dbSize / quota.bytes;
  if (share < QUOTA_WARNING) return null;
  const who = memberLabel(m);
  const free = reclaimable(m);
  const hint = free >= m.status.dbSize * 0.2
    ? `Defragmenting it would give back ${formatBytes(free)}: compact, then defragment one member at a time (etcd-ops compact, etcd-ops defrag --all).`
    : 'Little of it is free space: delete what is not needed or raise --quota-backend-bytes, then compact and defragment (etcd-ops compact, etcd-ops defrag --all).';
  return finding(share >= QUOTA_ERROR ? 'error' : 'warning', 'db-near-quota', who,
    `${who}'s db is ${formatBytes(m.status.dbSize)}, ${Math.round(share * 100)} % of its ${formatBytes(quota.bytes)} quota (${quota.source}); at 100 % etcd raises NOSPACE and refuses writes.`,
    hint, { command: free >= m.status.dbSize * 0.2 ? defragCommand(m) : undefined });
}

function fragmentationFinding(m: MemberHealth): Finding | null {
  if (!m.status) return null;
  const free = reclaimable(m);
  if (free < FRAGMENTED_MIN_BYTES || free < m.status.dbSize * FRAGMENTED_SHARE) return null;
  const who = memberLabel(m);
  return finding('info', 'db-fragmented', who,
    `Defragmenting ${m.name || m.id} would reclaim ${formatBytes(free)}: its db is ${formatBytes(m.status.dbSize)}, ${formatBytes(m.status.dbSizeInUse)} of it in use.`,
    'Defragment one member at a time, the leader last (etcd-ops defrag): each member stalls while it runs.',
    { command: defragCommand(m) });
}

function alarmFinding(m: MemberHealth, alarm: string): Finding {
  const who = memberLabel(m);
  if (alarm === 'NOSPACE') {
    return finding('error', 'alarm-nospace', who,
      `NOSPACE alarm active on ${who}: the cluster accepts only reads, deletes and compaction until it is disarmed.`,
      `In this order: ${NOSPACE_SEQUENCE.map((s, i) => `${i + 1}. ${s}`).join('; ')}. Disarming first only raises it again.`,
      { command: 'etcd-ops compact --yes && etcd-ops defrag --all --yes && etcd-ops alarms --disarm --yes' });
  }
  if (alarm === 'CORRUPT') {
    const advice = corruptAdvice(m.name || m.id || 'the member');
    return finding('error', 'alarm-corrupt', who, `CORRUPT alarm active on ${who}: its data diverged from the other members.`,
      `${advice[0].toUpperCase()}${advice.slice(1)}.`);
  }
  return finding('error', `alarm-${alarm.toLowerCase()}`, who, `${alarm} alarm active on ${who}.`, 'Read the member\'s log for the cause before disarming it.');
}

export function maintenanceFindings(m: MemberHealth, profile: ConnectionProfile): Finding[] {
  const out: Finding[] = m.alarms.map((a) => alarmFinding(m, a));
  const quota = quotaFinding(m, profile);
  if (quota) out.push(quota);
  const fragmented = fragmentationFinding(m);
  if (fragmented && !quota) out.push(fragmented);
  return out;
}
