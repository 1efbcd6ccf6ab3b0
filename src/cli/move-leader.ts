// `etcd-ops move-leader`: safe leader transfer through the ops engine, and the flow every engine-backed
// command shares (confirmation, progress, Ctrl-C as cancellation, exit codes).
import { EtcdPort } from '../core/etcd/etcd-port';
import { moveLeader } from '../core/ops/move-leader';
import { renderChecks, renderPlan, renderReport } from '../core/ops/report';
import { OpOptions, OpResult } from '../core/ops/types';
import { ClusterPort } from '../core/port';
import { boolFlag, intFlag, ParsedArgs, stringFlag, UsageError } from './args';
import { CliCommand } from './command';
import { profileFromFlags } from './connection-flags';
import { CliIo, printJson } from './output';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_REFUSED = 3;

export interface OpCommandSpec {
  name: string;
  /** The flag naming the member (`--to`, `--member`); a lone positional works too. */
  targetFlag: string;
  /** "move leadership to m2?" style question, for the TTY confirmation. */
  question: (preview: OpResult) => string;
  /** What refusing without --yes says. */
  needsYes: string;
  run: (port: ClusterPort, target: string, options: OpOptions) => Promise<OpResult>;
}

export const OP_FLAGS_HELP = `  --yes              act without asking (required when not on a terminal)
  --dry-run          print the plan and every check; change nothing
  --json             print the result as JSON
  --deadline MS      deadline for the whole operation (default 30000)
  --max-lag N        entries a new leader may trail the leader's applied index (default 1000)
  --endpoints URL[,URL...] --cacert F --cert F --key F --timeout MS   connection (every member's client URL)
Exit: 0 done (or dry run passed), 1 failed, 2 usage error, 3 refused (a check failed or not confirmed).
Ctrl-C cancels: before the change nothing is done; after it, the report says what was done.`;

function refusedWithoutYes(spec: OpCommandSpec, target: string): OpResult {
  return {
    op: spec.name as OpResult['op'], target, targetId: null, targetName: null, dryRun: false, ok: false, refused: true,
    cancelled: false, reason: spec.needsYes, plan: [], checks: [], steps: [], leaderBefore: null, leaderAfter: null,
    leaderTransferredTo: null, removed: null, membersBefore: [], membersAfter: null, startedAt: Date.now(), durationMs: 0,
  };
}

export async function runOpCommand(spec: OpCommandSpec, args: ParsedArgs, io: CliIo): Promise<number> {
  const target = stringFlag(args, spec.targetFlag) ?? args.positionals[0];
  if (!target) throw new UsageError(`--${spec.targetFlag} ID|NAME is required`);
  const json = boolFlag(args, 'json');
  const dryRun = boolFlag(args, 'dry-run');
  const yes = boolFlag(args, 'yes');
  const deadlineMs = intFlag(args, 'deadline', 30_000, 1000);
  const maxLagEntries = intFlag(args, 'max-lag', 1000, 0);
  const ask = !yes && !dryRun && io.interactive && !json;
  if (!yes && !dryRun && !ask) {
    if (json) printJson(io, refusedWithoutYes(spec, target));
    io.err(`etcd-ops ${spec.name}: ${spec.needsYes}`);
    return EXIT_REFUSED;
  }

  const profile = profileFromFlags(args);
  const port = new EtcdPort(profile);
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    abort.abort();
    io.err('cancelling: stops before the next change (Ctrl-C again to quit now)');
  };
  process.on('SIGINT', onSigint);
  let lastWait = '';
  let previewShown = false;
  try {
    const result = await spec.run(port, target, {
      dryRun, deadlineMs, maxLagEntries, signal: abort.signal,
      onProgress: json ? undefined : (e) => {
        // Waiting messages repeat on every retry; show each distinct reason once.
        if (e.kind === 'waiting') {
          const reason = e.message.replace(/; retrying in .*$/, '');
          if (reason !== lastWait) io.err(`  … ${e.message}`);
          lastWait = reason;
        }
      },
      confirm: ask ? async (preview) => {
        io.out([...renderPlan(preview), '', ...renderChecks(preview.checks), ''].join('\n'));
        previewShown = true;
        const answer = (await io.ask(`${spec.question(preview)} [y/N] `)).trim().toLowerCase();
        return answer === 'y' || answer === 'yes';
      } : undefined,
    });
    if (json) printJson(io, result);
    else io.out(renderReport(result, !previewShown));
    if (result.ok) return EXIT_OK;
    if (!json) io.err(`etcd-ops ${spec.name}: ${result.reason}`);
    return result.refused ? EXIT_REFUSED : EXIT_FAILED;
  } finally {
    process.off('SIGINT', onSigint);
    await port.close();
  }
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

export const command: CliCommand = {
  summary: 'move etcd leadership to a caught-up voting member, checked first and verified after',
  async run(args, io) {
    if (boolFlag(args, 'help')) {
      io.out(`etcd-ops move-leader --to ID|NAME [--yes] [--dry-run] [--json] [flags]

Moves leadership to the member named (hex id, decimal id or name). Checks first: the cluster has a leader
and quorum; the target is a started, healthy voter (not a learner), not already leader, and caught up.
Sends MoveLeader to the current leader's own endpoint, then waits until at least two members report the
new leader. Not destructive but disruptive (writes pause for the hand-over), so it asks for --yes too.
${OP_FLAGS_HELP}`);
      return 0;
    }
    return runOpCommand(spec, args, io);
  },
};
