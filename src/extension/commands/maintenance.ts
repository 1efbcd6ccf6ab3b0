// "Defragment…" on a member and on a cluster, "Compact…" and "Disarm Alarm" on an alarm row. The core plans,
// checks and acts (src/core/ops/rolling-defrag.ts, compact.ts, alarms.ts); this file only asks (modal, with the
// order and why), shows progress, logs the audit trail and refreshes.
import * as vscode from 'vscode';
import { ClusterHealth, MemberHealth } from '../../core/cluster-model';
import { quotaFromMetrics } from '../../core/etcd/quota-from-metrics';
import { formatBytes } from '../../core/format';
import { alarms } from '../../core/ops/alarms';
import { compact } from '../../core/ops/compact';
import { alarmsIn, spareCheck } from '../../core/ops/maintenance-rules';
import { label } from '../../core/ops/member-ref';
import { rollingDefrag } from '../../core/ops/rolling-defrag';
import { OpOptions, OpResult } from '../../core/ops/types';
import { App } from '../app';
import { memberNodeOf } from '../tree/command-target';
import { audit, describe, EtcdEntry, hasPort, pickCluster } from './operations';

interface Action {
  title: string;
  button: string;
  /** The modal's question, from the preview the engine filled in. */
  question: (preview: OpResult) => string;
  run: (entry: EtcdEntry, options: OpOptions) => Promise<OpResult>;
}

/** The cluster of a cluster row, the members folder or an alarm row; else the one cluster or a pick. */
async function entryOf(app: App, target: unknown): Promise<EtcdEntry | undefined> {
  const node = target as { kind?: string; entry?: EtcdEntry; alarm?: { entry: EtcdEntry } } | undefined;
  const entry = node?.alarm?.entry ?? node?.entry;
  if (entry && hasPort(entry)) return entry;
  return pickCluster(app);
}

async function run(app: App, entry: EtcdEntry, action: Action): Promise<OpResult> {
  const config = vscode.workspace.getConfiguration('etcdOps');
  const result = await vscode.window.withProgress({
    location: vscode.ProgressLocation.Notification, cancellable: true, title: `${action.title}: ${entry.label}`,
  }, (progress, token) => action.run(entry, {
    targetById: true,
    maxLagEntries: app.settings().maxAppliedLag,
    // Only the compaction and the alarm list are quick; a rolling defragmentation keeps its own longer default.
    ...(action.button === 'Defragment' ? {} : { deadlineMs: config.get<number>('operations.timeoutSeconds', 30) * 1000 }),
    signal: { get aborted() { return token.isCancellationRequested; } },
    onProgress: (e) => progress.report({ message: e.kind === 'waiting' ? e.message : e.kind === 'step-started' ? `${e.step}…` : `${e.step.name}: ${e.step.status}` }),
    confirm: async (preview) => {
      const answer = await vscode.window.showWarningMessage(action.question(preview), { modal: true, detail: describe(preview) }, action.button);
      return answer === action.button;
    },
  }));
  audit(app, result, entry);
  await app.registry.refresh(entry);
  if (result.ok) void vscode.window.showInformationMessage(result.reason);
  else if (result.refused && result.reason.includes('not confirmed')) { /* the operator said no */ }
  else if (result.refused) await vscode.window.showErrorMessage(`${action.title} refused: ${result.reason.replace(/^refused: /, '')}`, { modal: true, detail: describe(result) });
  else {
    void vscode.window.showErrorMessage(`${action.title} ${result.outcomeUnknown ? 'did not finish' : result.cancelled ? 'cancelled' : 'failed'}: ${result.reason}`, 'Show audit log')
      .then((a) => { if (a) app.log.show(); });
  }
  return result;
}

/**
 * With NOSPACE raised and no member to spare, a defragmentation leaves the cluster without quorum while it
 * runs: asked separately, before the plan, so accepting it is a decision of its own.
 */
