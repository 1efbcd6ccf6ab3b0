// `etcd-ops alarms`: the alarms raised in the cluster, and --disarm for NOSPACE once its cause is gone.
import { alarms, AlarmsResult } from '../core/ops/alarms';
import { quotaFromMetrics } from '../core/etcd/quota-from-metrics';
import { defineCommand } from './command';
import { MAINTENANCE_FOOTER, MAINTENANCE_OPTIONS, runMaintenance } from './maintenance-command';
import { table } from './output';

export const command = defineCommand({
  summary: 'list etcd alarms; disarm NOSPACE only once every member\'s db is back under its quota',
  synopsis: '[--disarm [--yes | --dry-run]] [--json] [connection options]',
  description: `Lists the alarms raised (the Alarm RPC, asked of the leader). With --disarm, NOSPACE is disarmed only when
every member answers and its db is under 80 % of its quota (the quota as the member reports it on 3.6+,
else --quota, else the members' metrics; refused when none says); otherwise it is refused with the sequence that works: compact, defragment
each member (etcd-ops defrag --all), then disarm. CORRUPT is never disarmed by this tool: the refusal names the
member and what to do.`,
  options: {
    disarm: { type: 'boolean', help: 'disarm NOSPACE (when its cause is gone); asks first, or --yes' },
    quota: { type: 'integer', value: 'BYTES', min: 1, help: 'the members\' --quota-backend-bytes, for servers older than 3.6 that do not report it' },
    ...MAINTENANCE_OPTIONS,
  },
  footer: MAINTENANCE_FOOTER,
  run: (args, io) => runMaintenance<AlarmsResult>({
    name: 'alarms',
    acts: args.values.disarm,
    question: (p) => `Disarm ${p.alarms.filter((a) => a.alarm === 'NOSPACE').map((a) => `NOSPACE of ${a.name || a.memberId}`).join(', ')}?`,
    needsYes: 'refusing to disarm without --yes; run with --dry-run to see the plan and checks',
    run: async (port, options) => {
      // Servers before 3.6 do not report their quota in Status; their metrics do.
      const fromMetrics = args.values.disarm && args.values.quota === undefined ? await quotaFromMetrics(port.profile) : undefined;
      return alarms(port, {
        ...options, disarm: args.values.disarm, quotaBackendBytes: args.values.quota ?? fromMetrics,
        quotaSource: args.values.quota !== undefined ? 'as given with --quota' : "from the members' metrics",
      });
    },
    details: (r) => (r.alarms.length ? [table(['MEMBER', 'NAME', 'ALARM'], r.alarms.map((a) => [a.memberId, a.name, a.alarm])), ''] : []),
  }, args.values, io),
});
