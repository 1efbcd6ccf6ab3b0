// Collects what a ControlPlaneWatcher reports and lets a test wait for the first report that matches.
import { ControlPlaneSnapshot } from '../../src/core/kube/snapshot';

export class SnapshotLog {
  readonly all: ControlPlaneSnapshot[] = [];
  private waiters: { match: (s: ControlPlaneSnapshot) => boolean; resolve: (s: ControlPlaneSnapshot) => void }[] = [];

  push = (s: ControlPlaneSnapshot) => {
    this.all.push(s);
    this.waiters = this.waiters.filter((w) => (w.match(s) ? (w.resolve(s), false) : true));
  };

  /** The first snapshot from index `from` on that matches, waiting at most `ms` for it. */
  next(match: (s: ControlPlaneSnapshot) => boolean, what: string, ms = 20_000, from = 0): Promise<ControlPlaneSnapshot> {
    const seen = this.all.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no snapshot with ${what} within ${ms} ms`)), ms);
      this.waiters.push({ match, resolve: (s) => { clearTimeout(timer); resolve(s); } });
    });
  }
}
