// `etcd-ops add-member`: adds a member through the ops engine (a learner unless --voter), and prints the env
// and flags the new member needs to start.
import { envText, flagsText } from '../core/ops/member-env';
import { addMember } from '../core/ops/add-member';
import { requestProblems } from '../core/ops/membership-rules';
import { OpResult } from '../core/ops/types';
import { UsageError } from './args';
import { defineCommand } from './command';
import { OP_FOOTER, OP_OPTIONS, OpCommandSpec, runOpCommand } from './move-leader';

/** --peer-urls as typed: comma-separated, each checked before anything is read. */
export function peerUrlsOf(value: string | undefined, name: string | undefined): string[] {
  if (!name) throw new UsageError('--name NAME is required (the new member\'s etcd name)');
  if (!value) throw new UsageError('--peer-urls URL[,URL...] is required (the new member\'s peer URLs, e.g. https://10.0.0.4:2380)');
  const urls = value.split(',').map((u) => u.trim()).filter(Boolean);
  const problems = requestProblems({ name, peerURLs: urls, voter: false });
  if (problems.length) throw new UsageError(problems.join('; '));
  return urls;
}

/** The env, the same as flags, and what is left to do: printed after the report. */
export function envLines(r: OpResult): string[] {
  if (!r.env) return [];
  const lines = ['', r.dryRun ? 'The new member would need (env):' : 'Start the new member with (env):', envText(r.env)];
  if (r.flags) lines.push('', 'or as flags:', flagsText(r.flags));
  if (r.next?.length) lines.push('', 'Next:', ...r.next.map((s, i) => `  ${i + 1}. ${s}`));
  return lines;
}

export const MEMBER_OPTIONS = {
  name: { type: 'string', value: 'NAME', help: 'the new member\'s etcd name (--name of the etcd that will run it)' },
  'peer-urls': { type: 'string', value: 'URL[,URL...]', help: 'the new member\'s peer URLs (https://HOST:PORT)' },
} as const;

export const command = defineCommand({
  summary: 'add an etcd member, as a learner by default; prints the env it needs to start',
  synopsis: '--name NAME --peer-urls URL[,URL...] [--voter] [--yes | --dry-run] [--json] [options]',
  description: `Adds a member through the leader, as a learner (non-voting: it cannot cost quorum while it catches up)
unless --voter. Checks first, on the member list read through the leader: the name and peer URLs are not taken
(a stale entry holding them must be removed first), no learner is pending (etcd allows one), every voter is up
(etcd refuses any add otherwise). --voter is refused when the healthy voters would not reach quorum of the new
size until the new member starts (1 -> 2, or with a voter down), and warns when fault tolerance would drop to
zero meanwhile. Prints ETCD_NAME, ETCD_INITIAL_CLUSTER (from the member list after the add),
ETCD_INITIAL_ADVERTISE_PEER_URLS and ETCD_INITIAL_CLUSTER_STATE=existing, and the same as flags.
--json: the result with added, isLearner, env, flags and next.`,
  options: { ...MEMBER_OPTIONS, voter: { type: 'boolean', help: 'add a voting member instead of a learner' }, ...OP_OPTIONS },
  footer: OP_FOOTER,
  run: (args, io) => {
    const { name, 'peer-urls': peer, voter } = args.values;
    const peerURLs = peerUrlsOf(peer, name);
    const spec: OpCommandSpec = {
      name: 'add-member',
      targetFlag: 'member',
      target: name,
      question: () => `Add ${name} (${peerURLs.join(', ')}) as a ${voter ? 'VOTING member' : 'learner'}?`,
      needsYes: 'refusing to add a member without --yes; run with --dry-run to see the plan, the checks and the env',
      run: (port, _target, options) => addMember(port, { name: name!, peerURLs, voter }, options),
      after: envLines,
    };
    return runOpCommand(spec, args, io);
  },
});
