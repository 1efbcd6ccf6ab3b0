// Auto-refresh every N seconds while the view is visible; paused while hidden, so a closed sidebar costs nothing.
import * as vscode from 'vscode';
import { ClusterRegistry } from './cluster-registry';

export class RefreshScheduler implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private visible = false;

  constructor(private readonly registry: ClusterRegistry, private intervalMs: number) {}

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) { void this.registry.refreshAll(); this.start(); } else this.stop();
  }

  setInterval(ms: number): void {
    this.intervalMs = ms;
    if (this.visible) this.start();
  }

  private start(): void {
    this.stop();
    this.timer = setInterval(() => void this.registry.refreshAll(), this.intervalMs);
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.stop();
  }
}
