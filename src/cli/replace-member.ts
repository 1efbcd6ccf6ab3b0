// `etcd-ops replace-member`: a failed member out, its replacement in as a learner, as one confirmed plan.
import { replaceMember } from '../core/ops/replace-member';
import { envLines, MEMBER_OPTIONS, peerUrlsOf } from './add-member';
import { defineCommand } from './command';
import { MEMBER_REF_HELP, OP_FOOTER, OP_OPTIONS, OpCommandSpec, runOpCommand, TARGET_OPTION } from './move-leader';

export const command = defineCommand({
  summary: 'replace a member: remove it safely, add the new one as a learner, print its env',
  synopsis: '--member ID|NAME --name NEW --peer-urls URL[,URL...] [--yes | --dry-run] [--json]',
  description: `One plan, one confirmation: the old member is removed through the removal engine (leadership moves
first if it leads; the healthy voters left must keep quorum), then the new member is added as a learner through
the add engine (name and peer URLs free once the old one is gone, so a node may come back at the same address).
Each part re-reads the cluster and is verified; if one fails the plan stops and says what was done. Prints the env
the new member needs; what is left is named: start it on an EMPTY data dir, then promote-member --wait.

${MEMBER_REF_HELP}`,
  positional: 'ID|NAME',
  options: { member: { ...TARGET_OPTION, help: 'the member to replace (see above how it is read)' }, ...MEMBER_OPTIONS, ...OP_OPTIONS },
  footer: OP_FOOTER,
  run: (args, io) => {
    const { name, 'peer-urls': peer } = args.values;
    const peerURLs = peerUrlsOf(peer, name);
    const spec: OpCommandSpec = {
      name: 'replace-member',
      targetFlag: 'member',
      question: (p) => `Remove ${p.targetName ?? 'member'} (${p.targetId}) and add ${name} as a learner? The removal cannot be undone.`,
      needsYes: 'refusing to replace a member without --yes; run with --dry-run to see the plan and checks',
      run: (port, target, options) => replaceMember(port, { member: target, name: name!, peerURLs }, options),
      after: envLines,
    };
    return runOpCommand(spec, args, io);
  },
});
