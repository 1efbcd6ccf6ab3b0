// The diagnostics panel: every finding from every source (live health, data dir, certificates, configs),
// grouped by severity, each with its remediation and actions. One panel, updated in place.
import * as vscode from 'vscode';
import { Finding } from '../../core/findings';
import { webviewHtml } from '../panels/webview-html';

export interface FindingSource {
  /** e.g. "Live health: local etcd", "Data dir /var/lib/etcd", "Certificates /etc/kubernetes/pki/etcd" */
  title: string;
  /** A headline fact, e.g. "state: removed" or "member 8e9e05c52164694d". */
  summary?: string;
  findings: Finding[];
}

type FromWebview =
  | { type: 'openFile'; path: string; line?: number }
  | { type: 'copy'; text: string }
  | { type: 'run'; command: string; args?: unknown[] }
  | { type: 'ready' };

export class DiagnosticsPanel implements vscode.Disposable {
  private static current: DiagnosticsPanel | undefined;
  private sources = new Map<string, FindingSource>();
  private ready = false;

  static show(extensionUri: vscode.Uri, source?: FindingSource): DiagnosticsPanel {
    if (!DiagnosticsPanel.current) DiagnosticsPanel.current = new DiagnosticsPanel(extensionUri);
    const panel = DiagnosticsPanel.current;
    if (source) panel.sources.set(source.title, source);
    panel.panel.reveal(undefined, false);
    panel.post();
    return panel;
  }

  /** Updates a source if the panel is open (e.g. live health after each refresh); never opens it. */
  static update(source: FindingSource): void {
    const panel = DiagnosticsPanel.current;
    if (!panel) return;
    panel.sources.set(source.title, source);
    panel.post();
  }

  /** Drops live sources whose cluster is gone (e.g. a profile removed from settings). */
  static retain(keep: (title: string) => boolean): void {
    const panel = DiagnosticsPanel.current;
    if (!panel) return;
    const before = panel.sources.size;
    for (const title of [...panel.sources.keys()]) if (!keep(title)) panel.sources.delete(title);
    if (panel.sources.size !== before) panel.post();
  }

  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(extensionUri: vscode.Uri) {
    this.panel = vscode.window.createWebviewPanel('etcdOps.diagnostics', 'etcd Diagnostics', vscode.ViewColumn.Active, {
      enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')], retainContextWhenHidden: true,
    });
    this.panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'etcd.svg');
    this.panel.webview.html = webviewHtml(this.panel.webview, extensionUri, { title: 'etcd Diagnostics', script: 'diagnostics.js', styles: ['webview.css'] });
    this.disposables.push(
      this.panel.onDidDispose(() => this.dispose()),
      this.panel.webview.onDidReceiveMessage((m: FromWebview) => this.onMessage(m)),
    );
  }

  private post(): void {
    if (!this.ready) return;
    void this.panel.webview.postMessage({ type: 'sources', sources: [...this.sources.values()] });
  }

  private async onMessage(m: FromWebview): Promise<void> {
    switch (m.type) {
      case 'ready': this.ready = true; this.post(); break;
      case 'openFile': {
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(m.path));
        const line = Math.max(0, (m.line ?? 1) - 1);
        await vscode.window.showTextDocument(doc, { selection: new vscode.Range(line, 0, line, 0), preview: false });
        break;
      }
      case 'copy':
        await vscode.env.clipboard.writeText(m.text);
        vscode.window.setStatusBarMessage('Command copied', 3000);
        break;
      case 'run':
        // Only the extension's own commands can be run from the panel.
        if (m.command.startsWith('etcdOps.')) await vscode.commands.executeCommand(m.command, ...(m.args ?? []));
        break;
    }
  }

  dispose(): void {
    DiagnosticsPanel.current = undefined;
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
