// Add Member…, Promote Learner and Replace Member… in VS Code. The core engine plans, checks and acts; this
// file asks (a multi-step input with Back, URLs validated as typed), confirms with the modal, shows progress,
// logs the audit trail, and offers the new member's env with "Copy as env" / "Copy as flags".
import * as vscode from 'vscode';
import { MemberHealth } from '../../core/cluster-model';
import { addMember } from '../../core/ops/add-member';
import { envText, flagsText, memberNameProblem, peerUrlProblem } from '../../core/ops/member-env';
import { label } from '../../core/ops/member-ref';
import { promoteMember } from '../../core/ops/promote-member';
import { replaceMember } from '../../core/ops/replace-member';
import { OpOptions, OpResult } from '../../core/ops/types';
import { App } from '../app';
import { memberNodeOf } from '../tree/command-target';
import { audit, describe, EtcdEntry, hasPort, pickCluster, pickMember } from './operations';

interface NewMember { name: string; peerURLs: string[]; voter: boolean }

function peerUrlsProblem(value: string): string | undefined {
  const urls = value.split(',').map((u) => u.trim()).filter(Boolean);
  if (!urls.length) return 'at least one peer URL, e.g. https://10.0.0.4:2380';
  return urls.map(peerUrlProblem).find((p) => p) ?? undefined;
}

/** One step of the input; resolves to the value, 'back', or undefined when dismissed. */
function askStep(title: string, step: number, total: number, prompt: string, value: string, validate: (v: string) => string | undefined): Promise<string | 'back' | undefined> {
  return new Promise((resolve) => {
    const box = vscode.window.createInputBox();
    Object.assign(box, { title, step, totalSteps: total, prompt, value, ignoreFocusOut: true, buttons: step > 1 ? [vscode.QuickInputButtons.Back] : [] });
    let done = false;
    const finish = (v: string | 'back' | undefined) => { if (!done) { done = true; resolve(v); box.dispose(); } };
    box.onDidChangeValue((v) => { box.validationMessage = v ? validate(v) : undefined; });
    box.onDidTriggerButton(() => finish('back'));
    box.onDidAccept(() => { const problem = validate(box.value); if (problem) box.validationMessage = problem; else finish(box.value.trim()); });
    box.onDidHide(() => finish(undefined));
    box.show();
  });
}

async function askNewMember(title: string, withRole: boolean): Promise<NewMember | undefined> {
  const values = { name: '', peers: '', role: 'learner' };
  const total = withRole ? 3 : 2;
  for (let step = 1; step <= total;) {
    let answer: string | 'back' | undefined;
    if (step === 1) answer = await askStep(title, 1, total, 'The new member\'s etcd name', values.name, (v) => memberNameProblem(v.trim()) ?? undefined);
    else if (step === 2) answer = await askStep(title, 2, total, 'Its peer URLs, comma-separated (https://HOST:2380)', values.peers, peerUrlsProblem);
    else {
      const pick = await vscode.window.showQuickPick([
        { label: 'Learner (recommended)', detail: 'Does not vote while it catches up: quorum is never at risk. Promote it once ready.', role: 'learner' },
        { label: 'Voter', detail: 'Counts in quorum at once, before it has started: fault tolerance drops until it catches up.', role: 'voter' },
      ], { title, placeHolder: 'Add it as…', ignoreFocusOut: true });
      answer = pick?.role;
    }
    if (answer === undefined) return undefined;
    if (answer === 'back') { step--; continue; }
    if (step === 1) values.name = answer; else if (step === 2) values.peers = answer; else values.role = answer;
    step++;
  }
  return { name: values.name, peerURLs: values.peers.split(',').map((u) => u.trim()).filter(Boolean), voter: values.role === 'voter' };
}

