// `etcd-ops remove-member`: safe member removal through the ops engine (leader hands over first,
// removal through a survivor, quorum rules stricter than etcd's own).
import { removeMember } from '../core/ops/remove-member';
import { defineCommand } from './command';
import { MEMBER_REF_HELP, OP_FOOTER, OP_OPTIONS, OpCommandSpec, runOpCommand, TARGET_OPTION } from './move-leader';

const spec: OpCommandSpec = {
  name: 'remove-member',
  targetFlag: 'member',
  question: (p) => `Remove ${p.targetName ?? 'member'} (${p.targetId}) from the cluster? This cannot be undone.`,
  needsYes: 'refusing to remove a member without --yes; run with --dry-run to see the plan and checks',
  run: (port, target, options) => removeMember(port, target, options),
};

export const command = defineCommand({
  summary: 'remove an etcd member safely: quorum checks, leader hand-over first, removal through a survivor',
  synopsis: '--member ID|NAME [--yes | --dry-run] [--json] [options] [connection options]',
  description: `Removes the member named. Refuses when the healthy voters left would not reach quorum of the new size
(stricter than etcd's started-members check); warns for an even or single member cluster and for configured
endpoints that point at the member. A leader hands leadership to the healthiest caught-up voter first; the
removal is sent through a surviving member and verified from one. etcd's transient "unhealthy cluster" refusal
(members connected < 5 s) is retried within the deadline.

${MEMBER_REF_HELP}`,
  positional: 'ID|NAME',
  options: { member: { ...TARGET_OPTION, help: 'the member to remove (see above how it is read)' }, ...OP_OPTIONS },
  footer: OP_FOOTER,
  run: (args, io) => runOpCommand(spec, args, io),
});
