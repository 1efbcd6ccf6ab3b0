// Leader transfer and member removal from the tree's context menu and the palette. The core engine plans,
// checks and acts; this file only asks (quick pick, modal), shows progress, logs the audit trail, refreshes.
import * as vscode from 'vscode';
import { MemberHealth } from '../../core/cluster-model';
import { formatMs } from '../../core/format';
import { appliedLag, label } from '../../core/ops/member-ref';
import { moveLeader } from '../../core/ops/move-leader';
import { removeMember } from '../../core/ops/remove-member';
import { OpOptions, OpResult } from '../../core/ops/types';
import { App } from '../app';
import { ClusterEntry } from '../cluster-registry';
import { memberNodeOf } from '../tree/command-target';

type Operation = 'move-leader' | 'remove-member';

const verbs: Record<Operation, { title: string; button: string }> = {
  'move-leader': { title: 'Transfer leadership', button: 'Transfer leadership' },
  'remove-member': { title: 'Remove member', button: 'Remove member' },
};

/** An entry that has etcd behind it (kube-only entries have no port). */
export type EtcdEntry = ClusterEntry & { port: NonNullable<ClusterEntry['port']> };
export const hasPort = (e: ClusterEntry): e is EtcdEntry => e.port !== null;

export async function pickCluster(app: App): Promise<EtcdEntry | undefined> {
  const entries = app.registry.list().filter(hasPort);
  if (entries.length <= 1) return entries[0];
  const pick = await vscode.window.showQuickPick(entries.map((e) => ({ label: e.label, description: e.simulated ? 'simulated' : e.profile?.endpoints.join(', '), entry: e })), { title: 'Which cluster?' });
  return pick?.entry;
}

export async function pickMember(entry: EtcdEntry, title: string, filter: (m: MemberHealth) => boolean): Promise<MemberHealth | undefined> {
  const h = entry.health ?? (await entry.port.snapshot());
  const leader = h.members.find((m) => m.isLeader);
  const items = h.members.filter((m) => m.id && filter(m)).map((m) => {
    const lag = appliedLag(leader, m);
    return {
      label: `$(${m.healthy ? 'pass-filled' : 'error'}) ${m.name || '(unstarted)'}`,
      description: `${m.id}${m.isLeader ? ' · leader' : m.isLearner ? ' · learner' : ''}`,
      detail: m.healthy ? `healthy · ${lag === null ? 'lag unknown' : `${lag} entries behind`} · ${m.latencyMs ?? '?'} ms` : `unhealthy: ${m.error}`,
      member: m,
    };
  });
  if (!items.length) { void vscode.window.showWarningMessage(`${title}: no member qualifies.`); return undefined; }
  return (await vscode.window.showQuickPick(items, { title, matchOnDescription: true }))?.member;
}

export function describe(result: OpResult): string {
  const lines = ['Plan:', ...result.plan.map((p, i) => `  ${i + 1}. ${p}`), '', 'Checks:'];
  for (const c of result.checks) lines.push(`  ${c.ok ? '✓' : c.severity === 'warning' ? '⚠' : '✗'} ${c.detail}`);
  return lines.join('\n');
}

