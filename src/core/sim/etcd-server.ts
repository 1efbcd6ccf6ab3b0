// What etcd's server adds on top of raft, as the simulator models it: the strict reconfiguration checks
// (etcdserver/server.go mayRemoveMember / mayAddMember / mayPromoteMember, membership/cluster.go), the errors
// clients see, and timing rules: a removed member stops 10 ticks after applying its removal
// (stopWithDelay(10 * TickMs)), a graceful stop hands leadership over first, a (re)started member advances
// its election ticks once it sees its peers (adjustTicks), requests time out after ReqTimeout.
// The checks take the etcd version's rules (version-rules.ts): learner limit, promotion readiness, strictness.
import { defaultRules, VersionRules } from './version-rules';

/** Error texts exactly as etcd's gRPC API returns them (etcdserver/api/v3rpc/rpctypes). */
export const ETCD_ERRORS = {
  notLeader: 'etcdserver: not leader',
  unhealthy: 'etcdserver: unhealthy cluster',
  notEnoughStarted: 'etcdserver: re-configuration failed due to not enough started members',
  badTransferee: 'etcdserver: bad leader transferee',
  learnerNotReady: 'etcdserver: can only promote a learner member which is in sync with leader',
  notLearner: 'etcdserver: can only promote a learner member',
  tooManyLearners: 'etcdserver: too many learner members in cluster',
  memberNotFound: 'etcdserver: member not found',
  idRemoved: 'etcdserver: ID removed',
  peerURLExists: 'etcdserver: Peer URLs already exists',
  requestTimeout: 'etcdserver: request timed out',
  transferTimeout: 'etcdserver: request timed out, leader transfer took too long',
  stopped: 'etcdserver: server stopped',
  removed: 'the member has been permanently removed from the cluster',
} as const;

/** etcd's HealthInterval: a peer counts as connected only when its connection is this old. */
export const HEALTH_INTERVAL_MS = 5000;
/** Ticks between applying one's own removal and stopping (stopWithDelay(10 * TickMs)). */
export const REMOVED_STOP_TICKS = 10;

/** etcd's ReqTimeout(): 5 s plus two election timeouts. */
export function requestTimeoutMs(electionMs: number): number {
  return 5000 + 2 * electionMs;
}

/** One member as the receiving server sees it for the reconfiguration checks. */
export interface ReconfigMember {
  slot: number;
  isLearner: boolean;
  /** etcd's IsStarted(): the member has published its name. */
  started: boolean;
  /** The receiving server's transport has been connected to it for at least HealthInterval (itself: true). */
  connected: boolean;
}

function voters(members: readonly ReconfigMember[]): ReconfigMember[] {
  return members.filter((m) => !m.isLearner);
}

/** membership.IsReadyToAddVotingMember. */
export function isReadyToAddVotingMember(members: readonly ReconfigMember[]): boolean {
  const v = voters(members);
  const nmembers = v.length + 1;
  const nstarted = v.filter((m) => m.started).length;
  if (nstarted === 1 && nmembers === 2) return true; // adding a second member to a single-member cluster
  return nstarted >= Math.floor(nmembers / 2) + 1;
}

/** membership.IsReadyToRemoveVotingMember. */
export function isReadyToRemoveVotingMember(members: readonly ReconfigMember[], target: number): boolean {
  const rest = voters(members).filter((m) => m.slot !== target);
  const nstarted = rest.filter((m) => m.started).length;
  return nstarted >= Math.floor(rest.length / 2) + 1;
}

/** membership.IsReadyToPromoteMember: the learner counts as a started future voter. */
export function isReadyToPromoteMember(members: readonly ReconfigMember[]): boolean {
  const v = voters(members);
  const nmembers = v.length + 1;
  const nstarted = v.filter((m) => m.started).length + 1;
  return nstarted >= Math.floor(nmembers / 2) + 1;
}

/** mayRemoveMember on the server `self`; null when allowed, else etcd's error. */
export function mayRemoveMember(members: readonly ReconfigMember[], self: number, target: number,
  rules: VersionRules = defaultRules()): string | null {
  const t = members.find((m) => m.slot === target);
  if (!t) return ETCD_ERRORS.memberNotFound;
  if (!rules.strictReconfigCheck || t.isLearner) return null; // removing a learner never endangers quorum
  if (!isReadyToRemoveVotingMember(members, target)) return ETCD_ERRORS.notEnoughStarted;
  // A member that is down is not part of the active quorum: removing it is safe.
  if (target !== self && !t.connected) return null;
  const v = voters(members);
  const active = v.filter((m) => m.slot === self || m.connected).length;
  if (active - 1 < 1 + Math.floor((v.length - 1) / 2)) return ETCD_ERRORS.unhealthy;
  return null;
}

/** mayAddMember plus the learner limit of membership.ValidateConfigurationChange. */
export function mayAddMember(members: readonly ReconfigMember[], self: number, isLearner: boolean,
  rules: VersionRules = defaultRules()): string | null {
  if (isLearner && members.filter((m) => m.isLearner).length >= rules.maxLearners) return ETCD_ERRORS.tooManyLearners;
  if (!rules.strictReconfigCheck) return null;
  if (!isLearner && !isReadyToAddVotingMember(members)) return ETCD_ERRORS.notEnoughStarted;
  const v = voters(members);
  if (!v.every((m) => m.slot === self || m.connected)) return ETCD_ERRORS.unhealthy;
  return null;
}

/** mayPromoteMember, evaluated on the leader (only it knows how far the learner got). */
export function mayPromoteMember(members: readonly ReconfigMember[], target: number, learnerMatch: number,
  leaderMatch: number, rules: VersionRules = defaultRules()): string | null {
  const t = members.find((m) => m.slot === target);
  if (!t) return ETCD_ERRORS.memberNotFound;
  if (!t.isLearner) return ETCD_ERRORS.notLearner;
  if (learnerMatch < leaderMatch * rules.learnerReadyPercent) return ETCD_ERRORS.learnerNotReady;
  if (rules.strictReconfigCheck && !isReadyToPromoteMember(members)) return ETCD_ERRORS.notEnoughStarted;
  return null;
}

/** etcd's flag validation for the two timing parameters. */
export function validateTiming(heartbeatMs: number, electionMs: number): void {
  if (!(heartbeatMs >= 1) || !Number.isFinite(heartbeatMs)) throw new RangeError(`heartbeat interval must be >= 1 ms, got ${heartbeatMs}`);
  if (!(electionMs >= 5 * heartbeatMs)) {
    throw new RangeError(`election timeout (${electionMs} ms) must be at least 5 times the heartbeat interval (${heartbeatMs} ms), as etcd requires`);
  }
  if (electionMs > 50000) throw new RangeError(`election timeout must be <= 50000 ms, got ${electionMs}`);
}
