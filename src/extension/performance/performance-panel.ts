// The "Member Performance" panel: one webview (src/webview/performance, bundled to dist/webview/performance.js)
// drawing the sampler's 30-minute history of one cluster. It only displays: the sampling happens in
// sampler-service.ts whether or not the panel is open. Nonce CSP shell from panels/webview-html.ts.
import * as vscode from 'vscode';
import { webviewHtml } from '../panels/webview-html';
import { PerformanceSamplerService, SAMPLE_PERIOD_MS } from './sampler-service';

export class PerformancePanel implements vscode.Disposable {
  private static current: PerformancePanel | undefined;

  static show(extensionUri: vscode.Uri, service: PerformanceSamplerService, clusterKey: string, label: string): PerformancePanel {
    if (PerformancePanel.current && PerformancePanel.current.clusterKey !== clusterKey) PerformancePanel.current.dispose();
    if (!PerformancePanel.current) PerformancePanel.current = new PerformancePanel(extensionUri, service, clusterKey, label);
    PerformancePanel.current.panel.reveal(undefined, false);
    return PerformancePanel.current;
  }

  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(extensionUri: vscode.Uri, private readonly service: PerformanceSamplerService, readonly clusterKey: string, private readonly label: string) {
    this.panel = vscode.window.createWebviewPanel('etcdOps.performance', `Member Performance: ${label}`, vscode.ViewColumn.Active, {
      enableScripts: true, retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
    });
    this.panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'etcd.svg');
    this.panel.webview.html = webviewHtml(this.panel.webview, extensionUri, {
      title: 'Member Performance', script: 'performance.js', scriptDir: 'dist/webview', styles: ['webview.css', 'performance.css'],
    });
    this.disposables.push(
      this.panel.onDidDispose(() => this.dispose()),
      service.onDidUpdate((key) => { if (key === clusterKey) this.post(); }),
      // The webview asks once its script runs: a message posted before that would be lost.
      this.panel.webview.onDidReceiveMessage((m: { type?: string }) => { if (m?.type === 'ready') this.post(); }),
    );
  }

  private post(): void {
    const view = this.service.history(this.clusterKey)?.view() ?? null;
    void this.panel.webview.postMessage({ type: 'performance', label: this.label, periodMs: SAMPLE_PERIOD_MS, view });
  }

  dispose(): void {
    if (PerformancePanel.current === this) PerformancePanel.current = undefined;
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
