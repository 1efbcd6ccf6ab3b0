// Scenarios: a starting cluster plus a list of timed steps (faults and operations). The built-in ones replay
// the failures this product exists for; operators can write their own as JSON (scenario-file.ts, README.md).
// A step starts at its `at` time plus a random offset below `jitterMs` (drawn per run, so a Monte-Carlo
// rehearsal varies the fault timing), or when the previous step finished, whichever is later.
import type { AlarmKind } from '../port';
import { SimTiming } from './engine';
import { NetworkOptions } from './network';
import { Prng } from './prng';
import type { StorageOptions } from './sim-config';

/**
 * A member: "m1".."mN" (names), "leader" (whoever can commit now), "follower" (a random running voter that
 * does not lead), "first", "newest" (the last added), "random" (any running member), or a hex member id.
 */
export type MemberRef = string;

export const STEP_ACTIONS = [
  'crash', 'restart', 'stop', 'partition', 'isolate', 'heal', 'loss', 'delay', 'wait',
  'transfer-leadership', 'remove-member', 'safe-remove-member', 'add-member', 'promote-member', 'join',
  'defrag', 'rolling-defrag', 'compact', 'raise-alarm', 'disarm-alarm',
] as const;
export type StepAction = typeof STEP_ACTIONS[number];

export interface ScenarioStep {
  action: StepAction;
  /** Earliest start, ms of simulated time since the run began (default 0). */
  at?: number;
  /** Random extra delay in [0, jitterMs) per run. */
  jitterMs?: number;
  /** Do not wait for this step before starting the next one. */
  background?: boolean;
  member?: MemberRef;
  /** The member a membership request is sent to (default "leader"). */
  via?: MemberRef;
  /** transfer-leadership target (default "follower"). */
  to?: MemberRef;
  /** partition: groups of members; members not listed form one more group. */
  groups?: MemberRef[][];
  /** partition: index of the group the operator's client stays in (default 0). */
  client?: number;
  /** loss: probability 0..1 that a message is lost. */
  rate?: number;
  /** delay: one-way latency and extra uniform jitter of messages, ms. */
  latencyMs?: number;
  messageJitterMs?: number;
  /** crash / isolate / partition / loss / delay: undo after this long (restart, heal, loss 0, previous delay); wait: how long. */
  durationMs?: number;
  /** Random extra duration in [0, durationJitterMs). */
  durationJitterMs?: number;
  /** add-member / join: add as learner (join then promotes once caught up). */
  learner?: boolean;
  /** add-member / join: start the new member's etcd this long after MemberAdd answered (default 1000). */
  startAfterMs?: number;
  /** join: wait between attempts after a refusal (default 1000), and how many attempts (default 10). */
  retryMs?: number;
  attempts?: number;
  /** add-member / join: the new node never starts etcd in this cluster (k0s: it bootstrapped a cluster of its own). */
  neverStarts?: boolean;
  /** rolling-defrag: followers first and the leader last (default), or the leader first. */
  order?: 'leader-last' | 'leader-first';
  /** rolling-defrag leader-last: move leadership away before defragmenting the leader (default true). */
  transferLeader?: boolean;
  /** raise-alarm / disarm-alarm: which alarm (default NOSPACE). */
  alarm?: AlarmKind;
  /** compact: keep this many revisions before the current one (default 1000). */
  keepRevisions?: number;
}

export interface ScenarioSpec {
  name: string;
  description?: string;
  /** Members at the start (default 3). */
  members?: number;
  /** Which member leads at the start: a MemberRef, "random", or "none" (an election opens the run). Default "m1". */
  leader?: MemberRef;
  /** Members that are down at the start. */
  down?: MemberRef[];
  /** Members that are learners at the start. */
  learners?: MemberRef[];
  timing?: Partial<SimTiming>;
  network?: Partial<NetworkOptions>;
  /** A client write every this many ms (default 500; 0 = none). */
  writeIntervalMs?: number;
  /** Simulated time to keep running after the last step (default 2000 ms; a cluster still without a writable
   * leader then gets up to the stall threshold more to recover). */
  settleMs?: number;
  /** Minimum length of a run, ms. */
  durationMs?: number;
  /** Every member's db file size and the part in use, bytes (defaults 20 MiB and 80 % of it). */
  dbSizeBytes?: number;
  dbSizeInUseBytes?: number;
  /** Every member's --quota-backend-bytes (default 2 GiB); a db at or over it raises NOSPACE. */
  quotaBytes?: number;
  /** Snapshot and defragmentation speeds, --snapshot-count, entries kept after a snapshot. */
  storage?: Partial<StorageOptions>;
  steps: ScenarioStep[];
}

