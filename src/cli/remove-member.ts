// `etcd-ops remove-member`: safe member removal through the ops engine (leader hands over first,
// removal through a survivor, quorum rules stricter than etcd's own).
import { removeMember } from '../core/ops/remove-member';
import { boolFlag } from './args';
import { CliCommand } from './command';
import { OP_FLAGS_HELP, OpCommandSpec, runOpCommand } from './move-leader';

const spec: OpCommandSpec = {
  name: 'remove-member',
  targetFlag: 'member',
  question: (p) => `Remove ${p.targetName ?? 'member'} (${p.targetId}) from the cluster? This cannot be undone.`,
  needsYes: 'refusing to remove a member without --yes; run with --dry-run to see the plan and checks',
  run: (port, target, options) => removeMember(port, target, options),
};

export const command: CliCommand = {
  summary: 'remove an etcd member safely: quorum checks, leader hand-over first, removal through a survivor',
  async run(args, io) {
    if (boolFlag(args, 'help')) {
      io.out(`etcd-ops remove-member --member ID|NAME [--yes] [--dry-run] [--json] [flags]

Removes the member named (hex id, decimal id or name). Refuses when the healthy voters left would not
reach quorum of the new size (stricter than etcd's started-members check); warns for an even or single
member cluster and for configured endpoints that point at the member. A leader hands leadership to the
healthiest caught-up voter first; the removal is sent through a surviving member and verified from one.
etcd's transient "unhealthy cluster" refusal (members connected < 5 s) is retried within the deadline.
${OP_FLAGS_HELP}`);
      return 0;
    }
    return runOpCommand(spec, args, io);
  },
};
