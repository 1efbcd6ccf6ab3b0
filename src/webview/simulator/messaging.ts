// The webview's side of the typed protocol (src/extension/simulator/protocol.ts): requests to the host, and
// the host's messages handed to one handler.
import type { FromWebview, ToWebview } from '../../extension/simulator/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

// May be acquired once per webview.
const vscode = acquireVsCodeApi();

export function post(message: FromWebview): void {
  vscode.postMessage(message);
}

export function onHostMessage(handler: (message: ToWebview) => void): void {
  window.addEventListener('message', (e: MessageEvent<unknown>) => {
    const m = e.data as { type?: unknown } | null;
    if (!m || typeof m.type !== 'string') return;
    handler(m as ToWebview);
  });
}