async function acceptNoFaultTolerance(h: ClusterHealth | null): Promise<boolean | undefined> {
  if (!h) return false;
  const nospace = alarmsIn(h).some((a) => a.alarm === 'NOSPACE');
  const spare = spareCheck(h, nospace, false);
  if (spare.ok || !nospace) return false;
  const button = 'Accept: no quorum while each member is defragmented';
  const answer = await vscode.window.showWarningMessage('No fault tolerance to spare, and NOSPACE is raised.', {
    modal: true, detail: `${spare.detail}.\n\nWrites fail already (NOSPACE); defragmenting is the way out, but while a member is defragmented the cluster cannot serve reads either. Bring the down member back first if you can.`,
  }, button);
  return answer === button ? true : undefined;
}

const defragAction = (member: MemberHealth | undefined, accept: boolean): Action => ({
  title: member ? `Defragment ${label(member)}` : 'Defragment cluster',
  button: 'Defragment',
  question: (p) => {
    const order = (p as OpResult & { order: string[] }).order;
    return `Defragment ${order.join(', ')} in this order? Each member stalls (serves nothing) while it runs.`;
  },
  run: (entry, options) => rollingDefrag(entry.port, { ...options, member: member?.id ?? undefined, acceptNoFaultTolerance: accept }),
});

export function registerMaintenanceCommands(app: App): void {
  const defrag = (whole: boolean) => async (target?: unknown) => {
    const node = whole ? undefined : memberNodeOf(target);
    const entry = node?.entry && hasPort(node.entry) ? node.entry : await entryOf(app, target);
    if (!entry) return undefined;
    const accept = await acceptNoFaultTolerance(entry.health ?? null);
    if (accept === undefined) return undefined;
    return run(app, entry, defragAction(node?.member, accept));
  };
  app.context.subscriptions.push(
    vscode.commands.registerCommand('etcdOps.defragmentMember', defrag(false)),
    vscode.commands.registerCommand('etcdOps.defragmentCluster', defrag(true)),
    vscode.commands.registerCommand('etcdOps.compact', async (target?: unknown) => {
      const entry = await entryOf(app, target);
      if (!entry) return undefined;
      const keep = await vscode.window.showInputBox({
        title: 'Compact: revisions to keep below the current one', value: '1000',
        validateInput: (v) => (/^\d+$/.test(v.trim()) ? undefined : 'a whole number of revisions'),
      });
      if (keep === undefined) return undefined;
      return run(app, entry, {
        title: 'Compact', button: 'Compact',
        question: (p) => {
          const c = p as OpResult & { currentRevision: number | null; keepRevisions: number; dbSizeInUseBefore: number | null };
          return `Compact ${entry.label} at revision ${(c.currentRevision ?? 0) - c.keepRevisions} or later (current ${c.currentRevision}, keeping ${c.keepRevisions})? Older revisions are gone for good.${c.dbSizeInUseBefore !== null ? ` The leader's db has ${formatBytes(c.dbSizeInUseBefore)} in use.` : ''}`;
        },
        run: (e, options) => compact(e.port, { ...options, keepRevisions: Number(keep.trim()) }),
      });
    }),
    vscode.commands.registerCommand('etcdOps.disarmAlarm', async (target?: unknown) => {
      const entry = await entryOf(app, target);
      if (!entry) return undefined;
      return run(app, entry, {
        title: 'Disarm alarm', button: 'Disarm',
        question: () => `Disarm NOSPACE on ${entry.label}? Every member's db is under its quota now; writes will be accepted again.`,
        run: async (e, options) => {
          const configured = e.profile?.quotaBackendBytes;
          return alarms(e.port, {
            ...options, disarm: true,
            quotaBackendBytes: configured ?? (e.profile ? await quotaFromMetrics(e.profile) : undefined),
            quotaSource: configured ? 'as configured in the profile' : "from the members' metrics",
          });
        },
      });
    }),
  );
}
