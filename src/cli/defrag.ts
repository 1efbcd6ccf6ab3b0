// `etcd-ops defrag`: rolling defragmentation, one member at a time, the leader last, a health gate after each.
import { formatBytes, formatMs } from '../core/format';
import { DEFRAG_DEFAULTS, DefragResult, rollingDefrag } from '../core/ops/rolling-defrag';
import { UsageError } from './args';
import { defineCommand } from './command';
import { MAINTENANCE_FOOTER, MAINTENANCE_OPTIONS, runMaintenance } from './maintenance-command';
import { MEMBER_REF_HELP, TARGET_OPTION } from './move-leader';
import { table } from './output';

const size = (n: number | null) => (n === null ? '-' : formatBytes(n));

export const command = defineCommand({
  summary: 'defragment etcd members one at a time: followers first, the leader last, a health gate after each',
  synopsis: '--member ID|NAME | --all [--transfer-leader] [--yes | --dry-run] [--json] [options]',
  description: `etcd stalls a member for its whole defragmentation. This defragments one member at a time: learners, then
followers, the leader last (or, with --transfer-leader, leadership moved to a member already done first), and
after each waits until the member answers a linearizable read and its applied index is back near the leader's.
Refused when stalling one member would leave no quorum (a member down already), unless NOSPACE is raised and
--accept-no-fault-tolerance says you accept that risk; with --all a member that does not answer is skipped. A member that does not answer its defragmentation within
--member-timeout stops the run there: the report says which member, what was done and what was not.

${MEMBER_REF_HELP}`,
  positional: 'ID|NAME',
  options: {
    member: { ...TARGET_OPTION, help: 'defragment this one member (see above how it is read)' },
    all: { type: 'boolean', help: 'defragment every member, in the rolling order' },
    'transfer-leader': { type: 'boolean', help: 'move leadership to a member already defragmented before the leader\'s turn' },
    'accept-no-fault-tolerance': { type: 'boolean', help: 'with NOSPACE raised only: go ahead although the cluster has no quorum while a member is stalled' },
    'member-timeout': { type: 'integer', value: 'MS', min: 1000, default: DEFRAG_DEFAULTS.memberTimeoutMs, help: 'bound of one member\'s defragmentation' },
    deadline: { type: 'integer', value: 'MS', min: 1000, default: DEFRAG_DEFAULTS.deadlineMs, help: 'deadline of the whole run, in milliseconds' },
    'max-lag': { type: 'integer', value: 'N', min: 0, default: 1000, help: 'applied entries a member may trail the leader by to pass its health gate' },
    ...MAINTENANCE_OPTIONS,
  },
  footer: MAINTENANCE_FOOTER,
  run: async (args, io) => {
    const v = args.values;
    if (v.member !== undefined && args.positional !== undefined) throw new UsageError(`give the member once: --member ${v.member} or ${args.positional}, not both`);
    const member = v.member ?? args.positional;
    if (member !== undefined && v.all) throw new UsageError('give --member ID|NAME or --all, not both');
    if (member === undefined && !v.all) throw new UsageError('--member ID|NAME or --all is required');
    return runMaintenance<DefragResult>({
      name: 'defrag',
      acts: true,
      question: (p) => `Defragment ${p.order.join(', ')} in that order (each stalls while it runs)?`,
      needsYes: 'refusing to defragment without --yes (each member stalls while it runs); run with --dry-run to see the order and checks',
      run: (port, options) => rollingDefrag(port, {
        ...options, member, transferLeader: v['transfer-leader'], acceptNoFaultTolerance: v['accept-no-fault-tolerance'],
        memberTimeoutMs: v['member-timeout'], maxLagEntries: v['max-lag'],
      }),
      details: (r) => (r.members.length ? [table(['MEMBER', 'ID', 'DB BEFORE', 'IN USE BEFORE', 'DB AFTER', 'STALLED', 'STATE'],
        r.members.map((m) => [m.name, m.id, size(m.dbSizeBefore), size(m.dbSizeInUseBefore), size(m.dbSizeAfter), m.ms === null ? '-' : formatMs(m.ms), m.state])), ''] : []),
    }, v, io);
  },
});
