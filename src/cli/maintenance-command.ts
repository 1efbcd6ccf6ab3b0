// What alarms, compact and defrag share: their flags, footer and the run through runConfirmed.
import { EtcdPort } from '../core/etcd/etcd-port';
import { OpOptions, OpResult } from '../core/ops/types';
import { OptionTable } from './args';
import { CONNECTION_OPTIONS, ConnectionValues, profileFromFlags } from './connection-flags';
import { runConfirmed } from './confirmed-run';
import { CliIo } from './output';

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
  return runConfirmed<R>({
    name: spec.name, acts: spec.acts, flags: { yes, dryRun, json }, needsYes: spec.needsYes, question: spec.question,
    refusedJson: () => ({ ok: false, refused: true, dryRun: false, reason: spec.needsYes, plan: [], checks: [], steps: [] }),
    port: () => new EtcdPort(profileFromFlags(values)),
    run: (port, options) => spec.run(port, { ...options, ...(values.deadline !== undefined ? { deadlineMs: values.deadline } : {}) }),
    before: spec.details,
  }, io);
}
