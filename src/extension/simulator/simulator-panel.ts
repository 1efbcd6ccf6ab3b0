// The simulator panel: one webview (src/webview/simulator, bundled to dist/webview/simulator.js) connected to a
// SimulatorController, which does the simulating in the extension host. Nonce CSP shell from panels/webview-html.ts; local resources only.
import * as vscode from 'vscode';
import { webviewHtml } from '../panels/webview-html';
import { SimulatorController } from './controller';

export class SimulatorPanel implements vscode.Disposable {
  private static current: SimulatorPanel | undefined;

  /** Opens the panel (or brings it forward) and returns it. */
  static show(extensionUri: vscode.Uri): SimulatorPanel {
    if (!SimulatorPanel.current) SimulatorPanel.current = new SimulatorPanel(extensionUri);
    SimulatorPanel.current.panel.reveal(undefined, false);
    return SimulatorPanel.current;
  }

  readonly controller: SimulatorController;
  private readonly panel: vscode.WebviewPanel;
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(extensionUri: vscode.Uri) {
    this.panel = vscode.window.createWebviewPanel('etcdOps.simulator', 'etcd Simulator', vscode.ViewColumn.Active, {
      enableScripts: true, retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
    });
    this.panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'etcd.svg');
    this.panel.webview.html = webviewHtml(this.panel.webview, extensionUri, {
      title: 'etcd Simulator', script: 'simulator.js', scriptDir: 'dist/webview', styles: ['webview.css', 'simulator.css'],
    });
    this.controller = new SimulatorController((m) => { void this.panel.webview.postMessage(m); });
    this.disposables.push(
      this.panel.onDidDispose(() => this.dispose()),
      this.panel.webview.onDidReceiveMessage((m: unknown) => this.controller.handle(m)),
    );
  }

  dispose(): void {
    if (SimulatorPanel.current === this) SimulatorPanel.current = undefined;
    this.controller.dispose();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
