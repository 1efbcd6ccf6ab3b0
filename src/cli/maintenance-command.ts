// The flow alarms, compact and defrag share: --yes or a TTY confirmation (refused without either when the
// command would change something), Ctrl-C as cancellation, progress on stderr, the report or --json on
// stdout, exit 0 done or dry run, 1 refused or failed.
import { EtcdPort } from '../core/etcd/etcd-port';
import { renderChecks, renderPlan, renderReport } from '../core/ops/report';
import { OpOptions, OpResult } from '../core/ops/types';
import { OptionTable } from './args';
import { CONNECTION_OPTIONS, ConnectionValues, profileFromFlags } from './connection-flags';
import { EXIT_FAILED, EXIT_OK, EXIT_REFUSED } from './move-leader';
import { CliIo, printJson } from './output';

/** --yes, --dry-run, --json and the connection: what every maintenance command takes besides its own flags. */
export const MAINTENANCE_OPTIONS = {
  yes: { type: 'boolean', help: 'act without asking (required when not on a terminal)' },
  'dry-run': { type: 'boolean', help: 'print the plan and every check; change nothing' },
  json: { type: 'boolean', help: 'print the result as JSON' },
  ...CONNECTION_OPTIONS,
} as const satisfies OptionTable;

export const MAINTENANCE_FOOTER = `Exit: 0 done (or dry run passed), 1 refused (a check failed or not confirmed: nothing was changed) or
failed (the report says what was done and where it stopped), 2 usage error (nothing was read or sent).

Ctrl-C cancels: before the first change nothing is done; after it, the report says what was done.`;

export interface MaintenanceSpec<R extends OpResult> {
  name: string;
  /** False when this invocation only reads (alarms without --disarm): no --yes needed. */
  acts: boolean;
  question: (preview: R) => string;
  needsYes: string;
  run: (port: EtcdPort, options: OpOptions) => Promise<R>;
  /** Lines printed above the report (tables of alarms, members). */
  details?: (result: R) => string[];
}

type Values = ConnectionValues & { yes: boolean; 'dry-run': boolean; json: boolean; deadline?: number };

export async function runMaintenance<R extends OpResult>(spec: MaintenanceSpec<R>, values: Values, io: CliIo): Promise<number> {
  const { json, 'dry-run': dryRun, yes } = values;
  const ask = spec.acts && !yes && !dryRun && io.interactive && !json;
  if (spec.acts && !yes && !dryRun && !ask) {
    if (json) printJson(io, { ok: false, refused: true, dryRun: false, reason: spec.needsYes, plan: [], checks: [], steps: [] });
    io.err(`etcd-ops ${spec.name}: ${spec.needsYes}`);
    return EXIT_REFUSED;
  }
  const port = new EtcdPort(profileFromFlags(values));
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    abort.abort();
    io.err('cancelling: stops before the next change (Ctrl-C again to quit now)');
  };
  process.on('SIGINT', onSigint);
  let previewShown = false;
  let lastWait = '';
  try {
    const result = await spec.run(port, {
      dryRun, signal: abort.signal, ...(values.deadline !== undefined ? { deadlineMs: values.deadline } : {}),
      onProgress: json ? undefined : (e) => {
        if (e.kind === 'waiting' && e.message !== lastWait) io.err(`  … ${e.message}`);
        if (e.kind === 'waiting') lastWait = e.message;
        if (e.kind === 'step-started') io.err(`  … ${e.step}`);
      },
      confirm: ask ? async (preview) => {
        io.out([...renderPlan(preview), '', ...renderChecks(preview.checks), ''].join('\n'));
        previewShown = true;
        const answer = (await io.ask(`${spec.question(preview as R)} [y/N] `)).trim().toLowerCase();
        return answer === 'y' || answer === 'yes';
      } : undefined,
    });
    if (json) printJson(io, result);
    else io.out([...(spec.details?.(result) ?? []), renderReport(result, !previewShown)].join('\n'));
    if (result.ok) return EXIT_OK;
    if (!json) io.err(`etcd-ops ${spec.name}: ${result.reason}`);
    return result.refused ? EXIT_REFUSED : EXIT_FAILED;
  } finally {
    process.off('SIGINT', onSigint);
    await port.close();
  }
}
