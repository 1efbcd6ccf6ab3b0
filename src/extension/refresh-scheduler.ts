// Auto-refresh of the configured clusters: every `refresh.intervalSeconds` while the view is visible, every
// `refresh.hiddenIntervalSeconds` while it is hidden (the status bar and the notifications still need fresh
// health: a problem must not wait for the sidebar to open), never while paused or with no cluster configured.
import * as vscode from 'vscode';
import { ClusterRegistry } from './cluster-registry';

export interface RefreshIntervals {
  visibleMs: number;
  hiddenMs: number;
}

export class RefreshScheduler implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private timerMs: number | null = null;
  private visible = false;
  private paused = false;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when pausing or resuming. */
  readonly onDidChangePaused = this.changed.event;

  constructor(private readonly registry: ClusterRegistry, private intervals: RefreshIntervals) {}

  get isPaused(): boolean {
    return this.paused;
  }

  setVisible(visible: boolean): void {
    const opened = visible && !this.visible;
    this.visible = visible;
    if (opened && !this.paused) void this.registry.refreshAll();
    this.start();
  }

  setIntervals(intervals: RefreshIntervals): void {
    this.intervals = intervals;
    this.start();
  }

  setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    if (!paused) void this.registry.refreshAll();
    this.start();
    this.changed.fire();
  }

  /** The interval in force now, null when nothing refreshes on its own. */
  currentIntervalMs(): number | null {
    if (this.paused || !this.registry.list().some((e) => e.port)) return null;
    return this.visible ? this.intervals.visibleMs : this.intervals.hiddenMs;
  }

  /** (Re)starts the timer for the current state; called whenever visibility, settings, pause or the clusters change. */
  start(): void {
    const ms = this.currentIntervalMs();
    if (this.timer && ms === this.timerMs) return;
    this.stop();
    if (ms === null) return;
    this.timerMs = ms;
    this.timer = setInterval(() => void this.registry.refreshAll(), ms);
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.timerMs = null;
  }

  dispose(): void {
    this.stop();
    this.changed.dispose();
  }
}
