// The flow every engine-backed command shares: --yes or a TTY confirmation (refused without either when the
// command would change something), Ctrl-C as cancellation, progress on stderr, the report or --json on
// stdout, exit 0 done or dry run, 1 refused or failed.
import { EtcdPort } from '../core/etcd/etcd-port';
import { renderChecks, renderPlan, renderReport } from '../core/ops/report';
import { OpOptions, OpResult } from '../core/ops/types';
import { cancelOnSigint } from './cancel-on-sigint';
import { CliIo, printJson } from './output';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
/** Refused (a check failed, or not confirmed): nothing was changed. --json's `refused` tells it from a failure. */
export const EXIT_REFUSED = 1;

export interface ConfirmedRun<R extends OpResult> {
  name: string;
  /** False when this invocation only reads (alarms without --disarm): no --yes needed. */
  acts: boolean;
  flags: { yes: boolean; dryRun: boolean; json: boolean };
  needsYes: string;
  question: (preview: R) => string;
  /** What --json prints when the command is refused for want of --yes. */
  refusedJson: () => unknown;
  /** Made only once the command is allowed to run, so a refusal connects to nothing. */
  port: () => EtcdPort;
  run: (port: EtcdPort, options: Pick<OpOptions, 'dryRun' | 'signal' | 'onProgress' | 'confirm'>) => Promise<R>;
  /** Lines around the report (not with --json): tables of alarms before it, a new member's env after it. */
  before?: (result: R) => string[];
  after?: (result: R) => string[];
}

export async function runConfirmed<R extends OpResult>(spec: ConfirmedRun<R>, io: CliIo): Promise<number> {
  const { yes, dryRun, json } = spec.flags;
  const ask = spec.acts && !yes && !dryRun && io.interactive && !json;
  if (spec.acts && !yes && !dryRun && !ask) {
    if (json) printJson(io, spec.refusedJson());
    io.err(`etcd-ops ${spec.name}: ${spec.needsYes}`);
    return EXIT_REFUSED;
  }
  const port = spec.port();
  const cancellation = cancelOnSigint(io, 'stops before the next change');
  let lastWait = '';
  let previewShown = false;
  try {
    const result = await spec.run(port, {
      dryRun, signal: cancellation.signal,
      onProgress: json ? undefined : (e) => {
        // Waiting messages repeat on every retry; show each distinct reason once.
        if (e.kind === 'waiting') {
          const reason = e.message.replace(/; retrying in .*$/, '');
          if (reason !== lastWait) io.err(`  … ${e.message}`);
          lastWait = reason;
        }
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
    else io.out([...(spec.before?.(result) ?? []), renderReport(result, !previewShown), ...(spec.after?.(result) ?? [])].join('\n'));
    if (result.ok) return EXIT_OK;
    if (!json) io.err(`etcd-ops ${spec.name}: ${result.reason}`);
    return result.refused ? EXIT_REFUSED : EXIT_FAILED;
  } finally {
    cancellation.dispose();
    await port.close();
  }
}