export function audit(app: App, result: OpResult, cluster: ClusterEntry): void {
  const members = (list: OpResult['membersBefore'] | null) => (list ?? []).map((m) => `${m.name || '(unstarted)'}=${m.id}${m.isLearner ? '(learner)' : ''}`).join(', ') || 'unknown';
  const outcome = result.ok ? 'succeeded' : result.outcomeUnknown ? 'OUTCOME UNKNOWN' : result.refused ? 'refused' : result.cancelled ? 'cancelled' : 'FAILED';
  const write = result.ok ? app.log.info.bind(app.log) : app.log.warn.bind(app.log);
  write(`${result.op}${result.dryRun ? ' (dry run)' : ''} on ${cluster.label}, target ${result.target}: ${outcome} in ${formatMs(result.durationMs)}: ${result.reason}`);
  // A failed check is a warning in the audit log, so the log's level filter never hides why something was refused.
  for (const c of result.checks) (c.ok ? app.log.info : app.log.warn).call(app.log, `  check ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  for (const s of result.steps) app.log.info(`  step ${s.status} ${s.name} (${formatMs(s.ms)}): ${s.detail}`);
  app.log.info(`  members before: ${members(result.membersBefore)}`);
  app.log.info(`  members after:  ${members(result.membersAfter)}`);
  if (result.leaderlessMs !== undefined) app.log.info(`  leaderless for ${formatMs(result.leaderlessMs)}`);
}

async function runOperation(app: App, entry: EtcdEntry, op: Operation, member: MemberHealth, dryRun: boolean): Promise<OpResult | undefined> {
  const settings = app.settings();
  const config = vscode.workspace.getConfiguration('etcdOps');
  const target = member.id!;
  const result = await vscode.window.withProgress({
    location: vscode.ProgressLocation.Notification, cancellable: true,
    title: `${verbs[op].title}${dryRun ? ' (dry run)' : ''}: ${label(member)}`,
  }, async (progress, token) => {
    const options: OpOptions = {
      dryRun,
      // The row's (or quick pick's) exact id: never resolved as a name, which another member might carry.
      targetById: true,
      maxLagEntries: settings.maxAppliedLag,
      deadlineMs: config.get<number>('operations.timeoutSeconds', 30) * 1000,
      signal: { get aborted() { return token.isCancellationRequested; } },
      profiles: app.registry.list().filter((e) => e.profile).map((e) => ({ name: e.profile!.name, endpoints: e.profile!.endpoints })),
      onProgress: (e) => progress.report({ message: e.kind === 'waiting' ? e.message : e.kind === 'step-started' ? `${e.step}…` : `${e.step.name}: ${e.step.status}` }),
      confirm: async (preview) => {
        // A removal cannot be undone: the first (default, Enter) button keeps the member; removing takes a click.
        const keep = op === 'remove-member' ? ['Keep Member'] : [];
        const answer = await vscode.window.showWarningMessage(
          `${verbs[op].title}: ${label(member)} on ${entry.label}${entry.simulated ? ' (simulated)' : ''}?`,
          { modal: true, detail: describe(preview) }, ...keep, verbs[op].button);
        return answer === verbs[op].button;
      },
    };
    return op === 'move-leader' ? moveLeader(entry.port, target, options) : removeMember(entry.port, target, options);
  });
  audit(app, result, entry);
  await app.registry.refresh(entry);
  if (result.ok) {
    const extra = result.transferMs !== undefined ? ` (leader moved in ${formatMs(result.transferMs)})` : '';
    void vscode.window.showInformationMessage(`${result.reason}${extra}`);
  } else if (result.refused && result.reason.includes('not confirmed')) {
    // The operator said no: nothing to report.
  } else if (result.refused) {
    await vscode.window.showErrorMessage(`${verbs[op].title} refused: ${result.reason.replace(/^refused: /, "")}`, { modal: true, detail: describe(result) });
  } else {
    const word = result.outcomeUnknown ? 'did not finish' : result.cancelled ? 'cancelled' : 'failed';
    void vscode.window.showErrorMessage(`${verbs[op].title} ${word}: ${result.reason}`, 'Show audit log')
      .then((a) => { if (a) app.log.show(); });
  }
  return result;
}

export function registerOperationCommands(app: App): void {
  const fromNodeOrPick = (op: Operation, dryRun: boolean) => async (target?: unknown) => {
    const node = memberNodeOf(target);
    const entry = node?.entry && hasPort(node.entry) ? node.entry : await pickCluster(app);
    if (!entry) return undefined;
    const member = node?.member ?? (await pickMember(entry,
      op === 'move-leader' ? 'Transfer leadership to…' : `Remove which member${dryRun ? ' (dry run)' : ''}?`,
      op === 'move-leader' ? (m) => !m.isLeader && !m.isLearner && m.started : () => true));
    return member ? runOperation(app, entry, op, member, dryRun) : undefined;
  };
  app.context.subscriptions.push(
    vscode.commands.registerCommand('etcdOps.transferLeadership', fromNodeOrPick('move-leader', false)),
    vscode.commands.registerCommand('etcdOps.transferLeadershipHere', fromNodeOrPick('move-leader', false)),
    vscode.commands.registerCommand('etcdOps.removeMember', fromNodeOrPick('remove-member', false)),
    vscode.commands.registerCommand('etcdOps.removeMemberDryRun', fromNodeOrPick('remove-member', true)),
  );
}
