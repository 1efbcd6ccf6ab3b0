// `etcd-ops move-leader`: safe leader transfer through the ops engine, and what every engine-backed command
// that targets a member shares (its flags, how the member is named, the run through runConfirmed).
import { EtcdPort } from '../core/etcd/etcd-port';
import { moveLeader } from '../core/ops/move-leader';
import { OpOptions, OpResult } from '../core/ops/types';
import { ClusterPort } from '../core/port';
import { OptionTable, ParsedArgs, UsageError } from './args';
import { defineCommand } from './command';
import { CONNECTION_OPTIONS, profileFromFlags } from './connection-flags';
import { runConfirmed } from './confirmed-run';
import { CliIo } from './output';


export interface OpCommandSpec {
  name: string;
  /** The flag naming the member (`--to`, `--member`); a lone positional works too. */
  targetFlag: 'to' | 'member';
  /** "move leadership to m2?" style question, for the TTY confirmation. */
  question: (preview: OpResult) => string;
  /** What refusing without --yes says. */
  needsYes: string;
  run: (port: ClusterPort, target: string, options: OpOptions) => Promise<OpResult>;
  /** For commands whose target is not given by --to/--member (add-member: the new name): what it is. */
  target?: string;
  /** Lines printed after the report (not with --json), e.g. the env a new member needs. */
  after?: (result: OpResult) => string[];
}

/** How --to and --member are read: the rule of src/core/ops/member-ref.ts, as an operator needs it. */
export const MEMBER_REF_HELP = `ID|NAME is read in this order: the name of a member (exact match); else a member id in hex, as
etcdctl prints it (up to 16 hex digits, any case, optional 0x; an all-digit id such as 1234 is hex too); else a
decimal id (etcd3's spelling, 17 to 20 digits), which is taken only when it cannot be hex. A prefix of an id
matches nothing. Write the id as 0x<hex> when a member's name could be another member's hex id.`;

/** Options every engine-backed command takes, besides the one naming its target and the connection. */
export const OP_OPTIONS = {
  yes: { type: 'boolean', help: 'act without asking (required when not on a terminal)' },
  'dry-run': { type: 'boolean', help: 'print the plan and every check; change nothing' },
  json: { type: 'boolean', help: 'print the result as JSON' },
  deadline: { type: 'integer', value: 'MS', min: 1000, default: 30_000, help: 'deadline of the whole operation, in milliseconds' },
  'max-lag': { type: 'integer', value: 'N', min: 0, default: 1000, help: 'entries a new leader may trail the leader\'s applied index' },
  ...CONNECTION_OPTIONS,
} as const satisfies OptionTable;

export const TARGET_OPTION = { type: 'string', value: 'ID|NAME', help: 'the member (see above how it is read)' } as const;

/** move-leader's table has --to, remove-member's --member; runOpCommand reads whichever the spec names. */
type OpTable = typeof OP_OPTIONS & { to?: typeof TARGET_OPTION; member?: typeof TARGET_OPTION };

export const OP_FOOTER = `Exit: 0 done (or dry run passed), 1 refused (a check failed or not confirmed: nothing was changed) or
failed (the report says what was done), 2 usage error (nothing was read or sent).

Ctrl-C cancels: before the change nothing is done; after it, the report says what was done.`;

function refusedWithoutYes(spec: OpCommandSpec, target: string): OpResult {
  return {
    op: spec.name as OpResult['op'], target, targetId: null, targetName: null, dryRun: false, ok: false, refused: true,
    cancelled: false, reason: spec.needsYes, plan: [], checks: [], steps: [], leaderBefore: null, leaderAfter: null,
    leaderTransferredTo: null, removed: null, membersBefore: [], membersAfter: null, startedAt: Date.now(), durationMs: 0,
  };
}

export async function runOpCommand(spec: OpCommandSpec, args: ParsedArgs<OpTable>, io: CliIo): Promise<number> {
  const flagged = args.values[spec.targetFlag];
  if (flagged !== undefined && args.positional !== undefined) {
    throw new UsageError(`give the member once: --${spec.targetFlag} ${flagged} or ${args.positional}, not both`);
  }
  const target = spec.target ?? flagged ?? args.positional;
  if (!target) throw new UsageError(`--${spec.targetFlag} ID|NAME is required`);
  const { json, 'dry-run': dryRun, yes, deadline: deadlineMs, 'max-lag': maxLagEntries } = args.values;
  return runConfirmed<OpResult>({
    name: spec.name, acts: true, flags: { yes, dryRun, json }, needsYes: spec.needsYes, question: spec.question,
    refusedJson: () => refusedWithoutYes(spec, target),
    port: () => new EtcdPort(profileFromFlags(args.values)),
    run: (port, options) => spec.run(port, target, { ...options, deadlineMs, maxLagEntries }),
    after: spec.after,
  }, io);
}

const spec: OpCommandSpec = {
  name: 'move-leader',
  targetFlag: 'to',
  question: (p) => {
    const leader = p.membersBefore.find((m) => m.id === p.leaderBefore);
    return `Move leadership from ${leader?.name || p.leaderBefore} to ${p.targetName ?? p.targetId}?`;
  },
  needsYes: 'refusing to move leadership without --yes (it briefly pauses writes); run with --dry-run to see the plan and checks',
  run: (port, target, options) => moveLeader(port, target, options),
};

export const command = defineCommand({
  summary: 'move etcd leadership to a caught-up voting member, checked first and verified after',
  synopsis: '--to ID|NAME [--yes | --dry-run] [--json] [options] [connection options]',
  description: `Moves leadership to the member named. Checks first: the cluster has a leader and quorum; the target is
a started, healthy voter (not a learner), not already leader, and caught up. Sends MoveLeader to the current
leader's own endpoint, then waits until at least two members report the new leader. Not destructive but
disruptive (writes pause for the hand-over), so it asks for --yes too.

${MEMBER_REF_HELP}`,
  positional: 'ID|NAME',
  options: { to: { ...TARGET_OPTION, help: 'the member to lead (see above how it is read)' }, ...OP_OPTIONS },
  footer: OP_FOOTER,
  run: (args, io) => runOpCommand(spec, args, io),
});
