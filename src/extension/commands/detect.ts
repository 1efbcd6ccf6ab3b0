// "Detect on this machine": find k3s, RKE2, k0s or kubeadm from their files and save the profiles found.
import * as vscode from 'vscode';
import { discover } from '../../core/discovery/discover';
import { plural } from '../../core/format';
import { App } from '../app';
import { saveProfile } from '../settings';

export function registerDetectCommand(app: App, onFindings: (source: string, findings: ReturnType<typeof discover>['findings']) => void): void {
  app.context.subscriptions.push(vscode.commands.registerCommand('etcdOps.detectLocal', async () => {
    const result = discover({ root: process.env.ETCD_OPS_DISCOVERY_ROOT || '/' });
    onFindings('Discovery on this machine', result.findings);
    if (!result.profiles.length) {
      const why = result.findings[0]?.message ?? 'nothing found';
      void vscode.window.showWarningMessage(`No etcd found on this machine: ${why}`, 'Add endpoints…')
        .then((a) => { if (a) void vscode.commands.executeCommand('etcdOps.addEndpoints'); });
      return;
    }
    const picks = await vscode.window.showQuickPick(result.profiles.map((p) => ({
      label: p.name, description: `${p.distro ?? result.distro} · ${plural(p.endpoints.length, 'endpoint')}`, detail: p.endpoints.join(', '), picked: true, profile: p,
    })), { title: `Found ${result.distro} (${result.role}): add which cluster(s)?`, canPickMany: true });
    for (const { profile: p } of picks ?? []) {
      await saveProfile({ name: p.name, endpoints: p.endpoints, caFile: p.tls?.caFile, certFile: p.tls?.certFile, keyFile: p.tls?.keyFile, dataDir: p.dataDir });
    }
    const warnings = result.findings.filter((f) => f.severity !== 'info');
    if (warnings.length) void vscode.window.showWarningMessage(`${plural(warnings.length, 'finding')} about this node's etcd configuration: see the diagnostics panel.`, 'Open diagnostics')
      .then((a) => { if (a) void vscode.commands.executeCommand('etcdOps.showDiagnostics'); });
  }));
}
