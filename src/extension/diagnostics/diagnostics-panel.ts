// The diagnostics panel: every finding from every source (live health, data dir, certificates, configs),
// grouped by severity, each with its remediation and actions. One panel, updated in place.
import * as vscode from 'vscode';
import { webviewHtml } from '../panels/webview-html';
import { FindingSource, PanelActions } from './panel-actions';

export type { FindingSource } from './panel-actions';

export class DiagnosticsPanel implements vscode.Disposable {
  private static current: DiagnosticsPanel | undefined;
  private sources = new Map<string, FindingSource>();
  private ready = false;
  /** The only things the webview may ask for: ids handed out with the last render. */
  private readonly actions = new PanelActions();

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
      this.panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
    );
  }

  private post(): void {
    if (!this.ready) return;
    void this.panel.webview.postMessage({ type: 'sources', sources: this.actions.present([...this.sources.values()]) });
  }

  private async onMessage(message: unknown): Promise<void> {
    const r = this.actions.resolve(message);
    switch (r.kind) {
      case 'ready': this.ready = true; this.post(); break;
      case 'open': {
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(r.path));
        const line = r.line - 1;
        await vscode.window.showTextDocument(doc, { selection: new vscode.Range(line, 0, line, 0), preview: false });
        break;
      }
      case 'copy':
        await vscode.env.clipboard.writeText(r.text);
        vscode.window.setStatusBarMessage('Command copied', 3000);
        break;
      case 'run':
        await vscode.commands.executeCommand(r.command, ...r.args);
        break;
      case 'refused':
        void vscode.window.showWarningMessage(`etcd Diagnostics: request refused (${r.reason}).`);
        break;
    }
  }

  dispose(): void {
    DiagnosticsPanel.current = undefined;
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
