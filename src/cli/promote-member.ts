// `etcd-ops promote-member`: promotes a learner once etcd would judge it in sync, optionally waiting for it.
import { promoteMember } from '../core/ops/promote-member';
import { defineCommand } from './command';
import { MEMBER_REF_HELP, OP_FOOTER, OP_OPTIONS, OpCommandSpec, runOpCommand, TARGET_OPTION } from './move-leader';

export const command = defineCommand({
  summary: 'promote a learner to a voting member once it has caught up (--wait shows its progress)',
  synopsis: '--member ID|NAME [--wait SECONDS] [--yes | --dry-run] [--json] [options]',
  description: `Promotes the learner named through the leader, then verifies from another voter that it votes. Refused,
with nothing changed, while the learner has not started (no name in the member list: give its id), cannot be
reached, or is behind etcd's readiness rule (its progress >= 90 % of the leader's). With --wait SECONDS it polls
the cluster (read-only) and shows the learner's start and catch-up until it is ready or the time is up, so it
may run right after the new member was started; a learner that answered and then stops answering ends the wait
(refused). The wait adds to --deadline.

${MEMBER_REF_HELP}`,
  positional: 'ID|NAME',
  options: {
    member: { ...TARGET_OPTION, help: 'the learner to promote (see above how it is read)' },
    wait: { type: 'integer', value: 'SECONDS', min: 0, max: 3600, default: 0, help: 'wait up to this long for the learner to catch up' },
    ...OP_OPTIONS,
  },
  footer: OP_FOOTER,
  run: (args, io) => {
    const waitMs = args.values.wait * 1000;
    const spec: OpCommandSpec = {
      name: 'promote-member',
      targetFlag: 'member',
      question: (p) => `Promote the learner ${p.targetName ?? p.targetId} to a voting member?`,
      needsYes: 'refusing to promote a member without --yes; run with --dry-run to see the plan and checks',
      run: (port, target, options) => promoteMember(port, target, { ...options, waitMs }),
    };
    return runOpCommand(spec, args, io);
  },
});
