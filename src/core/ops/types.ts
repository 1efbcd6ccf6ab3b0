// The shapes every safe operation shares: options in, progress out, one result the CLI prints and the
// VS Code layer shows and logs (audit: member list before and after).
import { MemberInfo } from '../port';

export type OpKind = 'move-leader' | 'remove-member' | 'alarms' | 'compact' | 'defrag' | 'add-member' | 'promote-member' | 'replace-member';

export interface OpCheck {
  name: string;
  ok: boolean;
  detail: string;
  /**
   * 'error': a failed check refuses the operation. 'warning': shown, the operation may go ahead.
   * 'info': a passed check worth reading. Absent on plain passes.
   */
  severity?: 'error' | 'warning' | 'info';
}

export type StepStatus = 'done' | 'failed' | 'skipped';

export interface OpStep {
  name: string;
  status: StepStatus;
  detail: string;
  ms: number;
}

export interface OpResult {
  op: OpKind;
  /** What the caller asked for (a name, hex or decimal id). */
  target: string;
  /** The member it resolved to (hex), null when it matched none. */
  targetId: string | null;
  targetName: string | null;
  dryRun: boolean;
  ok: boolean;
  /** True when nothing was attempted: a failed check, no confirmation, or cancelled before the first change. */
  refused: boolean;
  cancelled: boolean;
  /**
   * True when an action was sent (MemberRemove, MoveLeader) and whether it was applied is not known: it may
   * still land. The reason says so and how to check. Never reported as a plain failure.
   */
  outcomeUnknown?: boolean;
  /** Why it was refused or failed, in words; on success a one-line summary. */
  reason: string;
  /** What the operation does (or would do), in order. */
  plan: string[];
  checks: OpCheck[];
  steps: OpStep[];
  leaderBefore: string | null;
  leaderAfter: string | null;
  leaderTransferredTo: string | null;
  /** From sending MoveLeader until enough members reported the new leader. */
  transferMs?: number;
  removed: string | null;
  /** add-member, replace-member: the member added (as the add answered it, hex id); null when none was. */
  added?: MemberInfo | null;
  /** add-member: whether the member was (or would be) added as a learner. */
  isLearner?: boolean;
  /** add-member, replace-member: what the new member needs to start (ETCD_* variables); null before the add. */
  env?: Record<string, string> | null;
  /** The same as etcd flags, in order. */
  flags?: string[] | null;
  /** promote-member: the learner promoted (hex id); null when none was. */
  promoted?: string | null;
  /** What the operator still has to do after this operation, in order. */
  next?: string[];
  /**
   * Time, as polled from the surviving members every few ms, during which none of them reported a leader
   * that is (still) a member. Set when the operation changed leadership or removed a member.
   */
  leaderlessMs?: number;
  membersBefore: MemberInfo[];
  /** Member list read after the operation from a surviving member; null when none could be read. */
  membersAfter: MemberInfo[] | null;
  startedAt: number;
  /** When the operator confirmed (port clock); the deadline runs from here. Absent without a confirmation. */
  confirmedAt?: number;
  durationMs: number;
}

export type OpProgress =
  | { kind: 'step-started'; step: string }
  | { kind: 'step-finished'; step: OpStep }
  | { kind: 'waiting'; message: string };

/** Any AbortSignal satisfies this; the VS Code layer adapts its CancellationToken. */
export interface CancelSignal {
  readonly aborted: boolean;
}

export interface OpOptions {
  /** Plan and check only; change nothing. */
  dryRun?: boolean;
  /**
   * Deadline of the operation, ms (default 30 000). It runs from the confirmation (a prompt may take
   * minutes); before it, the reads and checks have their own bound of the same length.
   */
  deadlineMs?: number;
  /** Upper bound of one step, ms (default 15 000; never beyond the deadline). */
  stepTimeoutMs?: number;
  /** How far (entries) a new leader's applied index may trail the leader's (default 1000). */
  maxLagEntries?: number;
  /** How often to poll member status while waiting, ms (default 20). */
  pollMs?: number;
  signal?: CancelSignal;
  /**
   * The target is an exact member id (hex, e.g. a tree row's), matched by id only. Typed input (the CLI)
   * leaves it unset: a name is tried first, then an id.
   */
  targetById?: boolean;
  onProgress?: (event: OpProgress) => void;
  /**
   * Asked once the checks pass and before anything changes, with the plan and checks filled in.
   * Returning false refuses the operation ("not confirmed"). After it, the cluster is read again and the
   * checks re-run; if anything they depend on changed, the operation stops without acting.
   */
  confirm?: (preview: OpResult) => Promise<boolean>;
  /** Other profiles the caller knows (name + endpoints), to warn which ones point at a removed member. */
  profiles?: { name: string; endpoints: string[] }[];
}

export const DEFAULTS = {
  deadlineMs: 30_000,
  stepTimeoutMs: 15_000,
  maxLagEntries: 1000,
  pollMs: 20,
} as const;

/** A refusal is any failed check that is not merely a warning. */
export function blockingChecks(checks: OpCheck[]): OpCheck[] {
  return checks.filter((c) => !c.ok && c.severity !== 'warning');
}