export interface BuiltinScenario {
  name: string;
  summary: string;
  defaultMembers: number;
  minMembers: number;
  /** The scenario replays a failure: quorum is lost in some runs (or all), by design. */
  losesQuorum?: boolean;
  /** The scenario to compare it with side by side (the other plan for the same change). */
  compareWith?: string;
  build(members: number, rng: Prng): ScenarioSpec;
}

const OP_AT = 500;
const OP_JITTER = 500;

export const BUILTIN_SCENARIOS: readonly BuiltinScenario[] = [
  {
    name: 'first-member-down',
    summary: 'k3s: the first server (m1) is killed and comes back 5-10 s later; the leader may be any member',
    defaultMembers: 3,
    minMembers: 1,
    build: (members) => ({
      name: 'first-member-down', members, leader: 'random',
      steps: [{ action: 'crash', member: 'm1', at: OP_AT, jitterMs: OP_JITTER, durationMs: 5000, durationJitterMs: 5000 }],
    }),
  },
  {
    name: 'remove-leader',
    compareWith: 'remove-leader-naive',
    summary: 'the safe plan (ops engine): move leadership to a caught-up voter, then remove the old leader through it',
    defaultMembers: 3,
    minMembers: 2,
    build: (members) => ({
      name: 'remove-leader', members, leader: 'random',
      steps: [{ action: 'safe-remove-member', member: 'leader', at: OP_AT, jitterMs: OP_JITTER }],
    }),
  },
  {
    name: 'remove-leader-naive',
    compareWith: 'remove-leader',
    summary: 'k0s: the leader removes itself directly; it keeps heartbeating until it stops 1 s later, then an election',
    defaultMembers: 3,
    minMembers: 2,
    build: (members) => ({
      name: 'remove-leader-naive', members, leader: 'random',
      steps: [{ action: 'remove-member', member: 'leader', via: 'leader', at: OP_AT, jitterMs: OP_JITTER }],
    }),
  },
  {
    name: 'concurrent-joins',
    summary: 'RKE2/k0s: one member, the others join at about the same time, retrying refusals (--members = final size)',
    defaultMembers: 3,
    minMembers: 2,
    build: (members) => ({
      name: 'concurrent-joins', members: 1, leader: 'm1',
      steps: Array.from({ length: members - 1 }, () => ({
        action: 'join' as const, background: true, at: 500, jitterMs: 1500, startAfterMs: 1000, retryMs: 1000, attempts: 30,
      })),
    }),
  },
  {
    name: 'replace-first-member',
    compareWith: 'hetzner-replace',
    summary: 'hetzner-k3s: m1 is deleted; the operator removes it through the live leader and joins a replacement',
    defaultMembers: 3,
    minMembers: 2,
    build: (members) => ({
      name: 'replace-first-member', members, leader: 'random',
      steps: [
        { action: 'crash', member: 'm1', at: OP_AT, jitterMs: OP_JITTER },
        { action: 'remove-member', member: 'm1', via: 'leader', at: OP_AT + 3000, jitterMs: 2000 },
        { action: 'join', startAfterMs: 1000, retryMs: 1000, attempts: 30 },
      ],
    }),
  },
  {
    name: 'partition-leader',
    summary: 'the leader is cut off from the others (the operator stays with the majority) for 1-5 s, then the network heals',
    defaultMembers: 3,
    minMembers: 2,
    build: (members) => ({
      name: 'partition-leader', members, leader: 'random',
      steps: [{ action: 'isolate', member: 'leader', at: OP_AT, jitterMs: OP_JITTER, durationMs: 1000, durationJitterMs: 4000 }],
    }),
  },
  {
    name: 'random-faults',
    summary: '3-6 random faults over 15 s: kills with restarts, graceful restarts, isolations, bursts of message loss',
    defaultMembers: 5,
    minMembers: 1,
    build: (members, rng) => {
      const steps: ScenarioStep[] = [];
      const n = 3 + rng.int(4);
      for (let i = 0; i < n; i++) {
        const at = Math.round(rng.range(500, 15000));
        const member = rng.chance(0.4) ? 'leader' : `m${1 + rng.int(members)}`;
        const kind = rng.int(4);
        if (kind === 0) steps.push({ action: 'crash', member, at, durationMs: Math.round(rng.range(500, 5000)), background: true });
        else if (kind === 1) steps.push({ action: 'isolate', member, at, durationMs: Math.round(rng.range(500, 4000)), background: true });
        else if (kind === 2) steps.push({ action: 'loss', rate: Math.round(rng.range(0.05, 0.3) * 100) / 100, at, durationMs: Math.round(rng.range(500, 3000)), background: true });
        else {
          const named = `m${1 + rng.int(members)}`; // a name, so the restart finds the member that stopped
          steps.push({ action: 'stop', member: named, at, background: true },
            { action: 'restart', member: named, at: at + Math.round(rng.range(1000, 4000)), background: true });
        }
      }
      steps.sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
      return { name: 'random-faults', members, leader: 'random', steps };
    },
  },
  {
    name: 'hetzner-replace',
    compareWith: 'hetzner-replace-second-failure',
    summary: 'hetzner-k3s: master1 (m1) is gone; removed through the live leader, a learner joins through it, catches up by snapshot (2 GB db) and is promoted',
    defaultMembers: 3,
    minMembers: 2,
    build: (members) => ({
      name: 'hetzner-replace', members, leader: 'random', dbSizeBytes: 2_000_000_000,
      steps: [
        { action: 'crash', member: 'm1', at: OP_AT, jitterMs: OP_JITTER },
        { action: 'safe-remove-member', member: 'm1', at: OP_AT + 3000, jitterMs: 2000 },
        { action: 'join', learner: true, startAfterMs: 1000, retryMs: 1000, attempts: 60 },
      ],
    }),
  },
  {
    name: 'hetzner-replace-second-failure',
    compareWith: 'hetzner-replace',
    losesQuorum: true,
    summary: 'as hetzner-replace, and a follower is killed at a random time 6-46 s in: quorum is lost when that falls in the window without fault tolerance (m1 removed, the learner not yet promoted)',
    defaultMembers: 3,
    minMembers: 3,
    build: (members) => ({
      name: 'hetzner-replace-second-failure',
    losesQuorum: true, members, leader: 'random', dbSizeBytes: 2_000_000_000,
      steps: [
        { action: 'crash', member: 'm1', at: OP_AT, jitterMs: OP_JITTER },
        { action: 'safe-remove-member', member: 'm1', at: OP_AT + 3000, jitterMs: 2000 },
        { action: 'join', learner: true, startAfterMs: 1000, retryMs: 1000, attempts: 60, background: true },
        { action: 'crash', member: 'follower', at: OP_AT + 6000, jitterMs: 40_000, background: true },
      ],
    }),
  },
  {
    name: 'k0s-certs-only-join',
    losesQuorum: true,
    summary: 'k0s: a controller is added as a voter, restarts during the join and bootstraps a cluster of its own (it judged "joined" from its certs); one more failure then loses quorum',
    defaultMembers: 3,
    minMembers: 2,
    build: (members) => ({
      name: 'k0s-certs-only-join',
    losesQuorum: true, members, leader: 'random',
      steps: [
        { action: 'add-member', learner: false, neverStarts: true, at: OP_AT, jitterMs: OP_JITTER },
        { action: 'crash', member: 'follower', at: OP_AT + 5000, jitterMs: 5000 },
      ],
    }),
  },
  {
    name: 'rke2-three-joins',
    summary: 'RKE2: three servers join one at the same moment through the live leader, retrying "not enough started members" until each one before them has started',
    defaultMembers: 1,
    minMembers: 1,
    build: (members) => ({
      name: 'rke2-three-joins', members, leader: 'm1',
      steps: Array.from({ length: 3 }, () => ({
        action: 'join' as const, background: true, at: 500, jitterMs: 200, startAfterMs: 1000, retryMs: 1000, attempts: 30,
      })),
    }),
  },
  {
    name: 'rolling-defrag-leader-last',
    compareWith: 'rolling-defrag-leader-first',
    summary: 'defragment every member (1 GB db each), followers first; leadership is moved away before the old leader is defragmented: no election',
    defaultMembers: 3,
    minMembers: 2,
    build: (members) => ({
      name: 'rolling-defrag-leader-last', members, leader: 'random', dbSizeBytes: 1_000_000_000, dbSizeInUseBytes: 400_000_000,
      steps: [{ action: 'rolling-defrag', order: 'leader-last', at: OP_AT, jitterMs: OP_JITTER }],
    }),
  },
  {
    name: 'rolling-defrag-leader-first',
    compareWith: 'rolling-defrag-leader-last',
    summary: 'defragment every member (1 GB db each), the leader first: it is stalled past the election timeout and the cluster has no leader until an election',
    defaultMembers: 3,
    minMembers: 2,
    build: (members) => ({
      name: 'rolling-defrag-leader-first', members, leader: 'random', dbSizeBytes: 1_000_000_000, dbSizeInUseBytes: 400_000_000,
      steps: [{ action: 'rolling-defrag', order: 'leader-first', at: OP_AT, jitterMs: OP_JITTER }],
    }),
  },
];

export function builtinScenario(name: string): BuiltinScenario | undefined {
  return BUILTIN_SCENARIOS.find((s) => s.name === name);
}