async function run(app: App, entry: EtcdEntry, title: string, button: string, what: string,
  act: (options: OpOptions) => Promise<OpResult>): Promise<OpResult> {
  const config = vscode.workspace.getConfiguration('etcdOps');
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, cancellable: true, title: `${title}: ${what}` },
    (progress, token) => act({
      maxLagEntries: app.settings().maxAppliedLag,
      deadlineMs: config.get<number>('operations.timeoutSeconds', 30) * 1000,
      signal: { get aborted() { return token.isCancellationRequested; } },
      profiles: app.registry.list().filter((e) => e.profile).map((e) => ({ name: e.profile!.name, endpoints: e.profile!.endpoints })),
      onProgress: (e) => progress.report({ message: e.kind === 'waiting' ? e.message : e.kind === 'step-started' ? `${e.step}…` : `${e.step.name}: ${e.step.status}` }),
      confirm: async (preview) => (await vscode.window.showWarningMessage(`${title}: ${what} on ${entry.label}${entry.simulated ? ' (simulated)' : ''}?`,
        { modal: true, detail: describe(preview) }, button)) === button,
    }));
  audit(app, result, entry);
  if (result.env) app.log.info(`  env for the new member:\n${envText(result.env)}`);
  await app.registry.refresh(entry);
  if (result.ok && result.env) {
    const choice = await vscode.window.showInformationMessage(result.reason, { modal: true, detail: `${envText(result.env)}\n\n${(result.next ?? []).map((s, i) => `${i + 1}. ${s}`).join('\n')}` }, 'Copy as env', 'Copy as flags');
    if (choice === 'Copy as env') await vscode.env.clipboard.writeText(envText(result.env));
    if (choice === 'Copy as flags' && result.flags) await vscode.env.clipboard.writeText(flagsText(result.flags));
  } else if (result.ok) {
    void vscode.window.showInformationMessage(result.reason);
  } else if (!(result.refused && result.reason.includes('not confirmed'))) {
    await vscode.window.showErrorMessage(`${title} ${result.refused ? 'refused' : 'failed'}: ${result.reason.replace(/^refused: /, '')}`, { modal: true, detail: describe(result) });
  }
  return result;
}

async function entryOf(app: App, target: unknown): Promise<{ entry?: EtcdEntry; member?: MemberHealth }> {
  const node = memberNodeOf(target);
  if (node?.entry && hasPort(node.entry)) return { entry: node.entry, member: node.member };
  const clusterNode = target as { kind?: string; entry?: EtcdEntry } | undefined;
  if (clusterNode?.kind === 'cluster' && clusterNode.entry && hasPort(clusterNode.entry)) return { entry: clusterNode.entry };
  return { entry: await pickCluster(app) };
}

export function registerMembershipCommands(app: App): void {
  app.context.subscriptions.push(
    vscode.commands.registerCommand('etcdOps.addMember', async (target?: unknown) => {
      const { entry } = await entryOf(app, target);
      if (!entry) return undefined;
      const req = await askNewMember('Add Member', true);
      return req ? run(app, entry, 'Add member', req.voter ? 'Add voter' : 'Add learner', req.name, (o) => addMember(entry.port, req, o)) : undefined;
    }),
    vscode.commands.registerCommand('etcdOps.promoteLearner', async (target?: unknown) => {
      const { entry, member: row } = await entryOf(app, target);
      if (!entry) return undefined;
      const member = row ?? await pickMember(entry, 'Promote which learner?', (m) => m.isLearner);
      return member ? run(app, entry, 'Promote learner', 'Promote', label(member), (o) => promoteMember(entry.port, member.id!, { ...o, targetById: true, waitMs: 60_000 })) : undefined;
    }),
    vscode.commands.registerCommand('etcdOps.replaceMember', async (target?: unknown) => {
      const { entry, member: row } = await entryOf(app, target);
      if (!entry) return undefined;
      const member = row ?? await pickMember(entry, 'Replace which member?', () => true);
      if (!member) return undefined;
      const req = await askNewMember(`Replace ${label(member)}`, false);
      return req ? run(app, entry, 'Replace member', 'Replace member', `${label(member)} → ${req.name}`,
        (o) => replaceMember(entry.port, { member: member.id!, name: req.name, peerURLs: req.peerURLs }, { ...o, targetById: true })) : undefined;
    }),
  );
}
