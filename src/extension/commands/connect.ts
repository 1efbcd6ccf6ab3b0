// Commands that tell the extension where the cluster is: endpoints typed in, a kubeconfig picked, refresh.
import * as vscode from 'vscode';
import { splitEndpoints } from '../../core/etcd/profile';
import { validateEndpoint } from '../../core/etcd/endpoint-client';
import { checkKubeconfigFile } from '../../core/kube/kubeconfig-check';
import { App } from '../app';
import { saveProfile, SECTION } from '../settings';
import { memberNodeOf } from '../tree/command-target';

async function pickFile(title: string): Promise<string | undefined> {
  const uri = await vscode.window.showOpenDialog({ title, canSelectMany: false, openLabel: 'Use this file' });
  return uri?.[0]?.fsPath;
}

/** From the Cluster Explorer's etcd folder the kube context comes along: the profile is tied to it. */
async function addEndpoints(kubeContext?: unknown): Promise<void> {
  const context = typeof kubeContext === 'string' ? kubeContext : undefined;
  const value = await vscode.window.showInputBox({
    title: context ? `etcd endpoints of ${context}` : 'etcd endpoints',
    prompt: 'Every member\'s client URL, comma-separated (not just the first: the tool must reach the cluster when one member is down)',
    placeHolder: 'https://10.0.0.1:2379,https://10.0.0.2:2379,https://10.0.0.3:2379',
    validateInput: (v) => {
      const list = splitEndpoints(v);
      if (!list.length) return 'At least one endpoint';
      for (const e of list) { try { validateEndpoint(e); } catch (err) { return (err as Error).message; } }
      return list.length === 1 ? { message: 'A single endpoint cannot reach the cluster when that member is down: list them all if you can.', severity: vscode.InputBoxValidationSeverity.Warning } : undefined;
    },
  });
  if (!value) return;
  const name = await vscode.window.showInputBox({ title: 'Name for this cluster', value: context ?? 'etcd' });
  if (!name) return;
  const useTls = await vscode.window.showQuickPick(['Client certificate (CA, cert, key)', 'CA only', 'No TLS files'], { title: 'TLS' });
  if (!useTls) return;
  const caFile = useTls !== 'No TLS files' ? await pickFile('CA certificate') : undefined;
  const certFile = useTls.startsWith('Client') ? await pickFile('Client certificate') : undefined;
  const keyFile = useTls.startsWith('Client') ? await pickFile('Client key') : undefined;
  await saveProfile({ name, endpoints: splitEndpoints(value), caFile, certFile, keyFile, kubeContext: context });
}

/** A file that cannot be used is refused with the reason; broken contexts beside usable ones are named. */
async function pickKubeconfig(): Promise<void> {
  const file = await pickFile('kubeconfig');
  if (!file) return;
  const check = checkKubeconfigFile(file);
  if (!check.ok) { void vscode.window.showErrorMessage(`Kubeconfig not used: ${check.reason}`); return; }
  await vscode.workspace.getConfiguration(SECTION).update('kubernetes.kubeconfig', file, vscode.ConfigurationTarget.Global);
  const contexts = `${check.contexts.length} ${check.contexts.length === 1 ? 'context' : 'contexts'} (${check.contexts.join(', ')})`;
  const show = check.problems.length ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  void show(`Kubeconfig set: ${contexts}${check.problems.length ? `; not usable: ${check.problems.join('; ')}` : ''}.`);
}

export function registerConnectCommands(app: App): void {
  app.context.subscriptions.push(
    vscode.commands.registerCommand('etcdOps.refresh', () => app.registry.refreshAll()),
    vscode.commands.registerCommand('etcdOps.addEndpoints', addEndpoints),
    vscode.commands.registerCommand('etcdOps.pickKubeconfig', pickKubeconfig),
    vscode.commands.registerCommand('etcdOps.showLog', () => app.log.show()),
    vscode.commands.registerCommand('etcdOps.copyMemberId', async (target?: unknown) => {
      const node = memberNodeOf(target);
      if (node?.member.id) {
        await vscode.env.clipboard.writeText(node.member.id);
        vscode.window.setStatusBarMessage(`Copied member id ${node.member.id}`, 3000);
      }
    }),
  );
}
