// What the Member Performance panel receives (plain JSON): shared by the host (history.ts) and the webview,
// so it imports nothing that needs Node.
import type { Finding } from '../../core/findings';

/** One member's figures at one window's end; null where the window had no observation. */
export interface MemberPoint {
  at: number;
  walFsyncP99Ms: number | null;
  backendCommitP99Ms: number | null;
  /** Worst peer round trip p99 this member measured in the window. */
  peerRttP99Ms: number | null;
  leaderChanges: number | null;
}

export interface MemberSeries {
  id: string | null;
  name: string;
  points: MemberPoint[];
  /** Why the latest window has no figures for this member. */
  error: string | null;
}

/** What the panel receives: plain JSON. */
export interface PerformanceView {
  cluster: string;
  spanMs: number;
  members: MemberSeries[];
  thresholds: { walFsyncP99Ms: number; backendCommitP99Ms: number; peerRttP99Ms: number };
  findings: Finding[];
  lastWindowSeconds: number | null;
}

